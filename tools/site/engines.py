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


class EnvTag(list[Any]):
    """A `!ENV [NAME, default]` value of mkdocs.yml, kept as written so that each engine resolves it at build time."""


class _ConfigLoader(yaml.SafeLoader):
    pass


class _ConfigDumper(yaml.SafeDumper):
    pass


def _construct_env(loader: yaml.SafeLoader, node: yaml.Node) -> EnvTag:
    if isinstance(node, yaml.SequenceNode):
        return EnvTag(loader.construct_sequence(node))
    if isinstance(node, yaml.ScalarNode):
        return EnvTag([loader.construct_scalar(node)])
    raise yaml.constructor.ConstructorError(None, None, "!ENV takes a name or a list [NAME, default]", node.start_mark)


_ConfigLoader.add_constructor("!ENV", _construct_env)
_ConfigDumper.add_representer(
    EnvTag, lambda dumper, value: dumper.represent_sequence("!ENV", list(value), flow_style=True)
)


def read_config(path: Path) -> dict[str, Any]:
    """mkdocs.yml as data, `!ENV` values kept (EnvTag)."""
    config = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)  # a SafeLoader subclass
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a mapping of settings")
    return {str(key): value for key, value in config.items()}


def dump_config(config: dict[str, Any]) -> str:
    return str(yaml.dump(config, Dumper=_ConfigDumper, allow_unicode=True, sort_keys=False))


def tree_config(repo_root: Path, docs_dir: str) -> dict[str, Any]:
    """The repository's mkdocs.yml for a docs tree: no hooks, `docs_dir` (relative to the config file: Zensical
    0.0.73 stops with "invariant: Id(Format(Path(RootDir)))" on an absolute one), snippets from
    `<repo>/reference_impls`."""
    config = read_config(repo_root / "mkdocs.yml")
    config.pop("hooks", None)
    config["docs_dir"] = docs_dir
    for extension in config.get("markdown_extensions", []):
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            extension["pymdownx.snippets"]["base_path"] = [str(repo_root / SNIPPETS_DIR)]
    return config


def write_tree_config(repo_root: Path, out: Path) -> Path:
    """Write `out/mkdocs.yml` for the tree in `out/docs`. Returns its path."""
    path = out / TREE_CONFIG
    text = dump_config(tree_config(repo_root, TREE_DOCS))
    path.write_text(
        "# Written by `python -m tools.site build`: the repository's mkdocs.yml without hooks.\n" + text,
        encoding="utf-8",
    )
    return path


__all__ = ["TREE_CONFIG", "TREE_DOCS", "EnvTag", "dump_config", "read_config", "tree_config", "write_tree_config"]
