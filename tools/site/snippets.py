"""Where `--8<--` snippets may come from: `reference_impls/` only.

The paper pages include each model's source with pymdownx.snippets. With the repository root as the snippets
base path, any hand-written page could include any file, `--8<-- ".git/config"` included. The base path is the
folder the snippets exist for, links out of it are refused (`restrict_base_path`), and a missing file fails the
build (`check_paths`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SNIPPETS_DIR = "reference_impls"


def configure_snippets(config: Any, repo_root: Path) -> None:
    """Point pymdownx.snippets at `<repo>/reference_impls` only (called from the MkDocs hook's on_config)."""
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [str(repo_root / SNIPPETS_DIR)]
    snippets["restrict_base_path"] = True
    snippets["check_paths"] = True


def snippet_path(source: str) -> str:
    """`reference_impls/resnet.py` -> `resnet.py`, the path a snippet line names under the base path."""
    prefix = f"{SNIPPETS_DIR}/"
    if not source.startswith(prefix):
        raise ValueError(f"{source}: snippets come from {prefix} only")
    return source[len(prefix) :]


__all__ = ["SNIPPETS_DIR", "configure_snippets", "snippet_path"]
