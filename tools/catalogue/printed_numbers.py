"""Does a claim's `value` say what its `printed` text shows?

`printed` is the value as the source prints it ("4.1B", "7.6×10⁹", "3X to 8X", "25,557,032", "0.554 s",
"−0.6%", "1/P + (1 − 1/P)/K² = 0.333 at P = 4"); `value` is that number in the claim's `unit`. A `value` that no
number of `printed` shows ("96M" with value 3.5) is a forged or mistyped claim, and the validator refuses it.

A value matches when it equals a printed number, sign included, in the scale it is printed in ("25.7M" is
`value: 25.7, unit: M`, never 25700 K: the tolerance is read from the printed digits, so both must be the same
number), or, for a `pp` difference, the difference of two printed percentages ("76.3% … 82.6%" is a 6.3 pp
increase). A printed fraction such as "1/3" matches the value it rounds to. A sign (`-`, `−` or `+`) written
right before the digits belongs to the number; a minus between spaces ("1 − 1/P") is an operator. A reduction
may be printed as a negative change ("−0.6%" is a 0.6 % reduction), never as a `+` one.

`find_printed` is the one rule: the validator asks it whether `value` is printed, and the tolerance
(tools/tolerance.py) asks it for the printed number's precision.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[,\u2009\u202f]")
_MINUS_SIGNS = "-\u2212"
# A number as sources print it: an optional sign right before it (not after a word, a digit or a bracket: the
# `-` of "ResNet-50" or "25.6-25.7" is no sign), thousands separators (comma, thin or no-break space), decimals.
_NUMBER = re.compile(
    r"(?P<sign>(?<![\w.)\]])[+\-\u2212](?=\.?\d))?"
    r"(?P<digits>(?<![\w.])\d{1,3}(?:[,\u2009\u202f]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>[KMGB])(?![a-z]))?"
)
_FRACTION = re.compile(r"(?<![\w.])(\d+)\s*/\s*(\d+)(?![\d.])")
_SCALES = tuple(1000.0**k for k in range(-3, 4))
_SCALE_NAMES = {"K": "K", "M": "M", "G": "G", "B": "G"}  # B(illion) = G


@dataclass(frozen=True)
class PrintedNumber:
    """One number of a printed text, with the precision it is printed with."""

    value: float  # with its sign
    decimals: int  # digits after the point as printed
    trailing_zeros: int  # zeros at the end of an integer printed without a point ("300" -> 2)
    sign: str = ""  # the sign as printed: "", "+" or "-" (U+2212 read as "-")
    scale: str = ""  # the K/M/G/B written right after it ("25.7M" -> "M"), if any

    @property
    def half_unit(self) -> float:
        return 0.5 * 10.0 ** (-self.decimals)


def _parse(match: re.Match[str]) -> PrintedNumber:
    digits = _SEPARATORS.sub("", match.group("digits"))
    sign = match.group("sign") or ""
    sign = "-" if sign in _MINUS_SIGNS and sign else sign
    magnitude = float(digits)
    value = -magnitude if sign == "-" else magnitude
    if "." in digits:
        return PrintedNumber(value, len(digits.split(".")[1]), 0, sign, match.group("scale") or "")
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped) if stripped else 0
    return PrintedNumber(value, 0, zeros, sign, match.group("scale") or "")


def printed_tokens(printed: str) -> list[PrintedNumber]:
    """Every number written in `printed`, in order, with its sign, precision and scale."""
    return list(_tokens(printed or ""))


@functools.lru_cache(maxsize=8192)
def _tokens(printed: str) -> tuple[PrintedNumber, ...]:
    """The tokens of one printed text, parsed once (the validator and the engine ask for each several times)."""
    return tuple(_parse(m) for m in _NUMBER.finditer(printed))


def printed_numbers(printed: str) -> list[float]:
    """Every number written in `printed`, in order, with its sign."""
    return [token.value for token in printed_tokens(printed)]


def _equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def find_printed(value: float, printed: str, kind: str = "") -> PrintedNumber | None:
    """The number of `printed` that `value` is, sign included (for a `reduction`: or a printed decrease of it)."""
    for token in printed_tokens(printed):
        if _equal(value, token.value):
            if kind == "reduction" and token.sign == "+":
                continue  # "+0.6%" is an increase
            return token
        if kind == "reduction" and token.sign == "-" and _equal(-value, token.value):
            return token  # "−0.6%": a 0.6 % reduction
    return None


def rescaled_match(value: float, printed: str) -> PrintedNumber | None:
    """The printed number that `value` is in another scale (25700 for "25.7M"), to say how to write it."""
    for token in printed_tokens(printed):
        if any(_equal(value, token.value * scale) for scale in _SCALES if scale != 1.0):
            return token
    return None


def scale_name(unit: str) -> str:
    """K/M/G for a count scale (B counts as G), "" for anything else."""
    return _SCALE_NAMES.get(unit, "")


def _decimals(value: float) -> int:
    text = f"{value:.12g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _rounds_to(value: float, exact: float) -> bool:
    return abs(value - exact) <= 0.5 * 10.0 ** -_decimals(value) + 1e-12


def _inexact_candidates(printed: str, unit: str) -> Iterable[float]:
    """Numbers `printed` shows only to rounding: fractions, and for `pp` differences of two printed numbers."""
    for match in _FRACTION.finditer(printed):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator:
            yield numerator / denominator
    if unit == "pp":
        numbers = printed_numbers(printed)
        for i, first in enumerate(numbers):
            for second in numbers[i + 1 :]:
                yield round(abs(second - first), 12)


def value_is_printed(value: float, printed: str, unit: str = "", kind: str = "") -> bool:
    """Whether `printed` shows `value` (see the module docstring for what counts)."""
    if find_printed(value, printed, kind) is not None:
        return True
    return any(_equal(value, c) or _rounds_to(value, c) for c in _inexact_candidates(printed, unit))


__all__ = [
    "PrintedNumber",
    "find_printed",
    "printed_numbers",
    "printed_tokens",
    "rescaled_match",
    "scale_name",
    "value_is_printed",
]
