"""Append a stub paper entry, built from one BibTeX entry, to the catalogue.

    python tools/add_paper.py --bibtex FILE [--id ID] [--catalogue PATH] [--status to-read] [--date YYYY-MM-DD]
                              [--dry-run]

The same as `python -m tools.catalogue add`; the work is done in tools/catalogue/ (bibtex_import.py reads the
entry, stub.py builds the paper, emit.py writes its YAML, append.py validates and appends it).

Exit codes: 0 = added (or, with --dry-run, would be added); 2 = bad BibTeX, duplicate, invalid catalogue or usage.
On exit code 2 nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from tools.catalogue.append import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
