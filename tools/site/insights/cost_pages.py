"""Insight pages about cost across families: parameters against GMACs, top-1 against GMACs, EfficientNet scaling."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..render import render
from .charts import _FG, _MUTED, _SERIES, DIR, _annotate_apart, _chart_assets, _log_axis, _scatter_by_family, _svg
from .data import (
    ChartView,
    Cited,
    CitedRef,
    MeasuredCost,
    Missing,
    ModelLink,
    _claims,
    _Context,
    _scaled,
    distinguishing_labels,
    imagenet_top1,
    pareto_frontier,
)


@dataclass(frozen=True)
class CostRow:
    link: ModelLink
    family: str
    input: tuple[int, ...]
    cost: MeasuredCost | None


@dataclass(frozen=True)
class ParamsPage:
    rows: tuple[CostRow, ...]
    measured: int
    smallest_input: int | None  # the smallest input side among the measured models ...
    at_smallest: int  # ... and how many models are measured at it
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]


def _headline_models(ctx: _Context, measured: list[str]) -> list[str]:
    """The first measured model of every paper: the points the chart names."""
    out = []
    for paper in ctx.catalogue.papers:
        first = next((ref.id for ref in paper.models if ref.id in measured), None)
        if first and first not in out:
            out.append(first)
    return out


def _params_vs_gmacs(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "params-vs-gmacs", f"{DIR}/params-vs-gmacs.md"
    ids = ctx.by_family()
    measured = [i for i in ids if ctx.ok(i)]
    named = _headline_models(ctx, measured)
    alt = (
        f"Log-log scatter of parameters against GMACs for {len(measured)} registered models, "
        "one colour and marker per family."
    )
    chart, assets = None, {}
    if measured:  # the extremes, read from the measurements
        cheapest = min(measured, key=lambda i: ctx.cost(i).fvcore_total)
        dearest = max(measured, key=lambda i: ctx.cost(i).fvcore_total)
        largest = max(measured, key=lambda i: ctx.cost(i).params)
        alt += (
            f" Cost spans from {ctx.cost(cheapest).fvcore_total / 1e9:.3g} GMACs ({cheapest}) to "
            f"{ctx.cost(dearest).fvcore_total / 1e9:.3g} GMACs ({dearest}); {largest} has the most parameters "
            f"({ctx.cost(largest).params / 1e6:.1f} M). Labelled: the first model of each paper."
        )

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            _scatter_by_family(ax, ctx, measured, lambda i: ctx.cost(i).params / 1e6)
            _log_axis(ax, "x")
            _log_axis(ax, "y")
            _annotate_apart(ax, [(i, ctx.cost(i).fvcore_total / 1e9, ctx.cost(i).params / 1e6) for i in named])
            ax.set_xlabel("GMACs (fvcore total), at each model's input size")
            ax.set_ylabel("Parameters (millions)")
            ax.legend(loc="upper left", fontsize=7.5)

        drawn = _svg(draw, size=(8, 5), title="Parameters vs GMACs of every model", alt=alt)
        assets = _chart_assets(name, drawn)
        chart = ChartView(name, alt, len(drawn.panels))
    sides = [ctx.registry[i].resolution for i in measured]
    smallest = min(sides) if sides else None
    rows = tuple(
        CostRow(ctx.link(i, path), ctx.styles.label[ctx.registry[i].family], ctx.registry[i].input_size, ctx.ok(i))
        for i in ids
    )
    page = ParamsPage(
        rows,
        len(measured),
        smallest,
        sides.count(smallest) if smallest else 0,
        chart,
        ctx.missing(ids),
        ctx.provenance(ids),
    )
    return render("insight_params.md.j2", v=page), assets


@dataclass(frozen=True)
class AccuracyRow:
    link: ModelLink
    top1: CitedRef
    others: tuple[CitedRef, ...]
    macs: int | None
    input: tuple[int, ...]
    on_frontier: bool


@dataclass(frozen=True)
class AccuracyPage:
    rows: tuple[AccuracyRow, ...]
    plotted: int
    frontier: int
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]


def _accuracy_vs_gmacs(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "accuracy-vs-gmacs", f"{DIR}/accuracy-vs-gmacs.md"
    cited = imagenet_top1(ctx.catalogue, ctx.registry)
    order = list(ctx.styles.label)
    ids = sorted(cited, key=lambda i: (order.index(ctx.registry[i].family), i))
    plotted = [i for i in ids if ctx.ok(i)]
    points = [(ctx.cost(i).fvcore_total / 1e9, cited[i][0].value) for i in plotted]
    frontier = [plotted[k] for k in pareto_frontier(points)]
    alt = (
        f"Scatter of cited ImageNet top-1 accuracy against computed GMACs (log scale) for {len(plotted)} models, "
        f"with the Pareto frontier drawn as a staircase through {len(frontier)} of them (named on the chart)."
    )
    chart, assets = None, {}
    if plotted:

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            _scatter_by_family(ax, ctx, plotted, lambda i: cited[i][0].value)
            xs = [ctx.cost(i).fvcore_total / 1e9 for i in frontier]
            ys = [cited[i][0].value for i in frontier]
            ax.step(xs, ys, where="post", color=_FG, linewidth=1.0, alpha=0.7, zorder=2, label="Pareto frontier")
            for k, i in enumerate(frontier):  # only the frontier is named; every point's <title> names its model
                ax.annotate(
                    i, (xs[k], ys[k]), xytext=(5, -9 if k % 2 else 3), textcoords="offset points", fontsize=7, color=_FG
                )
            _log_axis(ax, "x")
            ax.set_xlabel("GMACs, computed (fvcore), at each model's input size (log scale)")
            ax.set_ylabel("ImageNet top-1 accuracy (%), cited")
            ax.legend(loc="lower right", fontsize=7.5)

        drawn = _svg(draw, size=(8, 5), title="Cited ImageNet top-1 accuracy vs computed GMACs", alt=alt)
        assets = _chart_assets(name, drawn)
        chart = ChartView(name, alt, len(drawn.panels))
    rows = []
    for i in sorted(ids, key=lambda i: (ctx.cost(i).fvcore_total if ctx.ok(i) else math.inf, i)):
        first, *others = cited[i]
        m = ctx.ok(i)
        rows.append(
            AccuracyRow(
                ctx.link(i, path),
                first.ref(path),
                tuple(o.ref(path) for o in others),
                m.fvcore_total if m else None,
                ctx.registry[i].input_size,
                i in frontier,
            )
        )
    page = AccuracyPage(tuple(rows), len(plotted), len(frontier), chart, ctx.missing(ids), ctx.provenance(ids))
    return render("insight_accuracy.md.j2", v=page), assets


# EfficientNet (Tan & Le, ICML 2019): Table 2 prints each variant's FLOPs (multiply-adds) and parameters.
EFFICIENTNET_PAPER, EFFICIENTNET_TABLE = "efficientnet", "Table 2"


@dataclass(frozen=True)
class Variant:
    phi: int  # the variant's place in the paper's list, read as its compound coefficient (the page's assumption)
    label: str  # "B3", from the paper's model names
    link: ModelLink
    input: tuple[int, ...]
    cost: MeasuredCost | None
    printed_macs: CitedRef | None
    printed_params: CitedRef | None
    reference: float | None  # base · 2^φ


@dataclass(frozen=True)
class ScalingPage:
    variants: tuple[Variant, ...]
    table: str
    sources: tuple[str, ...]
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]

    @property
    def base(self) -> Variant | None:
        return self.variants[0] if self.variants else None


def _efficientnet(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "efficientnet-scaling", f"{DIR}/efficientnet-scaling.md"
    ids = ctx.models_of(EFFICIENTNET_PAPER)  # the paper's order: B0 (φ = 0) ... B7
    labels = distinguishing_labels([ctx.names.get(i, i) for i in ids])
    printed: dict[str, dict[str, Cited]] = {}
    for paper, claim in _claims(ctx.catalogue):
        if (
            claim.model in ids
            and claim.kind == "absolute"
            and claim.origin == "paper"
            and claim.quantity in ("macs", "params")
            and claim.source.location.startswith(EFFICIENTNET_TABLE)
            and claim.value is not None
        ):
            printed.setdefault(claim.model, {}).setdefault(
                claim.quantity, Cited(_scaled(claim.value, claim.unit), paper, claim)
            )
    b0 = ctx.ok(ids[0]) if ids else None
    base = b0.fvcore_total if b0 else None
    variants = tuple(
        Variant(
            phi=k,
            label=labels[k],
            link=ctx.link(i, path),
            input=ctx.registry[i].input_size,
            cost=ctx.ok(i),
            printed_macs=printed[i]["macs"].ref(path) if "macs" in printed.get(i, {}) else None,
            printed_params=printed[i]["params"].ref(path) if "params" in printed.get(i, {}) else None,
            reference=base * 2**k if base else None,
        )
        for k, i in enumerate(ids)
    )
    measured = [v for v in variants if v.cost]
    alt = (
        f"Two panels for EfficientNet {variants[0].label if variants else ''} "
        f"to {variants[-1].label if variants else ''}. "
        f"Left: GMACs on a log scale, computed against the paper's {EFFICIENTNET_TABLE} and against the reference "
        "curve B0 times 2 to the power phi, with phi taken equal to the variant's place in the paper's list. "
        f"Right: parameters, computed against {EFFICIENTNET_TABLE}."
    )
    chart, assets = None, {}
    if measured:

        def draw(fig: Any) -> None:
            left, right = fig.subplots(1, 2)
            panels = (
                (left, "fvcore_total", "printed_macs", 1e9, "computed (fvcore)", "GMACs", "Multiply-adds"),
                (right, "params", "printed_params", 1e6, "computed", "Parameters (millions)", "Parameters"),
            )
            for ax, key, cited_key, scale, computed, ylabel, title in panels:
                ax.plot(
                    [v.phi for v in measured],
                    [getattr(v.cost, key) / scale for v in measured],
                    "o-",
                    color=_SERIES[0],
                    label=computed,
                    zorder=3,
                )
                points = [(v.phi, getattr(v, cited_key).value) for v in variants if getattr(v, cited_key)]
                if points:
                    ax.plot(
                        [k for k, _ in points],
                        [value / scale for _, value in points],
                        "s",
                        mfc="none",
                        mew=1.4,
                        ms=8,
                        color=_SERIES[1],
                        label=f"printed, {EFFICIENTNET_TABLE} (cited)",
                        zorder=4,
                    )
                if ax is left and base:
                    ax.plot(
                        [v.phi for v in variants],
                        [v.reference / 1e9 for v in variants if v.reference],
                        "--",
                        color=_MUTED,
                        linewidth=1.2,
                        label=f"{variants[0].label} · 2^φ, assuming φ = place in list",
                    )
                _log_axis(ax, "y")
                ax.set_xticks([v.phi for v in variants], [v.label for v in variants])
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                ax.legend(loc="upper left")

        drawn = _svg(draw, size=(9, 4.2), title="EfficientNet: GMACs and parameters of each variant", alt=alt)
        assets = _chart_assets(name, drawn)
        chart = ChartView(name, alt, len(drawn.panels))
    sources = tuple(sorted({c.label() for v in printed.values() for c in v.values()}))
    page = ScalingPage(variants, EFFICIENTNET_TABLE, sources, chart, ctx.missing(ids), ctx.provenance(ids))
    return render("insight_efficientnet.md.j2", v=page), assets
