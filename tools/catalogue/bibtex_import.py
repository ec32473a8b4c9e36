"""Reading one BibTeX entry (bibtexparser v2) for `add`: its title, authors, year and other fields, LaTeX decoded.

Every problem is an `AddPaperError` naming the file and line and saying how to fix it; nothing is guessed silently.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import ReadError, read_limited
from .errors import AddPaperError
from .schema import MAX_SHORT, MAX_YEAR, MIN_YEAR

MAX_BIBTEX_BYTES = 1024 * 1024
# Decoding LaTeX costs tens of microseconds per character: a field is cut to this length before it is decoded
# (a 900 KB title took 27 s to decode, only to be cut to MAX_SHORT afterwards).
MAX_DECODED_FIELD = 4 * MAX_SHORT
# Identifiers and links are taken exactly as written, never LaTeX-decoded: `%`, `~`, `_`, `--` and `#` are part of
# URLs and DOIs (`50%25`, `/~name/`, `a_b--c`), not LaTeX (decoding cut a URL at `%` and turned `~` into a space).
VERBATIM_FIELDS = ("url", "doi", "eprint", "eprinttype", "archiveprefix")
# Escapes whose decoded character must survive as written (`\{` is a literal brace, not a grouping one, and
# `\^{}` a caret, not an accent on nothing). They are swapped for noncharacters before decoding and restored after.
_LITERAL_ESCAPES = {
    r"\textbackslash{}": "\\",
    r"\{": "{",
    r"\}": "}",
    r"\^{}": "^",
    r"\~{}": "~",
    r"\textasciicircum{}": "^",
    r"\textasciitilde{}": "~",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
}
_PLACEHOLDERS = {escape: chr(0xFDD0 + index) for index, escape in enumerate(_LITERAL_ESCAPES)}
_RESTORE = {chr(0xFDD0 + index): char for index, char in enumerate(_LITERAL_ESCAPES.values())}
_ESCAPE_RE = re.compile("|".join(re.escape(e) for e in sorted(_LITERAL_ESCAPES, key=len, reverse=True)))
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
MONTH_MACROS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


@dataclass
class BibEntry:
    """The parts of one BibTeX entry that the catalogue uses."""

    entry_type: str
    key: str
    line: int  # 1-based line of the `@type{` in the file
    where: str  # "file:line" of the entry, for messages
    title: str
    authors: list[str]
    surnames: list[str]
    truncated_authors: bool
    year: int
    fields: dict[str, str]  # every other field, lower-case keys, LaTeX decoded
    notes: list[str] = field(default_factory=list)  # things the user should check


def decode_utf8(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AddPaperError(
            f"{name}:{line}:{column}: byte 0x{raw[exc.start]:02x} is not valid UTF-8 — save the BibTeX file as UTF-8 "
            '(or write accents as LaTeX, e.g. {\\"u})'
        ) from None


def _brace_problem(text: str, name: str) -> str | None:
    """Where the braces of `text` stop balancing (`\\{` and `\\}` are escaped; `%` comment lines are skipped)."""
    opened: list[tuple[int, int]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("%"):
            continue
        for column, char in enumerate(line, start=1):
            if char not in "{}" or (column > 1 and line[column - 2] == "\\"):
                continue
            if char == "{":
                opened.append((number, column))
            elif opened:
                opened.pop()
            else:
                return (
                    f"{name}:{number}:{column}: unbalanced braces: this `}}` closes nothing — remove it or add "
                    "the missing `{`"
                )
    if opened:
        number, column = opened[-1]
        return f"{name}:{number}:{column}: unbalanced braces: this `{{` is never closed — add the missing `}}`"
    return None


@contextlib.contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs parse failures itself; we report them with our own messages instead."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _strip_braces(text: str) -> str:
    """`text` without its grouping braces, spacing collapsed, the literal escapes (`\\{`, `\\^{}`, ...) restored."""
    return _restore_escapes(" ".join(re.sub(r"(?<!\\)[{}]", "", text).split()))


def _protect_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _PLACEHOLDERS[m.group()], _NONCHARACTERS.sub("\ufffd", text))


def _restore_escapes(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _verbatim_values(library: Any) -> list[dict[str, str]]:
    """Per entry, the verbatim fields as written (enclosing braces removed); protects the other fields' escapes."""
    found: list[dict[str, str]] = []
    for entry in library.entries:
        values: dict[str, str] = {}
        for f in entry.fields:
            if not isinstance(f.value, str):
                continue
            if f.key.lower() in VERBATIM_FIELDS:
                values[f.key.lower()] = f.value.strip()
            elif (protected := _protect_escapes(f.value)) != f.value:
                f.value = protected
        found.append(values)
    return found


def _cut_long_fields(library: Any) -> Any:
    """Cut every field value to MAX_DECODED_FIELD characters (before any decoding); a cut value loses its braces."""
    for entry in library.entries:
        for f in entry.fields:
            if isinstance(f.value, str) and len(f.value) > MAX_DECODED_FIELD:
                f.value = re.sub(r"[{}]", "", f.value[:MAX_DECODED_FIELD]).rstrip("\\")
    return library


def parse_bibtex(text: str, name: str) -> BibEntry:
    """Parse exactly one entry from `text`; raise AddPaperError saying what is wrong and where."""
    from bibtexparser import middlewares
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, ImplicitComment, MiddlewareErrorBlock

    if not text.strip():
        raise AddPaperError(
            f"{name}: the file is empty — paste one BibTeX entry, e.g. "
            "`@article{key, title = {...}, author = {...}, year = {2019}}`"
        )
    braces = _brace_problem(text, name)
    stack = [
        middlewares.NormalizeFieldKeys(),  # `Author` -> `author` (case-insensitive repeats are refused below)
        middlewares.LatexDecodingMiddleware(keep_braced_groups=True),  # braces kept: they group names
        middlewares.SeparateCoAuthors(name_fields=("author",)),
        middlewares.SplitNameParts(name_fields=("author",)),
    ]
    try:
        with _quiet_bibtexparser():
            raw = parse_string(text, parse_stack=[])  # field keys as written
            library = parse_string(text)  # enclosing braces removed, not decoded
            verbatim = _verbatim_values(library)
            library = _cut_long_fields(library)
            for middleware in stack:
                library = middleware.transform(library)
    except Exception as exc:  # the parser's own state errors: report, do not crash
        raise AddPaperError(
            f"{name}: the BibTeX parser gave up ({type(exc).__name__}: {exc})" + (f"\n{braces}" if braces else "")
        ) from None

    problems: list[str] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(f"{name}:{line}: the entry key `{block.key}` is used twice — keep one entry per file")
        elif isinstance(block, DuplicateFieldKeyBlock):
            keys = ", ".join(sorted(block.duplicate_keys))
            problems.append(f"{name}:{line}: the entry repeats the field(s) {keys} — keep one of each")
        elif isinstance(block, MiddlewareErrorBlock):
            problems.append(
                f"{name}:{line}: cannot read the entry's LaTeX or author names ({block.error}) — "
                "simplify "
                "the field, e.g. write accents as plain UTF-8"
            )
        else:
            reason = (getattr(block.error, "abort_reason", "") or str(block.error) or "syntax error").strip()
            head = (block.raw or "").strip().splitlines()[0][:60] if (block.raw or "").strip() else ""
            problems.append(
                f"{name}:{line}: cannot parse the block starting `{head}`: {reason.rstrip('.')} — "
                "each entry is `@type{key, field = {value}, ...}` with commas between fields"
            )
    for entry in raw.entries:
        field_keys = [f.key.lower() for f in entry.fields]
        repeated = sorted({k for k in field_keys if field_keys.count(k) > 1})
        if repeated:
            problems.append(
                f"{name}:{(entry.start_line or 0) + 1}: the entry repeats the field(s) "
                f"{', '.join(repeated)} — keep one of each"
            )
    if braces:
        problems.insert(0, braces)
    for comment in library.comments:
        if not isinstance(comment, ImplicitComment):
            continue
        stray = [ln for ln in comment.comment.splitlines() if ln.strip() and not ln.lstrip().startswith("%")]
        if stray:
            line = (comment.start_line or 0) + 1
            problems.append(
                f"{name}:{line}: text outside any entry: {stray[0].strip()[:60]!r} — remove it, or fix "
                "the "
                "entry before it if a `}` closed it early"
            )
    entries = library.entries
    if not entries and not library.failed_blocks:
        problems.append(
            f"{name}: no BibTeX entry found — the file must hold one entry such as "
            "`@article{key, title = {...}, author = {...}, year = {2019}}`"
        )
    elif len(entries) > 1:
        where = ", ".join(f"`{e.key}` (line {(e.start_line or 0) + 1})" for e in entries)
        problems.append(
            f"{name}: found {len(entries)} entries: {where} — add_paper takes one entry per file; "
            "split the file and run it once per paper"
        )
    if problems:
        raise AddPaperError("\n".join(dict.fromkeys(problems)))
    return _entry_fields(entries[0], name, verbatim[0] if verbatim else {})


def _entry_fields(entry: Any, name: str, verbatim: dict[str, str]) -> BibEntry:
    line = (entry.start_line or 0) + 1
    where = f"{name}:{line}: the @{entry.entry_type} entry `{entry.key}`"
    problems: list[str] = []
    values: dict[str, Any] = {}
    for f in entry.fields:
        key = f.key.lower()
        if f.enclosing == "no-enclosing" and isinstance(f.value, str):
            value = f.value.strip()
            if not value.isdigit() and not (key == "month" and value.lower() in MONTH_MACROS):
                problems.append(
                    f"{name}:{f.start_line + 1}: field `{key} = {value[:40]}` uses an undefined @string "
                    "abbreviation or a `#` concatenation — write the value in braces, e.g. "
                    f"`{key} = {{...}}`"
                )
                continue
        values[key] = f.value

    title = _strip_braces(values.get("title") or "") if isinstance(values.get("title"), str) else ""
    if not title:
        problems.append(f"{where} has no `title` — add `title = {{...}}`")
    authors: list[str] = []
    surnames: list[str] = []
    truncated = False
    for person in values.get("author") or []:
        full = _strip_braces(person.merge_first_name_first)
        if person.merge_first_name_first.strip().lower() == "others":  # `{others}` is a name, not "et al."
            truncated = True
            continue
        if full:
            authors.append(full)
            surnames.append(_strip_braces(" ".join(person.last)) or full)
    if not authors:
        problems.append(f"{where} has no `author` — add `author = {{Last, First and Last, First}}`")
    year_text = str(values.get("year") or "").strip()
    if not year_text and isinstance(values.get("date"), str):  # biblatex writes `date = {2019-05-06}`
        year_text = values["date"].strip()[:4]
    year = None
    if not year_text:
        problems.append(f"{where} has no `year` — add `year = {{2019}}`")
    elif not re.fullmatch(r"\d{4}", _strip_braces(year_text)):
        problems.append(
            f"{where} has `year = {year_text[:20]}` — write the year as four digits, e.g. `year = {{2019}}`"
        )
    else:
        year = int(_strip_braces(year_text))
        if not MIN_YEAR <= year <= MAX_YEAR:
            problems.append(f"{where} has `year = {year}` — the catalogue accepts {MIN_YEAR} to {MAX_YEAR}")
    if problems:
        raise AddPaperError("\n".join(problems))
    assert year is not None
    others = {k: _strip_braces(v) for k, v in values.items() if isinstance(v, str) and k not in ("title", "author")}
    others.update((k, v) for k, v in verbatim.items() if k in values)  # as written, never decoded
    if "pages" in others:
        others["pages"] = others["pages"].replace("–", "--")  # LaTeX decoding turned `--` into an en dash
    return BibEntry(
        entry.entry_type.lower(), entry.key, line, f"{name}:{line}", title, authors, surnames, truncated, year, others
    )


def read_bibtex(bibtex_path: str) -> BibEntry:
    """The one entry of a BibTeX file (`-` = stdin), refused with a message if it is unreadable or too large."""
    name = "<stdin>" if bibtex_path == "-" else bibtex_path
    too_large = f"{name}: larger than {MAX_BIBTEX_BYTES // 1024} KiB — give a file with one entry"
    if bibtex_path == "-":
        raw_bib = sys.stdin.buffer.read(MAX_BIBTEX_BYTES + 1)
        if len(raw_bib) > MAX_BIBTEX_BYTES:
            raise AddPaperError(too_large)
    else:
        try:
            raw_bib = read_limited(Path(bibtex_path), MAX_BIBTEX_BYTES)
        except ReadError as exc:
            if exc.size is not None:
                raise AddPaperError(too_large) from None
            raise AddPaperError(f"{name}: cannot read the BibTeX file: {exc.what} — {exc.hint}") from None
    return parse_bibtex(decode_utf8(raw_bib, name), name)
