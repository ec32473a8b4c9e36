"""Load the catalogue reusing the parsed YAML of the paper entries that did not change since the last build.

A site rebuild after a one-paper edit used to parse all entries again (docs/performance.md, "Scale"). Here the
file is cut into its header (comments and the `papers:` line) and one chunk of text per paper: from a line that
starts the `papers:` list's item (its indentation, then `- `) to the next such line, trailing comments included.
The data of a chunk is stored under the hash of its text (and of the parsing code); a chunk seen before is not
parsed again. The assembled data then goes through the same schema validation and cross-check as
`load_catalogue`: nothing taken from the store (a JSON file anyone with the checkout can write) is used without the
checks parsed data gets, and is decoded strictly (JSON only, never pickle). A stored value that passes them stands
for its chunk's text; the site build refuses a cache folder that git tracks (tools/site/build_cache.py).

The fast path never reports a problem itself. The whole file is loaded by `load_catalogue`, whose errors carry the
real file:line:col, whenever the file is not plainly "a header, then paper entries" (a document marker, a tab, an
unusual line break, a line as little indented as the items that does not start one), a new chunk does not parse
cleanly into exactly one item (the reader refuses anchors and aliases), a stored value does not decode, or
validation or the cross-check finds anything.

A new chunk is parsed as the document `papers:` + chunk, so that its nesting depth and indentation are exactly
those it has in the file. tests/test_entry_cache.py checks on real, synthetic and randomly mutated catalogues that
the result (or the exact error text) is the one `load_catalogue` gives.

    >>> catalogue = load_catalogue_reusing(path, "papers.yaml", store)   # store: tools/site/build_cache.Store
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import ValidationError

from .errors import CatalogueError
from .schema import Catalogue
from .validate import _cross_check, load_catalogue
from .yaml_lines import (
    MAX_SEQUENCE_ITEMS,
    Positions,
    _build,
    _collector_paused,
    _LibyamlLoader,
    _read_text,
)


class EntryStore(Protocol):
    """Where chunk data is kept between builds: JSON-serialisable values by string key."""

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None."""

    def put(self, key: str, value: Any) -> None:
        """Keep `value` under `key` (for the next build)."""


class _Decline(Exception):
    """The fast path cannot vouch for this file: `load_catalogue` reads it."""


_PAPERS_LINE = re.compile(r"papers:(?: +#.*)? *")
_FIRST_ITEM = re.compile(r"( *)- ")
# Characters that make YAML see lines where the chunking does not: a file holding one is read in full.
_UNUSUAL_TEXT = ("\t", "\r", "\x85", "\u2028", "\u2029")
_CHUNK_PREFIX = "papers:\n"


def _code_version() -> bytes:
    """What a chunk's data depends on besides its text: this module, the YAML reader and PyYAML (with libyaml?)."""
    digest = hashlib.blake2b(digest_size=16)
    for module in (Path(__file__), Path(__file__).with_name("yaml_lines.py")):
        digest.update(module.read_bytes())
    digest.update(f"PyYAML {yaml.__version__} libyaml {_LibyamlLoader is not None}".encode())
    return digest.digest()


_VERSIONED = hashlib.blake2b(_code_version(), digest_size=16)


def chunk_key(chunk: str) -> str:
    """The store key of one entry's text."""
    digest = _VERSIONED.copy()
    digest.update(chunk.encode("utf-8", "surrogatepass"))
    return "entry-" + digest.hexdigest()


def load_catalogue_reusing(path: Path, display_name: str | None, store: EntryStore | None) -> Catalogue:
    """`load_catalogue(path, display_name)`, reusing the data of entries parsed by earlier calls with `store`.

    The result, and any `CatalogueError` (text, positions), is exactly what `load_catalogue` gives.
    """
    if store is None:
        return load_catalogue(path, display_name)
    file = display_name or str(path)
    text = _read_text(path, file)  # the same refusals as load_catalogue, before anything else
    try:
        with _collector_paused():  # the values and models hold no cycles; collecting during their making cost 10 %
            catalogue, used = _load_fast(text, file, store)
    except _Decline:
        return load_catalogue(path, display_name)
    for key, value in used:
        store.put(key, value)
    return catalogue


def _load_fast(text: str, file: str, store: EntryStore) -> tuple[Catalogue, list[tuple[str, str]]]:
    items: list[Any] = []
    used: list[tuple[str, str]] = []
    for chunk in _chunks(text):
        key = chunk_key(chunk)
        stored = store.get(key)
        if stored is None:
            item = _parse_chunk(chunk, file)
            stored = _encode(item)
        else:
            item = _decode(stored)
        items.append(item)
        used.append((key, stored))
    try:
        catalogue = Catalogue.model_validate({"papers": items})
    except ValidationError:
        raise _Decline from None
    # No positions: the cross-check only needs them to place a problem, and any problem sends the file to the
    # full loader, which places it.
    if any(True for _ in _cross_check(catalogue, file, Positions())):
        raise _Decline
    return catalogue, used


def _chunks(text: str) -> list[str]:
    """The text of each paper entry, or `_Decline` unless the file is a plain header and a list of entries."""
    if any(mark in text for mark in _UNUSUAL_TEXT):
        raise _Decline
    body, indent = _body_start(text)
    # (`\n` rather than `^` in MULTILINE mode: four times faster; `body` follows the `papers:` line's `\n`.)
    starts = [match.start() + 1 for match in re.compile(rf"\n {{{indent}}}- ").finditer(text, body - 1)]
    # Every line at most as indented as the items must start an item, or be blank or a comment: anything else
    # (`---`, `...`, another top-level key, `-x`) changes what the entries around it mean.
    shallow = re.compile(rf"\n {{0,{indent}}}[^ #\n]").findall(text, body - 1)
    if len(shallow) != len(starts) or len(starts) > MAX_SEQUENCE_ITEMS:
        raise _Decline
    ends = [*starts[1:], len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def _body_start(text: str) -> tuple[int, int]:
    """(where the first entry starts, its indentation), after a header of comments, blank lines and `papers:`."""
    at, seen_papers = 0, False
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end + 1
        line = text[at:end].rstrip("\n")
        content = line.lstrip(" ")
        if content and not content.startswith("#"):
            if not seen_papers and _PAPERS_LINE.fullmatch(line):
                seen_papers = True
            elif seen_papers and (item := _FIRST_ITEM.match(line)):
                return at, len(item.group(1))
            else:
                raise _Decline
        at = end
    raise _Decline  # no entry at all


def _parse_chunk(chunk: str, file: str) -> Any:
    """The one list item `chunk` holds, parsed under a `papers:` key as in the file; `_Decline` on anything else.

    An anchor or alias is refused by the reader: text that may hold one goes to the pure-Python composer, which
    refuses every node with an anchor and every alias (so an `&` in prose, `&nbsp;`, costs only a slower parse).
    """
    try:
        data, _, problems = _build(_CHUNK_PREFIX + chunk, file)
    except CatalogueError:
        raise _Decline from None
    if problems or not isinstance(data, dict) or list(data) != ["papers"]:
        raise _Decline
    items = data["papers"]
    if not isinstance(items, list) or len(items) != 1:
        raise _Decline
    return items[0]


# ---- the stored form of a value: JSON text of [value, dates], each date written as its ISO text -----------------
# `dates` lists [kind, *path] for every date (`d`) and date-time (`t`) in the value: JSON has no dates, and keeping
# them apart leaves the value plain JSON, which the C decoder reads without a Python call per mapping.


def _encode(value: Any) -> str:
    """JSON text that `_decode` turns back into `value` (same types, same key order); `_Decline` if it cannot."""
    dates: list[list[str | int]] = []
    stored = [_plain(value, (), dates), dates]
    try:
        text = json.dumps(stored, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a `"\ud800"` escape: write it as an escape
        text = json.dumps(stored, separators=(",", ":"))
    except ValueError:  # .inf or .nan: the schema refuses them, and the full load says where
        raise _Decline from None
    if not _same(_decode(text), value):
        raise _Decline  # a value this encoding does not carry exactly: never stored
    return text


def _plain(value: Any, path: tuple[str | int, ...], dates: list[list[str | int]]) -> Any:
    """`value` with its dates as ISO text (their kinds and paths appended to `dates`)."""
    if isinstance(value, list):
        return [_plain(item, (*path, index), dates) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _plain(item, (*path, key), dates) for key, item in value.items()}
    if isinstance(value, dt.date):
        dates.append(["t" if isinstance(value, dt.datetime) else "d", *path])
        return value.isoformat()
    return value


def _decode(stored: Any) -> Any:
    """The value `_encode` wrote, or `_Decline` for anything it cannot have written (its types are then checked by
    the schema like parsed data)."""
    if not isinstance(stored, str):
        raise _Decline
    try:
        loaded = json.loads(stored)
        if not (isinstance(loaded, list) and len(loaded) == 2 and isinstance(loaded[1], list)):
            raise _Decline
        holder = [loaded[0]]  # so that a date at the top has a container too
        for kind, *path in loaded[1]:
            container: Any = holder
            for step in (0, *path[:-1]):
                container = container[step]
            last = path[-1] if path else 0
            if not isinstance(container[last], str) or kind not in ("d", "t"):
                raise _Decline
            read = dt.date.fromisoformat if kind == "d" else dt.datetime.fromisoformat
            container[last] = read(container[last])
        return holder[0]
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):  # json's errors are ValueErrors
        raise _Decline from None


def _same(first: Any, second: Any) -> bool:
    """Equal, with the same types all the way down, key order included (a float by its repr: -0.0 and nan too)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, float):
        return repr(first) == repr(second)
    if isinstance(first, list):
        return len(first) == len(second) and all(_same(a, b) for a, b in zip(first, second, strict=True))
    if isinstance(first, dict):
        return list(first) == list(second) and all(_same(first[key], second[key]) for key in first)
    if isinstance(first, dt.datetime):
        return bool(first == second and first.utcoffset() == second.utcoffset())
    return bool(first == second)
