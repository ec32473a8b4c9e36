"""Insight pages: charts of the measurements, drawn at build time as static SVG, each with the table behind it.

    >>> pages, assets = build_insights(catalogue, measurements)
    >>> pages["insights/params-vs-gmacs.md"]           # Markdown: chart, alt text, table, sources
    >>> assets["insights/params-vs-gmacs-light.svg"]   # bytes; "-dark.svg" is the same chart for the dark scheme

Every number a chart plots is either *computed* (read from `tools/measurements.json`: fvcore's count, the
FlopCounterMode cross-check or the exact parameter count) or *cited* (a claim of `papers.yaml`, named with its
paper and table); the table under each chart says which. A model with no usable measurement (absent, or its
measurement failed) is left out of the chart and named under it.

Each chart is drawn once with matplotlib's SVG backend (no pyplot, rcParams set locally) and written twice: the
light file, and a dark one in which `_DARK` swaps every colour, so both always show the same data (Material shows
one or the other through the `#only-light` / `#only-dark` suffixes). The files are deterministic: fixed hash salt,
no date, text kept as <text> (svg.fonttype none). Nothing here imports torch.

Modules: `charts` (palette, dark variant, SVG writer, chart helpers), `data` (what the pages read and share, and
the view objects), one module per group of pages (`cost_pages`, `latency_page`, `hetconv_page`, `scaling_pages`,
`seed_spread`, `compare`). Each page module collects a view (a dataclass) and renders it with its template,
`tools/site/templates/insight_<page>.md.j2`: all prose lives there, and every number in it is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..render import render
from .charts import DIR, _Styles
from .compare import _compare
from .cost_pages import _accuracy_vs_gmacs, _efficientnet, _params_vs_gmacs
from .data import (
    Cited,
    _Context,
    _model_names,
    _model_papers,
    _registry,
    distinguishing_labels,
    growth_exponent,
    hetconv_vgg16_cifar_prediction,
    imagenet_top1,
    linear_quadratic_fit,
    number_in_name,
    pareto_frontier,
)
from .hetconv_page import _hetconv
from .latency_page import EXAMPLE_PAPERS, MACS_TOLERANCE, Pair, Timed, _latency_vs_macs, nearest_pair, widest_pair
from .scaling_pages import _attention, _res2net
from .seed_spread import _randwire_seeds


class InsightPage(NamedTuple):
    """One insight page as data: where it goes, what it shows in one line, which paper's models it is about
    (`None`: every registered model) and the function that draws it from the shared context."""

    stem: str
    summary: str
    paper: str | None
    build: Callable[[_Context], tuple[str, dict[str, bytes]]]


# Page order: the overview, then the charts, then the compare view (mkdocs.yml's nav lists the same pages).
PAGES: tuple[InsightPage, ...] = (
    InsightPage("params-vs-gmacs", "Every model: parameters against multiply-adds, by family.", None, _params_vs_gmacs),
    InsightPage(
        "accuracy-vs-gmacs",
        "Cited ImageNet top-1 against computed multiply-adds, with the Pareto frontier.",
        None,
        _accuracy_vs_gmacs,
    ),
    InsightPage(
        "latency-vs-macs",
        "Every model: CPU latency at one thread against multiply-adds; equal cost, unequal speed.",
        None,
        _latency_vs_macs,
    ),
    InsightPage(
        "efficientnet-scaling",
        "EfficientNet's variants against the 2^φ rule and against the paper's Table 2.",
        "efficientnet",
        _efficientnet,
    ),
    InsightPage(
        "hetconv",
        "HetConv: cost against P, the per-layer formula and the whole network; the ImageNet pair.",
        "hetconv",
        _hetconv,
    ),
    InsightPage(
        "attention-cost",
        "Generalized attention vs convolution: cost against input size, quadratic vs linear.",
        "spatial-attention-study",
        _attention,
    ),
    InsightPage(
        "res2net", "Res2Net: width and scale against cost, and the two readings of one share.", "res2net", _res2net
    ),
    InsightPage(
        "randwire-seeds",
        "RandWire: how the cost of a randomly wired network varies with its graph seed.",
        "randwire",
        _randwire_seeds,
    ),
    InsightPage(
        "compare", "Pick two models and compare their costs stage by stage, and their CPU latency.", None, _compare
    ),
)


@dataclass(frozen=True)
class IndexEntry:
    stem: str
    summary: str
    paper: str | None  # a paper the catalogue defines, or None


def _index_page(ctx: _Context) -> str:
    defined = {p.id for p in ctx.catalogue.papers}
    entries = [IndexEntry(s.stem, s.summary, s.paper if s.paper in defined else None) for s in PAGES]
    return render("insight_index.md.j2", pages=entries)


def build_insights(
    catalogue: Any,
    measurements: Mapping[str, Mapping[str, Any]],
    *,
    registry: Mapping[str, Any] | None = None,
    directory_urls: bool = True,
    latency: Any = None,
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The insight pages (`{docs-relative path: Markdown}`) and their assets (`{path: bytes}`: SVGs, JSON).

    Args:
        catalogue: a validated `tools.catalogue.Catalogue` (cited numbers and paper links come from it).
        measurements: model id -> measurement dict (`tools.measurements.read_measurements()`); absent or
            failed models are named on the pages instead of plotted.
        registry: model id -> `reference_impls.ModelSpec`; `reference_impls.REGISTRY` by default.
        directory_urls: whether pages are served as `papers/<id>/` (the paper links inside the JSON data).
        latency: the `tools.latency.LatencyRecord` (`read_latency()`), None when nothing has been timed.
    """
    from .. import build_cache

    registry = dict(_registry() if registry is None else registry)
    cache = build_cache.active()  # drawn only when what they are drawn from changes (build_cache.py)
    key = build_cache.insights_key(cache, catalogue, measurements, registry, directory_urls, latency) if cache else ""
    if cache is not None:
        stored = build_cache.unpack_insights(cache.insights.get(key))
        if stored is not None:
            return stored
    pages, assets = _build_insights(catalogue, measurements, registry, directory_urls, latency)
    if cache is not None:
        cache.insights.put(key, build_cache.pack_insights(pages, assets))
    return pages, assets


def _build_insights(
    catalogue: Any, measurements: Mapping[str, Any], registry: dict[str, Any], directory_urls: bool, latency: Any
) -> tuple[dict[str, str], dict[str, bytes]]:
    ctx = _Context(
        catalogue=catalogue,
        measurements=measurements,
        registry=registry,
        papers=_model_papers(catalogue),
        names=_model_names(catalogue),
        styles=_Styles(spec.family for spec in registry.values()),
        directory_urls=directory_urls,
        latency=latency,
    )
    pages: dict[str, str] = {f"{DIR}/index.md": _index_page(ctx)}
    assets: dict[str, bytes] = {}
    for spec in PAGES:
        page, page_assets = spec.build(ctx)
        pages[f"{DIR}/{spec.stem}.md"] = page
        assets.update(page_assets)
    return dict(sorted(pages.items())), dict(sorted(assets.items()))


__all__ = [
    "EXAMPLE_PAPERS",
    "MACS_TOLERANCE",
    "PAGES",
    "Cited",
    "InsightPage",
    "Pair",
    "Timed",
    "build_insights",
    "distinguishing_labels",
    "growth_exponent",
    "hetconv_vgg16_cifar_prediction",
    "imagenet_top1",
    "linear_quadratic_fit",
    "nearest_pair",
    "number_in_name",
    "pareto_frontier",
    "widest_pair",
]
