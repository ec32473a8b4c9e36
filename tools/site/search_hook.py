"""MkDocs hook: after the build, index the built site with Pagefind (`tools/site/search_index.py`).

Listed in mkdocs.yml `hooks:` after the catalogue hook. It runs after every `mkdocs build` and after every rebuild
of `mkdocs serve` (on the temporary site `serve` builds), so the search box works in both. Other engines, which
run no MkDocs hooks, index their output with `python -m tools.site.search_index SITE_DIR`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

log = get_plugin_logger("search")


def on_post_build(*, config: Any) -> None:
    from tools.site.search_index import SearchIndexError, build_search_index

    try:
        count = build_search_index(Path(config.site_dir))
    except SearchIndexError as exc:
        raise PluginError(str(exc)) from None
    log.debug("Pagefind indexed %d pages", count)
