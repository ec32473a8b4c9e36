"""Export the catalogue as BibTeX (`papers.bib`), written with bibtexparser v2 and guaranteed to parse back.

    python tools/bibtex_export.py [--catalogue PATH] [--out FILE [--force]]     # default: print to stdout

The site serves the same text as `/papers.bib`, and each paper page shows its own entry. Title, authors, year,
DOI and the arXiv eprint come from the paper's fields; `bibtex.fields` adds journal, booktitle, pages and the
like. Values are single-line (line breaks and repeated spaces become one space, with a note on stderr).

Every value re-imports (`add --bibtex`) as exactly the catalogue's text, and no LaTeX of it is live: catalogue
text is plain Unicode, so `% # & $ _` are written `\\%` ..., `^ ~` as `\\^{} \\~{}`, every backslash as
`\\textbackslash{}`, braces as `\\{ \\}` (`\\textbraceleft{}`/`\\textbraceright{}` when they do not balance), and
`--`, `''`, ``` `` ``` as `-{}-` ... (page ranges keep `--`). A title such as `\\input{/etc/passwd}` typesets as text
and runs nothing. An author name holding `and`, a comma or `others` is braced, so it stays one name. URLs, DOIs
and eprints are written verbatim (a backslash or unbalanced braces percent-encoded, with a note on stderr).
`--out FILE` never writes over an input (also through a symbolic or hard link), and replaces an existing file
only if it starts with this tool's header line, or with `--force`.
Keys are unique in the file: a repeated key gets the paper id appended. Output depends only on the catalogue.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tools.terminal import say

HEADER_LINE = "% papers.bib: generated from papers.yaml by tools/bibtex_export.py. Do not edit by hand.\n"
HEADER = HEADER_LINE + "\n"
OWN_FIELDS = ("title", "author", "year", "doi", "eprint", "archiveprefix", "url")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
_KEY_BAD = re.compile(r"[^A-Za-z0-9_:.\-]")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()


# Catalogue text is plain Unicode (the site shows it as written), so every character is written to read back as
# itself: LaTeX specials escaped, `\\` as `\\textbackslash{}`, braces as `\\{ \\}` (`\\textbraceleft{}` when they do
# not balance, as BibTeX counts even escaped braces), and the ligatures `--`, `''`, ``` `` ``` broken with `{}`.
_LATEX_SPECIAL = {
    "%": r"\%",
    "#": r"\#",
    "&": r"\&",
    "$": r"\$",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "\\": r"\textbackslash{}",
}
_LIGATURE = re.compile(r"(?<=[-'`!?])(?=[-'`])")  # `--` -> `-{}-`; `!`` and `?`` are Spanish ligatures too
VERBATIM_FIELDS = ("url", "doi", "eprint", "archiveprefix")


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_safe(text: str, *, ligatures: bool = False) -> str:
    """`text` as BibTeX/LaTeX that typesets and re-imports as exactly `text`; no macro of `text` is live.

    `ligatures=True` keeps `--` a dash (page ranges: `770--778`, which the importer reads back as written)."""
    braces = {"{": r"\{", "}": r"\}"} if _balanced(text) else {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
    escaped = "".join(_LATEX_SPECIAL.get(char) or braces.get(char) or char for char in text)
    return escaped if ligatures else _LIGATURE.sub("{}", escaped)


def _verbatim(text: str) -> str:
    """A URL or identifier as written; a backslash, or braces that do not balance, are percent-encoded."""
    text = text.replace("\\", "%5C")
    return text if _balanced(text) else text.replace("{", "%7B").replace("}", "%7D")


def bibtex_value(name: str, text: str) -> str:
    """A field value that cannot break the file nor run LaTeX code: one line, LaTeX-safe (verbatim for links)."""
    value = _one_line(text)
    return _verbatim(value) if name in VERBATIM_FIELDS else latex_safe(value, ligatures=name == "pages")


def _author(name: str) -> str:
    text = latex_safe(_one_line(name))
    # A name holding the word "and" would be read as two authors, one with a comma as "Last, First": braces keep
    # it one name, as written.
    return "{" + text + "}" if _AND.search(text) or "," in text or text.lower() == "others" else text


def entry_fields(paper: Any) -> list[tuple[str, str]]:
    """(field, value) pairs of a paper's entry, in a fixed order."""
    fields: list[tuple[str, str]] = [
        ("title", paper.title),
        ("author", " and ".join(_author(a) for a in paper.authors)),  # each name escaped on its own
    ]
    extra = dict(paper.bibtex.fields) if paper.bibtex else {}
    for name in ("journal", "booktitle"):
        if name in extra:
            fields.append((name, extra.pop(name)))
    fields.append(("year", str(paper.year)))
    for name in sorted(extra):
        if name not in OWN_FIELDS:
            fields.append((name, extra[name]))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.arxiv:
        version = f"v{paper.arxiv.version}" if paper.arxiv.version else ""
        fields.append(("eprint", paper.arxiv.id + version))
        fields.append(("archiveprefix", "arXiv"))
    url = paper.links.pdf or (f"https://arxiv.org/abs/{paper.arxiv.id}" if paper.arxiv else None)
    if url:
        fields.append(("url", url))
    return [(name, value if name == "author" else bibtex_value(name, value)) for name, value in fields]


def entry_keys(papers: Iterable[Any]) -> dict[str, str]:
    """paper id -> citation key, unique in the file (a repeated key becomes `<key>-<paper id>`)."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for paper in papers:
        wanted = _KEY_BAD.sub("-", paper.bibtex.key if paper.bibtex else paper.id)[:64] or paper.id
        key, counter = wanted, 1
        while key.lower() in used:  # BibTeX keys compare case-insensitively
            key = f"{wanted}-{paper.id}" if counter == 1 else f"{wanted}-{paper.id}-{counter}"
            counter += 1
        used.add(key.lower())
        keys[paper.id] = key
    return keys


def bibtex_entry(paper: Any, key: str) -> str:
    """The text of one paper's BibTeX entry under citation key `key` (ends with a blank line)."""
    from bibtexparser import model  # only when an entry is written: a site build reuses the ones it wrote
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library

    entry_type = re.sub(r"[^a-z]", "", paper.bibtex.type) if paper.bibtex else "misc"
    entry = model.Entry(entry_type or "misc", key, [model.Field(k, v) for k, v in entry_fields(paper)])
    return str(write_string(Library([entry]))).rstrip("\n") + "\n\n"


def bibtex_entries(catalogue: Any) -> dict[str, str]:
    """paper id -> the text of its BibTeX entry (ends with a blank line), in catalogue order."""
    keys = entry_keys(catalogue.papers)
    return {paper.id: bibtex_entry(paper, keys[paper.id]) for paper in catalogue.papers}


def export_bibtex(catalogue: Any) -> str:
    """The whole `papers.bib`."""
    entries = bibtex_entries(catalogue)
    return HEADER + "".join(entries[p.id] for p in catalogue.papers)


def export_notes(catalogue: Any) -> list[str]:
    """What the export writes differently from the catalogue (and so re-imports differently), one line each."""
    notes: list[str] = []
    for paper in catalogue.papers:
        for name, value in [("title", paper.title), *(("author", a) for a in paper.authors)] + [
            (k, v) for k, v in (dict(paper.bibtex.fields) if paper.bibtex else {}).items()
        ]:
            if _one_line(value) != value:
                notes.append(
                    f"{paper.id}: {name} `{_one_line(value)[:60]}`: line breaks, tabs or repeated spaces "
                    "are written as one space"
                )
        for name, value in (("doi", paper.doi), ("url", paper.links.pdf)):
            if value and _verbatim(value) != value:
                notes.append(
                    f"{paper.id}: {name} `{value[:60]}`: a backslash or unbalanced brace is written percent-encoded"
                )
    return notes


def output_problem(out: Path, inputs: Sequence[Path], *, force: bool) -> str | None:
    """Why `out` may not be written (`what — how to fix`), or None.

    Never an input (the same file, also through a symbolic or hard link); an existing file only if it is a
    papers.bib this tool wrote (it starts with HEADER's first line), or with `--force`."""
    from tools.files import check_output_file

    if (refused := check_output_file(out)) is not None:
        return refused
    if not out.exists():
        return None
    for source in inputs:
        try:
            same = os.path.samefile(out, source)
        except OSError:
            continue
        if same:
            return f"is the input {source} (same file) — write the BibTeX elsewhere, e.g. --out papers.bib"
    try:
        with out.open("rb") as handle:
            start = handle.read(len(HEADER_LINE.encode()))
    except OSError as exc:
        return f"cannot be read to check what it is ({exc.strerror}) — choose another path"
    if start != HEADER_LINE.encode() and not force:
        return (
            "exists and is not a papers.bib written by this tool (it does not start with its header line) — "
            "choose another path, delete the file, or pass --force to replace it"
        )
    return None


def main(argv: Sequence[str] | None = None, prog: str = "python tools/bibtex_export.py") -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue

    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--out", type=Path, default=None, help="write here instead of stdout")
    parser.add_argument(
        "--force", action="store_true", help="replace an existing --out file even if this tool did not write it"
    )
    args = parser.parse_args(argv)
    try:
        catalogue = load_catalogue(args.catalogue)
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return 2
    text = export_bibtex(catalogue)
    for note in export_notes(catalogue):
        say(f"note: {note}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    else:
        from tools.files import WriteError, write_atomic

        if (refused := output_problem(args.out, [args.catalogue], force=args.force)) is not None:
            say(f"error: {args.out}: {refused}; nothing was written", file=sys.stderr)
            return 2
        try:
            write_atomic(args.out, text)
        except WriteError as exc:
            say(f"error: {exc}", file=sys.stderr)
            return 2
        say(f"wrote {len(catalogue.papers)} entries to {args.out}", file=sys.stderr)
    return 0


__all__ = [
    "HEADER",
    "bibtex_entries",
    "bibtex_value",
    "entry_fields",
    "entry_keys",
    "export_bibtex",
    "export_notes",
    "latex_safe",
    "main",
    "output_problem",
]

if __name__ == "__main__":
    sys.exit(main())
