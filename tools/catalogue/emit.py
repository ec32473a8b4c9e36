"""YAML text for one new paper entry, written in the indentation style of the file it is appended to.

The text is emitted by hand (not by a YAML dumper) so that it matches its neighbours; `yaml_quoted` writes any
string as a double-quoted scalar that reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

from .yaml_lines import Positions


@dataclass(frozen=True)
class Layout:
    """How the file indents: column of the `-` of each paper, columns per nesting level, and nested lists."""

    item_indent: int = 2
    step: int = 2
    indentless_lists: bool = False


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(value)
    if isinstance(value, (int, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    text = str(value)
    plain_ok = (
        text
        and text == text.strip()
        and text.isprintable()
        and not text.startswith(
            ("-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`")
        )
    )
    if plain_ok:
        try:
            plain_ok = yaml.safe_load(f"k: {text}") == {"k": text}
        except yaml.YAMLError:
            plain_ok = False
    return text if plain_ok else yaml_quoted(text)


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as `text`: printable characters (astral ones included) as they
    are, others as `\\xXX`, `\\uXXXX` or `\\UXXXXXXXX` (JSON's surrogate pairs read back as two lone surrogates)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _emit(value: dict[str, Any], indent: int, layout: Layout) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict):
            if not item:
                lines.append(f"{pad}{key}: {{}}")
            else:
                lines.append(f"{pad}{key}:")
                lines.extend(_emit(item, indent + layout.step, layout))
        elif isinstance(item, list):
            if not item:
                lines.append(f"{pad}{key}: []")
                continue
            lines.append(f"{pad}{key}:")
            dash = " " * (indent if layout.indentless_lists else indent + layout.step)
            for element in item:
                if isinstance(element, dict):
                    body = _emit(element, len(dash) + 2, layout)
                    lines.append(f"{dash}- {body[0].lstrip()}")
                    lines.extend(body[1:])
                else:
                    lines.append(f"{dash}- {_scalar(element)}")
        else:
            lines.append(f"{pad}{key}: {_scalar(item)}")
    return lines


def render_entry(paper: dict[str, Any], layout: Layout) -> list[str]:
    """The lines of one `- id: ...` item of the papers list."""
    body = _emit(paper, layout.item_indent + 2, layout)
    return [" " * layout.item_indent + "- " + body[0].lstrip(), *body[1:]]


def detect_layout(lines: list[str], positions: Positions, count: int) -> Layout:
    """Read the indentation of the first paper so the new entry looks like its neighbours."""
    if count == 0:
        return Layout()
    line, column = positions.values.get(("papers", 0), (0, 0))
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    dash = text.find("-")
    if dash < 0 or text[:dash].strip() or column - 1 != dash + 2:
        return Layout()  # e.g. `-   id:`: fall back to the default style
    step = 2
    for key in ("arxiv", "links", "notes", "bibtex"):
        outer = positions.keys.get(("papers", 0, key))
        inner = next((v for k, v in positions.keys.items() if k[:3] == ("papers", 0, key) and len(k) == 4), None)
        if outer and inner and inner[1] > outer[1]:
            step = inner[1] - outer[1]
            break
    indentless = False
    for key in ("authors", "tags", "strengths", "weaknesses"):
        outer = positions.keys.get(("papers", 0, key))
        first = positions.values.get(("papers", 0, key, 0))
        if outer and first and first[0] > outer[0]:
            item_line = lines[first[0] - 1]
            indentless = item_line.find("-") + 1 == outer[1]
            break
    return Layout(item_indent=dash, step=step, indentless_lists=indentless)
