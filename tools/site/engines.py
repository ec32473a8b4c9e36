"""The site as a plain docs tree, for any engine that reads `mkdocs.yml`: MkDocs without our hooks, ProperDocs
(a maintained MkDocs 1.x fork) or Zensical (Material's successor, which reads mkdocs.yml but runs no hooks).

`python -m tools.site build --out DIR` writes

* `DIR/docs/`: the hand-written pages (markers expanded), every generated page and asset (`generate.write_docs_folder`);
* `DIR/mkdocs.yml`: the repository's mkdocs.yml without `hooks:`, building `DIR/docs`, with the snippets base
  path pointing at this repository's `reference_impls/` (the paper pages include the model sources from there).

Build it with `mkdocs build -f DIR/mkdocs.yml`, `properdocs build -f DIR/mkdocs.yml` or
`zensical build -f DIR/mkdocs.yml`, then `python -m tools.site.search_index SITE` for the search index (no engine
runs our post-build hook). `tests/test_engines.py` checks that MkDocs builds the same pages from the tree as from
the repository with the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .snippets import SNIPPETS_DIR

TREE_DOCS = "docs"
TREE_CONFIG = "mkdocs.yml"


def tree_config(repo_root: Path, docs_dir: str) -> dict[str, Any]:
    """The repository's mkdocs.yml for a docs tree: no hooks, `docs_dir` (relative to the config file: Zensical
    0.0.73 stops with "invariant: Id(Format(Path(RootDir)))" on an absolute one), snippets from
    `<repo>/reference_impls`."""
    config: dict[str, Any] = yaml.safe_load((repo_root / "mkdocs.yml").read_text(encoding="utf-8"))
    config.pop("hooks", None)
    config["docs_dir"] = docs_dir
    for extension in config.get("markdown_extensions", []):
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            extension["pymdownx.snippets"]["base_path"] = [str(repo_root / SNIPPETS_DIR)]
    return config


def write_tree_config(repo_root: Path, out: Path) -> Path:
    """Write `out/mkdocs.yml` for the tree in `out/docs`. Returns its path."""
    path = out / TREE_CONFIG
    text = yaml.safe_dump(tree_config(repo_root, TREE_DOCS), allow_unicode=True, sort_keys=False)
    path.write_text("# Written by `python -m tools.site build`: the repository's mkdocs.yml without hooks.\n" + text,
                    encoding="utf-8")
    return path


__all__ = ["TREE_CONFIG", "TREE_DOCS", "tree_config", "write_tree_config"]
