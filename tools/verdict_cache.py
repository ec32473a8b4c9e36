"""Reuse the printed report of an earlier `verify_claims.py` run when nothing it reads has changed.

A warm `--check` spends most of its time importing pydantic and building the schema models, not judging. This
module (standard library only, so a hit imports nothing else) keys a run on the hashes of everything that decides
its output and, when the same key was seen before, prints that run's stdout and stderr and returns its exit code.

The key covers:

* the catalogue, `evaluations.yaml` and the measurements file (the paths given on the command line, or the
  defaults), and every file under `tools/` and `reference_impls/` (the code that judges, the model sources whose
  hashes decide staleness, `tools/latency.json`),
* the installed distributions (their `*.dist-info` names: torch and fvcore versions decide staleness), the Python
  interpreter, the working directory (printed paths are relative to it), the arguments and the terminal width
  (the table wraps to it).

Only reports are cached (the default run, `--check`, `--json`, `--paper`), never `--update`, `--audit`,
`--update-latency` or `--validate-only`, and only runs that ended with exit code 0 or 1. Entries live in
`.cache/verify_claims/` (gitignored), are written atomically and are ignored when unreadable. Set
`VERIFY_CLAIMS_CACHE=0` to bypass the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / ".cache" / "verify_claims"
CODE_DIRS = ("tools", "reference_impls")
KEPT_ENTRIES = 32
_FORMAT = "verify-claims-cache 1"
# Options of a report; anything else (--update, --audit, ...) is never cached. The value says if it takes a value.
_REPORT_OPTIONS = {"--check": False, "--json": False, "--paper": True, "--catalogue": True, "--measurements": True}


def _file_options(argv: Sequence[str]) -> dict[str, str] | None:
    """{option: value} of a report's command line, or None if the run must not be cached."""
    values: dict[str, str] = {}
    tokens = iter(argv)
    for token in tokens:
        option, equals, value = token.partition("=")
        if option not in _REPORT_OPTIONS:
            return None
        if _REPORT_OPTIONS[option]:
            if not equals:
                value = next(tokens, "")
            if not value:
                return None
            values[option] = value
        elif equals:
            return None
    return values


MAX_DIGESTED_BYTES = 256 * 1024 * 1024  # larger inputs are refused by their loaders anyway


def _digest_file(digest: hashlib.blake2b, path: Path) -> None:
    digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
    from tools.files import ReadError, read_limited

    try:
        content = read_limited(path, MAX_DIGESTED_BYTES)  # a pipe or a device is never read (nor waited on)
    except ReadError:
        digest.update(b"<unreadable>\0")  # a miss: the run itself then says what is wrong with the file
        return
    digest.update(len(content).to_bytes(8, "little") + content)


def _digest_tree(digest: hashlib.blake2b, root: Path) -> None:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                _digest_file(digest, Path(folder) / name)


def _installed_distributions() -> list[str]:
    names: list[str] = []
    for entry in sys.path:
        with contextlib.suppress(OSError):
            names.extend(sorted(n for n in os.listdir(entry or ".") if n.endswith(".dist-info")))
    return names


def cache_key(argv: Sequence[str]) -> str | None:
    """Hash of everything a report run reads, or None when this run is not a cached kind."""
    options = _file_options(argv)
    if options is None or os.environ.get("VERIFY_CLAIMS_CACHE", "1") == "0":
        return None
    digest = hashlib.blake2b(digest_size=20)
    context = [
        _FORMAT,
        sys.version,
        sys.executable,
        os.getcwd(),
        list(argv),
        shutil.get_terminal_size((160, 20)).columns,
        _installed_distributions(),
    ]
    digest.update(json.dumps(context).encode("utf-8", "surrogateescape"))
    for option, default in (
        ("--catalogue", REPO_ROOT / "papers.yaml"),
        ("--measurements", REPO_ROOT / "tools" / "measurements.json"),
    ):
        _digest_file(digest, Path(options[option]).resolve() if option in options else default)
    _digest_file(digest, REPO_ROOT / "evaluations.yaml")
    for folder in CODE_DIRS:
        _digest_tree(digest, REPO_ROOT / folder)
    return digest.hexdigest()


def _entry_path(key: str) -> Path:
    return CACHE_DIR / f"{key}.json"


def read_entry(key: str) -> tuple[str, str, int] | None:
    """(stdout, stderr, exit code) stored under `key`, or None if there is none or it cannot be read."""
    try:
        entry = json.loads(_entry_path(key).read_text(encoding="utf-8"))
        stdout, stderr, code = entry["stdout"], entry["stderr"], entry["code"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(stdout, str) and isinstance(stderr, str) and code in (0, 1)):
        return None
    return stdout, stderr, code


def write_entry(key: str, stdout: str, stderr: str, code: int) -> None:
    """Store a run's output atomically; a cache that cannot be written is simply not used."""
    from tools.files import WriteError, write_atomic

    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"stdout": stdout, "stderr": stderr, "code": code}, ensure_ascii=False)
        write_atomic(_entry_path(key), text)
        entries = sorted(CACHE_DIR.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEPT_ENTRIES:]:
            old.unlink(missing_ok=True)
    except (OSError, WriteError):
        pass


def serve(argv: Sequence[str]) -> int | None:
    """Print a cached report of this command line and return its exit code; None on a miss."""
    key = cache_key(argv)
    entry = read_entry(key) if key is not None else None
    if entry is None:
        return None
    stdout, stderr, code = entry
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    sys.stdout.flush()
    return code


def run_and_store(main: Callable[[Sequence[str]], int], argv: Sequence[str]) -> int:
    """Run `main(argv)`; store what it printed when the run is a cacheable report."""
    key = cache_key(argv)
    if key is None:
        return main(argv)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:  # what was printed reaches the terminal even if the run failed
        sys.stdout.write(out.getvalue())
        sys.stderr.write(err.getvalue())
    if code in (0, 1):
        write_entry(key, out.getvalue(), err.getvalue(), code)
    return code
