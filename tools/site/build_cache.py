"""Work carried from one site build to the next, keyed by content hashes (docs/performance.md, "Scale").

Two stores, each one JSON file under `.cache/site/` (gitignored; `SITE_CACHE_DIR` moves it, `SITE_CACHE=0` turns
caching off):

* **fragments**: catalogue Markdown -> sanitized HTML (`sanitize.render_markdown`), keyed by the hash of the text
  and the heading offset. The file's name carries the hash of the rendering code (`sanitize.py`,
  `markdown_limits.py`) and of the Python-Markdown, pymdown-extensions and nh3 versions, so other code never
  reads these fragments.
* **insights**: the insight pages and their charts (`insights.build_insights`), keyed by the hash of everything
  they are drawn from: every measurement, the latency record, the model registry, the URL style, and of the
  catalogue the id, title, model references and claims of each paper (the insight code reads nothing else of a
  paper, which `tests/test_build_cache.py` checks), plus every file under `tools/` and `reference_impls/` and the
  matplotlib version. A change to any of them redraws the charts; nothing else does.

A hit returns what the same inputs produced before, byte for byte. A store is read once when a build starts and
written atomically when the build succeeds, with only the entries that build used, so it never holds more than one
site. An unreadable, foreign or corrupt file is ignored (the work is done again).

The folder is not trusted: anyone with the checkout can write it, and a pull request could commit it
(`git add -f`). A cache folder that git tracks is not used at all (the build says so and does the work); a
fragment is served only if the sanitizer's cleaner leaves it unchanged (`sanitize.render_markdown`), so a planted
entry cannot put markup on a page that the cleaner would have removed.

    >>> with build_cache(repo_root):      # the MkDocs hook and `python -m tools.site.generate` do this
    ...     bundle = build_site(inputs, repo_root=repo_root)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CACHE_SUBDIR = Path(".cache") / "site"
_FORMAT = "site-cache 1"
_FRAGMENT_CODE = ("tools/site/sanitize.py", "tools/catalogue/markdown_limits.py")
_FRAGMENT_LIBRARIES = ("markdown", "pymdown-extensions", "nh3")
_CODE_DIRS = ("tools", "reference_impls")


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


class Store:
    """One JSON file of `{key: value}`: read when opened, rewritten by `save` with the entries used since."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stored: dict[str, Any] = {}
        self._used: dict[str, Any] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("format") == _FORMAT and isinstance(data.get("entries"), dict):
            self._stored = data["entries"]

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None."""
        value = self._stored.get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        """Write the entries this build used (atomically), unless they are exactly what the file holds."""
        from tools.files import WriteError, write_atomic

        if self._used == self._stored:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"format": _FORMAT, "entries": self._used}, ensure_ascii=False, separators=(",", ":"))
            write_atomic(self.path, text)
        except (OSError, WriteError):
            return  # a cache that cannot be written is simply not used
        self._stored = dict(self._used)


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def fragment_key(text: str, heading_offset: int) -> str:
    return _digest(str(heading_offset), text)


class BuildCache:
    """The stores of one build, in `folder`."""

    def __init__(self, folder: Path, repo_root: Path) -> None:
        self.folder = folder
        self.repo_root = repo_root
        code = [(repo_root / name).read_bytes() for name in _FRAGMENT_CODE if (repo_root / name).is_file()]
        versions = [f"{name} {_version(name)}" for name in _FRAGMENT_LIBRARIES]
        namespace = _digest(_FORMAT, sys.version, *versions, *code)
        self.fragments = Store(folder / f"fragments-{namespace}.json")
        self.insights = Store(folder / "insights.json")
        self._code_digest: str | None = None

    def code_digest(self) -> str:
        """Hash of every file under tools/ and reference_impls/ (what the insight pages are computed with)."""
        if self._code_digest is None:
            from tools.verdict_cache import _digest_tree  # the same walk the verdict cache keys on

            digest = hashlib.blake2b(digest_size=16)
            for folder in _CODE_DIRS:
                _digest_tree(digest, self.repo_root / folder)
            self._code_digest = digest.hexdigest()
        return self._code_digest

    def save(self) -> None:
        self.fragments.save()
        self.insights.save()
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
    return _digest(_FORMAT, cache.code_digest(), f"matplotlib {_version('matplotlib')}", text)


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


__all__ = [
    "BuildCache",
    "Store",
    "active",
    "build_cache",
    "cache_folder",
    "fragment_key",
    "insights_key",
    "pack_insights",
    "tracked_by_git",
    "unpack_insights",
]
