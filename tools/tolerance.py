"""The one tolerance rule (docs/conventions.md, "Tolerance"), applied by code.

1. A printed number is as precise as its last digit: "25.6M" stands for 25.55 … 25.65 M.
2. An integer with trailing zeros ("300M") is ambiguous: it takes the precision of the other rows of the same
   column (same table, quantity and unit); with no other rows, its significant digits ("300" = 250 … 350).
3. A ratio or percentage computed from two rounded table entries is checked by interval arithmetic over those
   entries' printed intervals: 2.9 / 4.2 stands for 2.85 / 4.25 … 2.95 / 4.15 = 67.1 … 71.1 %.
4. A declared `tolerance` replaces the rule only with a reason; one wider than the rule's interval must also name
   where the source states its precision (`tolerance.source`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .catalogue import Claim
from .catalogue.printed_numbers import PrintedNumber, find_printed, printed_tokens

_EPS = 1e-9


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    rule: str  # the rule that set it, in words

    def contains(self, x: float) -> bool:
        span = max(abs(self.low), abs(self.high), 1.0) * _EPS
        return self.low - span <= x <= self.high + span

    def hull(self, other: Interval, rule: str) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high), rule)


def parse_printed(printed: str, value: float | None = None, kind: str = "") -> PrintedNumber | None:
    """The number in `printed` (the one `value` is, sign included, if given), with the precision it is printed with.

    The validator accepts a `value` only if this finds it (tools/catalogue/printed_numbers.py), so a claim's
    interval always comes from its printed digits, never from an exact reading by accident.
    """
    if value is not None:
        return find_printed(value, printed or "", kind)
    tokens = printed_tokens(printed or "")
    return tokens[0] if tokens else None


def printed_decimals(claim: Claim) -> int:
    """Digits after the point with which the claim's value is printed (0 when it cannot be read)."""
    if claim.value is None:
        return 0
    parsed = parse_printed(claim.printed or "", claim.value, claim.kind)
    return parsed.decimals if parsed else 0


def rule_interval(claim: Claim, column: Sequence[Claim] = ()) -> Interval:
    """The interval the rule gives `claim.value` (rules 1 and 2; `column`: the other rows of its column)."""
    assert claim.value is not None
    value = claim.value
    parsed = parse_printed(claim.printed or "", value, claim.kind)
    if parsed is None:
        return Interval(value, value, "exact (no printed precision could be read)")
    if parsed.trailing_zeros == 0 or (claim.unit == "" and claim.quantity in ("params", "macs", "activations")):
        # a count written out in full ("28681000") is exact to the unit; only a scaled one ("300M") is ambiguous
        half = parsed.half_unit
        return Interval(value - half, value + half, f"half a unit of the last printed digit (±{half:g})")
    others = [parse_printed(c.printed or "", c.value, c.kind) for c in column if c is not claim and c.value is not None]
    # Rows that fix a precision (a decimal point, or a last digit that is not zero); those of the same number of
    # integer digits first ("30M" among 12M … 66M, not 5.3M), else the coarsest of all.
    fixing = [p for p in others if p is not None and (p.decimals > 0 or p.trailing_zeros == 0)]
    digits = len(str(int(abs(value))))
    same_size = [p.decimals for p in fixing if len(str(int(abs(p.value)))) == digits]
    others_decimals = same_size or [min(p.decimals for p in fixing)] if fixing else []
    if others_decimals:
        decimals = min(others_decimals)
        half = 0.5 * 10 ** (-decimals)
        return Interval(
            value - half,
            value + half,
            f"“{claim.printed}” ends in zeros, so it takes the precision of the other rows of its column (±{half:g})",
        )
    half = 0.5 * 10**parsed.trailing_zeros
    return Interval(
        value - half,
        value + half,
        f"“{claim.printed}” ends in zeros and no other row of its column fixes the precision, so it "
        f"is read to its significant digits (±{half:g})",
    )


def entries_interval(claim: Claim) -> Interval | None:
    """Rule 3: the claimed ratio's interval from the printed intervals of the entries it was computed from."""
    if claim.entries is None:
        return None
    a, b = parse_printed(claim.entries.model), parse_printed(claim.entries.compared)
    if a is None or b is None or b.value == 0:
        return None
    a_lo, a_hi = a.value - a.half_unit, a.value + a.half_unit
    b_lo, b_hi = b.value - b.half_unit, b.value + b.half_unit
    ratios = [a_lo / b_hi, a_hi / b_lo]
    low, high = (express_ratio(claim, r) for r in ratios)
    return Interval(
        min(low, high),
        max(low, high),
        f"interval arithmetic over the entries it was computed from ({claim.entries.model} and "
        f"{claim.entries.compared}, each ± half a unit of its last digit)",
    )


def express_ratio(claim: Claim, ratio: float) -> float:
    """A ratio model / compared_to expressed the way the claim states it."""
    percent = claim.unit in ("%", "pp")
    if claim.kind == "ratio":
        return ratio * 100 if percent else ratio
    if claim.kind == "reduction":
        return (1 - ratio) * 100 if percent else 1 / ratio  # "11x fewer" = compared_to / model
    if claim.kind == "increase":
        return (ratio - 1) * 100 if percent else ratio
    raise ValueError(f"not a ratio claim: {claim.kind}")


def declared_interval(claim: Claim) -> Interval | None:
    """Rule 4: the claim's own declared tolerance, if any."""
    if claim.tolerance is None or claim.value is None:
        return None
    tol = claim.tolerance
    half = tol.abs if tol.abs is not None else abs(claim.value) * (tol.rel or 0.0)
    shown = f"±{tol.abs:g}" if tol.abs is not None else f"±{(tol.rel or 0) * 100:g} %"
    where = f"; the source: {tol.source}" if tol.source else ""
    return Interval(claim.value - half, claim.value + half, f"declared {shown}: {tol.reason}{where}")


def claim_interval(claim: Claim, column: Sequence[Claim] = ()) -> Interval:
    """The interval a measurement must fall in for the claim to hold, and the rule that set it."""
    declared = declared_interval(claim)
    if declared is not None:
        return declared
    base = rule_interval(claim, column)
    derived = entries_interval(claim)
    if derived is None:
        return base
    return base.hull(derived, derived.rule)


def wider_than_rule(claim: Claim, column: Sequence[Claim] = ()) -> bool:
    """True when a declared tolerance is wider than what the rule alone would give."""
    declared = declared_interval(claim)
    if declared is None:
        return False
    ruled = rule_interval(claim, column)
    derived = entries_interval(claim)
    if derived is not None:
        ruled = ruled.hull(derived, derived.rule)
    return declared.low < ruled.low - _EPS or declared.high > ruled.high + _EPS


def interval_of(values: Sequence[PrintedNumber], operation: str) -> tuple[float, float]:
    """Interval arithmetic over printed operands (each ± half a unit of its last digit)."""
    bounds = [(v.value - v.half_unit, v.value + v.half_unit) for v in values]
    if operation == "difference":
        (a_lo, a_hi), (b_lo, b_hi) = bounds[0], bounds[1]
        return a_lo - b_hi, a_hi - b_lo
    if operation == "ratio":
        (a_lo, a_hi), (b_lo, b_hi) = bounds[0], bounds[1]
        return a_lo / b_hi, a_hi / b_lo
    if operation == "sum":
        return sum(lo for lo, _ in bounds), sum(hi for _, hi in bounds)
    if operation == "product":
        low = high = 1.0
        for lo, hi in bounds:
            low, high = low * lo, high * hi  # operands here are positive
        return low, high
    raise ValueError(operation)
