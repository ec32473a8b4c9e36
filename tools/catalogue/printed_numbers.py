"""Does a claim's `value` say what its `printed` text shows?

`printed` is the value as the source prints it ("4.1B", "7.6×10⁹", "3X to 8X", "25,557,032", "0.554 s",
"1/P + (1 − 1/P)/K² = 0.333 at P = 4"); `value` is that number in the claim's `unit`. A `value` that no
number of `printed` shows ("96M" with value 3.5) is a forged or mistyped claim, and the validator refuses it.

A value matches when it equals a printed number, possibly in another scale (138357544 printed, 138.357544 in
M), or, for a `pp` difference, the difference of two printed percentages ("76.3% … 82.6%" is a 6.3 pp
increase). A printed fraction such as "1/3" matches the value it rounds to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

# A number as sources print it: thousands separators (comma, thin or no-break space) and decimals.
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,\u2009\u202f]\d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?|\.\d+")
_FRACTION = re.compile(r"(?<![\w.])(\d+)\s*/\s*(\d+)(?![\d.])")
_SCALES = tuple(1000.0**k for k in range(-3, 4))


def printed_numbers(printed: str) -> list[float]:
    """Every number written in `printed`, in order."""
    return [float(re.sub(r"[,\u2009\u202f]", "", m.group())) for m in _NUMBER.finditer(printed)]


def _decimals(value: float) -> int:
    text = f"{value:.12g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _same(value: float, candidate: float) -> bool:
    return any(math.isclose(value, candidate * scale, rel_tol=1e-9, abs_tol=1e-12) for scale in _SCALES)


def _rounds_to(value: float, exact: float) -> bool:
    return abs(value - exact) <= 0.5 * 10.0 ** -_decimals(value) + 1e-12


def _candidates(printed: str, unit: str) -> Iterable[tuple[float, bool]]:
    """(number, exact?) pairs that `printed` shows; inexact ones (fractions) match the values they round to."""
    numbers = printed_numbers(printed)
    for number in numbers:
        yield number, True
    for match in _FRACTION.finditer(printed):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator:
            yield numerator / denominator, False
    if unit == "pp":
        for i, first in enumerate(numbers):
            for second in numbers[i + 1 :]:
                yield round(abs(second - first), 12), False


def value_is_printed(value: float, printed: str, unit: str = "") -> bool:
    """Whether `printed` shows `value` (see the module docstring for what counts)."""
    for candidate, exact in _candidates(printed, unit):
        if _same(value, candidate) or (not exact and _rounds_to(value, candidate)):
            return True
    return False


__all__ = ["printed_numbers", "value_is_printed"]
