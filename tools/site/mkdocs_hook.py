"""MkDocs hook: feed the generated pages to the build as virtual files. Referenced from mkdocs.yml `hooks:`.

* `on_config` loads and validates the catalogue once (an invalid one fails the build with the same
  `papers.yaml:LINE:COL: ...` lines as the validator), reads the measurements (never imports torch) and
  evaluates the claims.
* `on_files` adds every page and asset of `tools.site.pipeline.build_site` as a virtual file; nothing is
  written into `docs/`. Work of earlier builds (parsed entries, fragments, pages, charts) is reused from
  `.cache/site/` (`build_cache.py`, open from on_config to on_post_build and saved only if the build got
  there; `SITE_CACHE=0` turns it off).
* `on_page_markdown` expands `<!-- catalogue:NAME -->` markers in hand-written pages, and renders their
  `<!-- bench:NAME -->` sections from `bench/results/NAME.json` (`bench_results.py`); unknown markers and
  missing or malformed results files fail the build.
* `on_serve` also watches papers.yaml, the measurements file, reference_impls/*.py and bench/results/*.json.

Environment overrides (used by the tests; handy for previewing another catalogue):
`PAPERS_CATALOGUE=path/to/papers.yaml`, `PAPERS_MEASUREMENTS=path/to/measurements.json`; `SITE_CACHE=0` (no
site cache), `SITE_CACHE_DIR=DIR` (another one); `SITE_GC_FREEZE=0` leaves Python's cyclic collector alone
(by default it pauses from on_config to the end of on_files, and what was generated is frozen until the build
ends: MkDocs' own collections would otherwise walk the catalogue and the pages again and again).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files

from tools.site import serve_fallback
from tools.terminal import say

log = get_plugin_logger("catalogue")

# State of the current build. MkDocs loads this file anew with every config (each `serve` rebuild), so the
# state never outlives one build.
_state: dict[str, Any] = {}
# The site cache of the build under way (`build_cache.build_cache`), entered in on_config, left in on_post_build
# (saved) or on_build_error (discarded); the benchmark sections of hand-written pages use it too.
_cache_scope: list[contextlib.ExitStack] = []


def _repo_root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _data_epoch(inputs: Any) -> int:
    """Midnight UTC of the newest date in the data: a measurement's `measured_on` or a paper's `added`."""
    from tools.site.records import costs

    dates = [p.added for p in inputs.catalogue.papers]
    for cost in costs(inputs.measurements).values():
        try:
            dates.append(dt.date.fromisoformat(cost.measured_on))
        except ValueError:
            continue
    newest = max(dates, default=dt.date(2026, 1, 1))
    return int(dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC).timestamp())


def _empty_inputs() -> Any:
    from tools.catalogue import Catalogue
    from tools.site.pipeline import SiteInputs

    return SiteInputs(Catalogue(papers=[]), {}, [], {})


def on_startup(*, command: str, dirty: bool) -> None:
    serve_fallback.started(command)


def _close_cache(error: BaseException | None = None) -> None:
    """Leave the site cache of this build: saved, or discarded if `error` (why the build failed) is given."""
    scope = _cache_scope.pop() if _cache_scope else None
    if scope is not None:
        if error is None:
            scope.close()
        else:
            scope.__exit__(type(error), error, error.__traceback__)  # discarded, nothing saved


def on_config(config: Any) -> Any:
    from tools.site.build_cache import build_cache

    _close_cache(RuntimeError("a new build started"))  # a build that ended between the hooks saves nothing
    if os.environ.get("SITE_GC_FREEZE", "1") != "0":
        gc.disable()  # until on_files: the generation makes no cyclic garbage worth collecting
    scope = contextlib.ExitStack()
    _cache_scope.append(scope)
    try:
        # Work of earlier builds (entries, fragments, pages, charts), from on_config to on_post_build.
        scope.enter_context(build_cache(_repo_root(config)))
        return _load(config)
    except BaseException as exc:
        _close_cache(exc)
        gc.enable()
        raise


def _load(config: Any) -> Any:
    from tools.catalogue import CatalogueError
    from tools.latency import LatencyFileError
    from tools.measurements import MEASUREMENTS_FILE, MeasurementsFileError
    from tools.site.notes_files import NotesFileError, docs_folder_problems
    from tools.site.pipeline import load_site_inputs
    from tools.site.snippets import configure_snippets

    root = _repo_root(config)
    catalogue_path = Path(os.environ.get("PAPERS_CATALOGUE") or root / "papers.yaml").resolve()
    measurements_path = Path(os.environ.get("PAPERS_MEASUREMENTS") or MEASUREMENTS_FILE).resolve()
    shown = _display(catalogue_path, root)
    if not catalogue_path.is_file():
        raise PluginError(f"{shown}: the catalogue file does not exist — create it (see README: adding a paper)")
    try:
        loaded = load_site_inputs(catalogue_path, measurements_path, display_name=shown)
        # symbolic links, oversized, unsafe or misnamed notes
        refused = docs_folder_problems(root / config.docs_dir, {p.id for p in loaded.catalogue.papers})
        if refused:
            raise NotesFileError("refused files in docs/, nothing was built:\n" + "\n".join(refused))
        inputs = serve_fallback.succeeded(loaded)
    except (CatalogueError, MeasurementsFileError, LatencyFileError, NotesFileError) as exc:
        _close_cache(exc)  # the last good site is served without the cache
        message = (
            f"invalid catalogue, nothing was built:\n{exc.report()}" if isinstance(exc, CatalogueError) else str(exc)
        )
        if not serve_fallback.serving():
            raise PluginError(message) from None
        # Printed, not logged: in strict mode a logged error would fail this build too, and the server would hang.
        say(f"ERROR   -  {message}\n  (serving the last good site, with these messages on every page)", file=sys.stderr)
        inputs = serve_fallback.failed(message, _empty_inputs)

    # Reproducible builds: MkDocs dates the sitemap (and its gzip header) with SOURCE_DATE_EPOCH when it is set.
    # Take the date from the data (the newest measurement or catalogue entry), never from the clock.
    if "SOURCE_DATE_EPOCH" not in os.environ:
        os.environ["SOURCE_DATE_EPOCH"] = str(_data_epoch(inputs))

    configure_snippets(config, root)  # snippets come from reference_impls/ only

    _state.clear()
    _state.update(
        root=root,
        inputs=inputs,
        watch=[
            catalogue_path,
            measurements_path,
            *sorted((root / "reference_impls").glob("*.py")),
            *sorted((root / "bench" / "results").glob("*.json")),
        ],
    )
    log.debug("catalogue %s: %d papers, %d measurements", shown, len(inputs.catalogue.papers), len(inputs.measurements))
    return config


def on_files(files: Files, *, config: Any) -> Files:
    from tools.site.pipeline import build_site

    try:
        bundle = build_site(
            _state["inputs"],
            repo_root=_state["root"],
            repo_url=config.repo_url or None,
            directory_urls=config.use_directory_urls,
        )
    except BaseException as exc:
        _close_cache(exc)
        raise
    for path in (*bundle.pages, *bundle.assets):
        if files.get_file_from_path(path) is not None:
            raise PluginError(
                f"docs/{path} is hand-written, but the site generates {path} from papers.yaml; rename the file"
            )
    for path, text in bundle.pages.items():
        files.append(File.generated(config, path, content=text))
    for path, data in bundle.assets.items():
        files.append(File.generated(config, path, content=data))
    if os.environ.get("SITE_GC_FREEZE", "1") != "0":
        # The catalogue and the generated pages live until the build ends: keep them out of the cyclic collector's
        # way, so that MkDocs' own collections do not traverse them again and again (on_post_build undoes it).
        gc.freeze()
        gc.enable()
    return files


def on_post_build(*, config: Any) -> None:
    _close_cache()  # the build got through: saved, what the next build can reuse
    gc.unfreeze()


def on_build_error(*, error: Exception) -> None:
    _close_cache(error)
    gc.enable()
    gc.unfreeze()


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Files) -> str:
    markdown = serve_fallback.error_banner() + markdown  # "" unless `mkdocs serve` met a broken catalogue
    if page.file.generated_by is not None:
        return markdown  # generated pages hold no markers (catalogue text cannot produce one)
    from tools.site.bench_results import BenchMarkerError, expand_bench_markers
    from tools.site.markers import MarkerError, expand_markers

    inputs = _state["inputs"]
    source = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
    try:
        markdown = expand_markers(
            markdown,
            page_path=page.file.src_uri,
            catalogue=inputs.catalogue,
            claim_results=inputs.claim_results,
            source=source,
        )
        return expand_bench_markers(markdown, source=source, results_dir=_state["root"] / "bench" / "results")
    except (MarkerError, BenchMarkerError) as exc:
        raise PluginError(str(exc)) from None


_TAB_LABELS = '<div class="tabbed-labels">'


def on_page_content(html: str, *, page: Any, config: Any, files: Files) -> str:
    """Keep tab labels ("English", "中文") out of the search previews of generated pages."""
    if page.file.generated_by is None:
        return html
    return html.replace(_TAB_LABELS, '<div class="tabbed-labels" data-search-exclude="true">')


def on_serve(server: Any, *, config: Any, builder: Any) -> Any:
    # Watch the input files themselves, not their folders: an unrelated file written next to papers.yaml
    # (a log, __pycache__) then cannot trigger a rebuild, so the build never triggers itself. Watchdog follows
    # a watched file through the rename-over-original save that editors and `verify_claims --update` use.
    for path in _state.get("watch", []):
        if Path(path).is_file():
            server.watch(str(path), recursive=False)
    return server
