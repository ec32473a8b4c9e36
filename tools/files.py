"""Writing the project's files safely: one atomic write, one lock, and cleanup of temporary files.

* `write_atomic` writes a temporary file next to the target, fsyncs it and renames it over the target: a reader,
  a crash or a full disk at any moment leaves either the old file or the new one, never half of one. Its
  temporary file is named `.<name>.<pid>.<random>.tmp`, so that another run can tell whether its owner lives.
* `remove_orphaned_temp_files` deletes only the temporary files whose owning process is gone (a second run
  starting up once deleted the temporary file of the first, which then died with FileNotFoundError).
* `read_limited` reads an input file of at most `limit` bytes (a bounded read), refusing folders, FIFOs and devices
  with a message instead of hanging or filling memory; every reader of a user-named file uses it.
* `exclusive_lock` holds an advisory lock (flock) on `.<name>.lock` for as long as a run writes the file; the
  kernel releases it when the process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
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


# The generated files the tools read (measurements, latency) are a few hundred KB; 64 MiB bounds a wrong path.
GENERATED_FILE_LIMIT = 64 << 20


class ReadError(Exception):
    """An input file cannot be read: `what` is wrong, `hint` says how to fix it; `size` is set when it is too large."""

    def __init__(self, what: str, hint: str, size: int | None = None) -> None:
        super().__init__(f"{what} — {hint}")
        self.what, self.hint, self.size = what, hint, size


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them. Raises ReadError (never a raw OSError).

    The file is opened without blocking (a FIFO would otherwise wait forever for a writer) and checked to be a
    regular file before anything is read; the read itself stops after `limit + 1` bytes, so a file that grows
    while it is read, or reports a false size, cannot fill memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ReadError("the file does not exist", "check the path") from None
    except IsADirectoryError:
        raise ReadError("this is a folder, not a file", "give the path of the file inside it") from None
    except OSError as exc:
        raise ReadError(f"cannot open the file ({exc.strerror or type(exc).__name__})", "check the path") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("this is a folder, not a file", "give the path of the file inside it")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(
                "this is not a regular file (a pipe, device or socket)", "save the text to a file and give its path"
            )
        if info.st_size > limit:
            raise ReadError("the file is too large", "give a smaller file", size=info.st_size)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0 and (chunk := os.read(fd, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise ReadError(f"cannot read the file ({exc.strerror or type(exc).__name__})", "check the file") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise ReadError("the file is too large", "give a smaller file", size=len(data))
    return data


def check_output_file(path: Path) -> str | None:
    """Why `path` cannot be written as a file (a folder, a missing folder), in `what — how to fix` form, or None."""
    if path.is_dir():
        return "is a folder, not a file — give a file name, e.g. DIR/papers.bib"
    if not path.parent.is_dir():
        return f"its folder {path.parent} does not exist — create it first or choose another path"
    return None


__all__ = [
    "ReadError",
    "WriteError",
    "check_output_file",
    "exclusive_lock",
    "read_limited",
    "remove_orphaned_temp_files",
    "temp_name_pattern",
    "write_atomic",
]


def display_path(path: Path) -> str:
    """`path` as printed in messages: relative to the working directory when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
