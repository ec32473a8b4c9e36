"""How numbers are shown: one module for the report, the site and `--json`, so a quantity reads the same everywhere.

Nothing here imports torch or knows about models; callers pass plain numbers.
"""

from __future__ import annotations

import math

SCALE: dict[str, float] = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9}

# What each multiply-add reading counts, in the words shown to readers (docs/conventions.md explains them).
READING_LABELS: dict[str, str] = {
    "macs_conv_linear": "conv + linear MACs",
    "macs_conv_linear_bn": "conv + linear + BatchNorm once",
    "fvcore_total": "fvcore total",
}


def reading_label(reading: str, factor: int = 1) -> str:
    """'conv + linear MACs', or '2 × conv + linear MACs' for a FLOPs (two per multiply-add) reading."""
    label = READING_LABELS.get(reading, reading)
    return f"2 × {label}" if factor == 2 else label


def format_count(value: float, unit: str = "", decimals: int | None = None) -> str:
    """A count in `unit` (K/M/G/B), e.g. `format_count(4.09e9, "G")` -> '4.089 G'.

    Without a unit, integers are shown in full with thousands separators ('25,557,032'). With `decimals`, that
    many digits after the point; otherwise four significant digits.
    """
    scale = SCALE.get(unit)
    if scale is None:
        return format_value(value, unit, decimals)
    if scale == 1.0:
        return f"{value:,.0f}" if decimals is None else f"{value:,.{decimals}f}"
    shown = value / scale
    text = f"{shown:.{decimals}f}" if decimals is not None else _significant(shown)
    return f"{text} {unit}"


def format_value(value: float, unit: str = "", decimals: int | None = None) -> str:
    """A number already in `unit` (%, pp, x, ms, s, M, G, ...), e.g. '70.95 %', '5.70×', '4.089 G'."""
    text = f"{value:.{decimals}f}" if decimals is not None else _significant(value)
    if unit == "x":
        return f"{text}×"
    return f"{text} {unit}".strip()


def format_measured(value: float, unit: str, printed_decimals: int) -> str:
    """A measured value with one more digit than the claim printed (so a reader sees which way it rounds)."""
    return format_value(value, unit, printed_decimals + 1)


def format_interval(low: float, high: float, unit: str, decimals: int) -> str:
    """'67.06 – 71.08 %': enough digits that the two ends differ (never '313.7 – 313.7')."""
    for places in range(max(decimals, 0), max(decimals, 0) + 8):
        if unit == "":
            a, b = f"{low:,.{places}f}", f"{high:,.{places}f}"
        else:
            a, b = f"{low:.{places}f}", f"{high:.{places}f}"
        if a != b or math.isclose(low, high):
            suffix = "×" if unit == "x" else (f" {unit}" if unit else "")
            return f"{a} – {b}{suffix}"
    return f"{low:.6g} – {high:.6g} {unit}".strip()


def format_percent(fraction: float, decimals: int = 1, *, signed: bool = False, spaced: bool = True) -> str:
    """A fraction as a percentage: `format_percent(0.142)` -> '14.2 %'; signed -> '+37.2 %'; unspaced -> '37.2%'."""
    text = f"{fraction * 100:{'+' if signed else ''}.{decimals}f}"
    return f"{text} %" if spaced else f"{text}%"


def format_change(percent: float, decimals: int = 1) -> str:
    """A relative difference in words: '4.1 % more', '30.2 % less', 'the same'."""
    shown = f"{abs(percent):.{decimals}f}"
    if float(shown) == 0:
        return "the same"
    return f"{shown} % {'more' if percent > 0 else 'less'}"


def format_gmacs(macs: float | None, decimals: int = 3) -> str:
    """Multiply-adds in G, e.g. '4.089'; '—' when unknown."""
    return "—" if macs is None else f"{macs / 1e9:.{decimals}f}"


def format_params_m(params: float | None, decimals: int = 2) -> str:
    """Parameters in M, e.g. '25.56'; '—' when unknown."""
    return "—" if params is None else f"{params / 1e6:.{decimals}f}"


def _significant(value: float, digits: int = 4) -> str:
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    places = max(digits - 1 - magnitude, 0)
    return f"{value:.{places}f}"
