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

Modules: `charts` (palette, dark variant, SVG writer, chart helpers), `data` (what the pages read and share),
one module per group of pages (`cost_pages`, `hetconv_page`, `scaling_pages`, `compare`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .charts import DIR, _Styles
from .data import (
    COMPUTED_CROSSCHECK,
    COMPUTED_FVCORE,
    COMPUTED_PARAMS,
    Cited,
    _Context,
    _model_names,
    _model_papers,
    _page,
    _registry,
    growth_exponent,
    hetconv_vgg16_cifar_prediction,
    imagenet_top1,
    linear_quadratic_fit,
    pareto_frontier,
)
from .compare import _compare
from .cost_pages import _accuracy_vs_gmacs, _efficientnet, _params_vs_gmacs
from .hetconv_page import _hetconv
from .scaling_pages import ATTENTION_SETTINGS, RES2NET_GROUPS, _attention, _res2net
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
        "efficientnet-scaling",
        "EfficientNet B0–B7 against the 2^φ rule and against the paper's Table 2.",
        "efficientnet",
        _efficientnet,
    ),
    InsightPage(
        "hetconv",
        "HetConv: cost against P, the per-layer formula and the whole network; ResNet-50 at P = 4.",
        "hetconv",
        _hetconv,
    ),
    InsightPage(
        "attention-cost",
        "Generalized attention vs convolution: cost against input size, quadratic vs linear.",
        "spatial-attention-study",
        _attention,
    ),
    InsightPage("res2net", "Res2Net: width and scale at constant cost, and where Res2Net-50-L sits.", "res2net", _res2net),
    InsightPage(
        "randwire-seeds",
        "RandWire: how the cost of a randomly wired network varies with its graph seed.",
        "randwire",
        _randwire_seeds,
    ),
    InsightPage("compare", "Pick two models and compare their costs stage by stage.", None, _compare),
)


def _index_page(ctx: _Context) -> str:
    lines = [
        (
            "Charts drawn from the measurements of every registered model, each with the table behind it. A number "
            "is either **computed** here from the reference implementation or **cited** from a paper (its table is "
            "named and linked); the tables say which."
        ),
        "",
        (
            f"- **{COMPUTED_FVCORE}**: fvcore's FlopCountAnalysis total, what timm's GMACs columns report; one "
            "multiply-add counts 1, an eval BatchNorm 2 per element, pooling 1 per input element."
        ),
        f"- **{COMPUTED_CROSSCHECK}**: PyTorch's FlopCounterMode halved; conv, linear and matmul only.",
        f"- **{COMPUTED_PARAMS}**: the exact number of parameters.",
        "",
        "See [About the numbers](../about-the-numbers.md) for the counting conventions.",
        "",
    ]
    for spec in PAGES:
        defined = spec.paper and any(p.id == spec.paper for p in ctx.catalogue.papers)
        about = f" (models of [the paper](../papers/{spec.paper}.md))" if defined else ""
        lines.append(f"- [{spec.summary}]({spec.stem}.md){about}")
    return _page("Insights", "\n".join(lines))


def build_insights(
    catalogue: Any,
    measurements: Mapping[str, Mapping[str, Any]],
    *,
    registry: Mapping[str, Any] | None = None,
    directory_urls: bool = True,
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The insight pages (`{docs-relative path: Markdown}`) and their assets (`{path: bytes}`: SVGs, JSON).

    Args:
        catalogue: a validated `tools.catalogue.Catalogue` (cited numbers and paper links come from it).
        measurements: model id -> measurement dict (`tools.measurements.read_measurements()`); absent or
            failed models are named on the pages instead of plotted.
        registry: model id -> `reference_impls.ModelSpec`; `reference_impls.REGISTRY` by default.
        directory_urls: whether pages are served as `papers/<id>/` (the paper links inside the JSON data).
    """
    from .. import build_cache

    registry = dict(_registry() if registry is None else registry)
    cache = build_cache.active()  # drawn only when what they are drawn from changes (build_cache.py)
    key = build_cache.insights_key(cache, catalogue, measurements, registry, directory_urls) if cache else ""
    if cache is not None:
        stored = build_cache.unpack_insights(cache.insights.get(key))
        if stored is not None:
            return stored
    pages, assets = _build_insights(catalogue, measurements, registry, directory_urls)
    if cache is not None:
        cache.insights.put(key, build_cache.pack_insights(pages, assets))
    return pages, assets


def _build_insights(
    catalogue: Any, measurements: Mapping[str, Any], registry: dict[str, Any], directory_urls: bool
) -> tuple[dict[str, str], dict[str, bytes]]:
    ctx = _Context(
        catalogue=catalogue,
        measurements=measurements,
        registry=registry,
        papers=_model_papers(catalogue),
        names=_model_names(catalogue),
        styles=_Styles(spec.module for spec in registry.values()),
        directory_urls=directory_urls,
    )
    pages: dict[str, str] = {f"{DIR}/index.md": _index_page(ctx)}
    assets: dict[str, bytes] = {}
    for spec in PAGES:
        page, page_assets = spec.build(ctx)
        pages[f"{DIR}/{spec.stem}.md"] = page
        assets.update(page_assets)
    return dict(sorted(pages.items())), dict(sorted(assets.items()))


__all__ = [
    "ATTENTION_SETTINGS",
    "Cited",
    "InsightPage",
    "PAGES",
    "RES2NET_GROUPS",
    "build_insights",
    "growth_exponent",
    "hetconv_vgg16_cifar_prediction",
    "imagenet_top1",
    "linear_quadratic_fit",
    "pareto_frontier",
]
