"""Verdict on a claim printed as a mean ± standard deviation over random network instances.

RandWire (Xie et al., ICCV 2019) prints its counts as statistics over several randomly generated graphs, e.g.
"583 ± 6.2" MFLOPs for the small regime. Our graphs are different draws from the same generator, so the claim is
held against the mean and the spread of our own seeds, not against one model:

* **Mean.** Our mean over the seeds must lie within one printed standard deviation of the printed mean, widened
  by half a unit of the mean's last printed digit (its rounding). When the source prints the mean only, our own
  standard deviation takes the printed one's place.
* **Spread** (only when a standard deviation is printed). Our standard deviation must lie within a factor of
  `SPREAD_FACTOR` of the printed one, with the same rounding allowance. Two standard deviations estimated from
  five draws each (our five seeds; the number of instances behind a printed one is not always stated) differ by
  more than a factor of about 3.1 only 5 % of the time by chance (the square root of the 97.5 % quantile of an
  F(4, 4) distribution, 9.60), so a wider gap points to a different generator or layout.

Both standard deviations are sample standard deviations (n − 1 in the denominator), as a table over a handful of
instances reports them. The function is pure: it takes numbers in the claim's own unit and returns a judgement.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SPREAD_FACTOR = 3.0  # see the module docstring: sqrt(F_0.975(4, 4)) = 3.1 for five draws on each side
MIN_VALUES = 2  # a standard deviation needs at least two instances


@dataclass(frozen=True)
class DistributionJudgement:
    """The verdict on a mean ± std claim, with our statistics and the arithmetic behind it."""

    verdict: Literal["verified", "refuted"]
    mean: float  # our mean over the seeds, in the claim's unit
    std: float  # our sample standard deviation over the seeds
    count: int  # number of seeds
    computation: str  # one line: the numbers compared
    why: str  # the reason for the verdict, in words


def _at_most(value: float, limit: float) -> bool:
    """value ≤ limit, counting a difference of float representation only (5.75 − 5.6 vs 0.1 + 0.05) as equal."""
    return value <= limit or math.isclose(value, limit, rel_tol=1e-9, abs_tol=1e-12)


def _format(value: float, decimals: int) -> str:
    """`value` with one more decimal than printed (the house rule for measured values), and at least two
    significant digits for a small value such as a standard deviation."""
    if value != 0 and math.isfinite(value):
        decimals = max(decimals, -math.floor(math.log10(abs(value))))
    return f"{value:.{decimals + 1}f}"


def judge_distribution(
    printed_mean: float, printed_std: float | None, decimals: int, values: Sequence[float]
) -> DistributionJudgement:
    """Judge a printed mean ± std over random instances against the same statistics over our seeds.

    Args:
        printed_mean: the printed mean, in the claim's unit (583 for "583 ± 6.2" MFLOPs).
        printed_std: the printed standard deviation in the same unit, or None when only the mean is printed.
        decimals: digits after the decimal point in the printed mean (0 for "583", 1 for "5.6").
        values: the measured value of each seed, in the claim's unit.

    Returns:
        The judgement: verified when the mean (and, if a std is printed, the spread) agrees; else refuted.

    Raises:
        ValueError: fewer than two values, a non-finite value, a negative `decimals`, or a std that is not positive.
    """
    if len(values) < MIN_VALUES:
        raise ValueError(f"a mean ± std claim needs the values of at least {MIN_VALUES} seeds, got {len(values)}")
    if decimals < 0:
        raise ValueError(f"decimals counts digits after the decimal point and cannot be negative, got {decimals}")
    if not all(math.isfinite(v) for v in (printed_mean, *values)):
        raise ValueError("the printed mean and every measured value must be finite numbers")
    if printed_std is not None and not (math.isfinite(printed_std) and printed_std > 0):
        raise ValueError(f"a printed standard deviation must be a positive number, got {printed_std}")

    mean = statistics.fmean(values)
    std = statistics.stdev(values)
    rounding = 0.5 * 10.0**-decimals

    def show(value: float) -> str:
        return _format(value, decimals)

    gap = abs(mean - printed_mean)
    ours = f"mean over {len(values)} seeds {show(mean)} ± {show(std)}"

    if printed_std is None:
        allowed = std + rounding
        mean_ok = _at_most(gap, allowed)
        computation = (
            f"{ours} vs printed mean {printed_mean:g}: |{show(mean)} − {printed_mean:g}| = {show(gap)} "
            f"{'≤' if mean_ok else '>'} our std {show(std)} + rounding {rounding:g}"
        )
        why = (
            "the printed mean lies within one standard deviation of our seeds' mean"
            if mean_ok
            else "the printed mean lies more than one standard deviation (of our seeds) from our mean"
        )
        why += " (the source prints no standard deviation, so the spread is not compared)"
        return DistributionJudgement("verified" if mean_ok else "refuted", mean, std, len(values), computation, why)

    allowed = printed_std + rounding
    mean_ok = _at_most(gap, allowed)
    low, high = printed_std / SPREAD_FACTOR - rounding, printed_std * SPREAD_FACTOR + rounding
    spread_ok = _at_most(low, std) and _at_most(std, high)
    computation = (
        f"{ours} vs printed {printed_mean:g} ± {printed_std:g}: |{show(mean)} − {printed_mean:g}| = "
        f"{show(gap)} {'≤' if mean_ok else '>'} {printed_std:g} + rounding {rounding:g}; std {show(std)} "
        f"{'within' if spread_ok else 'outside'} {show(max(low, 0.0))} … {show(high)}"
    )
    if mean_ok and spread_ok:
        why = (
            f"our mean is within one printed standard deviation and our spread within a factor of "
            f"{SPREAD_FACTOR:g} of the printed one"
        )
    elif not mean_ok:
        why = "our mean is more than one printed standard deviation away from the printed mean"
        if not spread_ok:
            why += f", and our spread differs from the printed one by more than a factor of {SPREAD_FACTOR:g}"
    else:
        why = f"the means agree, but our spread differs from the printed one by more than a factor of {SPREAD_FACTOR:g}"
    return DistributionJudgement(
        "verified" if mean_ok and spread_ok else "refuted", mean, std, len(values), computation, why
    )


__all__ = ["MIN_VALUES", "SPREAD_FACTOR", "DistributionJudgement", "judge_distribution"]
