"""Append a stub paper entry, built from one BibTeX entry, to the catalogue.

    python tools/add_paper.py --bibtex FILE [--id ID] [--catalogue PATH] [--status to-read] [--date YYYY-MM-DD]
                              [--dry-run]

Reads exactly one BibTeX entry (bibtexparser v2), takes its title, authors, year, venue, arXiv id and DOI, and
appends a valid entry at the end of the `papers:` list. The existing text of papers.yaml is kept byte for byte
(comments and formatting included): the new entry is appended as text, and the whole resulting catalogue is
validated before the file is replaced atomically. Duplicates (same id, arXiv id, DOI or title as an existing
paper) are refused. Works offline.

Exit codes: 0 = added (or, with --dry-run, would be added); 2 = bad BibTeX, duplicate, invalid catalogue or usage.
On exit code 2 nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import contextlib
import datetime as dt
import logging
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from tools.catalogue import DEFAULT_CATALOGUE, CatalogueError, Paper, load_catalogue
from tools.catalogue.schema import DOI_PATTERN, HTTP_URL_RE, MAX_SHORT, SLUG_PATTERN
from tools.catalogue.text_rules import ZERO_WIDTH, title_key
from tools.catalogue.yaml_lines import Positions, load_yaml_with_positions
from tools.files import WriteError, write_atomic
from tools.terminal import say

EXIT_OK, EXIT_INVALID = 0, 2
MAX_BIBTEX_BYTES = 1024 * 1024
# Decoding LaTeX costs tens of microseconds per character: a field is cut to this length before it is decoded
# (a 900 KB title took 27 s to decode, only to be cut to MAX_SHORT afterwards).
MAX_DECODED_FIELD = 4 * MAX_SHORT
CONTRIBUTING = "docs/contributing.md"

# BibTeX entry types the schema accepts, and the usual others mapped onto them.
BIBTEX_TYPES = ("article", "inproceedings", "misc", "techreport", "phdthesis", "book", "incollection")
TYPE_ALIASES = {"conference": "inproceedings", "online": "misc", "unpublished": "misc", "electronic": "misc",
                "preprint": "misc", "report": "techreport", "thesis": "phdthesis", "mastersthesis": "misc",
                "inbook": "incollection", "proceedings": "book"}
# Fields kept in `bibtex.fields` (title, author, year, doi and eprint live in the paper's own fields).
KEPT_FIELDS = ("journal", "booktitle", "volume", "number", "pages", "publisher", "organization", "editor", "series",
               "address", "edition", "chapter", "school", "institution", "howpublished", "month", "note",
               "primaryclass")
MONTH_MACROS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
TITLE_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "towards", "toward", "and", "with", "via", "at",
                   "by", "from", "is", "are", "do", "does", "can"}
# Venue names written out in BibTeX -> the short form the catalogue uses ("CVPR 2019").
VENUE_ABBREVIATIONS = (
    ("transactions on pattern analysis and machine intelligence", "IEEE TPAMI"),
    ("international journal of computer vision", "IJCV"),
    ("computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("neural information processing systems", "NeurIPS"),
    ("international conference on machine learning", "ICML"),
    ("international conference on learning representations", "ICLR"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("british machine vision conference", "BMVC"),
    ("winter conference on applications of computer vision", "WACV"),
)
# An arXiv id as schema.ARXIV_ID_PATTERN has it (new style 1905.02244, old style cs/0112017), then an optional vN.
ARXIV_ID = r"\d{4}\.\d{4,5}(?!\d)|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?!\d)"
ARXIV_IN_TEXT = re.compile(rf"(?:arxiv:\s*|arxiv\s+|abs/|/pdf/)({ARXIV_ID})(?:v(\d+))?", re.IGNORECASE)
ARXIV_BARE = re.compile(rf"^(?:arxiv:\s*)?({ARXIV_ID})(?:v(\d+))?$", re.IGNORECASE)

LEFT_TO_FILL = (
    ("tldr", "a one-paragraph summary in your own words (Markdown)"),
    ("notes.zh / notes.en", "the reading notes; either language may come first"),
    ("tags", "from the allowed list in tools/catalogue/tags.py"),
    ("strengths / weaknesses", "one point per list item"),
    ("models", "registered reference_impls ids the paper defines (add the model first if it is missing)"),
    ("claims", "the paper's quantitative claims, each with its source table and version"),
    ("links.official_code", "the authors' repository, if any"),
)


class AddPaperError(Exception):
    """Something the user must fix; the message says what and how. Nothing has been written."""


# ----------------------------------------------------------------------------------------------------------------
# Reading one BibTeX entry


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


def _decode_utf8(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AddPaperError(
            f"{name}:{line}:{column}: byte 0x{raw[exc.start]:02x} is not valid UTF-8 — save the BibTeX file as UTF-8 "
            "(or write accents as LaTeX, e.g. {\\\"u})"
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
                return (f"{name}:{number}:{column}: unbalanced braces: this `}}` closes nothing — remove it or add "
                        "the missing `{`")
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
    return " ".join(re.sub(r"(?<!\\)[{}]", "", text).split())


def _cut_long_fields(library: Any) -> Any:
    """Cut every field value to MAX_DECODED_FIELD characters (before any decoding); a cut value loses its braces."""
    for entry in library.entries:
        for f in entry.fields:
            if isinstance(f.value, str) and len(f.value) > MAX_DECODED_FIELD:
                f.value = re.sub(r"[{}]", "", f.value[:MAX_DECODED_FIELD]).rstrip("\\")
    return library


def parse_bibtex(text: str, name: str) -> BibEntry:
    """Parse exactly one entry from `text`; raise AddPaperError saying what is wrong and where."""
    import bibtexparser
    from bibtexparser import middlewares
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, ImplicitComment, MiddlewareErrorBlock

    if not text.strip():
        raise AddPaperError(f"{name}: the file is empty — paste one BibTeX entry, e.g. "
                            "`@article{key, title = {...}, author = {...}, year = {2019}}`")
    braces = _brace_problem(text, name)
    stack = [
        middlewares.NormalizeFieldKeys(),  # `Author` -> `author` (case-insensitive repeats are refused below)
        middlewares.LatexDecodingMiddleware(keep_braced_groups=True),  # braces kept: they group names
        middlewares.SeparateCoAuthors(name_fields=("author",)),
        middlewares.SplitNameParts(name_fields=("author",)),
    ]
    try:
        with _quiet_bibtexparser():
            raw = bibtexparser.parse_string(text, parse_stack=[])  # field keys as written
            library = _cut_long_fields(bibtexparser.parse_string(text))  # enclosing braces removed, not decoded
            for middleware in stack:
                library = middleware.transform(library)
    except Exception as exc:  # the parser's own state errors: report, do not crash
        raise AddPaperError(f"{name}: the BibTeX parser gave up ({type(exc).__name__}: {exc})"
                            + (f"\n{braces}" if braces else "")) from None

    problems: list[str] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(f"{name}:{line}: the entry key `{block.key}` is used twice — keep one entry per file")
        elif isinstance(block, DuplicateFieldKeyBlock):
            keys = ", ".join(sorted(block.duplicate_keys))
            problems.append(f"{name}:{line}: the entry repeats the field(s) {keys} — keep one of each")
        elif isinstance(block, MiddlewareErrorBlock):
            problems.append(f"{name}:{line}: cannot read the entry's LaTeX or author names ({block.error}) — simplify "
                            "the field, e.g. write accents as plain UTF-8")
        else:
            reason = (getattr(block.error, "abort_reason", "") or str(block.error) or "syntax error").strip()
            head = (block.raw or "").strip().splitlines()[0][:60] if (block.raw or "").strip() else ""
            problems.append(f"{name}:{line}: cannot parse the block starting `{head}`: {reason.rstrip('.')} — "
                            "each entry is `@type{key, field = {value}, ...}` with commas between fields")
    for entry in raw.entries:
        keys = [f.key.lower() for f in entry.fields]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            problems.append(f"{name}:{(entry.start_line or 0) + 1}: the entry repeats the field(s) "
                            f"{', '.join(repeated)} — keep one of each")
    if braces:
        problems.insert(0, braces)
    for comment in library.comments:
        if not isinstance(comment, ImplicitComment):
            continue
        stray = [ln for ln in comment.comment.splitlines() if ln.strip() and not ln.lstrip().startswith("%")]
        if stray:
            line = (comment.start_line or 0) + 1
            problems.append(f"{name}:{line}: text outside any entry: {stray[0].strip()[:60]!r} — remove it, or fix the "
                            "entry before it if a `}` closed it early")
    entries = library.entries
    if not entries and not library.failed_blocks:
        problems.append(f"{name}: no BibTeX entry found — the file must hold one entry such as "
                        "`@article{key, title = {...}, author = {...}, year = {2019}}`")
    elif len(entries) > 1:
        where = ", ".join(f"`{e.key}` (line {(e.start_line or 0) + 1})" for e in entries)
        problems.append(f"{name}: found {len(entries)} entries: {where} — add_paper takes one entry per file; "
                        "split the file and run it once per paper")
    if problems:
        raise AddPaperError("\n".join(dict.fromkeys(problems)))
    return _entry_fields(entries[0], name)


def _entry_fields(entry: Any, name: str) -> BibEntry:
    line = (entry.start_line or 0) + 1
    where = f"{name}:{line}: the @{entry.entry_type} entry `{entry.key}`"
    problems: list[str] = []
    values: dict[str, Any] = {}
    for f in entry.fields:
        key = f.key.lower()
        if f.enclosing == "no-enclosing" and isinstance(f.value, str):
            value = f.value.strip()
            if not value.isdigit() and not (key == "month" and value.lower() in MONTH_MACROS):
                problems.append(f"{name}:{f.start_line + 1}: field `{key} = {value[:40]}` uses an undefined @string "
                                "abbreviation or a `#` concatenation — write the value in braces, e.g. "
                                f"`{key} = {{...}}`")
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
        if full.lower() == "others":
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
        problems.append(f"{where} has `year = {year_text[:20]}` — write the year as four digits, "
                        "e.g. `year = {2019}`")
    else:
        year = int(_strip_braces(year_text))
        if not 1950 <= year <= 2100:
            problems.append(f"{where} has `year = {year}` — the catalogue accepts 1950 to 2100")
    if problems:
        raise AddPaperError("\n".join(problems))
    assert year is not None
    others = {k: _strip_braces(v) for k, v in values.items() if isinstance(v, str) and k not in ("title", "author")}
    if "pages" in others:
        others["pages"] = others["pages"].replace("–", "--")  # LaTeX decoding turned `--` into an en dash
    return BibEntry(entry.entry_type.lower(), entry.key, line, f"{name}:{line}", title, authors, surnames, truncated,
                    year, others)


# ----------------------------------------------------------------------------------------------------------------
# Building the catalogue entry


def _ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def derive_id(entry: BibEntry) -> str:
    """first-author surname, year, first significant title word: `howard-2019-searching`."""
    surname = _ascii_slug(entry.surnames[0]) if entry.surnames else ""
    words = [_ascii_slug(w) for w in entry.title.split()]
    significant = [w for w in words if w and w not in TITLE_STOPWORDS] or [w for w in words if w]
    parts = [surname or "paper", str(entry.year)] + significant[:1]
    slug = "-".join(p for p in parts if p)
    return slug[:64].rstrip("-")


def find_arxiv(entry: BibEntry) -> tuple[str, int | None] | None:
    """The arXiv id (and version) from eprint, journal ("arXiv preprint arXiv:1905.02244"), volume, URL or DOI."""
    f = entry.fields
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").strip().lower()
    eprint = (f.get("eprint") or "").strip()
    if eprint and prefix in ("", "arxiv"):
        match = ARXIV_BARE.match(eprint)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    doi = (f.get("doi") or "").lower()
    if doi.startswith("10.48550/arxiv."):
        match = ARXIV_BARE.match(doi.removeprefix("10.48550/arxiv."))
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    for key in ("journal", "volume", "url", "note", "howpublished", "booktitle"):
        value = f.get(key) or ""
        if key == "url" and "arxiv.org" not in value.lower():
            continue
        match = ARXIV_IN_TEXT.search(value)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    return None


def find_doi(entry: BibEntry) -> str | None:
    raw = (entry.fields.get("doi") or "").strip()
    if not raw:
        url = entry.fields.get("url") or ""
        match = re.match(r"^https?://(?:dx\.)?doi\.org/(.+)$", url.strip(), re.IGNORECASE)
        raw = match.group(1) if match else ""
    if not raw:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", raw, flags=re.IGNORECASE).strip()
    if doi.lower().startswith("10.48550/arxiv."):  # arXiv's own DOI: the arXiv id already says it
        return None
    if not re.match(DOI_PATTERN, doi) or len(doi) > 200:
        raise AddPaperError(f"{entry.where}: `doi = {raw[:60]}` is not a DOI — write the bare DOI, e.g. "
                            "`doi = {10.1109/CVPR.2016.90}`, or remove the field")
    return doi


def find_venue(entry: BibEntry, arxiv: tuple[str, int | None] | None) -> str:
    f = entry.fields
    text = f.get("booktitle") or f.get("journal") or ""
    low = text.lower()
    if not text or "arxiv" in low or low in ("corr", "computing research repository"):
        if arxiv or "arxiv" in low or low == "corr":
            entry.notes.append(f"venue: `arXiv preprint` — if the paper was published, write the venue instead, "
                               f"e.g. `CVPR {entry.year}`")
            return "arXiv preprint"
        if entry.entry_type == "phdthesis" and f.get("school"):
            return f"PhD thesis, {f['school']}"[:MAX_SHORT]
        if entry.entry_type == "techreport" and f.get("institution"):
            return f"Technical report, {f['institution']}"[:MAX_SHORT]
        publisher = f.get("publisher") or f.get("howpublished") or ""
        if publisher:
            return publisher[:MAX_SHORT]
        entry.notes.append("venue: the BibTeX entry names none; `unpublished` was written — correct it")
        return "unpublished"
    for long_name, short in VENUE_ABBREVIATIONS:
        if long_name in low:
            workshop = " Workshops" if "workshop" in low else ""
            return f"{short}{workshop} {entry.year}"
    acronym = (re.search(r"\(([A-Z][A-Za-z]{1,9})(?:\s*'?\d{2,4})?\)", text)
               or re.fullmatch(r"([A-Z][A-Za-z]{1,9})", text.strip()))
    if acronym:  # "Proc. ... (BMVC)" or a bare "CVPR"
        return f"{acronym.group(1)} {entry.year}"
    if len(text) > 60:
        entry.notes.append(f"venue: `{text}` was copied as written — shorten it, e.g. `CVPR {entry.year}`")
    return text[:MAX_SHORT]


def build_paper(entry: BibEntry, *, paper_id: str | None, status: str, added: dt.date) -> dict[str, Any]:
    """The stub entry, as plain data in the order papers.yaml writes fields."""
    arxiv = find_arxiv(entry)
    doi = find_doi(entry)
    if paper_id is None:
        paper_id = derive_id(entry)
    elif not re.match(SLUG_PATTERN, paper_id) or len(paper_id) > 64:
        raise AddPaperError(f"--id {paper_id!r} is not a valid id — use lowercase letters, digits and single hyphens, "
                            "at most 64 characters, e.g. `mobilenetv3`")
    title = ZERO_WIDTH.sub("", entry.title)
    if title != entry.title:
        entry.notes.append("title: invisible zero-width characters were removed — check it")
    paper: dict[str, Any] = {
        "id": paper_id,
        "title": title[:MAX_SHORT],
        "authors": [a[:MAX_SHORT] for a in entry.authors],
        "year": entry.year,
        "venue": find_venue(entry, arxiv),
    }
    if len(entry.title) > MAX_SHORT:
        entry.notes.append(f"title: cut to {MAX_SHORT} characters — check it")
    if len(entry.authors) > 100:
        paper["authors"] = paper["authors"][:100]
        entry.notes.append("authors: only the first 100 are kept (the catalogue's limit)")
    if entry.truncated_authors:
        entry.notes.append("authors: the BibTeX entry ends with `and others` — add the missing authors")
    if arxiv:
        paper["arxiv"] = {"id": arxiv[0], **({"version": arxiv[1]} if arxiv[1] and 1 <= arxiv[1] <= 99 else {})}
        if "version" not in paper["arxiv"]:
            entry.notes.append("arxiv.version: say which arXiv version (vN) your notes refer to")
    if doi:
        paper["doi"] = doi
    links: dict[str, str] = {}
    if arxiv:
        links["pdf"] = f"https://arxiv.org/pdf/{arxiv[0]}"
    url = (entry.fields.get("url") or "").strip()
    if url and HTTP_URL_RE.match(url) and "arxiv.org" not in url and "doi.org" not in url:
        links["pdf" if url.lower().endswith(".pdf") and "pdf" not in links else "project"] = url
    paper["links"] = links
    paper["tags"] = []
    paper["status"] = status
    paper["added"] = added
    paper["notes"] = {}
    paper["strengths"] = []
    paper["weaknesses"] = []
    bib_type = TYPE_ALIASES.get(entry.entry_type, entry.entry_type)
    if bib_type not in BIBTEX_TYPES:
        entry.notes.append(f"bibtex.type: @{entry.entry_type} is stored as @misc")
        bib_type = "misc"
    key = re.sub(r"[^A-Za-z0-9_:\-]", "_", entry.key)[:64] or paper_id
    if key != entry.key:
        entry.notes.append(f"bibtex.key: `{entry.key}` was stored as `{key}` (allowed: letters, digits, _ : -)")
    kept: dict[str, str] = {}
    for name in KEPT_FIELDS:
        value = entry.fields.get(name)
        if arxiv and value and (
            (name == "journal" and ("arxiv" in value.lower() or value.lower() == "corr"))
            or (name == "volume" and value.lower().startswith("abs/"))
        ):
            continue  # "arXiv preprint arXiv:…", DBLP's "CoRR" + "abs/…": already the venue and the arXiv id
        if value and len(value) <= MAX_SHORT and "\x00" not in value:
            kept[name] = value
        elif value:
            entry.notes.append(f"bibtex.fields.{name}: longer than {MAX_SHORT} characters, left out")
    paper["bibtex"] = {"type": bib_type, "key": key, "fields": kept}
    paper["models"] = []
    paper["claims"] = []
    return paper


# ----------------------------------------------------------------------------------------------------------------
# Writing YAML text that matches the file


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
        and not text.startswith(("-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", '"', "%",
                                 "@", "`"))
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


# ----------------------------------------------------------------------------------------------------------------
# The catalogue


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_duplicates(paper: dict[str, Any], existing: Sequence[Paper], positions: Positions, display: str,
                     derived_id: bool) -> None:
    """Refuse a paper whose id, arXiv id, DOI or title is already in the catalogue, naming the entry and its line."""
    problems: list[str] = []
    new_title = title_key(paper["title"])
    for index, other in enumerate(existing):
        same: list[str] = []
        if other.arxiv and "arxiv" in paper and other.arxiv.id == paper["arxiv"]["id"]:
            same.append(f"arXiv id {other.arxiv.id}")
        if other.doi and paper.get("doi") and other.doi.lower() == paper["doi"].lower():
            same.append(f"DOI {other.doi}")
        if title_key(other.title) == new_title:
            same.append("title" if other.title == paper["title"] else "title, once look-alike characters are folded")
        line = positions.values.get(("papers", index), (1, 1))[0]
        where = f"{display}:{line}: papers[{index}] `{other.id}` ({other.title!r})"
        if same:
            problems.append(f"{where} has the same {' and the same '.join(same)} — this paper is already in the "
                            "catalogue; edit that entry instead")
        elif other.id == paper["id"]:
            hint = "pass --id to choose another id" if derived_id else "choose another --id"
            problems.append(f"{where} already uses the id `{paper['id']}` — {hint}")
    if problems:
        raise AddPaperError("refused, duplicate paper:\n" + "\n".join(problems))


def _new_text(original: str, data: Any, positions: Positions, entry_lines: list[str]) -> tuple[str, int]:
    """The file's text with the entry appended; also the 1-based line where the entry starts."""
    newline = "\r\n" if "\r\n" in original else "\n"
    papers = data["papers"]
    text = original
    if not papers:
        line, column = positions.values.get(("papers",), (0, 0))
        lines = text.split("\n")  # positions count lines as editors do: only `\n` ends one
        start = sum(len(ln) + 1 for ln in lines[: line - 1]) + column - 1
        match = re.match(r"\[\s*\]", text[start:])
        if not match:
            raise AddPaperError("cannot find where the empty `papers:` list ends — write it as `papers: []` or start "
                                "the list with a first entry by hand")
        text = text[:start].rstrip(" ") + text[start + match.end():]
    elif _is_flow(text, positions):
        raise AddPaperError("`papers:` is written as a flow list `[...]`; write it as a block list (`- id: ...` per "
                            "paper) so entries can be appended")
    if text and not text.endswith(("\n", "\r")):
        text += newline
    if papers and _separated_by_blank_lines(text, positions, len(papers)):
        text += newline
    start_line = text.count("\n") + 1
    return text + newline.join(entry_lines) + newline, start_line


def _separated_by_blank_lines(text: str, positions: Positions, count: int) -> bool:
    """Whether the last paper is preceded by a blank line (comment lines in between allowed); True for one paper."""
    if count < 2:
        return True
    lines = text.split("\n")
    number = positions.values.get(("papers", count - 1), (1, 1))[0] - 1  # 1-based line before the `- id:` line
    while 0 < number <= len(lines) and lines[number - 1].lstrip().startswith("#"):
        number -= 1
    return 0 < number <= len(lines) and not lines[number - 1].strip()


def _is_flow(text: str, positions: Positions) -> bool:
    line, column = positions.values.get(("papers",), (1, 1))
    lines = text.split("\n")
    return 0 < line <= len(lines) and lines[line - 1][column - 1: column] == "["


def _write_atomically(path: Path, text: str, original: bytes) -> None:
    def unchanged() -> None:
        if path.read_bytes() != original:
            raise AddPaperError(f"{path} changed while add_paper was running — run it again")

    try:
        write_atomic(path, text, mode=path.stat().st_mode & 0o7777, before_replace=unchanged)
    except WriteError as exc:
        raise AddPaperError(str(exc)) from None


def add_paper(bibtex_path: str, catalogue_path: Path, *, paper_id: str | None, status: str, added: dt.date,
              dry_run: bool) -> tuple[dict[str, Any], int, list[str], BibEntry]:
    """Do everything; return (entry, first line, entry lines, parsed BibTeX). Raises AddPaperError."""
    name = "<stdin>" if bibtex_path == "-" else bibtex_path
    try:
        raw_bib = sys.stdin.buffer.read(MAX_BIBTEX_BYTES + 1) if bibtex_path == "-" else Path(bibtex_path).read_bytes()
    except OSError as exc:
        raise AddPaperError(f"{name}: cannot read the BibTeX file ({exc.strerror}) — check the path") from None
    if len(raw_bib) > MAX_BIBTEX_BYTES:
        raise AddPaperError(f"{name}: larger than {MAX_BIBTEX_BYTES // 1024} KiB — give a file with one entry")
    entry = parse_bibtex(_decode_utf8(raw_bib, name), name)

    display = _display_name(catalogue_path)
    try:
        original = catalogue_path.read_bytes()
    except OSError as exc:
        raise AddPaperError(f"{display}: cannot read the catalogue ({exc.strerror}) — run from the repository root or "
                            "pass --catalogue PATH") from None
    try:
        catalogue = load_catalogue(catalogue_path, display_name=display)
        data, positions, _ = load_yaml_with_positions(catalogue_path, display)
    except CatalogueError as exc:
        raise AddPaperError(f"{exc.report()}\nthe catalogue is invalid already; fix it first "
                            "(`python tools/verify_claims.py --validate-only`)") from None

    paper = build_paper(entry, paper_id=paper_id, status=status, added=added)
    check_duplicates(paper, catalogue.papers, positions, display, derived_id=paper_id is None)
    text = original.decode("utf-8")
    layout = detect_layout(text.split("\n"), positions, len(catalogue.papers))
    entry_lines = render_entry(paper, layout)
    new_text, first_line = _new_text(text, data, positions, entry_lines)

    # Validate the whole resulting catalogue from a temporary copy; the real file is untouched until it passes.
    with tempfile.TemporaryDirectory(prefix="add_paper.") as tmp:
        candidate = Path(tmp) / catalogue_path.name
        candidate.write_text(new_text, encoding="utf-8", newline="")
        try:
            result = load_catalogue(candidate, display_name=display)
        except CatalogueError as exc:
            raise AddPaperError(f"{exc.report()}\nthe new entry (from line {first_line}) would make the catalogue "
                                "invalid; fix the BibTeX entry or pass --id") from None
    expected = Paper.model_validate(paper)
    if list(result.papers[:-1]) != list(catalogue.papers) or result.papers[-1] != expected:
        raise AddPaperError("internal check failed: appending changed how the existing entries read; nothing was "
                            "written — please report this with your papers.yaml")
    if not dry_run:
        _write_atomically(catalogue_path, new_text, original)
    return paper, first_line, entry_lines, entry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python tools/add_paper.py",
        description="Append a stub paper entry built from one BibTeX entry to papers.yaml.",
        epilog=f"exit codes: 0 added; 2 bad BibTeX, duplicate, invalid catalogue or usage. See {CONTRIBUTING}.",
    )
    parser.add_argument("--bibtex", required=True, metavar="FILE", help="file with one BibTeX entry (`-` = stdin)")
    parser.add_argument("--id", dest="paper_id", metavar="ID",
                        help="paper id (default: first-author surname, year, first title word)")
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE,
                        help="catalogue file (default: papers.yaml)")
    parser.add_argument("--status", choices=("to-read", "reading", "read"), default="to-read",
                        help="reading status (default: to-read)")
    parser.add_argument("--date", type=_date, default=None, help="`added` date, YYYY-MM-DD (default: today)")
    parser.add_argument("--dry-run", action="store_true", help="print the entry, write nothing")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    added = args.date or dt.date.today()
    try:
        paper, first_line, lines, entry = add_paper(args.bibtex, args.catalogue, paper_id=args.paper_id,
                                                    status=args.status, added=added, dry_run=args.dry_run)
    except AddPaperError as exc:
        say(f"error: {exc}\nnothing was written.", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # a bug here must still leave a clear message and the file untouched
        say(f"error: unexpected failure ({type(exc).__name__}: {exc}); nothing was written.", file=sys.stderr)
        return EXIT_INVALID

    display = _display_name(args.catalogue)
    last_line = first_line + len(lines) - 1
    if args.dry_run:
        say(f"dry run: would append `{paper['id']}` to {display} (lines {first_line}–{last_line}):\n")
        say("\n".join(lines))
        say("\nnothing was written.")
    else:
        say(f"added `{paper['id']}` to {display}, lines {first_line}–{last_line}")
    if entry.notes:
        say("\ncheck:")
        for note in entry.notes:
            say(f"  - {note}")
    say(f"\nleft to fill in (see {CONTRIBUTING}, \"Add a paper\" and \"Record a claim\"):")
    for name, what in LEFT_TO_FILL:
        say(f"  - {name}: {what}")
    say("\nthen run `python tools/verify_claims.py --validate-only` and preview the page with `mkdocs serve`.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
