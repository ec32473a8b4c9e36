"""Insight page: CPU latency at one thread against multiply-adds, over every registered model.

The timings are `tools/latency.json` (read through `tools.latency`, no torch), measured on one machine under the
protocol of the conventions page; the multiply-adds are fvcore's totals from the measurements. Models of about the
same cost run at very different speeds: the page finds, from the data, the pair of models within
`MACS_TOLERANCE` of each other's cost whose latencies differ most; the example readers ask about -- of the
EfficientNet and ResNet models (the papers named by `EXAMPLE_PAPERS`), the pair within that tolerance whose
latencies differ most -- and the spread of latency among the models of that ResNet's cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ..render import render
from .charts import _FG, _MUTED, _annotate_apart, _chart_assets, _log_axis, _scatter_by_family, _stamp, _svg
from .data import ChartView, Missing, ModelLink, _Context

NAME = "latency-vs-macs"
MACS_TOLERANCE = 0.10  # "equal MACs": the larger cost is at most 10 % above the smaller (issue 10's ±10 %)
EXAMPLE_PAPERS = ("efficientnet", "resnet")  # the example: EfficientNet's models against ResNet's


@dataclass(frozen=True)
class Timed:
    """One model with both a measured cost and a 1-thread latency."""

    link: ModelLink
    family: str
    input_size: tuple[int, ...]
    macs: int  # fvcore total
    median_ms: float  # 1 thread
    iqr_ms: float
    all_cores: tuple[int, float, float] | None  # (threads, median ms, IQR ms) at every core, when timed
    stale: bool  # the model's source changed since it was timed

    @property
    def id(self) -> str:
        return self.link.id

    @property
    def ms_per_gmac(self) -> float:
        return self.median_ms / (self.macs / 1e9)


@dataclass(frozen=True)
class Pair:
    """Two timed models: `model` against `baseline` (time and cost ratios are model / baseline)."""

    model: Timed
    baseline: Timed

    @property
    def latency_ratio(self) -> float:
        return self.model.median_ms / self.baseline.median_ms

    @property
    def macs_change(self) -> float:
        """Relative difference in cost, model over baseline (0.09: 9 % more multiply-adds)."""
        return self.model.macs / self.baseline.macs - 1

    @property
    def cost_gap(self) -> float:
        """How far apart the two costs are, whichever is larger: max / min − 1."""
        return max(self.model.macs, self.baseline.macs) / min(self.model.macs, self.baseline.macs) - 1


@dataclass(frozen=True)
class Spread:
    """The models within the tolerance of one model's cost, and the fastest and slowest of them."""

    centre: Timed
    members: tuple[Timed, ...]
    fastest: Timed
    slowest: Timed

    @property
    def ratio(self) -> float:
        return self.slowest.median_ms / self.fastest.median_ms


def _slower_first(a: Timed, b: Timed) -> Pair:
    return Pair(a, b) if (a.median_ms, a.id) >= (b.median_ms, b.id) else Pair(b, a)


def widest_pair(models: Sequence[Timed], tolerance: float = MACS_TOLERANCE) -> Pair | None:
    """Of every pair whose costs are within `tolerance` of each other, the one with the largest latency ratio
    (the slower model first); ties go to the pair closer in cost, then to the ids. None below two models."""
    pairs = [_slower_first(a, b) for a, b in combinations(models, 2)]
    close = [p for p in pairs if p.cost_gap <= tolerance + 1e-12]
    return max(close, key=lambda p: (p.latency_ratio, -p.cost_gap, p.model.id, p.baseline.id), default=None)


def nearest_pair(models: Sequence[Timed], baselines: Sequence[Timed]) -> Pair | None:
    """The (model, baseline) pair, one from each group, nearest in cost; ties go to the larger latency ratio."""
    pairs = [Pair(a, b) for a in models for b in baselines if a.id != b.id]
    return min(pairs, key=lambda p: (abs(math.log1p(p.macs_change)), -p.latency_ratio, p.model.id), default=None)


def example_pair(models: Sequence[Timed], baselines: Sequence[Timed], tolerance: float = MACS_TOLERANCE) -> Pair | None:
    """Of the (model, baseline) pairs, one from each group, whose costs lie within `tolerance` of each other, the
    one with the largest latency ratio; when no pair is that close, the pair nearest in cost."""
    close = [Pair(a, b) for a in models for b in baselines if a.id != b.id]
    close = [p for p in close if p.cost_gap <= tolerance + 1e-12]
    best = max(close, key=lambda p: (p.latency_ratio, -p.cost_gap, p.model.id, p.baseline.id), default=None)
    return best or nearest_pair(models, baselines)


def spread_around(centre: Timed, models: Sequence[Timed], tolerance: float = MACS_TOLERANCE) -> Spread:
    """The models whose cost is within `tolerance` of `centre`'s (either way), centre included."""
    members = tuple(m for m in models if max(m.macs, centre.macs) / min(m.macs, centre.macs) - 1 <= tolerance + 1e-12)
    members = members if centre in members else (centre, *members)
    return Spread(
        centre,
        members,
        min(members, key=lambda m: (m.median_ms, m.id)),
        max(members, key=lambda m: (m.median_ms, m.id)),
    )


@dataclass(frozen=True)
class LatencyPage:
    machine: str  # "<CPU>, <cores> cores, torch <version> (<build>), <date>"
    cpu: str
    cores: int
    date: str
    timed: tuple[Timed, ...]  # by cost
    widest: Pair | None
    example: Pair | None
    example_titles: tuple[str, str]  # the two example papers' short titles
    spread: Spread | None  # around the example's baseline
    leanest: Timed | None  # fewest ms per GMAC
    heaviest: Timed | None  # most ms per GMAC
    tolerance: float
    chart: ChartView | None
    not_timed: tuple[str, ...]  # registered, no latency entry
    no_cost: Missing  # timed, but no usable measurement
    stale: tuple[str, ...]
    provenance: tuple[str, ...]


def timed_models(ctx: _Context, path: str) -> tuple[list[Timed], list[str], list[str]]:
    """(timed models with a cost, by cost; registered models without latency; timed models without a cost)."""
    record = ctx.latency
    if record is None:
        return [], ctx.by_family(), []
    from tools.latency import latency_key

    cores = record.machine.cores
    out, not_timed, no_cost = [], [], []
    for model_id in ctx.by_family():
        entry = record.models.get(model_id)
        one = entry.at(1) if entry else None
        if entry is None or one is None:
            not_timed.append(model_id)
            continue
        cost = ctx.ok(model_id)
        if cost is None:
            no_cost.append(model_id)
            continue
        every = entry.at(cores) if cores > 1 else None
        out.append(
            Timed(
                link=ctx.link(model_id, path),
                family=ctx.styles.label[ctx.registry[model_id].family],
                input_size=tuple(entry.input_size),
                macs=cost.fvcore_total,
                median_ms=one.median_ms,
                iqr_ms=one.iqr_ms,
                all_cores=(every.threads, every.median_ms, every.iqr_ms) if every else None,
                stale=entry.key != latency_key(model_id),
            )
        )
    out.sort(key=lambda t: (t.macs, t.id))
    return out, not_timed, no_cost


def _draw(ctx: _Context, timed: Sequence[Timed], pairs: Sequence[tuple[Pair, str]], stamp: str) -> Any:
    by_id = {t.id: t for t in timed}

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        _scatter_by_family(ax, ctx, list(by_id), lambda i: by_id[i].median_ms)
        for pair, style in pairs:
            xs = [pair.baseline.macs / 1e9, pair.model.macs / 1e9]
            ys = [pair.baseline.median_ms, pair.model.median_ms]
            ax.plot(xs, ys, style, color=_FG, linewidth=1.1, zorder=4, label="_")
            ax.annotate(
                f"{pair.latency_ratio:.2f}× the time, {pair.macs_change * 100:+.0f} % MACs",
                (max(xs), math.sqrt(ys[0] * ys[1])),
                xytext=(8, 0),
                textcoords="offset points",
                fontsize=7.5,
                color=_MUTED,
                va="center",
            )
        _log_axis(ax, "x")
        _log_axis(ax, "y")
        named = list(dict.fromkeys(t for pair, _ in pairs for t in (pair.model, pair.baseline)))
        _annotate_apart(ax, [(t.id, t.macs / 1e9, t.median_ms) for t in named], colour=_FG)
        ax.set_xlabel("GMACs (fvcore total), at each model's input size")
        ax.set_ylabel("Latency, 1 thread (ms, median)")
        ax.legend(loc="upper left", fontsize=7.5)
        _stamp(fig, stamp)

    return draw


def _latency_vs_macs(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    path = f"insights/{NAME}.md"
    timed, not_timed, no_cost = timed_models(ctx, path)
    record = ctx.latency
    widest = widest_pair(timed)
    groups = [set(ctx.models_of(p)) for p in EXAMPLE_PAPERS]
    example = example_pair([t for t in timed if t.id in groups[0]], [t for t in timed if t.id in groups[1]])
    spread = spread_around(example.baseline, timed) if example else None
    titles = tuple((paper.title.split(":")[0] if (paper := ctx.paper(p)) else p) for p in EXAMPLE_PAPERS)
    chart, assets = None, {}
    if timed and record is not None:
        m = record.machine
        stamp = (
            f"Measured on one machine's CPU: {m.cpu_model}, 1 thread of {m.cores} cores, torch {m.torch}, "
            f"{m.date}.\nAbsolute times do not transfer to another machine."
        )
        alt = (
            f"Log-log scatter of 1-thread CPU latency against GMACs for {len(timed)} models, one colour and "
            f"marker per family, measured on {m.cpu_model}."
        )
        marked: list[tuple[Pair, str]] = []
        if example:
            more = "more" if example.macs_change >= 0 else "fewer"
            alt += (
                f" {example.model.id} has {abs(example.macs_change) * 100:.0f} % {more} MACs than "
                f"{example.baseline.id} and takes {example.latency_ratio:.2f} times as long."
            )
            marked.append((example, "-"))
        if widest and widest != example:
            alt += (
                f" The widest gap at equal cost: {widest.model.id} takes {widest.latency_ratio:.2f} times as "
                f"long as {widest.baseline.id}."
            )
            marked.append((widest, "--"))
        title = f"CPU latency (1 thread) vs GMACs, {m.cpu_model}"
        drawn = _svg(_draw(ctx, timed, marked, stamp), size=(8, 5.4), title=title, alt=alt)
        assets = _chart_assets(NAME, drawn)
        chart = ChartView(NAME, alt, len(drawn.panels))
    per_gmac = sorted(timed, key=lambda t: (t.ms_per_gmac, t.id))
    page = LatencyPage(
        machine=record.machine.describe() if record else "",
        cpu=record.machine.cpu_model if record else "",
        cores=record.machine.cores if record else 0,
        date=record.machine.date if record else "",
        timed=tuple(timed),
        widest=widest,
        example=example,
        example_titles=(titles[0], titles[1]),
        spread=spread,
        leanest=per_gmac[0] if per_gmac else None,
        heaviest=per_gmac[-1] if per_gmac else None,
        tolerance=MACS_TOLERANCE,
        chart=chart,
        not_timed=tuple(not_timed),
        no_cost=ctx.missing(no_cost),
        stale=tuple(t.id for t in timed if t.stale),
        provenance=ctx.provenance(t.id for t in timed),
    )
    return render("insight_latency.md.j2", v=page), assets
