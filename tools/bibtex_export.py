"""Export the catalogue as BibTeX (`papers.bib`), written with bibtexparser v2 and guaranteed to parse back.

    python tools/bibtex_export.py [--catalogue PATH] [--out FILE]     # default: print to stdout

The site serves the same text as `/papers.bib`, and each paper page shows its own entry. Title, authors, year,
DOI and the arXiv eprint come from the paper's fields; `bibtex.fields` adds journal, booktitle, pages and the
like. Values are single-line; a value whose braces do not balance loses its braces.

The file is compiled into other people's documents, so values are LaTeX-safe: only grouping braces and accent
macros (`\\"u`, `\\'{e}`, `\\c{c}`, `\\ss`, ...) pass as LaTeX; every other backslash is written
`\\textbackslash{}` and `% # & $ _` as `\\%` ..., `^` and `~` as `\\^{}` and `\\~{}`, so a title such as
`\\input{/etc/passwd}` or a field such as `\\immediate\\write18{...}` typesets as text and runs nothing. URLs, DOIs
and eprints are written verbatim, with `{`, `}` and `\\` percent-encoded.
Keys are unique in the file: a repeated key gets the paper id appended. Output depends only on the catalogue.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bibtexparser import model
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library

from tools.terminal import say

HEADER = "% papers.bib: generated from papers.yaml by tools/bibtex_export.py. Do not edit by hand.\n\n"
OWN_FIELDS = ("title", "author", "year", "doi", "eprint", "archiveprefix", "url")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
_KEY_BAD = re.compile(r"[^A-Za-z0-9_:.\-]")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()


# Accent macros (and the special letters) that may stay LaTeX: `\\'e`, `\\"{u}`, `\\^\\i`, `\\c{c}`, `\\v s`, `\\ss`.
_ACCENT_MACRO = re.compile(
    r"""\\(?:['`^"~=.](?:[A-Za-z]|\{[A-Za-z]\}|\{\\[ij]\}|\\[ij](?![A-Za-z]))"""
    r"|[uvHckrdbt](?:\{[A-Za-z]\}|\{\\[ij]\}| [A-Za-z])"
    r"|(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z]))"
)
_LATEX_SPECIAL = {"%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
VERBATIM_FIELDS = ("url", "doi", "eprint")


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_safe(text: str) -> str:
    """`text` with only grouping braces and accent macros left as LaTeX (see the module docstring)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            accent = _ACCENT_MACRO.match(text, index)
            if accent:
                out.append(accent.group())
                index = accent.end()
                continue
            out.append(r"\textbackslash{}")
        else:
            out.append(_LATEX_SPECIAL.get(char, char))
        index += 1
    return "".join(out)


def bibtex_value(name: str, text: str) -> str:
    """A field value that cannot break the file nor run LaTeX code: one line, balanced braces, LaTeX-safe."""
    value = _one_line(text)
    if name in VERBATIM_FIELDS:
        return value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")
    if not _balanced(value):
        value = _one_line(re.sub(r"[{}]", " ", value))
    return latex_safe(value)


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
        out[paper.id] = write_string(Library([entry])).rstrip("\n") + "\n\n"
    return out


def export_bibtex(catalogue: Any) -> str:
    """The whole `papers.bib`."""
    entries = bibtex_entries(catalogue)
    return HEADER + "".join(entries[p.id] for p in catalogue.papers)


def main(argv: Sequence[str] | None = None, prog: str = "python tools/bibtex_export.py") -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue

    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
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
        from tools.files import WriteError, check_output_file, write_atomic

        if (refused := check_output_file(args.out)) is not None:
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
    "latex_safe",
    "main",
]

if __name__ == "__main__":
    sys.exit(main())
