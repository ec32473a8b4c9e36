"""`python -m tools.catalogue COMMAND`: the catalogue's command line.

add --bibtex FILE [...]    append a stub entry built from one BibTeX entry (as tools/add_paper.py)
validate [PATH]            validate a catalogue and docs/notes/ (as tools/verify_claims.py --validate-only)
bib [--out FILE]           export the catalogue as BibTeX (as tools/bibtex_export.py)
schema                     rewrite tools/catalogue/papers.schema.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ..terminal import say
from . import DEFAULT_CATALOGUE, SCHEMA_FILE, json_schema

PROG = "python -m tools.catalogue"


def _write_schema() -> int:
    text = json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    say(f"wrote {SCHEMA_FILE}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "add":
        from .append import main as add

        return add(rest, prog=f"{PROG} add")
    if command == "bib":
        from ..bibtex_export import main as bib

        return bib(rest, prog=f"{PROG} bib")
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:7]),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("add", help="append a stub entry built from one BibTeX entry (see `add --help`)")
    sub.add_parser("bib", help="export the catalogue as BibTeX (see `bib --help`)")
    check = sub.add_parser("validate", help="validate a catalogue file and docs/notes/")
    check.add_argument("path", nargs="?", default=str(DEFAULT_CATALOGUE))
    sub.add_parser("schema", help="write tools/catalogue/papers.schema.json")
    parsed = parser.parse_args(args)
    if parsed.command == "schema":
        return _write_schema()
    from ..verify_claims import main as verify

    return verify(["--validate-only", "--catalogue", parsed.path])


if __name__ == "__main__":
    sys.exit(main())
