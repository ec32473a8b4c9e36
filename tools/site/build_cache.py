"""Work carried from one site build to the next, keyed by content hashes (docs/performance.md, "Scale").

Two stores, each one JSON file under `.cache/site/` (gitignored; `SITE_CACHE_DIR` moves it, `SITE_CACHE=0` turns
caching off):

* **fragments**: catalogue Markdown -> sanitized HTML (`sanitize.render_markdown`), keyed by the hash of the text
  and the heading offset. The file's name carries the hash of the rendering code (`sanitize.py`,
  `markdown_limits.py`) and of the Python-Markdown, pymdown-extensions and nh3 versions, so other code never
  reads these fragments.
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
* **bibtex**: each paper's BibTeX entry, keyed by the hash of its catalogue entry, its citation key, the code
  and the bibtexparser version.
* **tables**: the Markdown table of the first rows of each list page (`tables.Lists.table`), keyed by what the
  table shows of each row (title, year, venue, status, links, tags, headline numbers, verdict tally), its
  settings, the code and the library versions.
* **insights**: the insight pages and their charts (`insights.build_insights`), keyed by the hash of everything
  they are drawn from: every measurement, the latency record, the model registry, the URL style, and of the
  catalogue the id, title, model references and claims of each paper (the insight code reads nothing else of a
  paper, which `tests/test_build_cache.py` checks), plus every file under `tools/` and `reference_impls/` and the
  matplotlib version. A change to any of them redraws the charts; nothing else does.

A hit returns what the same inputs produced before, byte for byte. A store is read once when a build starts and
written atomically when the build succeeds, with only the entries that build used, so it never holds more than one
site. An unreadable, foreign or corrupt file is ignored (the work is done again).

The folder is not trusted: anyone with the checkout can write it, and a pull request could commit it
(`git add -f`). A cache folder that git tracks is not used at all (the build says so and does the work). Every
store is signed with a key kept outside the checkout, in the user's own cache folder (`key_file()`, 32 random
bytes made on first use, readable by the user alone), and a store whose signature does not match is ignored, so
only what this user's own builds wrote is served: not a store copied from elsewhere, restored from another
machine's CI cache, or edited by hand. On top of that, a fragment is served only if the sanitizer's cleaner
leaves it unchanged (`sanitize.render_markdown`).

    >>> with build_cache(repo_root):      # the MkDocs hook and `python -m tools.site.generate` do this
    ...     bundle = build_site(inputs, repo_root=repo_root)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import importlib.metadata
import json
import os
import stat
import subprocess
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

CACHE_SUBDIR = Path(".cache") / "site"
_FORMAT = "site-cache 2"
_KEY_BYTES = 32
STORE_LIMIT = 1 << 30  # bytes; a store of 5,000 papers is about 60 MB
_FRAGMENT_CODE = ("tools/site/sanitize.py", "tools/catalogue/markdown_limits.py")
_FRAGMENT_LIBRARIES = ("markdown", "pymdown-extensions", "nh3")
_CODE_DIRS = ("tools", "reference_impls")
_PAGE_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pymdown-extensions", "nh3", "pydantic")


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def key_file() -> Path:
    """Where the key that signs the stores lives: the user's cache folder, outside every checkout."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cv-paper-notes" / "site-cache.key"


def _signing_key() -> bytes | None:
    """The user's 32-byte store key, made on first use (mode 0600); None if it cannot be read or made safely."""
    path = key_file()
    with contextlib.suppress(FileExistsError, OSError):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(descriptor, os.urandom(_KEY_BYTES))
            finally:
                os.close(descriptor)
            try:
                os.link(temporary, path)  # never replaces a key another build made meanwhile
            finally:
                temporary.unlink()
    try:
        status = path.lstat()
        if (
            not stat.S_ISREG(status.st_mode)
            or status.st_mode & 0o077
            or status.st_uid != getattr(os, "getuid", lambda: status.st_uid)()
        ):
            return None  # a link, or a file others can read or write: not a secret
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


def _signature(key: bytes, name: str, body: bytes) -> str:
    return hashlib.blake2b(name.encode("utf-8") + b"\0" + body, key=key, digest_size=32).hexdigest()


class Store:
    """One file of `{key: value}`: read when opened, rewritten by `save` with the entries used since.

    The file is a header line (`{"format": ..., "signature": ...}`) and the entries as JSON. The signature is a
    keyed BLAKE2b of the file's name and entries under the user's store key (`key_file()`), so a store another
    user, another machine or a commit put there is not used: only this user's own builds are trusted."""

    def __init__(self, path: Path, key: bytes | None) -> None:
        self.path = path
        self._key = key
        self._stored: dict[str, Any] = {}
        self._used: dict[str, Any] = {}
        if key is not None:
            self._stored = self._read(path, key)

    @staticmethod
    def _read(path: Path, key: bytes) -> dict[str, Any]:
        from tools.files import ReadError, read_limited

        try:
            raw = read_limited(path, STORE_LIMIT)
            header_line, _, body = raw.partition(b"\n")
            header = json.loads(header_line)
            if not isinstance(header, dict) or header.get("format") != _FORMAT:
                return {}
            signature = header.get("signature")
            if not isinstance(signature, str) or not hmac.compare_digest(signature, _signature(key, path.name, body)):
                return {}
            entries = json.loads(body)
        except (ReadError, OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None."""
        value = self._stored.get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        """Write the entries this build used (atomically, signed), unless they are exactly what the file holds."""
        from tools.files import WriteError, write_atomic

        if self._key is None or self._used == self._stored:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps(self._used, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            header = json.dumps({"format": _FORMAT, "signature": _signature(self._key, self.path.name, body)})
            write_atomic(self.path, header.encode("ascii") + b"\n" + body)
        except (OSError, WriteError):
            return  # a cache that cannot be written is simply not used
        self._stored = dict(self._used)


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
        namespace = digest(_FORMAT, sys.version, *versions, *code)
        key = _signing_key()
        self.fragments = Store(folder / f"fragments-{namespace}.json", key)
        self.insights = Store(folder / "insights.json", key)
        self.pages = Store(folder / "pages.json", key)
        self.bibtex = Store(folder / "bibtex.json", key)
        self.tables = Store(folder / "tables.json", key)
        self._code_digest: str | None = None
        self._entries: dict[str, str] = {}

    def code_digest(self) -> str:
        """Hash of every file under tools/ and reference_impls/ (what the insight pages are computed with)."""
        if self._code_digest is None:
            from tools.verdict_cache import _digest_tree  # the same walk the verdict cache keys on

            digest = hashlib.blake2b(digest_size=16)
            for folder in _CODE_DIRS:
                _digest_tree(digest, self.repo_root / folder)
            self._code_digest = digest.hexdigest()
        return self._code_digest

    def entry_json(self, paper: Any) -> str:
        """A paper's catalogue entry as JSON (once per build: the page and BibTeX keys both hash it)."""
        if paper.id not in self._entries:
            self._entries[paper.id] = paper.model_dump_json()
        return self._entries[paper.id]

    def library_versions(self) -> list[str]:
        """Python and the versions of the libraries a paper page is rendered with."""
        return [sys.version, *(f"{name} {_version(name)}" for name in _PAGE_LIBRARIES)]

    def save(self) -> None:
        self.fragments.save()
        self.insights.save()
        self.pages.save()
        self.bibtex.save()
        self.tables.save()
        for old in self.folder.glob("fragments-*.json"):
            if old != self.fragments.path:
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


def tracked_by_git(repo_root: Path, folder: Path) -> bool:
    """Whether git tracks any file of `folder` in the repository at `repo_root` (False outside a repository)."""
    try:
        relative = folder.resolve().relative_to(repo_root.resolve())
    except (OSError, ValueError):
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
    if tracked_by_git(repo_root, folder):
        shown = folder.relative_to(repo_root) if folder.is_relative_to(repo_root) else folder
        print(
            f"WARNING -  {shown}/ is tracked by git, so the site cache is not used; remove it from the repository "
            f"(git rm -r --cached {shown})",
            file=sys.stderr,
        )
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
    papers = [
        [paper.id, paper.title, [_dumped(ref) for ref in paper.models], [_dumped(claim) for claim in paper.claims]]
        for paper in catalogue.papers
    ]
    inputs = {
        "papers": papers,
        "measurements": {key: _dumped(value) for key, value in sorted(measurements.items())},
        "registry": [[key, repr(spec)] for key, spec in sorted(registry.items())],
        "directory_urls": directory_urls,
        "latency": _dumped(latency),
    }
    text = json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=repr)
    return digest(_FORMAT, cache.code_digest(), f"matplotlib {_version('matplotlib')}", text)


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
        key = digest(namespace, cache.entry_json(paper), keys[paper.id])
        text = cache.bibtex.get(key)
        if not isinstance(text, str):
            text = bibtex_entry(paper, keys[paper.id])
        cache.bibtex.put(key, text)
        out[paper.id] = text
    return out


# ---- the paper pages -------------------------------------------------------------------------------------------


def pack_page(
    page: str, details: Mapping[str, str], asked: Iterable[str], paper_ids: Collection[str]
) -> dict[str, Any]:
    """A stored paper page: its Markdown, its details, and whether each paper its links named existed."""
    return {"page": page, "details": dict(details), "links": {i: i in paper_ids for i in sorted(asked)}}


def unpack_page(entry: Any, paper_ids: Collection[str]) -> tuple[str, dict[str, str]] | None:
    """(page, details) of a stored entry, or None if it is not one or a paper its links named came or went."""
    if not isinstance(entry, dict):
        return None
    page, details, links = entry.get("page"), entry.get("details"), entry.get("links")
    if not (isinstance(page, str) and isinstance(details, dict) and isinstance(links, dict)):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in details.items()):
        return None
    if any(not isinstance(existed, bool) or (i in paper_ids) != existed for i, existed in links.items()):
        return None
    return page, dict(details)


__all__ = [
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
