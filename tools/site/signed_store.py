"""Signed record logs: the files of the site cache (`build_cache.py`), each a `{key: value}` store.

A store is a header line and one line per record: its signature, its key and its value as one line of JSON. The
signature is a keyed BLAKE2b (`hashlib.blake2b(key=...)`, a MAC) of the file's name, the record's key and its
value under a key of the user's own (`key_file()`), which no checkout holds: a record that another user, another
machine or a commit put there, or that was edited, fails it and is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = "site-cache 3"  # of the store files; part of every cache key too
_HEADER = json.dumps({"format": FORMAT}).encode("ascii")  # a store file's first line
_KEY_BYTES = 32
STORE_LIMIT = 1 << 30  # bytes; a store of 5,000 papers is about 60 MB


def key_file() -> Path:
    """Where the key that signs the stores lives: the user's cache folder, outside every checkout."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cv-paper-notes" / "site-cache.key"


def signing_key() -> bytes | None:
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
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))  # a link is refused here
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)  # the file read below, not whatever the path names a moment later
        private = os.name == "nt" or (not status.st_mode & 0o077 and status.st_uid == os.getuid())
        if not stat.S_ISREG(status.st_mode) or not private:
            return None  # a file others can read or write: not a secret
        key = os.read(descriptor, _KEY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return key if len(key) == _KEY_BYTES else None


def _signature(key: bytes, name: str, entry_key: bytes, value: bytes) -> bytes:
    """A record's signature: keyed BLAKE2b of the store's file name, the entry's key and its value."""
    signer = hashlib.blake2b(key=key, digest_size=32)
    for part in (name.encode("utf-8"), entry_key, value):
        signer.update(len(part).to_bytes(8, "little") + part)
    return signer.hexdigest().encode("ascii")


_KEY = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # no space or line break: a record is one line


class Store:
    """One file of `{key: value}` records: read when opened, extended by `save` with the entries made since.

    The file is a header line (`{"format": ...}`), then one line per entry: its signature, its key and its value
    as one line of JSON. The signature is a keyed BLAKE2b of the file's name, the key and the value under the
    user's store key (`key_file()`), so an entry another user, another machine or a commit put there is not used:
    only what this user's own builds wrote is trusted. A record is checked and decoded when it is asked for.

    `save` appends the entries this build made and left out of the file, unless the file holds more records
    (superseded ones included) than twice the entries this build used, or is not a store of this format: then it
    is rewritten (atomically) with the used entries alone. So one changed page costs one appended line, and a
    store never holds much more than two builds' entries. A record cut short (a build killed while appending)
    fails its signature and is ignored."""

    def __init__(self, path: Path, key: bytes | None) -> None:
        self.path = path
        self._key = key
        self._records: dict[str, tuple[bytes, bytes]] = {}  # key -> (signature, value), unchecked
        self._used: dict[str, Any] = {}
        self._new: set[str] = set()  # keys this build put that the file does not hold as they are
        self._lines = 0  # records in the file, superseded ones included
        self._current_format = (
            False  # the file is a store of this format (else `save` rewrites it instead of appending)
        )
        if key is not None:
            self._read()

    def _read(self) -> None:
        from tools.files import ReadError, read_limited

        try:
            raw = read_limited(self.path, STORE_LIMIT)
        except ReadError:
            return  # absent, not a regular file, or too large: rewritten by `save`
        header, _, body = raw.partition(b"\n")
        if header != _HEADER:
            return  # another format (an older version of this code) or not a store
        self._current_format = True
        for line in body.split(b"\n"):
            signature, _, rest = line.partition(b" ")
            entry_key, _, value = rest.partition(b" ")
            if value:
                self._lines += 1
                self._records[entry_key.decode("ascii", "replace")] = (signature, value)  # a later line wins

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None (also when its record is not signed by this user)."""
        if key in self._used:
            return self._used[key]
        record = self._records.get(key)
        if record is None or self._key is None:
            return None
        signature, value = record
        if not hmac.compare_digest(signature, _signature(self._key, self.path.name, key.encode("ascii"), value)):
            return None
        try:
            decoded = json.loads(value)
        except ValueError:
            return None
        if decoded is not None:
            self._used[key] = decoded
        return decoded

    def text(self, key: str, make: Callable[[], str]) -> str:
        """The text stored under `key`, or `make()`'s, stored under it; kept for the next build either way."""
        text = self.get(key)
        if not isinstance(text, str):
            text = make()
        self.put(key, text)
        return text

    def put(self, key: str, value: Any) -> None:
        if not _KEY.fullmatch(key):
            raise ValueError(f"a store key is letters, digits and `_.-`, not {key!r}")
        if self._used.get(key, _ABSENT) != value or key not in self._records:
            self._new.add(key)
        self._used[key] = value

    def save(self) -> None:
        """Append the entries made since the file was read, or rewrite it with the used entries if it holds
        more than twice as many (atomically, signed)."""
        from tools.files import WriteError, write_atomic

        if self._key is None or not self._used:
            return  # nothing used (a `mkdocs serve` rebuild that found every template in memory): left as it is
        rewrite = not self._current_format or self._lines > 2 * len(self._used)
        if not rewrite and not self._new:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(self._used) if rewrite else sorted(self._new)
            lines = b"".join(self._line(key) for key in keys)
            if rewrite:
                write_atomic(self.path, _HEADER + b"\n" + lines)
            else:
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
                try:
                    os.write(descriptor, lines)  # one write: records of builds running at once do not interleave
                finally:
                    os.close(descriptor)
        except (OSError, WriteError, ValueError):
            return  # a cache that cannot be written (or a value JSON cannot hold) is simply not kept
        self._lines = len(self._used) if rewrite else self._lines + len(self._new)
        self._current_format = True
        self._new.clear()

    def _line(self, key: str) -> bytes:
        assert self._key is not None
        value = json.dumps(self._used[key], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signature = _signature(self._key, self.path.name, key.encode("ascii"), value)
        return signature + b" " + key.encode("ascii") + b" " + value + b"\n"


_ABSENT = object()


def is_store_file(path: Path) -> bool:
    """Whether `path` is a regular file (not a link) that starts like a store of some version of this code (the
    first versions wrote `{"format":"site-cache 1",...}` without spaces)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        start = os.read(descriptor, 64) if stat.S_ISREG(os.fstat(descriptor).st_mode) else b""
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return _STORE_START.match(start) is not None


_STORE_START = re.compile(rb'\{\s*"format"\s*:\s*"site-cache ')

__all__ = ["FORMAT", "STORE_LIMIT", "Store", "is_store_file", "key_file", "signing_key"]
