"""Read YAML into plain Python data while remembering where every value was written.

PyYAML's safe loader silently keeps the last of two equal keys and expands anchors without limit.
This loader composes the node tree itself so that it can:

* record the line and column of every key and value (`Positions`),
* reject duplicate keys, naming both lines,
* refuse anchors, aliases and merge keys (a catalogue never needs them, and they allow
  "billion laughs" documents that expand without bound),
* bound nesting depth and file size, and
* turn every YAML or decoding failure into a `Problem` with a position.

Speed: a clean file is read from libyaml's C parser events (`yaml.cyaml.CParser`), building the data and the
positions in one pass (about ten times faster than composing a node tree in pure Python, which dominated a
site build at 1,000 papers). At the first thing that is not plainly valid -- an anchor, alias, merge key,
unusual tag, duplicate key, unreadable value, deep nesting or any YAML error -- that pass gives up and the
pure-Python loader reads the file again and reports the problems, so messages and positions are the same
whichever path ran. Without libyaml, only the pure-Python path is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from .errors import CatalogueError, Problem

try:
    from yaml.cyaml import CParser as _CParser  # libyaml's parser (PyYAML wheels ship it)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 24
# No mapping of the schema has more than a few dozen keys, and no list more than 20,000 items: a document past
# these is refused at once (a 15 MB mapping of a million unknown keys would otherwise print a million errors).
MAX_MAPPING_KEYS = 200
MAX_SEQUENCE_ITEMS = 20_000
# Characters YAML counts as line breaks but editors and grep do not (NEL, line and paragraph separators).
_EXTRA_YAML_BREAKS = ("\x85", "\u2028", "\u2029")

Loc = tuple[str | int, ...]


@dataclass
class Positions:
    """Where each value (and each mapping key) of the document was written, as 1-based (line, column)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[int, int]:
        """Position of `loc`, or of its nearest written ancestor (e.g. for a missing field)."""
        for end in range(len(loc), -1, -1):
            prefix = tuple(loc[:end])
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str, hint: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


class _ComposingLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases and deep nesting while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self.pos = EditorPositions(stream)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(
                event.start_mark,
                "YAML anchors and aliases (&name, *name) are not allowed",
                "write the value out in full; each paper entry stands on its own",
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels", "flatten the structure")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}


class EditorPositions:
    """1-based (line, column) of a YAML mark as editors and grep count them: only `\\n` ends a line.

    YAML also ends lines at U+0085, U+2028 and U+2029, which would shift every later line number by one.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None
        if any(ch in text for ch in _EXTRA_YAML_BREAKS):
            self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def __call__(self, mark: yaml.Mark) -> tuple[int, int]:
        if self._newlines is None:
            return (mark.line + 1, mark.column + 1)
        from bisect import bisect_left

        before = bisect_left(self._newlines, mark.index)  # newlines before the mark
        line_start = self._newlines[before - 1] + 1 if before else 0
        return (before + 1, mark.index - line_start + 1)


def _too_many(what: str, limit: int, mark: yaml.Mark, pos: EditorPositions, file: str) -> CatalogueError:
    return CatalogueError([Problem(file, *pos(mark), "", f"{what} has more than {limit:,} entries; nothing after "
                                   "this point was read", "this is not a catalogue; check what was pasted")])


def _construct(
    node: yaml.Node, loc: Loc, loader: _ComposingLoader, positions: Positions, problems: list[Problem], file: str
) -> Any:
    positions.values[loc] = loader.pos(node.start_mark)
    if node.tag not in _PLAIN_TAGS:
        problems.append(
            Problem(file, *loader.pos(node.start_mark), _loc_str(loc), f"the YAML tag `{node.tag}` is not allowed",
                    "remove the `!` tag; write plain text, numbers, lists and mappings")
        )
        return None
    if isinstance(node, yaml.MappingNode):
        if len(node.value) > MAX_MAPPING_KEYS:
            raise _too_many("a mapping", MAX_MAPPING_KEYS, node.value[MAX_MAPPING_KEYS][0].start_mark, loader.pos, file)
        result: dict[str, Any] = {}
        first_seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(file, *loader.pos(key_node.start_mark), _loc_str(loc), "merge keys (<<) are not allowed",
                            "write the fields out in full")
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(file, *loader.pos(key_node.start_mark), _loc_str(loc), "a mapping key must be a plain word",
                            "use `name: value`")
                )
                continue
            key = key_node.value
            if key in first_seen:
                first_line = loader.pos(first_seen[key].start_mark)[0]
                problems.append(
                    Problem(
                        file,
                        *loader.pos(key_node.start_mark),
                        _loc_str(loc + (key,)),
                        f"duplicate key `{key}` (first written on line {first_line}, again on line "
                        f"{loader.pos(key_node.start_mark)[0]})",
                        "keep one of the two; YAML would silently use the last",
                    )
                )
                continue
            first_seen[key] = key_node
            positions.keys[loc + (key,)] = loader.pos(key_node.start_mark)
            result[key] = _construct(value_node, loc + (key,), loader, positions, problems, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        if len(node.value) > MAX_SEQUENCE_ITEMS:
            raise _too_many("a list", MAX_SEQUENCE_ITEMS, node.value[MAX_SEQUENCE_ITEMS].start_mark, loader.pos, file)
        return [
            _construct(item, loc + (index,), loader, positions, problems, file) for index, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-01
        problems.append(
            Problem(file, *loader.pos(node.start_mark), _loc_str(loc), f"cannot read this value ({_first_line(exc)})",
                    "quote the value, fix the date (YYYY-MM-DD) or remove the `!tag`")
        )
        return None


class _NotClean(Exception):
    """The fast path met something the pure-Python loader must read and report."""


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _load_clean_document(text: str, file: str = "") -> tuple[Any, Positions] | None:
    """(data, positions) of a document with nothing to report, read from libyaml's events; None otherwise.

    Gives the same data and positions as `_construct` over the pure-Python node tree: the same resolver picks
    each plain scalar's tag and the same `SafeConstructor` builds non-string values. It never reports a problem
    itself; anything `_construct` or `_ComposingLoader` would complain about (or any parser error) returns None.
    """
    if _CParser is None or "\t" in text:
        return None  # libyaml accepts tabs in places where the pure-Python scanner reports an error
    parser = _CParser(text)
    resolver = yaml.resolver.Resolver()
    constructor = yaml.constructor.SafeConstructor()
    positions = Positions()
    values, keys = positions.values, positions.keys
    get_event, peek_event = parser.get_event, parser.peek_event
    pos = EditorPositions(text)

    def scalar_tag(event: ScalarEvent) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        return tag

    def node(loc: Loc, depth: int, flow: bool) -> Any:
        event = get_event()
        kind = type(event)
        # The pure loader counts every node (keys too) and refuses depth > MAX_DEPTH; stay well inside it.
        if kind is AliasEvent or event.anchor is not None or depth >= MAX_DEPTH - 1:
            raise _NotClean
        values[loc] = pos(event.start_mark)
        if kind is ScalarEvent:
            if flow and not event.style and ("?" in event.value or not event.value):
                # The pure-Python scanner ends a plain scalar at `?` inside [...] and {...}, and places an empty
                # value there one column earlier than libyaml.
                raise _NotClean
            tag = scalar_tag(event)
            if tag == _STR_TAG:
                return event.value  # SafeConstructor.construct_yaml_str
            if tag not in _PLAIN_TAGS or tag in (_SEQ_TAG, _MAP_TAG):
                raise _NotClean
            scalar = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            return constructor.construct_object(scalar, deep=True)
        if event.tag not in (None, "!", _SEQ_TAG, _MAP_TAG):
            raise _NotClean
        flow = flow or bool(event.flow_style)
        if kind is SequenceStartEvent:
            items = []
            while type(peek_event()) is not SequenceEndEvent:
                if len(items) == MAX_SEQUENCE_ITEMS:
                    raise _too_many("a list", MAX_SEQUENCE_ITEMS, peek_event().start_mark, pos, file)
                items.append(node(loc + (len(items),), depth + 1, flow))
            get_event()
            return items
        if kind is MappingStartEvent:
            result: dict[str, Any] = {}
            while type(peek_event()) is not MappingEndEvent:
                key_event = get_event()
                if len(result) == MAX_MAPPING_KEYS:
                    raise _too_many("a mapping", MAX_MAPPING_KEYS, key_event.start_mark, pos, file)
                if type(key_event) is not ScalarEvent or key_event.anchor is not None or key_event.tag is not None:
                    raise _NotClean
                if flow and not key_event.style and "?" in key_event.value:
                    raise _NotClean
                key = key_event.value
                if key in result or scalar_tag(key_event) == _MERGE_TAG:
                    raise _NotClean
                keys[loc + (key,)] = pos(key_event.start_mark)
                result[key] = node(loc + (key,), depth + 1, flow)
            get_event()
            return result
        raise _NotClean

    try:
        if type(get_event()) is not StreamStartEvent or type(get_event()) is not DocumentStartEvent:
            return None
        if type(peek_event()) is DocumentEndEvent:
            return None  # an empty document: the pure loader says so
        data = node((), 1, False)
        if type(get_event()) is not DocumentEndEvent or type(get_event()) is not StreamEndEvent:
            return None
    except (_NotClean, yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return None
    finally:
        parser.dispose()
    return data, positions


def _loc_str(loc: Loc) -> str:
    from .errors import format_path

    return format_path(loc)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "problem", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_yaml_with_positions(path: Path, display_name: str | None = None) -> tuple[Any, Positions, list[Problem]]:
    """Parse `path`; return (data, positions, problems).

    Fatal problems (unreadable file, syntax error, anchors) raise `CatalogueError`; problems that leave the
    rest readable (duplicate keys, unreadable values) are returned so that they are reported with the others.
    """
    file = display_name or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogueError([Problem(file, 1, 1, "", f"cannot read the file ({exc.strerror})", "check the path")])
    if size > MAX_FILE_BYTES:
        raise CatalogueError(
            [
                Problem(
                    file, 1, 1, "",
                    f"the file is {size / 2**20:.1f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB",
                    "long notes belong in docs/notes/<paper-id>.md; check that nothing was pasted by mistake",
                )
            ]
        )
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise CatalogueError(
            [Problem(file, 1, 1, "", "the file starts with a byte-order mark (BOM)", "save it as UTF-8 without BOM")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CatalogueError(
            [Problem(file, line, column, "", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8")]
        ) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.split("\n")
    ):
        raise CatalogueError([Problem(file, 1, 1, "", "the file is empty", "start with `papers:` and a list of papers")])
    for number, line_text in enumerate(text.split("\n"), start=1):
        stripped = line_text.lstrip(" ")
        if stripped.startswith("\t"):
            raise CatalogueError(
                [Problem(file, number, len(line_text) - len(stripped) + 1, "", "a tab is used for indentation",
                         "indent with spaces only")]
            )

    bad_char = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad_char:
        line = text.count("\n", 0, bad_char.start()) + 1
        column = bad_char.start() - (text.rfind("\n", 0, bad_char.start()) + 1) + 1
        raise CatalogueError(
            [Problem(file, line, column, "", f"YAML does not allow the control character U+{ord(bad_char.group()):04X}",
                     "delete it (it is often pasted in invisibly from a PDF)")]
        )
    fast = _load_clean_document(text, file)
    if fast is not None:
        return fast[0], fast[1], []
    loader = _ComposingLoader(text)
    problems: list[Problem] = []
    positions = Positions()
    try:
        node = loader.get_single_node()
        data = None if node is None else _construct(node, (), loader, positions, problems, file)
    except _Refused as exc:
        line, column = loader.pos(exc.mark) if exc.mark else (1, 1)
        raise CatalogueError([Problem(file, line, column, "", exc.message, exc.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = loader.pos(mark) if mark else (1, 1)
        what = (exc.problem or "invalid YAML").strip()
        if exc.context:
            what = f"{exc.context.strip()}: {what}"
        raise CatalogueError(
            [Problem(file, line, column, "", f"YAML syntax error: {what}",
                     "check indentation, colons and quotes on this line and the one above")]
        ) from None
    except yaml.YAMLError as exc:
        raise CatalogueError([Problem(file, 1, 1, "", f"YAML error: {_first_line(exc)}", "fix the YAML syntax")]) from None
    except RecursionError:
        raise CatalogueError([Problem(file, 1, 1, "", "the document is nested too deeply", "flatten it")]) from None
    finally:
        loader.dispose()
    return data, positions, problems
