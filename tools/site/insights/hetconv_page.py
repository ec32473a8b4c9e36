"""Insight page: HetConv's cost against P, from the per-layer formula and from the measured networks.

The models come from the catalogue paper: its models at the paper's smallest input (the CIFAR-10 VGG-16 family,
P read from each model's name, "P = 4") and the pair of its cost claim against a model of another paper (ResNet-50
with HetConv against ResNet-50). The formula and the predicted counts are `reference_impls.hetconv_cost`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reference_impls.hetconv_cost import CLASSIFIER_WIDTH, hetconv_layer_ratio, vgg_cifar_conv_layers
from reference_impls.vgg_tables import VGG16_STAGES

from ..render import render
from .charts import _MUTED, _PANEL, _SERIES, DIR, _chart_assets, _reference_line, _svg
from .data import (
    ChartView,
    Cited,
    CitedRef,
    MeasuredCost,
    Missing,
    ModelLink,
    _Context,
    _scaled,
    hetconv_vgg16_cifar_prediction,
    number_in_name,
)

HETCONV_PAPER = "hetconv"
CIFAR10_CLASSES = 10


@dataclass(frozen=True)
class PartRow:
    part: int
    link: ModelLink
    ratio: Fraction  # per-layer formula
    cost: MeasuredCost | None
    predicted_macs: int
    predicted_params: int
    cited_macs: CitedRef | None


@dataclass(frozen=True)
class Layer:
    in_channels: int
    out_channels: int
    side: int
    macs: int


@dataclass(frozen=True)
class HetConvPage:
    rows: tuple[PartRow, ...]
    base: PartRow | None  # P = 1
    hetconv_layers: int  # layers of the CIFAR VGG-16 that become HetConv layers
    first_layer: Layer
    classifier: tuple[int, int, int]  # 512 -> 512 -> 10
    classifier_macs: int
    pair: tuple[ModelLink, ModelLink] | None  # (HetConv model, the model it modifies)
    pair_costs: tuple[MeasuredCost, MeasuredCost] | None
    pair_part: int | None
    pair_ratio: Fraction | None  # the per-layer formula at the pair's P
    note: CitedRef | None  # the reading note's reduction claim
    cited_sources: tuple[str, ...]
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]

    @property
    def kept(self) -> float | None:
        return self.pair_costs[1].fvcore_total / self.pair_costs[0].fvcore_total if self.pair_costs else None


def _ratio_float(part: float, kernel: int = 3) -> float:
    """The per-layer formula at a non-integer P, for drawing the curve."""
    return 1 / part + (1 - 1 / part) / kernel**2


def _draw(page: HetConvPage) -> Any:
    measured = [r for r in page.rows if r.cost]
    base = page.base.cost if page.base else None

    def draw(fig: Any) -> None:
        left, right = fig.subplots(1, 2, width_ratios=(1.6, 1))
        if measured and base:
            ps = [r.part for r in measured]
            grid = [2 ** (x / 8) for x in range(8 * int(math.log2(max(ps))) + 1)]
            left.plot(
                grid,
                [_ratio_float(p) for p in grid],
                "-",
                color=_MUTED,
                linewidth=1.2,
                label="per layer: 1/P + (1 − 1/P)/9",
            )
            left.axhline(1 / 9, color=_MUTED, linestyle=":", linewidth=0.9)
            left.annotate(
                "1/9", (max(ps), 1 / 9), xytext=(3, -10), textcoords="offset points", fontsize=7.5, color=_MUTED
            )
            p1 = page.base.predicted_macs if page.base else 1
            left.plot(
                ps,
                [r.predicted_macs / p1 for r in measured],
                "--",
                color=_SERIES[0],
                linewidth=1.0,
                label="whole network, formula (conv + linear)",
            )
            for key, style, colour, label in (
                ("macs_conv_linear", "o", _SERIES[0], "MACs, computed (conv + linear)"),
                ("fvcore_total", "x", _SERIES[1], "MACs, computed (fvcore total)"),
                ("params", "s", _SERIES[2], "parameters, computed"),
            ):
                extra = {"mfc": "none", "ms": 7} if style == "s" else {}
                left.plot(
                    ps,
                    [getattr(r.cost, key) / getattr(base, key) for r in measured],
                    style,
                    color=colour,
                    mew=1.3,
                    label=label,
                    zorder=3,
                    **extra,
                )
            left.set_xscale("log", base=2)
            left.set_xticks(ps, [str(p) for p in ps])
            left.set_ylim(0, 1.05)
            left.set_xlabel("P (each filter has M/P kernels of 3×3)")
            left.set_ylabel("relative to P = 1 (standard VGG-16)")
            left.set_title(f"VGG-16 on CIFAR-10 ({page.first_layer.side}×{page.first_layer.side})")
            left.legend(loc="upper right")
        else:
            left.set_axis_off()
            left.text(0.5, 0.5, "VGG-16 HetConv family: not measured yet", ha="center", transform=left.transAxes)
        if page.pair_costs and page.pair:
            plain, het = page.pair_costs
            bars = [
                ("MACs\n(fvcore)", het.fvcore_total / plain.fvcore_total),
                ("MACs\n(conv + linear)", het.macs_conv_linear / plain.macs_conv_linear),
                ("params", het.params / plain.params),
            ]
            xs = range(len(bars))
            right.bar(xs, [v * 100 for _, v in bars], color=_SERIES[3], width=0.6, zorder=3)
            for x, (_, v) in zip(xs, bars, strict=True):
                right.annotate(
                    f"{v * 100:.1f} %",
                    (x, v * 100 / 2),
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color=_PANEL,
                    fontweight="bold",
                    zorder=5,
                )
            right.set_xticks(list(xs), [label for label, _ in bars])
            _reference_line(right, 100, f"{page.pair[1].id} = 100 %", style="-")
            if page.note:
                kept = 100 - page.note.value
                _reference_line(right, kept, f"note: {page.note.value:g} % fewer → {kept:g} % kept", colour=_SERIES[1])
            if page.pair_ratio is not None:
                _reference_line(
                    right,
                    float(page.pair_ratio) * 100,
                    f"one HetConv layer, P = {page.pair_part}: {page.pair_ratio}",
                    style=":",
                )
            right.set_ylim(0, 105)
            right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7.5)
            right.set_ylabel(f"% of {page.pair[1].id}")
            right.set_title(f"{page.pair[0].id}")
        else:
            right.set_axis_off()
            right.text(0.5, 0.5, "ImageNet pair: not measured yet", ha="center", transform=right.transAxes)

    return draw


def _hetconv(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "hetconv", f"{DIR}/hetconv.md"
    ids = ctx.models_of(HETCONV_PAPER)
    smallest = min((ctx.registry[i].resolution for i in ids), default=0)
    family = sorted(
        (part, i)
        for i in ids
        if ctx.registry[i].resolution == smallest
        if (part := number_in_name(ctx.names.get(i, ""), "P")) is not None
    )
    claims = ctx.claims_of(HETCONV_PAPER)
    cited: dict[str, Cited] = {}
    for paper, claim in claims:
        if claim.quantity == "macs" and claim.kind == "absolute" and claim.value is not None and claim.model:
            cited.setdefault(claim.model, Cited(_scaled(claim.value, claim.unit), paper, claim))
    rows = []
    for part, i in family:
        macs, params = hetconv_vgg16_cifar_prediction(part)
        rows.append(
            PartRow(
                part,
                ctx.link(i, path),
                hetconv_layer_ratio(part),
                ctx.ok(i),
                macs,
                params,
                cited[i].ref(path) if i in cited else None,
            )
        )
    # The pair: the paper's cost claim against a registered model the paper does not define.
    found = next(
        (
            (p, c)
            for p, c in claims
            if c.quantity == "macs" and c.model in ids and c.compared_to in ctx.registry and c.compared_to not in ids
        ),
        None,
    )
    pair = (ctx.link(found[1].model, path), ctx.link(found[1].compared_to, path)) if found else None
    costs = (ctx.ok(pair[1].id), ctx.ok(pair[0].id)) if pair else (None, None)
    pair_part = number_in_name(pair[0].name, "P") if pair else None
    note = (
        Cited(float(found[1].value), *found).ref(path)
        if found and found[1].kind == "reduction" and found[1].unit == "%" and found[1].value is not None
        else None
    )
    layers = vgg_cifar_conv_layers(VGG16_STAGES, part=2)
    first = vgg_cifar_conv_layers(VGG16_STAGES, part=1)[0][0]
    last_channels = layers[-1][-1].out_channels
    page = HetConvPage(
        rows=tuple(rows),
        base=next((r for r in rows if r.part == 1), None),
        hetconv_layers=sum(1 for block in layers for layer in block if layer.part != 1),
        first_layer=Layer(
            first.in_channels,
            first.out_channels,
            first.output_side,
            9 * first.in_channels * first.out_channels * first.output_side**2,
        ),
        classifier=(last_channels, CLASSIFIER_WIDTH, CIFAR10_CLASSES),
        classifier_macs=last_channels * CLASSIFIER_WIDTH + CLASSIFIER_WIDTH * CIFAR10_CLASSES,
        pair=pair,
        pair_costs=(costs[0], costs[1]) if costs[0] and costs[1] else None,
        pair_part=pair_part,
        pair_ratio=hetconv_layer_ratio(pair_part) if pair_part else None,
        note=note,
        cited_sources=tuple(sorted({c.label() for c in cited.values() if c.claim.model in dict(family).values()})),
        chart=None,
        missing=ctx.missing([i for _, i in family] + ([pair[1].id, pair[0].id] if pair else [])),
        provenance=ctx.provenance([i for _, i in family] + ([pair[1].id, pair[0].id] if pair else [])),
    )
    assets: dict[str, bytes] = {}
    if any(r.cost for r in rows) or page.pair_costs:
        alt = (
            "Two panels. Left: cost of the CIFAR-10 VGG-16 with HetConv relative to P = 1, against P on a log-2 axis: "
            "the per-layer formula 1/P + (1 - 1/P)/9 falls toward 1/9, while the computed whole-network multiply-adds "
            "and parameters stay slightly above it because the first convolution and the classifier stay standard. "
            + (
                f"Right: {pair[0].id} keeps {page.kept * 100:.1f} percent of {pair[1].id}'s multiply-adds"
                if pair and page.kept is not None
                else "Right: the ImageNet pair (not measured yet)"
            )
            + (f", against the note's {note.value:g} percent reduction" if note else "")
            + (f" and the per-layer {float(page.pair_ratio) * 100:.1f} percent." if page.pair_ratio else ".")
        )
        drawn = _svg(_draw(page), size=(10, 4.4), title="HetConv: cost against P", alt=alt)
        assets = _chart_assets(name, drawn)
        page = HetConvPage(**{**page.__dict__, "chart": ChartView(name, alt, len(drawn.panels))})
    return render("insight_hetconv.md.j2", v=page), assets
