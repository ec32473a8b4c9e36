"""Writing the project's files safely: one atomic write, one lock, and cleanup of temporary files.

* `write_atomic` writes a temporary file next to the target, fsyncs it and renames it over the target: a reader,
  a crash or a full disk at any moment leaves either the old file or the new one, never half of one. Its
  temporary file is named `.<name>.<pid>.<random>.tmp`, so that another run can tell whether its owner lives.
* `remove_orphaned_temp_files` deletes only the temporary files whose owning process is gone (a second run
  starting up once deleted the temporary file of the first, which then died with FileNotFoundError).
* `exclusive_lock` holds an advisory lock (flock) on `.<name>.lock` for as long as a run writes the file; the
  kernel releases it when the process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


class WriteError(Exception):
    """A file could not be written (full disk, read-only file system...); the previous file is intact."""


_HOW_TO_FIX = {
    errno.ENOSPC: "free some disk space and run again",
    errno.EDQUOT: "free some space within your quota and run again",
    errno.EROFS: "the file system is read-only; run from a writable checkout",
    errno.EACCES: "check the folder's permissions",
    errno.EPERM: "check the folder's permissions",
}


def _write_error(path: Path, exc: OSError) -> WriteError:
    reason = exc.strerror or type(exc).__name__
    fix = _HOW_TO_FIX.get(exc.errno or 0, "check the folder and run again")
    return WriteError(f"cannot write {path}: {reason}; the previous file is unchanged — {fix}")


def temp_name_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp$")


def write_atomic(
    path: Path, data: str | bytes, *, mode: int = 0o644, before_replace: Callable[[], None] | None = None
) -> None:
    """Replace `path` with `data` atomically. Raises WriteError (never a raw OSError) if it cannot be written.

    `before_replace` runs just before the rename (e.g. to refuse if the target changed meanwhile); whatever it
    raises propagates and the target is left as it was.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)  # mkstemp creates the file private
        if before_replace is not None:
            before_replace()
        os.replace(tmp_name, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        if tmp_name and os.path.exists(tmp_name):
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphaned_temp_files(path: Path) -> list[Path]:
    """Delete the temporary files of `write_atomic(path, ...)` whose owning process is gone; returns them."""
    pattern = temp_name_pattern(path)
    removed: list[Path] = []
    for candidate in path.parent.glob(f".{path.name}.*.tmp"):
        match = pattern.match(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
    return removed


@contextlib.contextmanager
def exclusive_lock(path: Path, *, wait_message: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `.<name>.lock` beside `path` (waiting for another holder, saying so once)."""
    import fcntl

    lock_path = path.parent / f".{path.name}.lock"
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    except OSError as exc:
        raise _write_error(lock_path, exc) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait_message:
                from tools.terminal import say

                say(wait_message, file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock


__all__ = ["WriteError", "exclusive_lock", "remove_orphaned_temp_files", "temp_name_pattern", "write_atomic"]


def display_path(path: Path) -> str:
    """`path` as printed in messages: relative to the working directory when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
