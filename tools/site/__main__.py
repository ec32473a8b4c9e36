"""`python -m tools.site build --out DIR`: the whole site as a plain docs tree plus its config (tools/site/engines.py).

python -m tools.site build --out build/tree
mkdocs build -f build/tree/mkdocs.yml -d build/tree-site     # or properdocs / zensical
python -m tools.site.search_index build/tree-site
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.terminal import say

from . import generate
from .engines import TREE_CONFIG, TREE_DOCS, write_tree_config
from .output_dir import OutputDirError, prepare_output_dir


def main(argv: list[str] | None = None) -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT
    from tools.measurements import MEASUREMENTS_FILE

    parser = argparse.ArgumentParser(prog="python -m tools.site", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write DIR/docs (every page and asset) and DIR/mkdocs.yml (no hooks)")
    build.add_argument("--out", required=True, type=Path, help="output folder (replaced; refused if not ours)")
    build.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    build.add_argument("--measurements", type=Path, default=MEASUREMENTS_FILE)
    args = parser.parse_args(argv)
    try:
        out = prepare_output_dir(args.out, REPO_ROOT)
    except OutputDirError as exc:
        say(str(exc), file=sys.stderr)
        return 2
    code = generate.main(
        ["--out", str(out / TREE_DOCS), "--catalogue", str(args.catalogue), "--measurements", str(args.measurements)]
    )
    if code != 0:
        return code
    config = write_tree_config(REPO_ROOT, out)
    say(f"wrote {out / TREE_CONFIG}: build it with `mkdocs build -f {config}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
