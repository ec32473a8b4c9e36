"""Read YAML into plain Python data while remembering where every value was written.

PyYAML's safe loader silently keeps the last of two equal keys and expands anchors without limit.
This loader builds the data itself from a composed node tree so that it can:

* record the line and column of every key and value (`Positions`),
* reject duplicate keys, naming both lines,
* refuse anchors, aliases and merge keys (a catalogue never needs them, and they allow
  "billion laughs" documents that expand without bound),
* bound nesting depth, mapping and list sizes and file size, and
* turn every YAML or decoding failure into a `Problem` with a position.

One constructor (`_Builder`) walks the node tree, whoever composed it. libyaml's composer
(`yaml.CSafeLoader(text).get_single_node()`) is tried first: it keeps every node's mark and every duplicate key,
and is several times faster than composing in pure Python, which dominated a site build at 1,000 papers. The
pure-Python composer reads the file instead when libyaml would read it differently or say less:

* the text contains a tab or something that may be an anchor (libyaml's composer forgets anchors; the pure one
  refuses them at their position),
* the document may nest deeper than libyaml's composer can recurse on the C stack,
* libyaml reports a YAML error (the pure scanner's message and position are the ones the tests pin), or
* the walk meets a scanner quirk: a plain scalar inside `[...]`/`{...}` that is empty or holds `?` (the
  scanners split and place those differently), or nesting past `MAX_DEPTH` (refused at the pure composer's
  position).

tests/test_synthetic.py checks on mutated catalogues that both composers give the same data, positions and
problems. Without libyaml only the pure-Python composer is used.
"""

from __future__ import annotations

import gc
import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml's parser (yaml.cyaml re-exports it untyped)

from ..files import ReadError, read_limited
from .errors import CatalogueError, Problem, format_path

_LibyamlLoader: Any = getattr(yaml, "CSafeLoader", None)  # PyYAML wheels ship libyaml; None without it

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 24
# No mapping of the schema has more than a few dozen keys, and no list more than 20,000 items: a document past
# these is refused at once (a 15 MB mapping of a million unknown keys would otherwise print a million errors).
MAX_MAPPING_KEYS = 200
MAX_SEQUENCE_ITEMS = 20_000
# Characters YAML counts as line breaks but editors and grep do not (NEL, line and paragraph separators).
_EXTRA_YAML_BREAKS = ("\x85", "\u2028", "\u2029")
# libyaml's composer recurses on the C stack: here it used about 270 bytes a level and crashed the process past
# 30,000 levels with the default 8 MiB stack. A text that might nest deeper than _LIBYAML_SAFE_LEVELS is composed in
# a thread with a stack sized for its bound; past _LIBYAML_MAX_LEVELS its real depth is counted first.
_LIBYAML_SAFE_LEVELS = 10_000
_LIBYAML_MAX_LEVELS = 200_000
_STACK_BYTES_PER_LEVEL = 1024
# An anchor (`&name`) starts a node: it follows the start of the text, a space, a line break or a flow indicator.
# Anything that looks like one sends the file to the pure composer, which refuses it where it is written.
_ANCHOR_NAME_START = re.compile(r"&[^\s\[\]{},]")
_BEFORE_A_NODE = frozenset(" \t\n\r\x85\u2028\u2029[{,:?")  # `:` and `?` need no space inside [...] and {...}
# The columns a block collection can start at on a line: indentation and compact `- `, `? `, `: ` indicators.
_BLOCK_PREFIX = re.compile(r"^[ ?:-]+", re.MULTILINE)
_CONTENT = re.compile(r"^\s*[^\s#]", re.MULTILINE)  # a line that is neither blank nor a comment
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
# A flow collection starts where a node can: at the start of a line or after `-`, `?`, `:`, `,`, `[` or `{` (spaces
# between), or after a tag (`!!seq [`), or an anchor (refused earlier). A `[` after a word is text.
_BRACKET = re.compile(r"[\[{]")
_BEFORE_A_COLLECTION = frozenset("\n\r\x85\u2028\u2029-?:,[{")
_TAG_BEFORE_BRACKET = re.compile(r"![^\s\[\]{},]*[ \t]+[\[{]")

_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
# YAML 1.1 reads 0x7e4, 0b11111100100, 03744, 2_020 and 33:40 as integers; the catalogue writes plain decimals.
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


def _int_notation(text: str) -> str:
    body = text.lstrip("+-").lower()
    if body.startswith("0x"):
        return "hexadecimal"
    if body.startswith("0b"):
        return "binary"
    if ":" in body:
        return "base-60"
    if "_" in body:
        return "digit-grouped (`_`)"
    return "octal"


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

    def problem(self, file: str, loc: Loc, message: str, hint: str) -> Problem:
        """A problem at the position of `loc` (or of its nearest written ancestor)."""
        line, column = self.locate(loc)
        return Problem(file, line, column, format_path(loc), message, hint)


class EditorPositions:
    """1-based (line, column) of a YAML mark as editors and grep count them: only `\\n` ends a line.

    YAML also ends lines at U+0085, U+2028 and U+2029, which would shift every later line number by one.
    """

    def __init__(self, text: str) -> None:
        self._newlines: list[int] | None = None
        if any(ch in text for ch in _EXTRA_YAML_BREAKS):
            self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.yaml_lines_are_editor_lines = self._newlines is None

    def __call__(self, mark: yaml.Mark) -> tuple[int, int]:
        if self._newlines is None:
            return (mark.line + 1, mark.column + 1)
        before = bisect_left(self._newlines, mark.index)  # newlines before the mark
        line_start = self._newlines[before - 1] + 1 if before else 0
        return (before + 1, mark.index - line_start + 1)


class _UsePython(Exception):
    """libyaml's tree must not be used for this text: the pure-Python composer reads it."""


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str, hint: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


class _PythonComposer(yaml.SafeLoader):
    """PyYAML's pure-Python composer, refusing anchors/aliases and deep nesting where they are written."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves Parser.peek_event unannotated
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


def _too_many(what: str, limit: int, mark: yaml.Mark, pos: EditorPositions, file: str) -> CatalogueError:
    return CatalogueError(
        [
            Problem(
                file,
                *pos(mark),
                "",
                f"{what} has more than {limit:,} entries; nothing after this point was read",
                "this is not a catalogue; check what was pasted",
            )
        ]
    )


class _Builder:
    """Plain data and positions from a node tree; problems that leave the rest readable are collected.

    With `from_libyaml`, a node the pure composer would read differently raises `_UsePython` instead.
    """

    def __init__(self, text: str, file: str, from_libyaml: bool) -> None:
        self.pos = EditorPositions(text)
        self.file = file
        self.from_libyaml = from_libyaml
        self.positions = Positions()
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._where: Callable[[yaml.Mark], tuple[int, int]] = self.pos
        if self.pos.yaml_lines_are_editor_lines:
            self._where = lambda mark: (mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, loc: Loc = (), depth: int = 1, flow: bool = False) -> Any:
        # The pure composer counts every node, keys too, and refuses the first one deeper than MAX_DEPTH (so
        # only libyaml's tree can get here too deep).
        if depth > MAX_DEPTH:
            raise _UsePython
        self.positions.values[loc] = self._where(node.start_mark)
        tag = node.tag
        if tag == _STR_TAG and type(node) is yaml.ScalarNode:
            self._check_flow_scalar(node, flow)
            return node.value  # what SafeConstructor.construct_yaml_str gives
        if tag not in _PLAIN_TAGS:
            self._problem(
                node,
                loc,
                f"the YAML tag `{tag}` is not allowed",
                "remove the `!` tag; write plain text, numbers, lists and mappings",
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc, flow)
        if not isinstance(node, yaml.CollectionNode):
            raise TypeError(f"unexpected YAML node {type(node).__name__}")  # the composers make no other kind
        flow = flow or bool(node.flow_style)
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > MAX_SEQUENCE_ITEMS:
                raise _too_many(
                    "a list", MAX_SEQUENCE_ITEMS, node.value[MAX_SEQUENCE_ITEMS].start_mark, self.pos, self.file
                )
            return [self.build(item, (*loc, index), depth + 1, flow) for index, item in enumerate(node.value)]
        if not isinstance(node, yaml.MappingNode):
            raise TypeError(f"unexpected YAML node {type(node).__name__}")
        return self._mapping(node, loc, depth, flow)

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int, flow: bool) -> dict[str, Any]:
        if len(node.value) > MAX_MAPPING_KEYS:
            raise _too_many(
                "a mapping", MAX_MAPPING_KEYS, node.value[MAX_MAPPING_KEYS][0].start_mark, self.pos, self.file
            )
        if node.value and depth >= MAX_DEPTH:
            raise _UsePython  # its keys are too deep
        result: dict[str, Any] = {}
        first_seen: dict[Any, yaml.Node] = {}
        keys, where = self.positions.keys, self._where
        for key_node, value_node in node.value:
            is_scalar = type(key_node) is yaml.ScalarNode
            if is_scalar:
                self._check_flow_scalar(key_node, flow)
            if key_node.tag == _MERGE_TAG:
                self._problem(key_node, loc, "merge keys (<<) are not allowed", "write the fields out in full")
                continue
            if not is_scalar:
                self._problem(key_node, loc, "a mapping key must be a plain word", "use `name: value`")
                continue
            key = key_node.value
            if key in first_seen:
                first_line, line = where(first_seen[key].start_mark)[0], where(key_node.start_mark)[0]
                self._problem(
                    key_node,
                    (*loc, key),
                    f"duplicate key `{key}` (first written on line {first_line}, again on line {line})",
                    "keep one of the two; YAML would silently use the last",
                )
                continue
            first_seen[key] = key_node
            keys[(*loc, key)] = where(key_node.start_mark)
            result[key] = self.build(value_node, (*loc, key), depth + 1, flow)
        return result

    def _scalar(self, node: yaml.ScalarNode, loc: Loc, flow: bool) -> Any:
        self._check_flow_scalar(node, flow)
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-01
            self._problem(
                node,
                loc,
                f"cannot read this value ({_first_line(exc)})",
                "quote the value, fix the date (YYYY-MM-DD) or remove the `!tag`",
            )
            return None
        if node.tag == _INT_TAG and isinstance(value, int) and not _DECIMAL_INT.fullmatch(node.value):
            self._problem(
                node,
                loc,
                f"`{node.value}` is an integer in {_int_notation(node.value)} notation",
                f"write it in plain decimal digits: `{value}`",
            )
        return value

    def _check_flow_scalar(self, node: yaml.ScalarNode, flow: bool) -> None:
        # Inside [...] and {...} the pure-Python scanner ends a plain scalar at `?`, and places an empty value one
        # column earlier than libyaml: such a file is read by the pure composer.
        if self.from_libyaml and flow and not node.style and ("?" in node.value or not node.value):
            raise _UsePython

    def _problem(self, node: yaml.Node, loc: Loc, message: str, hint: str) -> None:
        self.problems.append(Problem(self.file, *self._where(node.start_mark), format_path(loc), message, hint))


def _flow_opens(text: str) -> int:
    """At least the number of `[` and `{` that open a flow collection (brackets in prose mostly do not count)."""
    if _TAG_BEFORE_BRACKET.search(text):
        return text.count("[") + text.count("{")
    opens = 0
    for match in _BRACKET.finditer(text):
        before = match.start() - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        opens += before < 0 or text[before] in _BEFORE_A_COLLECTION
    return opens


def _nesting_bound(text: str) -> int:
    """At least the nesting depth of the document (just _LIBYAML_SAFE_LEVELS when it is no more than that): each
    flow level opens a bracket, and each two block levels start at least one column further right."""
    flow = _flow_opens(text)
    room = (_LIBYAML_SAFE_LEVELS - 3 - flow) // 2  # block columns that keep the bound within the safe levels
    if room >= 0 and not re.search(f"^[ ?:-]{{{room + 1}}}", text, re.MULTILINE):
        return _LIBYAML_SAFE_LEVELS
    block_columns = max((len(prefix) for prefix in _BLOCK_PREFIX.findall(text)), default=0)
    return flow + 2 * block_columns + 3


def _nests_deeper_than(text: str, depth: int) -> bool:
    """Whether libyaml's parser events (no recursion there) nest deeper than `depth`; True on a YAML error."""
    parser = CParser(text)
    level = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                level += 1
                if level > depth:
                    return True
            elif isinstance(event, yaml.CollectionEndEvent):
                level -= 1
    except yaml.YAMLError:
        return True
    finally:
        parser.dispose()
    return False


def _with_stack(levels: int, work: Callable[[], Any]) -> Any:
    """`work()` run in a thread whose stack holds `levels` levels of libyaml's recursion."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    size = -(-(levels * _STACK_BYTES_PER_LEVEL + 2**20) // 2**16) * 2**16  # rounded up to 64 KiB
    previous = threading.stack_size(size)
    try:
        worker = threading.Thread(target=run, name="libyaml-composer")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _may_hold_an_anchor(text: str) -> bool:
    starts = (match.start() for match in _ANCHOR_NAME_START.finditer(text))
    return any(at == 0 or text[at - 1] in _BEFORE_A_NODE for at in starts)


def _compose_with_libyaml(text: str) -> yaml.Node | None:
    """libyaml's node tree of the single document in `text`; `_UsePython` if the pure composer must read it."""
    if _LibyamlLoader is None or "\t" in text or _may_hold_an_anchor(text):
        raise _UsePython
    levels = _nesting_bound(text)
    if levels > _LIBYAML_MAX_LEVELS:
        if _nests_deeper_than(text, MAX_DEPTH):
            raise _UsePython  # refused by the pure composer where it first nests too deep
        levels = MAX_DEPTH
    return _libyaml_tree(text) if levels <= _LIBYAML_SAFE_LEVELS else _with_stack(levels, lambda: _libyaml_tree(text))


def _libyaml_tree(text: str) -> yaml.Node | None:
    loader = _LibyamlLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.YAMLError:
        raise _UsePython from None  # the pure scanner's message and position are the ones reported
    finally:
        loader.dispose()


def _compose_with_python(text: str, file: str) -> yaml.Node | None:
    """The pure-Python node tree; every YAML error becomes a `CatalogueError` at its position."""
    loader = _PythonComposer(text)
    pos = EditorPositions(text)
    try:
        return loader.get_single_node()
    except _Refused as exc:
        line, column = pos(exc.mark) if exc.mark else (1, 1)
        raise CatalogueError([Problem(file, line, column, "", exc.message, exc.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = pos(mark) if mark else (1, 1)
        what = (exc.problem or "invalid YAML").strip()
        if exc.context:
            what = f"{exc.context.strip()}: {what}"
        raise CatalogueError(
            [
                Problem(
                    file,
                    line,
                    column,
                    "",
                    f"YAML syntax error: {what}",
                    "check indentation, colons and quotes on this line and the one above",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise CatalogueError(
            [Problem(file, 1, 1, "", f"YAML error: {_first_line(exc)}", "fix the YAML syntax")]
        ) from None
    except RecursionError:
        raise CatalogueError([Problem(file, 1, 1, "", "the document is nested too deeply", "flatten it")]) from None
    finally:
        loader.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "problem", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a node tree holds no cycles, and rescanning it every few hundred new
    nodes made composing a 1,000-paper catalogue three times slower."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(text: str, file: str) -> tuple[Any, Positions, list[Problem]]:
    """(data, positions, problems) of a text that passed the byte-level checks."""
    with _collector_paused():
        return _build_from_tree(text, file)


def _build_from_tree(text: str, file: str) -> tuple[Any, Positions, list[Problem]]:
    try:
        node = _compose_with_libyaml(text)
        builder = _Builder(text, file, from_libyaml=True)
        data = None if node is None else builder.build(node)
        return data, builder.positions, builder.problems
    except _UsePython:
        pass
    node = _compose_with_python(text, file)
    builder = _Builder(text, file, from_libyaml=False)
    data = None if node is None else builder.build(node)
    return data, builder.positions, builder.problems


def load_yaml_with_positions(path: Path, display_name: str | None = None) -> tuple[Any, Positions, list[Problem]]:
    """Parse `path`; return (data, positions, problems).

    Fatal problems (unreadable file, syntax error, anchors) raise `CatalogueError`; problems that leave the
    rest readable (duplicate keys, unreadable values) are returned so that they are reported with the others.
    """
    file = display_name or str(path)
    return _build(_read_text(path, file), file)


def _read_text(path: Path, file: str) -> str:
    """The file's text, refused (with a position) if it is too large, not UTF-8, empty or uses tabs or controls."""
    try:
        raw = read_limited(path, MAX_FILE_BYTES)
    except ReadError as exc:
        if exc.size is None:
            raise CatalogueError([Problem(file, 1, 1, "", exc.what, exc.hint)]) from None
        raise CatalogueError(
            [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"the file is {exc.size / 2**20:.1f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB",
                    "long notes belong in docs/notes/<paper-id>.md; check that nothing was pasted by mistake",
                )
            ]
        ) from None
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
            [
                Problem(
                    file, line, column, "", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8"
                )
            ]
        ) from None
    if not _CONTENT.search(text):
        raise CatalogueError(
            [Problem(file, 1, 1, "", "the file is empty", "start with `papers:` and a list of papers")]
        )
    if "\t" in text and (tab := _TAB_INDENT.search(text)):  # (the `in` test is 20 times faster at 5 MB)
        raise CatalogueError(
            [
                Problem(
                    file,
                    text.count("\n", 0, tab.start()) + 1,
                    len(tab.group()),
                    "",
                    "a tab is used for indentation",
                    "indent with spaces only",
                )
            ]
        )
    bad_char = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad_char:
        line = text.count("\n", 0, bad_char.start()) + 1
        column = bad_char.start() - (text.rfind("\n", 0, bad_char.start()) + 1) + 1
        raise CatalogueError(
            [
                Problem(
                    file,
                    line,
                    column,
                    "",
                    f"YAML does not allow the control character U+{ord(bad_char.group()):04X}",
                    "delete it (it is often pasted in invisibly from a PDF)",
                )
            ]
        )
    return text
