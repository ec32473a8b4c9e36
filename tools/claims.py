"""Give every claim in the catalogue a verdict by comparing it with the measurements.

Verdicts:

* `verified` — the measured value lies within the claim's tolerance (by default half a unit of the last
  printed digit: "25.6M" means 25.55M … 25.65M).
* `refuted` — it does not. The result carries a diagnosis when another reading explains the printed number:
  2× (FLOPs vs multiply-adds), another input resolution (cost ∝ pixels), the complement (the printed share is
  the part kept, not the part removed), BatchNorm or classifier-head scope, or another registered model for
  which the claim would hold (e.g. the ResNet V1 layout, or Res2Net-50-L).
* `cited` — the claim needs data we do not have (accuracy, device latency, dataset findings); shown as cited.
* `error` — a model the claim needs has no measurement, or its measurement failed.

Nothing here imports torch: verdicts are computed from the measurements file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reference_impls import REGISTRY

from .catalogue import Catalogue, Claim

Verdict = Literal["verified", "refuted", "cited", "error"]
MEASURABLE = ("params", "macs", "activations")
SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9}
# Resolutions tried when a refuted absolute count might have been measured at another input size.
COMMON_RESOLUTIONS = (128, 160, 192, 224, 227, 240, 256, 260, 288, 299, 300, 320, 331, 380, 384, 448, 456, 480, 512,
                      528, 600, 800)
DIAGNOSIS_SLACK = 0.05  # a diagnosis may explain a number to within 5 % (it explains; it does not verify)


class MissingMeasurement(Exception):
    """A claim needs a model that has no usable measurement."""


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with everything the report and the site show."""

    paper: str
    claim_id: str
    verdict: Verdict
    claimed: str
    measured: str | None
    computation: str
    tolerance: str
    diagnosis: tuple[str, ...] = ()
    acknowledged: str | None = None
    models: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "paper": self.paper,
            "id": self.claim_id,
            "verdict": self.verdict,
            "claimed": self.claimed,
            "measured": self.measured,
            "computation": self.computation,
            "tolerance": self.tolerance,
            "diagnosis": list(self.diagnosis),
            "acknowledged": self.acknowledged,
            "models": list(self.models),
        }


# --------------------------------------------------------------------------------------------------------------
# Reading the printed value


def printed_decimals(printed: str, value: float) -> int:
    """Digits after the decimal point with which `value` is printed in `printed` ("25.6M" -> 1, "300M" -> 0)."""
    for token in re.findall(r"\d[\d,]*(?:\.\d+)?", printed):
        number = token.replace(",", "")
        if math.isclose(float(number), value, rel_tol=1e-9, abs_tol=1e-12):
            return len(number.split(".")[1]) if "." in number else 0
    text = f"{value:.10g}"
    return len(text.split(".")[1]) if "." in text else 0


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    description: str

    def contains(self, x: float) -> bool:
        return self.low - 1e-12 <= x <= self.high + 1e-12


def tolerance_for(claim: Claim, value: float) -> Interval:
    """The interval a measurement must fall in, in the claim's own unit."""
    if claim.tolerance is not None:
        if claim.tolerance.abs is not None:
            half = claim.tolerance.abs
            text = f"±{half:g} {claim.unit}".rstrip()
        else:
            half = abs(value) * (claim.tolerance.rel or 0.0)
            text = f"±{(claim.tolerance.rel or 0.0) * 100:g} %"
        return Interval(value - half, value + half, f"{text} (declared: {claim.tolerance.reason})")
    decimals = printed_decimals(claim.printed, value)
    half = 0.5 * 10 ** (-decimals)
    return Interval(value - half, value + half, f"±{half:g} {claim.unit} (printed precision)".replace("  ", " "))


# --------------------------------------------------------------------------------------------------------------
# Reading the measurements


@dataclass(frozen=True)
class Reading:
    """One way of reading a measured quantity (e.g. MACs with or without BatchNorm)."""

    value: float
    label: str


def _entry(measurements: Mapping[str, Any], model_id: str) -> Mapping[str, Any]:
    entry = measurements.get(model_id)
    if entry is None:
        raise MissingMeasurement(f"`{model_id}` has not been measured; run `python tools/verify_claims.py --update`")
    if entry.get("error"):
        raise MissingMeasurement(f"measuring `{model_id}` failed: {entry['error']}")
    return entry


def _readings(entry: Mapping[str, Any], quantity: str, convention: str | None) -> list[Reading]:
    if quantity == "params":
        return [Reading(float(entry["params"]), "parameters")]
    if quantity == "activations":
        return [Reading(float(entry["activations"]), "activations (fvcore)")]
    with_bn = Reading(float(entry["flops"]), "MACs incl. BatchNorm (fvcore)")
    conv_fc = Reading(float(entry["crosscheck_macs"]), "MACs of conv + linear (FlopCounterMode ÷ 2)")
    double = [Reading(2 * r.value, "2 × " + r.label) for r in (with_bn, conv_fc)]
    return {
        "macs_with_bn": [with_bn],
        "macs_conv_fc": [conv_fc],
        "macs": [with_bn, conv_fc],
        "flops_2x": double,
        "unspecified": [with_bn, conv_fc, *double],
    }[convention or "unspecified"]


def _all_readings(entry: Mapping[str, Any], quantity: str) -> list[Reading]:
    return _readings(entry, quantity, "unspecified" if quantity == "macs" else None)


def _fmt_count(value: float, unit: str) -> str:
    scale = SCALE.get(unit, 1.0)
    shown = value / scale
    return f"{shown:.4g} {unit}".rstrip() if scale != 1.0 else f"{value:,.0f}"


# --------------------------------------------------------------------------------------------------------------
# Comparing


@dataclass
class Comparison:
    """How a claim compares with one reading of the measurements."""

    measured: float  # in the claim's unit
    label: str
    computation: str


def _compare_values(claim: Claim, entry_of: Callable[[str], Mapping[str, Any]], convention: str | None,
                    model: str | None = None, compared_to: str | None = None) -> Iterator[Comparison]:
    """Each reading of the claim's quantity, expressed in the claim's unit (model/compared_to overridable)."""
    model = model or claim.model
    compared_to = compared_to or claim.compared_to
    quantity = claim.quantity
    if claim.kind == "absolute":
        assert model is not None
        scale = SCALE.get(claim.unit, 1.0)
        for reading in _readings(entry_of(model), quantity, convention):
            yield Comparison(reading.value / scale, reading.label,
                             f"{model}: {reading.label} = {reading.value:,.0f}"
                             + (f" = {reading.value / scale:.4g} {claim.unit}" if scale != 1.0 else ""))
        return
    assert model is not None and compared_to is not None
    a_readings = _readings(entry_of(model), quantity, convention)
    b_readings = _readings(entry_of(compared_to), quantity, convention)
    for a, b in zip(a_readings, b_readings, strict=True):
        ratio = a.value / b.value
        yield Comparison(_express(claim, ratio), a.label,
                         f"{model} / {compared_to} = {a.value:,.0f} / {b.value:,.0f} = {ratio:.4f} ({a.label})"
                         f" → {_express(claim, ratio):.4g} {claim.unit}")


def _express(claim: Claim, ratio: float) -> float:
    """A measured ratio model/compared_to expressed the way the claim states it."""
    percent = claim.unit in ("%", "pp")
    if claim.kind == "ratio":
        return ratio * 100 if percent else ratio
    if claim.kind == "reduction":
        return (1 - ratio) * 100 if percent else 1 / ratio  # "11x fewer" = compared_to / model
    if claim.kind == "increase":
        return (ratio - 1) * 100 if percent else ratio
    raise ValueError(claim.kind)


def _number(value: float, unit: str) -> str:
    """A value in the claim's unit, readably: exact integers with separators, others to 4 significant digits."""
    if unit == "" and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g} {unit}".strip()


def _claimed_text(claim: Claim) -> str:
    what = {"params": "parameters", "macs": "multiply-adds", "activations": "activations"}.get(claim.quantity,
                                                                                             claim.quantity)
    conv = f", {claim.convention}" if claim.convention else ""
    if claim.kind == "finding" or claim.value is None:
        return claim.text
    value = _number(claim.value, claim.unit)
    if claim.kind == "absolute":
        return f"{claim.printed} ({value} {what}{conv})"
    if claim.kind == "range":
        return f"{claim.printed} ({claim.value:g}–{claim.value_high:g}{claim.unit} {what} vs {claim.compared_to})"
    return f"{claim.printed} ({claim.kind} of {what} vs {claim.compared_to}{conv})"


def _cited(claim: Claim, paper: str) -> ClaimResult:
    return ClaimResult(
        paper=paper, claim_id=claim.id, verdict="cited", claimed=claim.printed or claim.text, measured=None,
        computation=("a qualitative finding, cited from the source" if claim.kind == "finding"
                     else "not recomputable here (needs training, a dataset or a device)"), tolerance="—",
        acknowledged=claim.acknowledged, models=tuple(m for m in (claim.model, claim.compared_to) if m),
    )


def _evaluate_range(claim: Claim, paper: str, entry_of: Callable[[str], Mapping[str, Any]]) -> ClaimResult:
    assert claim.compared_to is not None and claim.value_high is not None
    conv = claim.convention if claim.quantity == "macs" else None
    base = _readings(entry_of(claim.compared_to), claim.quantity, conv)
    low_tol = tolerance_for(claim, claim.value)
    high_tol = Interval(*(claim.value_high + d for d in (low_tol.low - claim.value, low_tol.high - claim.value)),
                        low_tol.description)
    best: tuple[bool, float, str, float, float] | None = None
    for index, b in enumerate(base):
        factors = {m: b.value / _readings(entry_of(m), claim.quantity, conv)[index].value for m in claim.models}
        lo, hi = min(factors.values()), max(factors.values())
        ok = low_tol.contains(lo) and high_tol.contains(hi)
        detail = ", ".join(f"{m}: {f:.2f}×" for m, f in sorted(factors.items(), key=lambda kv: kv[1]))
        text = f"{claim.compared_to} / model ({b.label}): {detail}"
        score = abs(lo - claim.value) + abs(hi - claim.value_high)
        if best is None or (ok, -score) > (best[0], -best[1]):
            best = (ok, score, text, lo, hi)
    assert best is not None
    ok, _, text, lo, hi = best
    diagnosis: tuple[str, ...] = ()
    if not ok:
        diagnosis = (f"measured span {lo:.2f}×–{hi:.2f}× does not reach the printed {claim.printed}",)
    return ClaimResult(
        paper=paper, claim_id=claim.id, verdict="verified" if ok else "refuted", claimed=_claimed_text(claim),
        measured=f"{lo:.2f}×–{hi:.2f}×", computation=text, tolerance=low_tol.description, diagnosis=diagnosis,
        acknowledged=claim.acknowledged, models=(*claim.models, claim.compared_to),
    )


def _near(claimed: float, measured: float, interval: Interval) -> bool:
    slack = max(interval.high - claimed, abs(claimed) * DIAGNOSIS_SLACK)
    return abs(measured - claimed) <= slack


def _diagnose(claim: Claim, interval: Interval, entry_of: Callable[[str], Mapping[str, Any]],
              measurements: Mapping[str, Any], best: Comparison) -> list[str]:
    """Readings under which the printed number would hold, most specific first."""
    found: list[str] = []
    assert claim.model is not None and claim.value is not None
    claimed, quantity, model = claim.value, claim.quantity, claim.model
    entry = entry_of(model)
    unit = claim.unit

    if quantity == "macs" and claim.kind == "absolute":
        scale = SCALE.get(unit, 1.0)
        declared = {r.label for r in _readings(entry, quantity, claim.convention)}
        for reading in _all_readings(entry, quantity):
            value = reading.value / scale
            if reading.label in declared:
                continue
            if reading.label.startswith("2 ×") and _near(claimed, value, interval):
                found.append(f"off by 2×: the printed number counts two FLOPs per multiply-add "
                             f"({reading.label} = {value:.4g} {unit})")
            elif not reading.label.startswith("2 ×") and interval.contains(value):
                found.append(f"BatchNorm scope: the printed number matches {reading.label} = {value:.4g} {unit}")
        if _near(claimed, best.measured / 2, interval):
            found.append(f"off by 2×: the printed number is half the measured multiply-adds ({best.measured / 2:.4g})")
        head = next((s for s in entry.get("stages", []) if s["name"] == "head"), None)
        if head:
            for label, total in (("fvcore", entry["flops"]), ("conv + linear", entry["crosscheck_macs"])):
                backbone = (total - head["flops"]) / scale
                if interval.contains(backbone):
                    found.append(f"head scope: the printed number matches the backbone without the classifier head "
                                 f"({label}: {backbone:.4g} {unit})")
                    break

    if claim.kind == "absolute" and quantity in ("macs", "activations"):
        r0 = entry["input_size"][-1]
        for r in COMMON_RESOLUTIONS:
            scaled = best.measured * (r / r0) ** 2
            if r != r0 and interval.contains(scaled):
                found.append(f"resolution: at {r}×{r} instead of {r0}×{r0} the count would be "
                             f"{best.measured:.4g} × ({r}/{r0})² = {scaled:.4g} {unit}")
                break

    if claim.kind in ("ratio", "reduction") and unit in ("%", "pp"):
        flipped_kind = {"reduction": "ratio", "ratio": "reduction"}[claim.kind]
        matches = []
        for candidate in (model, *_sibling_models(model, measurements)):
            try:
                comps = list(_compare_values(claim, entry_of, claim.convention, model=candidate))
            except MissingMeasurement:
                continue
            for comp in comps:
                flipped = 100 - comp.measured
                if _near(claimed, flipped, interval):
                    matches.append((abs(flipped - claimed), candidate, comp.measured, flipped))
        if matches:
            _, candidate, measured, flipped = min(matches)
            who = "" if candidate == model else f" for `{candidate}`"
            part = "kept" if claim.kind == "reduction" else "removed"
            found.append(f"complement{who}: {claim.printed} is the share {part} ({flipped_kind} {flipped:.1f} %), "
                         f"not the {claim.kind} ({measured:.1f} %)")

    for candidate in _sibling_models(model, measurements):
        try:
            comps = list(_compare_values(claim, entry_of, claim.convention, model=candidate))
        except MissingMeasurement:
            continue
        close = [c for c in comps if interval.contains(c.measured)]
        if close and sum(d.startswith("another model") for d in found) < 3:
            found.append(f"another model: the claim holds for `{candidate}` ({close[0].label}: "
                         f"{_number(close[0].measured, unit)})")

    if claim.kind in ("ratio", "reduction", "increase") and claim.compared_to:
        ours = set(entry.get("unsupported_ops", {}))
        theirs = set(entry_of(claim.compared_to).get("unsupported_ops", {}))
        extra = sorted(ours - theirs)
        if extra:
            found.append(f"coverage: `{model}` runs operators neither counter counts ({', '.join(extra)}); "
                         "the printed difference may include their cost")

    if claim.kind == "absolute" and claim.printed and not found:
        decimals = printed_decimals(claim.printed, claimed)
        truncated = math.floor(best.measured * 10**decimals + 1e-9) / 10**decimals
        if math.isclose(truncated, claimed, rel_tol=1e-9):
            found.append(f"truncation: {_number(best.measured, unit)} cut (not rounded) to {decimals} decimal"
                         f"{'s' if decimals != 1 else ''} gives the printed {claim.printed}")

    digits = re.fullmatch(r"\D*?(\d+?)(0+)\D*", claim.printed or "")
    if digits and "." not in (claim.printed or "") and not found:
        significant = len(digits.group(1))
        rounded = float(f"{best.measured:.{significant}g}")
        if math.isclose(rounded, claimed, rel_tol=1e-9):
            found.append(f"rounding: `{claim.printed}` may be rounded to {significant} significant digit"
                         f"{'s' if significant > 1 else ''}; {_number(best.measured, unit)} rounds to it")
    if not found:
        off = (best.measured - claimed) / claimed * 100 if claimed else float("nan")
        found.append(f"no single explanation found: measured {_number(best.measured, unit)} is {off:+.1f} % "
                     "from the printed value")
    return list(dict.fromkeys(found))


def _sibling_models(model: str, measurements: Mapping[str, Any]) -> list[str]:
    """Registered models of the same family, measured without error, other than `model`."""
    family = REGISTRY[model].module
    related = {m for m, spec in REGISTRY.items() if m != model and spec.module == family}
    return sorted(m for m in related if measurements.get(m) and not measurements[m].get("error"))


def evaluate_claim(claim: Claim, paper: str, measurements: Mapping[str, Any]) -> ClaimResult:
    """The verdict on one claim."""
    if claim.quantity not in MEASURABLE or claim.kind == "finding" or claim.value is None:
        return _cited(claim, paper)

    def entry_of(model_id: str) -> Mapping[str, Any]:
        return _entry(measurements, model_id)

    models = tuple(m for m in (claim.model, *claim.models, claim.compared_to) if m)
    try:
        if claim.kind == "range":
            return _evaluate_range(claim, paper, entry_of)
        convention = claim.convention if claim.quantity == "macs" else None
        comparisons = list(_compare_values(claim, entry_of, convention))
    except MissingMeasurement as exc:
        return ClaimResult(paper=paper, claim_id=claim.id, verdict="error", claimed=_claimed_text(claim),
                           measured=None, computation=str(exc), tolerance="—", acknowledged=claim.acknowledged,
                           models=models)
    interval = tolerance_for(claim, claim.value)
    inside = [c for c in comparisons if interval.contains(c.measured)]
    best = inside[0] if inside else min(comparisons, key=lambda c: abs(c.measured - claim.value))
    verdict: Verdict = "verified" if inside else "refuted"
    diagnosis = () if inside else tuple(_diagnose(claim, interval, entry_of, measurements, best))
    return ClaimResult(
        paper=paper, claim_id=claim.id, verdict=verdict, claimed=_claimed_text(claim),
        measured=_number(best.measured, claim.unit), computation=best.computation,
        tolerance=f"{interval.low:.4g} … {interval.high:.4g} {claim.unit} — {interval.description}".strip(),
        diagnosis=diagnosis, acknowledged=claim.acknowledged, models=models,
    )


def evaluate_claims(catalogue: Catalogue, measurements: Mapping[str, Any]) -> list[ClaimResult]:
    """Verdicts on every claim, in catalogue order."""
    return [evaluate_claim(claim, paper.id, measurements) for paper in catalogue.papers for claim in paper.claims]


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    unacknowledged_refuted: int = 0

    @classmethod
    def of(cls, results: list[ClaimResult]) -> Summary:
        counts = {v: 0 for v in ("verified", "refuted", "cited", "error")}
        for r in results:
            counts[r.verdict] += 1
        unack = sum(1 for r in results if r.verdict == "refuted" and not r.acknowledged)
        return cls(counts, unack)
