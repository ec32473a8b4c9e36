"""Export the catalogue as BibTeX (`papers.bib`), written with bibtexparser v2 and guaranteed to parse back.

    python tools/bibtex_export.py [--catalogue PATH] [--out FILE]     # default: print to stdout

The site serves the same text as `/papers.bib`, and each paper page shows its own entry. Title, authors, year,
DOI and the arXiv eprint come from the paper's fields; `bibtex.fields` adds journal, booktitle, pages and the
like. Values are single-line; a value whose braces or backslashes would break the file is reduced to plain text.
Keys are unique in the file: a repeated key gets the paper id appended. Output depends only on the catalogue.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import model

from tools.terminal import say

HEADER = "% papers.bib: generated from papers.yaml by tools/bibtex_export.py. Do not edit by hand.\n\n"
OWN_FIELDS = ("title", "author", "year", "doi", "eprint", "archiveprefix", "url")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
_KEY_BAD = re.compile(r"[^A-Za-z0-9_:.\-]")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()


def _round_trips(name: str, value: str) -> bool:
    """Does `name = {value}` parse back to exactly `value`? (Only asked for values with braces or backslashes.)"""
    entry = model.Entry("misc", "probe", [model.Field(name, value)])
    text = bibtexparser.write_string(bibtexparser.Library([entry]))
    parsed = bibtexparser.parse_string(text)
    return (
        not parsed.failed_blocks
        and len(parsed.entries) == 1
        and parsed.entries[0].fields_dict.get(name) is not None
        and parsed.entries[0].fields_dict[name].value == value
    )


def bibtex_value(name: str, text: str) -> str:
    """A field value that cannot break the file: one line, and braces/backslashes only if they parse back."""
    value = _one_line(text)
    if any(ch in value for ch in "{}\\") and not _round_trips(name, value):
        value = _one_line(re.sub(r"[{}\\]", " ", value))
    return value


def _author(name: str) -> str:
    name = _one_line(name)
    # A name containing the word "and" would be split into two authors; braces keep it one.
    return "{" + name + "}" if _AND.search(name) else name


def entry_fields(paper: Any) -> list[tuple[str, str]]:
    """(field, value) pairs of a paper's entry, in a fixed order."""
    fields: list[tuple[str, str]] = [
        ("title", paper.title),
        ("author", " and ".join(_author(a) for a in paper.authors)),
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
    return [(name, bibtex_value(name, value)) for name, value in fields]


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


def bibtex_entries(catalogue: Any) -> dict[str, str]:
    """paper id -> the text of its BibTeX entry (ends with a blank line), in catalogue order."""
    keys = entry_keys(catalogue.papers)
    out: dict[str, str] = {}
    for paper in catalogue.papers:
        entry_type = re.sub(r"[^a-z]", "", paper.bibtex.type) if paper.bibtex else "misc"
        entry = model.Entry(entry_type or "misc", keys[paper.id], [model.Field(k, v) for k, v in entry_fields(paper)])
        out[paper.id] = bibtexparser.write_string(bibtexparser.Library([entry])).rstrip("\n") + "\n\n"
    return out


def export_bibtex(catalogue: Any) -> str:
    """The whole `papers.bib`."""
    entries = bibtex_entries(catalogue)
    return HEADER + "".join(entries[p.id] for p in catalogue.papers)


def main(argv: list[str] | None = None) -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue

    parser = argparse.ArgumentParser(prog="python tools/bibtex_export.py", description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--out", type=Path, default=None, help="write here instead of stdout")
    args = parser.parse_args(argv)
    try:
        catalogue = load_catalogue(args.catalogue)
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return 2
    text = export_bibtex(catalogue)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        say(f"wrote {len(catalogue.papers)} entries to {args.out}", file=sys.stderr)
    return 0


__all__ = ["HEADER", "bibtex_entries", "bibtex_value", "entry_fields", "entry_keys", "export_bibtex", "main"]

if __name__ == "__main__":
    sys.exit(main())
