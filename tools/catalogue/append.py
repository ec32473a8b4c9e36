"""Append a stub paper entry, built from one BibTeX entry, to the catalogue (the `add` command).

    python tools/add_paper.py --bibtex FILE [--id ID] [--catalogue PATH] [--status to-read] [--date YYYY-MM-DD]
                              [--dry-run]
    python -m tools.catalogue add --bibtex FILE ...     (the same)

The existing text of papers.yaml is kept byte for byte (comments and formatting included): the new entry is
appended as text, and the whole resulting catalogue is validated before the file is replaced atomically.
Duplicates (same id, arXiv id, DOI or title as an existing paper) are refused. Works offline.

Exit codes: 0 = added (or, with --dry-run, would be added); 2 = bad BibTeX, duplicate, invalid catalogue or usage.
On exit code 2 nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..files import ReadError, WriteError, display_path, read_limited, write_atomic
from ..terminal import say
from . import DEFAULT_CATALOGUE, load_catalogue
from .bibtex_import import BibEntry, read_bibtex
from .emit import detect_layout, render_entry
from .errors import AddPaperError, CatalogueError
from .schema import STATUSES, Paper
from .stub import LEFT_TO_FILL, build_paper
from .text_rules import title_key
from .yaml_lines import MAX_FILE_BYTES, Positions, load_yaml_with_positions

EXIT_OK, EXIT_INVALID = 0, 2
CONTRIBUTING = "docs/contributing.md"


def check_duplicates(
    paper: dict[str, Any], existing: Sequence[Paper], positions: Positions, display: str, derived_id: bool
) -> None:
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
            problems.append(
                f"{where} has the same {' and the same '.join(same)} — this paper is already in the "
                "catalogue; edit that entry instead"
            )
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
            raise AddPaperError(
                "cannot find where the empty `papers:` list ends — write it as `papers: []` or start "
                "the list with a first entry by hand"
            )
        text = text[:start].rstrip(" ") + text[start + match.end() :]
    elif _is_flow(text, positions):
        raise AddPaperError(
            "`papers:` is written as a flow list `[...]`; write it as a block list (`- id: ...` per "
            "paper) so entries can be appended"
        )
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
    return 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "["


def _write_atomically(path: Path, text: str, original: bytes) -> None:
    def unchanged() -> None:
        if path.read_bytes() != original:
            raise AddPaperError(f"{path} changed while add_paper was running — run it again")

    try:
        write_atomic(path, text, mode=path.stat().st_mode & 0o7777, before_replace=unchanged)
    except WriteError as exc:
        raise AddPaperError(str(exc)) from None


def add_paper(
    bibtex_path: str, catalogue_path: Path, *, paper_id: str | None, status: str, added: dt.date, dry_run: bool
) -> tuple[dict[str, Any], int, list[str], BibEntry]:
    """Do everything; return (entry, first line, entry lines, parsed BibTeX). Raises AddPaperError."""
    entry = read_bibtex(bibtex_path)
    display = display_path(catalogue_path)
    try:
        original = read_limited(catalogue_path, MAX_FILE_BYTES)
    except ReadError as exc:
        raise AddPaperError(
            f"{display}: cannot read the catalogue: {exc.what} — {exc.hint} (run from the repository root or pass "
            "--catalogue PATH)"
        ) from None
    try:
        catalogue = load_catalogue(catalogue_path, display_name=display)
        data, positions, _ = load_yaml_with_positions(catalogue_path, display)
    except CatalogueError as exc:
        raise AddPaperError(
            f"{exc.report()}\nthe catalogue is invalid already; fix it first "
            "(`python tools/verify_claims.py --validate-only`)"
        ) from None

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
            raise AddPaperError(
                f"{exc.report()}\nthe new entry (from line {first_line}) would make the catalogue "
                "invalid; fix the BibTeX entry or pass --id"
            ) from None
    expected = Paper.model_validate(paper)
    if list(result.papers[:-1]) != list(catalogue.papers) or result.papers[-1] != expected:
        raise AddPaperError(
            "internal check failed: appending changed how the existing entries read; nothing was "
            "written — please report this with your papers.yaml"
        )
    if not dry_run:
        _write_atomically(catalogue_path, new_text, original)
    return paper, first_line, entry_lines, entry


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Append a stub paper entry built from one BibTeX entry to papers.yaml.",
        epilog=f"exit codes: 0 added; 2 bad BibTeX, duplicate, invalid catalogue or usage. See {CONTRIBUTING}.",
    )
    parser.add_argument("--bibtex", required=True, metavar="FILE", help="file with one BibTeX entry (`-` = stdin)")
    parser.add_argument(
        "--id", dest="paper_id", metavar="ID", help="paper id (default: first-author surname, year, first title word)"
    )
    parser.add_argument(
        "--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="catalogue file (default: papers.yaml)"
    )
    parser.add_argument("--status", choices=STATUSES, default="to-read", help="reading status (default: to-read)")
    parser.add_argument("--date", type=_date, default=None, help="`added` date, YYYY-MM-DD (default: today)")
    parser.add_argument("--dry-run", action="store_true", help="print the entry, write nothing")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None, prog: str = "python tools/add_paper.py") -> int:
    """The `add` command: append the stub of one BibTeX entry to the catalogue. Returns the exit code."""
    args = _parser(prog).parse_args(argv)
    added = args.date or dt.date.today()
    try:
        paper, first_line, lines, entry = add_paper(
            args.bibtex, args.catalogue, paper_id=args.paper_id, status=args.status, added=added, dry_run=args.dry_run
        )
    except AddPaperError as exc:
        say(f"error: {exc}\nnothing was written.", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # a bug here must still leave a clear message and the file untouched
        say(f"error: unexpected failure ({type(exc).__name__}: {exc}); nothing was written.", file=sys.stderr)
        return EXIT_INVALID

    display = display_path(args.catalogue)
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
    say(f'\nleft to fill in (see {CONTRIBUTING}, "Add a paper" and "Record a claim"):')
    for name, what in LEFT_TO_FILL:
        say(f"  - {name}: {what}")
    say("\nthen run `python tools/verify_claims.py --validate-only` and preview the page with `mkdocs serve`.")
    return EXIT_OK
