"""`python -m tools.catalogue schema` rewrites papers.schema.json; `validate [PATH]` checks a catalogue."""

from __future__ import annotations

import argparse
import json
import sys

from . import DEFAULT_CATALOGUE, SCHEMA_FILE, CatalogueError, json_schema, load_catalogue
from ..terminal import say


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalogue")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("schema", help="write tools/catalogue/papers.schema.json")
    check = sub.add_parser("validate", help="validate a catalogue file")
    check.add_argument("path", nargs="?", default=str(DEFAULT_CATALOGUE))
    args = parser.parse_args(argv)
    if args.command == "schema":
        text = json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        say(f"wrote {SCHEMA_FILE}")
        return 0
    try:
        catalogue = load_catalogue(args.path)
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return 2
    say(f"{args.path}: {len(catalogue.papers)} papers, valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
