"""Insight page: how much a randomly wired network's cost varies with its graph seed (RandWire, Xie et al. 2019).

The groups come from the catalogue, not from model ids: every `distribution` claim about multiply-adds names the
seed models it is held against (`models`) and prints a mean ± standard deviation over random instances. The page
plots each seed's conv + linear multiply-adds, their mean ± standard deviation, and the printed interval.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from ..render import render
from .charts import _MUTED, _SERIES, _chart_assets, _svg
from .data import ChartView, Cited, _claims, _Context, _scaled

NAME = "randwire-seeds"


@dataclass(frozen=True)
class SeedGroup:
    """One regime: its seed models, what each costs, and the printed mean ± standard deviation."""

    label: str
    cited: Cited
    printed_std: float | None
    seeds: tuple[tuple[str, int], ...]  # (model id, conv + linear multiply-adds), measured seeds only
    missing: tuple[str, ...]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(m for _, m in self.seeds) if self.seeds else None

    @property
    def std(self) -> float | None:
        """Sample standard deviation over the seeds (n − 1), as a spread over random instances is reported."""
        return statistics.stdev(m for _, m in self.seeds) if len(self.seeds) > 1 else None


def seed_groups(ctx: _Context) -> list[SeedGroup]:
    groups = []
    for paper, claim in _claims(ctx.catalogue):
        if claim.kind != "distribution" or claim.quantity != "macs" or not claim.models or claim.value is None:
            continue
        measured = tuple((i, ctx.cost(i).macs_conv_linear) for i in claim.models if ctx.ok(i))
        groups.append(
            SeedGroup(
                label=claim.model_label or ", ".join(claim.models),
                cited=Cited(_scaled(claim.value, claim.unit), paper, claim),
                printed_std=_scaled(claim.value_std, claim.unit) if claim.value_std is not None else None,
                seeds=tuple((i, int(m)) for i, m in measured if m is not None),
                missing=tuple(i for i in claim.models if not ctx.ok(i)),
            )
        )
    return groups


def _draw(groups: list[SeedGroup]) -> Any:
    def draw(fig: Any) -> None:
        ax = fig.subplots()
        for row, group in enumerate(groups):
            if group.printed_std is not None:
                low, high = group.cited.value - group.printed_std, group.cited.value + group.printed_std
                ax.plot(
                    [low / 1e9, high / 1e9],
                    [row + 0.18] * 2,
                    color=_MUTED,
                    linewidth=4,
                    alpha=0.6,
                    label="printed mean ± s.d." if row == 0 else "_",
                )
            ax.plot([group.cited.value / 1e9], [row + 0.18], "|", color=_MUTED, markersize=14, label="_")
            if group.seeds:
                points = ax.scatter(
                    [m / 1e9 for _, m in group.seeds],
                    [row] * len(group.seeds),
                    s=30,
                    color=_SERIES[0],
                    zorder=3,
                    label="one graph seed (computed)" if row == 0 else "_",
                )
                points.cat_names = [i for i, _ in group.seeds]
            if group.std is not None and group.mean is not None:  # both known from two seeds on
                ax.errorbar(
                    [group.mean / 1e9],
                    [row - 0.18],
                    xerr=[group.std / 1e9],
                    fmt="D",
                    color=_SERIES[1],
                    capsize=4,
                    label="computed mean ± s.d." if row == 0 else "_",
                )
        ax.set_yticks(range(len(groups)), [g.label for g in groups])
        ax.set_ylim(-0.7, len(groups) - 0.3)
        ax.set_xlabel("GMACs (conv + linear)")
        ax.legend(loc="lower right", fontsize=8)

    return draw


def _randwire_seeds(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    path = f"insights/{NAME}.md"
    groups = seed_groups(ctx)
    measured = [g for g in groups if g.seeds]
    assets: dict[str, bytes] = {}
    chart = None
    if measured:
        alt = "; ".join(
            f"{g.label}: {len(g.seeds)} seeds from {min(m for _, m in g.seeds) / 1e9:.3f} to "
            f"{max(m for _, m in g.seeds) / 1e9:.3f} GMACs, printed {g.cited.value / 1e9:.3f}"
            + (f" ± {g.printed_std / 1e9:.3f}" if g.printed_std is not None else "")
            for g in measured
        )
        title = "RandWire-WS: conv + linear GMACs of each graph seed"
        drawn = _svg(_draw(measured), size=(8, 1.2 + 0.9 * len(measured)), title=title, alt=alt)
        assets = _chart_assets(NAME, drawn)
        chart = ChartView(NAME, alt, len(drawn.panels))
    models = [i for g in groups for i, _ in g.seeds] + [i for g in groups for i in g.missing]
    page = render(
        "insight_seeds.md.j2",
        groups=[(g, g.cited.ref(path)) for g in groups],
        chart=chart,
        missing=ctx.missing(models),
        provenance=ctx.provenance(models),
    )
    return page, assets
