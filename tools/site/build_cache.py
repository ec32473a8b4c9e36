"""Work carried from one site build to the next, keyed by content hashes: the site is generated incrementally
(docs/performance.md, "Scale").

One store per kind of work, each a file under `.cache/site/` (gitignored; `SITE_CACHE_DIR` moves it,
`SITE_CACHE=0` turns caching off). The MkDocs hook opens them in on_config and saves them in on_post_build;
`python -m tools.site.generate` around its whole run.

* **fragments**: catalogue Markdown -> sanitized HTML (`sanitize.render_markdown`), keyed by the hash of the text
  and the heading offset. The file's name carries the hash of the rendering code (`sanitize.py`,
  `markdown_limits.py`) and of the Python-Markdown, pymdown-extensions and nh3 versions, so other code never
  reads these fragments.
* **catalogue**: the parsed YAML of each catalogue entry, by the hash of its text
  (`tools.catalogue.entry_cache`); the loaded catalogue is validated as a whole every time.
* **claims**: the verdicts on every claim (`claim_cache.py`), keyed by the id, models and claims of every
  paper, the measurements, `evaluations.yaml` and the code.
* **pages**: each paper page and the details it loads on demand (`paper_page.PaperPages.build`), keyed by the
  hash of everything the page is made from (`PaperPages.inputs_digest`): the paper's entry and note file, its
  claims' verdicts, what the registry, the measurements, the latency record and the cited top-1 accuracies say
  of its models, its BibTeX entry, the title, venue and year of its related papers, the ids and titles of the
  pages before and after it, every file under `tools/` and `reference_impls/` (templates, measurements and
  latency among them), and the Python, Jinja, Python-Markdown, pymdown-extensions, nh3 and pydantic versions.
  The links a page's Markdown makes to other papers depend on which of them exist: the entry records the ids
  its links named and whether each existed, and is not used if that changed. Editing one paper re-renders its
  page, its neighbours in the list (their "previous"/"next") and the pages that list it as related, if its
  title, venue or year changed.
* **bibtex**: each paper's BibTeX entry, keyed by the hash of the fields it is written from (`BIBTEX_FIELDS`),
  its citation key, the code and the bibtexparser version.
* **tables**: the Markdown table of the first rows of each list page (`tables.Lists.table`), keyed by what the
  table shows of each row (title, year, venue, status, links, tags, headline numbers, verdict tally), its
  settings, the code and the library versions; also `data/claims.json` (`Lists.claims_file`, keyed by what each
  row shows) and the benchmark sections of hand-written pages (`bench_results.render_section`, keyed by the
  results file).
* **templates**: the page templates compiled by Jinja (`render._SiteBytecodeCache`), checked by Jinja against
  each template's source.
* **insights**: the insight pages and their charts (`insights.build_insights`), keyed by the hash of everything
  they are drawn from: every measurement, the latency record, the model registry, the URL style, and of the
  catalogue the id, title, model references and claims of each paper (the insight code reads nothing else of a
  paper, which `tests/test_build_cache.py` checks), plus every file under `tools/` and `reference_impls/` and the
  matplotlib version. A change to any of them redraws the charts; nothing else does.

A hit returns what the same inputs produced before, byte for byte; tests/test_page_cache.py changes each input in
turn and compares with a build without the cache. A store (`signed_store.Store`) is read when a build starts and
extended when the build succeeds: entries it made are appended, and a file holding more than twice what a build
used is rewritten with those alone. An unreadable, foreign or corrupt record is ignored (the work is done again).

The folder is not trusted: anyone with the checkout can write it, and a pull request could commit it
(`git add -f`). A cache folder that git tracks, or that is or sits under a symbolic link in the repository, is
not used at all (the build says so and does the work). Every record is signed with a key kept outside the
checkout, in the user's own cache folder (`signed_store.key_file()`, 32 random bytes made on first use, readable
by the user alone), and a record whose signature does not match is ignored, so only what this user's own builds
wrote is served: not a store copied from elsewhere or another machine, or edited by hand. (That is also why the
CI and Pages workflows keep no site cache: each run has a key of its own and builds from nothing.) On top of
that, a fragment is served only if the sanitizer's cleaner leaves it unchanged
(`sanitize.render_markdown`).

    >>> with build_cache(repo_root):      # the MkDocs hook and `python -m tools.site.generate` do this
    ...     bundle = build_site(inputs, repo_root=repo_root)
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .signed_store import FORMAT, Store, is_store_file, key_file, signing_key

CACHE_SUBDIR = Path(".cache") / "site"
_FRAGMENT_CODE = ("tools/site/sanitize.py", "tools/catalogue/markdown_limits.py")
_FRAGMENT_LIBRARIES = ("markdown", "pymdown-extensions", "nh3")
_CODE_DIRS = ("tools", "reference_impls")
# What the claim verdicts read of a paper (tools/claims.py; tests/test_page_cache.py checks the judging code):
# any other field of a paper can change without judging the claims again (`claim_cache.py`).
JUDGED_FIELDS = frozenset({"id", "models", "claims"})
# What tools/bibtex_export.py reads of a paper (tests/test_page_cache.py checks): a note or a TL;DR can change
# without writing its BibTeX entry again.
BIBTEX_FIELDS = frozenset({"id", "title", "authors", "year", "bibtex", "doi", "arxiv", "links"})
_PAGE_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pymdown-extensions", "nh3", "pydantic")


@functools.cache
def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def digest(*parts: str | bytes) -> str:
    """Hash of a sequence of texts (each length-prefixed, so no two sequences share a hash by concatenation)."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little") + data)
    return hasher.hexdigest()


def fragment_key(text: str, heading_offset: int) -> str:
    return digest(str(heading_offset), text)


class BuildCache:
    """The stores of one build, in `folder`."""

    def __init__(self, folder: Path, repo_root: Path) -> None:
        self.folder = folder
        self.repo_root = repo_root
        code = [(repo_root / name).read_bytes() for name in _FRAGMENT_CODE if (repo_root / name).is_file()]
        versions = [f"{name} {_version(name)}" for name in _FRAGMENT_LIBRARIES]
        namespace = digest(FORMAT, sys.version, *versions, *code)
        key = signing_key()
        if key is None:
            shown = key_file()
            print(
                f"WARNING -  the site cache is not used: its key {shown} cannot be made or read, or others can read "
                f"it (make it yours alone: chmod 600 {shown}, or delete it to have a new one made)",
                file=sys.stderr,
            )
        self._stores: list[Store] = []

        def store(name: str) -> Store:
            self._stores.append(Store(folder / f"{name}.json", key))
            return self._stores[-1]

        self.fragments = store(f"fragments-{namespace}")
        self.insights = store("insights")
        self.pages = store("pages")
        self.bibtex = store("bibtex")
        self.tables = store("tables")
        self.catalogue = store("catalogue")
        self.claims = store("claims")
        self.templates = store("templates")
        self._code_digest: str | None = None
        self._entries: dict[str, str] = {}
        self._judged: dict[str, str] = {}

    def code_digest(self) -> str:
        """Hash of every file under tools/ and reference_impls/ (the code every store's entries are made with)."""
        if self._code_digest is None:
            from tools.verdict_cache import _digest_tree  # the same walk the verdict cache keys on

            digest = hashlib.blake2b(digest_size=16)
            for folder in _CODE_DIRS:
                _digest_tree(digest, self.repo_root / folder)
            self._code_digest = digest.hexdigest()
        return self._code_digest

    def entry_json(self, paper: Any) -> str:
        """A paper's whole catalogue entry as JSON (once per build), part of its page's key."""
        if paper.id not in self._entries:
            self._entries[paper.id] = paper.model_dump_json()
        return self._entries[paper.id]

    def judged_json(self, paper: Any) -> str:
        """A paper's id, models and claims as JSON, what the verdicts and the charts are computed from (once per
        build)."""
        if paper.id not in self._judged:
            self._judged[paper.id] = paper.model_dump_json(include=set(JUDGED_FIELDS))
        return self._judged[paper.id]

    def library_versions(self) -> list[str]:
        """Python and the versions of the libraries a paper page is rendered with."""
        return [sys.version, *(f"{name} {_version(name)}" for name in _PAGE_LIBRARIES)]

    def save(self) -> None:
        for store in self._stores:
            store.save()
        for old in self.folder.glob("fragments-*.json"):
            if old != self.fragments.path and is_store_file(old):
                with contextlib.suppress(OSError):
                    old.unlink()


_active: BuildCache | None = None


def active() -> BuildCache | None:
    """The cache of the build under way, or None (outside `build_cache`, or with SITE_CACHE=0)."""
    return _active


def cache_folder(repo_root: Path) -> Path | None:
    if os.environ.get("SITE_CACHE", "1") == "0":
        return None
    override = os.environ.get("SITE_CACHE_DIR")
    return Path(override) if override else repo_root / CACHE_SUBDIR


def _relative_in_repo(folder: Path, repo_root: Path) -> Path | None:
    """`folder` relative to `repo_root`: as written (links not followed) if it is under it so, else resolved; None
    if it is outside the repository both ways."""
    written, root = Path(os.path.abspath(folder)), Path(os.path.abspath(repo_root))
    if written.is_relative_to(root):
        return written.relative_to(root)
    with contextlib.suppress(OSError):
        resolved, resolved_root = folder.resolve(), repo_root.resolve()
        if resolved.is_relative_to(resolved_root):
            return resolved.relative_to(resolved_root)
    return None


def linked_folder(repo_root: Path, folder: Path) -> Path | None:
    """The first folder from `repo_root` down to `folder` that is a symbolic link (a commit can add one that
    points anywhere), or None."""
    relative = _relative_in_repo(folder, repo_root)
    if relative is None:
        return None
    current = Path(os.path.abspath(repo_root))
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def tracked_by_git(repo_root: Path, folder: Path) -> bool:
    """Whether git tracks `folder` or any file of it in the repository at `repo_root` (False outside one)."""
    relative = _relative_in_repo(folder, repo_root)
    if relative is None:
        return False  # outside the repository: nothing a commit can plant there
    try:
        listed = subprocess.run(
            ["git", "-C", str(repo_root), "ls-files", "-z", "--", str(relative)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False  # no git: the folder cannot have come from a commit
    return listed.returncode == 0 and bool(listed.stdout)


@contextlib.contextmanager
def build_cache(repo_root: Path) -> Iterator[BuildCache | None]:
    """Use the site cache for the work inside the block; save it if the block succeeds."""
    global _active
    folder = cache_folder(repo_root)
    if folder is None or _active is not None:
        yield _active
        return
    shown = folder.relative_to(repo_root) if folder.is_relative_to(repo_root) else folder
    linked = linked_folder(repo_root, folder)
    if linked is not None or tracked_by_git(repo_root, folder):
        why = (
            f"{shown}/ is tracked by git, so the site cache is not used; remove it from the repository "
            f"(git rm -r --cached {shown})"
            if linked is None
            else f"{linked.relative_to(os.path.abspath(repo_root))} is a symbolic link, so the site cache is not "
            "used; make it a real folder, or point SITE_CACHE_DIR at a folder outside the repository"
        )
        print(f"WARNING -  {why}", file=sys.stderr)
        yield None
        return
    cache = BuildCache(folder, repo_root)
    _active = cache
    try:
        yield cache
        cache.save()
    finally:
        _active = None


# ---- the insight pages -----------------------------------------------------------------------------------------


def _dumped(value: Any) -> Any:
    """A JSON-ready form of a measurement or a catalogue object (pydantic models dump themselves)."""
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


def insights_key(
    cache: BuildCache,
    catalogue: Any,
    measurements: Mapping[str, Any],
    registry: Mapping[str, Any],
    directory_urls: bool,
    latency: Any = None,
) -> str:
    """Hash of everything the insight pages are computed from (see the module docstring)."""
    # Of a paper: its id, models and claims (as the verdicts read them) and its title; tests/test_build_cache.py
    # checks that the insight code reads nothing else.
    papers = [[cache.judged_json(paper), paper.title] for paper in catalogue.papers]
    inputs = {
        "papers": papers,
        "measurements": {key: _dumped(value) for key, value in sorted(measurements.items())},
        "registry": [[key, repr(spec)] for key, spec in sorted(registry.items())],
        "directory_urls": directory_urls,
        "latency": _dumped(latency),
    }
    text = json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=repr)
    return digest(FORMAT, cache.code_digest(), f"matplotlib {_version('matplotlib')}", text)


def pack_insights(pages: Mapping[str, str], assets: Mapping[str, bytes]) -> dict[str, Any]:
    return {"pages": dict(pages), "assets": {k: base64.b64encode(v).decode("ascii") for k, v in assets.items()}}


def unpack_insights(entry: Any) -> tuple[dict[str, str], dict[str, bytes]] | None:
    """(pages, assets) of a stored entry, or None if it is not one."""
    try:
        pages, assets = entry["pages"], entry["assets"]
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in pages.items()):
            return None
        return dict(pages), {str(k): base64.b64decode(v, validate=True) for k, v in assets.items()}
    except (KeyError, TypeError, AttributeError, ValueError):
        return None


# ---- BibTeX ----------------------------------------------------------------------------------------------------


def bibtex_entries(cache: BuildCache | None, catalogue: Any) -> dict[str, str]:
    """`tools.bibtex_export.bibtex_entries`, reusing the entries an earlier build wrote for the same paper entry
    and citation key with the same code (`tools/`) and bibtexparser version."""
    from tools.bibtex_export import bibtex_entries as write_all
    from tools.bibtex_export import bibtex_entry, entry_keys

    if cache is None:
        return write_all(catalogue)
    keys = entry_keys(catalogue.papers)
    namespace = digest("bibtex", cache.code_digest(), f"bibtexparser {_version('bibtexparser')}")
    out: dict[str, str] = {}
    for paper in catalogue.papers:
        key = digest(namespace, paper.model_dump_json(include=set(BIBTEX_FIELDS)), keys[paper.id])
        out[paper.id] = cache.bibtex.text(key, functools.partial(bibtex_entry, paper, keys[paper.id]))
    return out


# ---- the paper pages -------------------------------------------------------------------------------------------


def pack_page(page: str, details: str, asked: Iterable[str], paper_ids: Collection[str]) -> dict[str, Any]:
    """A stored paper page: its Markdown, its details' JSON, and whether each paper its links named existed."""
    return {"page": page, "details": details, "links": {i: i in paper_ids for i in sorted(asked)}}


def unpack_page(entry: Any, paper_ids: Collection[str]) -> tuple[str, str] | None:
    """(page, details) of a stored entry, or None if it is not one or a paper its links named came or went."""
    if not isinstance(entry, dict):
        return None
    page, details, links = entry.get("page"), entry.get("details"), entry.get("links")
    if not (isinstance(page, str) and isinstance(details, str) and isinstance(links, dict)):
        return None
    if any(not isinstance(existed, bool) or (i in paper_ids) != existed for i, existed in links.items()):
        return None
    return page, details


__all__ = [
    "BIBTEX_FIELDS",
    "JUDGED_FIELDS",
    "BuildCache",
    "Store",
    "active",
    "bibtex_entries",
    "build_cache",
    "cache_folder",
    "digest",
    "fragment_key",
    "insights_key",
    "pack_insights",
    "pack_page",
    "tracked_by_git",
    "unpack_insights",
    "unpack_page",
]
