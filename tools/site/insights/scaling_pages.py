"""Insight pages: attention against convolution as the input grows; Res2Net width and scale against cost.

Both pages take their models from the catalogue paper (`models_of`) and their baseline from the data: the
attention study's baseline is the registered model measured over the same input sweep that the paper does not
define; Res2Net's is the model its cost claims compare with (`compared_to`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..render import render
from .charts import _FG, _MUTED, _SERIES, DIR, _chart_assets, _log_axis, _reference_line, _svg
from .data import (
    ChartView,
    Cited,
    CitedRef,
    MeasuredCost,
    Missing,
    ModelLink,
    _Context,
    _sweep,
    distinguishing_labels,
    growth_exponent,
    linear_quadratic_fit,
)

ATTENTION_PAPER = "spatial-attention-study"


@dataclass(frozen=True)
class Setting:
    link: ModelLink
    label: str  # "E1 only", from the paper's model names
    costs: dict[int, int]  # resolution -> conv + linear + matmul MACs
    growth: tuple[int, int, float | None, float | None, float | None] | None  # first, last, e, share first, last


@dataclass(frozen=True)
class AttentionPage:
    baseline: Setting | None
    settings: tuple[Setting, ...]
    resolutions: tuple[int, ...]
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]


def _growth(pixels: list[int], costs: list[int]) -> tuple[int, int, float | None, float | None, float | None]:
    """(cost at the first and last input, growth exponent, quadratic share of the fit at the first and last)."""
    fit = linear_quadratic_fit(pixels, costs) if len(pixels) >= 3 else None

    def share(n: int, cost: int) -> float | None:
        return None if fit is None or not cost else max(fit[1] * n * n / cost, 0.0)

    return costs[0], costs[-1], growth_exponent(pixels, costs), share(pixels[0], costs[0]), share(pixels[-1], costs[-1])


def _attention(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "attention-cost", f"{DIR}/attention-cost.md"
    ids = [i for i in ctx.models_of(ATTENTION_PAPER) if ctx.registry[i].sweep_resolutions]
    sweep = ctx.registry[ids[0]].sweep_resolutions if ids else ()
    base_id = next(
        (i for i in ctx.registry if i not in ids and sweep and ctx.registry[i].sweep_resolutions == sweep), None
    )
    base = _sweep(ctx.ok(base_id)) if base_id else {}
    series = {i: _sweep(ctx.ok(i)) for i in ids}
    resolutions = tuple(sorted(set(base).intersection(*[set(s) for s in series.values() if s])) if base else ())
    pixels = [r * r for r in resolutions]
    labels = distinguishing_labels([ctx.names.get(i, i) for i in ids])

    def setting(i: str, label: str, extra: bool) -> Setting:
        values = base if i == base_id else series[i]
        complete = bool(values) and set(resolutions) <= set(values) and bool(resolutions)
        costs = [values[r] - (base[r] if extra else 0) for r in resolutions] if complete else []
        return Setting(ctx.link(i, path), label, values, _growth(pixels, costs) if costs else None)

    settings = tuple(setting(i, label, True) for i, label in zip(ids, labels, strict=True))
    baseline = setting(base_id, ctx.names.get(base_id, base_id), False) if base_id else None
    drawn_settings = [s for s in settings if s.growth]
    alt = (
        "Two panels against input pixel count. Left: total multiply-adds of the convolutional baseline and of each "
        "generalized-attention setting. Right, log-log: the extra cost of each setting over the baseline, with guide "
        "lines for linear and quadratic growth; "
        + "; ".join(f"{s.label}: growth exponent {s.growth[2]:.2f}" for s in drawn_settings if s.growth and s.growth[2])
        + "."
    )
    chart, assets = None, {}
    if baseline and resolutions and drawn_settings:

        def draw(fig: Any) -> None:
            left, right = fig.subplots(1, 2)
            left.plot(pixels, [base[r] / 1e9 for r in resolutions], "o-", color=_FG, label=baseline.link.id, zorder=3)
            for k, s in enumerate(drawn_settings):
                colour, marker = _SERIES[k % len(_SERIES)], "^sDvP"[k % 5]
                left.plot(
                    pixels, [s.costs[r] / 1e9 for r in resolutions], marker=marker, color=colour, label=s.label, ms=5
                )
                extra = [s.costs[r] - base[r] for r in resolutions]
                exponent = s.growth[2] if s.growth else None
                right.plot(
                    pixels,
                    [e / 1e9 for e in extra],
                    marker=marker,
                    color=colour,
                    ms=5,
                    label=f"{s.label}: e = {exponent:.2f}" if exponent is not None else s.label,
                )
            first = [s.costs[resolutions[0]] - base[resolutions[0]] for s in drawn_settings]
            for slope, anchor, text in (
                (1, min(first) / 1e9 * 0.6, "linear (e = 1)"),
                (2, max(first) / 1e9 * 1.6, "quadratic (e = 2)"),
            ):
                ys = [anchor * (p / pixels[0]) ** slope for p in pixels]
                right.plot(pixels, ys, ":", color=_MUTED, linewidth=1.0)
                right.annotate(
                    text,
                    (pixels[-1], ys[-1]),
                    xytext=(-4, 2),
                    textcoords="offset points",
                    ha="right",
                    va="bottom",
                    fontsize=7.5,
                    color=_MUTED,
                )
            left.set_xlabel("input pixels (H × W)")
            left.set_ylabel("GMACs (conv + linear + matmul)")
            left.set_title("Total cost")
            left.legend(loc="upper left")
            left.set_xticks(pixels, [f"{r}²" for r in resolutions])
            right.set_xscale("log")
            _log_axis(right, "y")
            right.set_xticks(pixels, [f"{r}²" for r in resolutions])
            right.minorticks_off()
            right.set_xlabel("input pixels (H × W), log scale")
            right.set_ylabel(f"extra GMACs over {baseline.link.id}, log scale")
            right.set_title("Cost of the attention alone")
            right.legend(loc="upper left")

        drawn = _svg(draw, size=(10, 4.4), title="Generalized attention: cost against input size", alt=alt)
        assets = _chart_assets(name, drawn)
        chart = ChartView(name, alt, len(drawn.panels))
    everything = ([base_id] if base_id else []) + ids
    page = AttentionPage(baseline, settings, resolutions, chart, ctx.missing(everything), ctx.provenance(everything))
    return render("insight_attention.md.j2", v=page), assets


RES2NET_PAPER = "res2net"
SAME_COST = 0.05  # "the same cost" as the baseline: within ±5 % of its multiply-adds


@dataclass(frozen=True)
class Res2NetRow:
    link: ModelLink
    group: str
    cost: MeasuredCost | None
    share: float | None  # of the baseline's fvcore total
    error: CitedRef | None  # cited top-1 error


@dataclass(frozen=True)
class Reading:
    """One printed reading of a cost share: the claim, and the computed share of its model."""

    claim: CitedRef
    model: ModelLink
    computed: float | None  # share kept, computed


@dataclass(frozen=True)
class Res2NetPage:
    example: ModelLink | None  # the paper's first model, whose name shows how the names read
    baseline: ModelLink | None
    rows: tuple[Res2NetRow, ...]
    same_cost: float
    paper_reading: Reading | None
    note_reading: Reading | None
    chart: ChartView | None
    missing: Missing
    provenance: tuple[str, ...]


def _res2net(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "res2net", f"{DIR}/res2net.md"
    ids = ctx.models_of(RES2NET_PAPER)
    claims = ctx.claims_of(RES2NET_PAPER)
    compared = Counter(c.compared_to for _, c in claims if c.quantity == "macs" and c.compared_to in ctx.registry)
    base_id = compared.most_common(1)[0][0] if compared else None
    base = ctx.ok(base_id) if base_id else None

    def share(model_id: str | None) -> float | None:
        m = ctx.ok(model_id) if model_id else None
        return m.fvcore_total / base.fvcore_total if m and base else None

    def reading(kind: str, origin: str) -> Reading | None:
        found = next(
            (
                (p, c)
                for p, c in claims
                if c.quantity == "macs"
                and c.kind == kind
                and c.unit == "%"
                and c.origin == origin
                and c.compared_to == base_id
                and c.model
            ),
            None,
        )
        if not found:
            return None
        paper, claim = found
        return Reading(
            Cited(float(claim.value), paper, claim).ref(path), ctx.link(claim.model, path), share(claim.model)
        )

    paper_reading, note_reading = reading("ratio", "paper"), reading("reduction", "note")
    errors: dict[str, CitedRef] = {}
    for paper, claim in claims:
        if (
            claim.model in ids
            and claim.quantity == "top1_error"
            and claim.kind == "absolute"
            and claim.value is not None
        ):
            errors.setdefault(claim.model, Cited(float(claim.value), paper, claim).ref(path))
    base_name = base_id or "the baseline"
    groups = (
        f"about the cost of {base_name} (within ±{SAME_COST:.0%})",
        f"dearer than {base_name}",
        f"cheaper than {base_name}",
        "not measured yet",
    )

    def group(model_id: str) -> str:
        s = share(model_id)
        if s is None:
            return groups[3]
        return groups[0] if abs(s - 1) <= SAME_COST else groups[1] if s > 1 else groups[2]

    ordered = sorted(ids, key=lambda i: (groups.index(group(i)), share(i) or 0.0, i))
    rows = [Res2NetRow(ctx.link(i, path), group(i), ctx.ok(i), share(i), errors.get(i)) for i in ordered]
    if base_id:
        rows.append(Res2NetRow(ctx.link(base_id, path), "baseline", base, 1.0 if base else None, None))
    plotted = [r for r in rows if r.share is not None]
    alt = (
        f"Bar chart of each model's GMACs as a percentage of {base_id}'s: "
        + (", ".join(f"{r.link.id} {r.share * 100:.0f} percent" for r in plotted if r.share) or "nothing measured yet")
        + (
            f"; the paper prints {paper_reading.claim.value:g} percent for {paper_reading.model.id}"
            if paper_reading
            else ""
        )
        + (f", the note reads {note_reading.claim.value:g} percent fewer" if note_reading else "")
        + "."
    )
    chart, assets = None, {}
    if base and len(plotted) > 1:

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            x, ticks = 0, []
            for k, g in enumerate((*groups[:3], "baseline")):
                members = [r for r in plotted if r.group == g]
                if not members:
                    continue
                xs = list(range(x, x + len(members)))
                heights = [r.share * 100 for r in members if r.share is not None]
                ax.bar(xs, heights, color=_MUTED if g == "baseline" else _SERIES[k], width=0.7, label=g, zorder=3)
                for xi, r, h in zip(xs, members, heights, strict=True):
                    ax.annotate(
                        f"{h:.0f}",
                        (xi, h),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=6.5,
                    )
                    ticks.append((xi, r.link.id))
                x += len(members) + 1
            _reference_line(ax, 100, base_id or "baseline", style="-")
            if paper_reading:
                _reference_line(
                    ax,
                    paper_reading.claim.value,
                    f"paper: {paper_reading.model.id} keeps {paper_reading.claim.value:g} %",
                    colour=_SERIES[3],
                )
            if note_reading:
                kept = 100 - note_reading.claim.value
                _reference_line(
                    ax,
                    kept,
                    f'note: "{note_reading.claim.value:g} % fewer" → {kept:g} % kept',
                    style=":",
                    colour=_SERIES[3],
                )
            ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], rotation=35, ha="right", fontsize=7)
            ax.set_ylabel(f"GMACs as % of {base_id} (fvcore); bars labelled in %")
            ax.set_ylim(0, max(max(r.share or 0 for r in plotted) * 100, 100) * 1.15)
            ax.grid(axis="x", visible=False)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)

        drawn = _svg(draw, size=(10, 4.8), title="Res2Net models: cost as a share of the baseline", alt=alt)
        assets = _chart_assets(name, drawn)
        chart = ChartView(name, alt, len(drawn.panels))
    everything = ids + ([base_id] if base_id else [])
    page = Res2NetPage(
        ctx.link(ids[0], path) if ids else None,
        ctx.link(base_id, path) if base_id else None,
        tuple(rows),
        SAME_COST,
        paper_reading,
        note_reading,
        chart,
        ctx.missing(everything),
        ctx.provenance(everything),
    )
    return render("insight_res2net.md.j2", v=page), assets
