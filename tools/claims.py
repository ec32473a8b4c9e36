"""Give every claim in the catalogue a verdict by comparing it with the measurements.

Verdicts (docs/conventions.md, "Verdicts"):

* `verified`: the measured value lies within the claim's interval (tools/tolerance.py: half a unit of the last
  printed digit, or interval arithmetic over the rounded entries a ratio was computed from).
* `refuted`: it does not. The diagnosis names only causes that are possible for this source: another reading,
  a resolution the source uses, the complement of a percentage, head or BatchNorm scope, or another model the
  source itself defines and its text could mean (`could_mean`). When none fits, it says so.
* `inconclusive`: a model the claim needs is a reimplementation or our own construction, so a gap could be ours;
  or the claim says why the model or weights measured may not be the ones the source describes (`unconfirmed`);
  or its table's reading is not certain for this row. The measured value is shown; the claim is neither verified
  nor refuted.
* `cited`: nothing here can check the claim; the reason is stated.
* `error`: a model the claim needs has no usable measurement.

Multiply-add claims are read the way their table is read: for each source table, the reading (conv + linear,
conv + linear + BatchNorm once, or fvcore's total) that reproduces the most of its rows. When readings tie, the
table does not decide: a row that holds under one tied reading and not another is `inconclusive`, and the
others are judged under conv + linear. A row that fails under its table's reading but holds under another one is
`inconclusive` too: the rows do not share one reading, so this row's is unknown. A claim overrides the table only
with `convention` and a `convention_reason` taken from the source.

Nothing here imports torch: verdicts are computed from the measurements file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from reference_impls import REGISTRY

from .catalogue import Catalogue, Claim, Paper
from .catalogue.schema import FIXED_READINGS
from .formatting import SCALE, format_change, format_count, format_interval, format_measured, reading_label
from .measurements import MeasurementRecord
from .tolerance import (
    Interval,
    claim_interval,
    express_ratio,
    interval_of,
    parse_printed,
    printed_decimals,
    rule_interval,
)

if TYPE_CHECKING:
    from .latency import LatencyRecord, SpeedEvidence

Verdict = Literal["verified", "refuted", "inconclusive", "cited", "error"]
VERDICTS: tuple[Verdict, ...] = ("verified", "refuted", "inconclusive", "cited", "error")
Basis = Literal["computation", "independent evaluation", "internal consistency", "CPU proxy", ""]
MEASURABLE = ("params", "macs", "activations")
READINGS: tuple[str, ...] = FIXED_READINGS  # order = tie-break order: conv + linear first
QUANTITY_WORDS = {
    "params": "parameters",
    "macs": "multiply-adds",
    "activations": "activations",
    "top1_accuracy": "top-1 accuracy",
    "top1_error": "top-1 error",
    "top5_accuracy": "top-5 accuracy",
    "top5_error": "top-5 error",
    "latency": "latency",
    "speedup": "speed-up",
    "box_ap": "box AP",
    "other": "",
}

_CITED_REASONS = {
    "top1_accuracy": "an accuracy of trained weights: it needs an ImageNet evaluation, which this project does not run",
    "top1_error": "an error rate of trained weights: it needs an ImageNet evaluation, which this project does not run",
    "top5_accuracy": "an accuracy of trained weights: it needs an ImageNet evaluation, which this project does not run",
    "top5_error": "an error rate of trained weights: it needs an ImageNet evaluation, which this project does not run",
    "latency": "a time measured on the authors' hardware, which this project does not have",
    "speedup": "a speed ratio measured on the authors' hardware, which this project does not have",
    "box_ap": "a detection score: it needs training and a COCO evaluation, which this project does not run",
    "other": "a result of training or of an experiment that this project does not rerun",
}


class MissingMeasurement(Exception):
    """A claim needs a model that has no usable measurement."""


@dataclass(frozen=True)
class ReadingRow:
    """One reading of the measurements for a claim, as the claim's detail lists them."""

    label: str
    measured: str
    used: bool
    within: bool


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with everything the report and the site show."""

    paper: str
    claim_id: str
    verdict: Verdict
    basis: Basis
    summary: str
    claimed: str
    measured: str | None
    computation: str
    tolerance: str
    rule: str = ""
    reading: str | None = None
    table_rule: str | None = None
    readings: tuple[ReadingRow, ...] = ()
    diagnosis: tuple[str, ...] = ()
    acknowledged: str | None = None
    models: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()  # independent evaluations of the same weights, with their settings
    context: tuple[dict[str, Any], ...] = ()  # evaluations of other weights: shown, never a verdict
    speed: dict[str, Any] | None = None  # our CPU timing of a speed claim (device class, ratios, machine)

    def as_json(self) -> dict[str, Any]:
        return {
            "paper": self.paper,
            "id": self.claim_id,
            "verdict": self.verdict,
            "basis": self.basis,
            "summary": self.summary,
            "claimed": self.claimed,
            "measured": self.measured,
            "computation": self.computation,
            "tolerance": self.tolerance,
            "rule": self.rule,
            "reading": self.reading,
            "table_rule": self.table_rule,
            "readings": [vars(r) for r in self.readings],
            "diagnosis": list(self.diagnosis),
            "acknowledged": self.acknowledged,
            "models": list(self.models),
            "fidelity": {m: REGISTRY[m].fidelity for m in self.models if m in REGISTRY},
            "evidence": list(self.evidence),
            "context": list(self.context),
            "speed": self.speed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimResult:
        """The result `as_json` wrote (its derived `fidelity` aside). Raises KeyError/TypeError if it is not one."""
        fields: dict[str, Any] = {name: data[name] for name in _COPIED_AS_THEY_ARE}
        fields.update((name, tuple(data[name])) for name in _LISTED)
        readings = tuple(ReadingRow(**row) for row in data["readings"])
        return cls(paper=data["paper"], claim_id=data["id"], readings=readings, **fields)


# The fields of `ClaimResult.as_json` that `from_json` takes back as they are, and those it makes tuples again.
_COPIED_AS_THEY_ARE: tuple[str, ...] = ("verdict", "basis", "summary", "claimed", "measured", "computation")
_COPIED_AS_THEY_ARE += ("tolerance", "rule", "reading", "table_rule", "acknowledged", "speed")
_LISTED = ("diagnosis", "models", "evidence", "context")


class _SharedFields(TypedDict):
    """The fields of a `ClaimResult` that every verdict on a claim shares."""

    paper: str
    claim_id: str
    claimed: str
    acknowledged: str | None
    models: tuple[str, ...]


class _ComputedFields(_SharedFields):
    """The fields shared by the verdicts on a claim that is computed from a measurement."""

    measured: str | None
    computation: str
    tolerance: str
    rule: str
    reading: str | None
    table_rule: str | None
    readings: tuple[ReadingRow, ...]


# --------------------------------------------------------------------------------------------------------------
# Values of a claim under one reading


@dataclass(frozen=True)
class Reading:
    """How multiply-adds are read: which count, and 1 or 2 operations per multiply-add."""

    name: str  # a key of READINGS, or "" for params / activations
    factor: int = 1

    @property
    def label(self) -> str:
        return reading_label(self.name, self.factor) if self.name else ""


Measurements = Mapping[str, MeasurementRecord]
# A diagnosis explains a printed number; it does not verify it. The complement and the other models a source
# defines may explain it to within 5 % (the note's "69 %" is Res2Net-50-L's 70.9 % share, printed from 2.9 / 4.2).
EXPLAINS_WITHIN = 0.05


def _record(measurements: Measurements, model_id: str) -> MeasurementRecord:
    record = measurements.get(model_id)
    if record is None:
        raise MissingMeasurement(f"`{model_id}` has not been measured; run `python tools/verify_claims.py --update`")
    if record.error:
        raise MissingMeasurement(f"measuring `{model_id}` failed: {record.error}")
    return record


def _quantity(record: MeasurementRecord, claim: Claim, reading: Reading, *, without_head: bool = False) -> float:
    """The claim's quantity for one model (a stage of it when the claim names one), in units."""
    part: Any = record
    if claim.stage is not None:
        part = record.stage(claim.stage)
        if part is None:
            raise MissingMeasurement(f"`{record.id}` has no stage `{claim.stage}`")
    if claim.quantity == "params":
        value = float(part.params)
    elif claim.quantity == "activations":
        value = float(record.activations or 0)
    else:
        value = float(getattr(part, reading.name)) * reading.factor
    if without_head:
        head = record.stage("head")
        if head is None:
            raise MissingMeasurement(f"`{record.id}` has no head stage")
        value -= float(head.params if claim.quantity == "params" else getattr(head, reading.name) * reading.factor)
    return value


@dataclass(frozen=True)
class Value:
    """A claim's quantity measured under one reading, in the claim's own unit, with its computation."""

    measured: float
    computation: str


def _value(
    claim: Claim, measurements: Measurements, reading: Reading, *, model: str | None = None, without_head: bool = False
) -> Value:
    model = model or claim.model
    assert model is not None
    what = reading.label or QUANTITY_WORDS.get(claim.quantity, claim.quantity)
    where = f"{model}" + (f" ({claim.stage})" if claim.stage else "") + (" without its head" if without_head else "")
    a = _quantity(_record(measurements, model), claim, reading, without_head=without_head)
    if claim.kind == "absolute":
        scale = SCALE.get(claim.unit, 1.0)
        shown = f" = {format_count(a, claim.unit, printed_decimals(claim) + 1)}" if scale != 1.0 else ""
        return Value(a / scale, f"{where}: {what} = {a:,.0f}{shown}")
    assert claim.compared_to is not None
    b = _quantity(_record(measurements, claim.compared_to), claim, reading)
    expressed = express_ratio(claim, a / b)
    return Value(
        expressed,
        f"{where} / {claim.compared_to}: {what} {a:,.0f} / {b:,.0f} = {a / b:.4f}"
        f" → {format_measured(expressed, claim.unit, 2)}",
    )


def _shown(claim: Claim, value: float, decimals: int) -> str:
    """A measured value as shown beside the claim: plain counts in full, others with one more digit.

    A reduction that came out negative is an increase, and is said so ("4.1 % more"), and vice versa.
    """
    if claim.unit == "" and claim.quantity in MEASURABLE and claim.kind == "absolute":
        return format_count(value)
    if claim.unit == "%" and claim.kind in ("reduction", "increase") and value < 0:
        return format_change(-value if claim.kind == "reduction" else value, decimals + 1)
    return format_measured(value, claim.unit, decimals)


def _readings_for(claim: Claim, table_reading: str | None) -> tuple[list[Reading], Reading]:
    """Every reading to list for the claim, and the one its verdict uses."""
    if claim.quantity != "macs":
        only = Reading("")
        return [only], only
    factor = 2 if claim.convention == "flops_2x" else 1
    every = [Reading(name, factor) for name in READINGS]
    if claim.convention in READINGS:
        return every, Reading(claim.convention, 1)
    return every, Reading(table_reading or READINGS[0], factor)


# --------------------------------------------------------------------------------------------------------------
# Claims grouped by source table


def table_of(claim: Claim, paper: Paper) -> str:
    """The table a claim is a row of: `source.table` when given, else its paper, version and location."""
    if claim.source.table:
        return claim.source.table
    return f"{paper.id}: {claim.source.version}, {claim.source.location}"


@dataclass
class TableContext:
    """What a claim's table decides for it: the reading, the rule's wording, and the other rows of its column."""

    reading: str | None = None
    rule: str | None = None
    column: tuple[Claim, ...] = ()
    tied: tuple[str, ...] = ()  # readings that reproduce as many rows as `reading` (the table does not decide)
    mixed: bool = False  # a row holds under another reading and not under `reading`: the rows do not share one


def _unconfirmed(claim: Claim) -> list[str]:
    return [m for m in _models_of(claim) if m in REGISTRY and not REGISTRY[m].confirmed]


def _why_unconfirmed(claim: Claim) -> str | None:
    """Why a gap could be ours (the start of an inconclusive summary), or None when the models are confirmed."""
    unconfirmed = _unconfirmed(claim)
    if unconfirmed:
        by_level: dict[str, list[str]] = defaultdict(list)
        for m in unconfirmed:
            by_level[REGISTRY[m].fidelity].append(f"`{m}`")
        levels = "; ".join(
            f"{names[0]} is a {level}" if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]} are {level}s"
            for level, names in by_level.items()
        )
        return f"{levels}, not confirmed against the source, so a gap could be ours"
    if claim.unconfirmed:
        return (
            f"the model the source describes is not confirmed to be the one measured. {claim.unconfirmed.rstrip('.')}"
        )
    return None


def _models_of(claim: Claim) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for m in (claim.model, *claim.models, claim.compared_to) if m))


def _judgeable(claim: Claim) -> bool:
    return claim.quantity in MEASURABLE and claim.kind in ("absolute", "ratio", "reduction", "increase")


def table_contexts(catalogue: Catalogue, measurements: Measurements) -> dict[tuple[str, str], TableContext]:
    """(paper id, claim id) -> its table's reading and rule (the reading that reproduces most rows)."""
    groups: dict[str, list[Claim]] = defaultdict(list)
    owner: dict[int, str] = {}
    for paper in catalogue.papers:
        for claim in paper.claims:
            if _judgeable(claim) or claim.kind == "range":
                groups[table_of(claim, paper)].append(claim)
                owner[id(claim)] = paper.id
    out: dict[tuple[str, str], TableContext] = {}
    for table, claims in groups.items():
        voters = [
            c
            for c in claims
            if c.quantity == "macs"
            and c.kind != "range"
            and c.convention in ("unspecified", "flops_2x")
            and not _unconfirmed(c)
            and not c.unconfirmed  # a row about another network cannot say how the table counts
        ]
        reading, rule = None, None
        tied: tuple[str, ...] = ()
        mixed = False
        if voters:
            hits = dict.fromkeys(READINGS, 0)
            counted = 0
            holds: list[dict[str, bool]] = []
            for claim in voters:
                column = tuple(c for c in claims if c.quantity == claim.quantity and c.unit == claim.unit)
                interval = claim_interval(claim, column)
                try:
                    factor = 2 if claim.convention == "flops_2x" else 1
                    values = {n: _value(claim, measurements, Reading(n, factor)).measured for n in READINGS}
                except MissingMeasurement:
                    continue
                counted += 1
                holds.append({name: interval.contains(measured) for name, measured in values.items()})
                for name, held in holds[-1].items():
                    hits[name] += held
            if counted:
                reading = max(READINGS, key=lambda n: (hits[n], -READINGS.index(n)))
                mixed = any(not row[reading] and any(row.values()) for row in holds)
                rows = "row" if counted == 1 else "rows"
                rule = f"{table}: {reading_label(reading)} reproduces {hits[reading]} of {counted} {rows}"
                tied = tuple(n for n in READINGS if hits[n] == hits[reading])
                if len(tied) > 1:
                    rule = (
                        f"{table}: {' and '.join(reading_label(n) for n in tied)} each reproduce "
                        f"{hits[reading]} of {counted} {rows}, so the table does not decide its reading"
                    )
                else:
                    tied = ()
        for claim in claims:
            column = tuple(c for c in claims if c.quantity == claim.quantity and c.unit == claim.unit)
            out[(owner[id(claim)], claim.id)] = TableContext(reading, rule, column, tied, mixed)
    return out


# --------------------------------------------------------------------------------------------------------------
# Diagnoses: only causes that are possible for this source


def _diagnose(
    claim: Claim,
    paper: Paper | None,
    measurements: Measurements,
    interval: Interval,
    used: Reading,
    every: Sequence[Reading],
    best: float,
) -> list[str]:
    found: list[str] = []
    unit = claim.unit
    decimals = printed_decimals(claim)

    def shown(x: float) -> str:
        return format_measured(x, unit, decimals)

    candidates = [*every, *(Reading(r.name, 3 - r.factor) for r in every if r.name)]
    for reading in candidates:
        if reading == used:
            continue
        try:
            value = _value(claim, measurements, reading).measured
        except MissingMeasurement:
            continue
        if interval.contains(value):
            found.append(f"another reading: {reading.label} gives {shown(value)}")

    if claim.kind == "absolute" and claim.quantity in ("macs", "activations") and paper is not None:
        r0 = _record(measurements, claim.model or "").input_size[-1]
        for r in _source_resolutions(paper, claim):
            scaled = best * (r / r0) ** 2
            if r != r0 and interval.contains(scaled):
                found.append(
                    f"resolution: the source also uses {r}×{r}; there the count would be "
                    f"{shown(best)} × ({r}/{r0})² = {shown(scaled)}"
                )

    if claim.kind == "absolute" and claim.quantity in ("macs", "params"):
        try:
            backbone = _value(claim, measurements, used, without_head=True).measured
            if interval.contains(backbone):
                found.append(f"head scope: without the classifier head the count is {shown(backbone)}")
        except MissingMeasurement:
            pass

    percent_ratio = claim.kind in ("ratio", "reduction") and unit in ("%", "pp")
    alternatives = [m for m in claim.could_mean if m in measurements]
    for model in (claim.model, *alternatives):
        try:
            value = _value(claim, measurements, used, model=model).measured
        except MissingMeasurement:
            continue
        name = "" if model == claim.model else f" for `{model}`, which the source also defines"
        if model != claim.model and _explains(claim, interval, value):
            found.append(
                f"another model: the claim holds for `{model}`, which the source also defines ({shown(value)})"
            )
        if percent_ratio and _explains(claim, interval, 100 - value):
            part = "kept" if claim.kind == "reduction" else "removed"
            found.append(
                f"complement{name}: {claim.printed} is the share {part} ({shown(100 - value)}), "
                f"not the {claim.kind} ({shown(value)})"
            )
    return list(dict.fromkeys(found))


def _explains(claim: Claim, interval: Interval, value: float) -> bool:
    assert claim.value is not None
    return interval.contains(value) or abs(value - claim.value) <= abs(claim.value) * EXPLAINS_WITHIN


def _source_resolutions(paper: Paper, claim: Claim) -> list[int]:
    """Input sizes the source itself uses: those of its models and of its other claims."""
    sizes = {REGISTRY[m.id].resolution for m in paper.models if m.id in REGISTRY}
    sizes.update(c.resolution for c in paper.claims if c.resolution and c is not claim)
    return sorted(sizes)


# --------------------------------------------------------------------------------------------------------------
# Judging one claim


def _claimed_text(claim: Claim) -> str:
    """The claim as a reader sees it: the printed value and what it is about, never an internal name."""
    if claim.kind == "finding" or claim.value is None or claim.printed is None:
        return claim.text
    what = QUANTITY_WORDS.get(claim.quantity, claim.quantity.replace("_", " "))
    about = claim.model_label or claim.model or ""
    if claim.kind == "absolute":
        printed = claim.printed
        if claim.unit and re.fullmatch(r"[\d.,]+", printed):
            printed = f"{printed} {claim.unit}"
        return f"{printed} {what}".strip() + (f" ({about})" if about else "")
    if claim.kind == "consistency":
        return f"{claim.printed} ({claim.consistency.where})" if claim.consistency else claim.printed
    if claim.kind in ("distribution", "range"):
        over = claim.model_label or f"{len(claim.models)} models"
        versus = f" vs {claim.compared_label or claim.compared_to}" if claim.compared_to else ""
        return f"{claim.printed} ({what} over {over}{versus})"
    versus = claim.compared_label or claim.compared_to or ""
    return f"{claim.printed} ({claim.kind} of {what}, {about} vs {versus})"


def _cited(claim: Claim, paper: str) -> ClaimResult:
    if claim.kind == "finding":
        why = claim.uncheckable or "a qualitative finding with no number to recompute"
    else:
        why = claim.uncheckable or _CITED_REASONS.get(claim.quantity, _CITED_REASONS["other"])
    return ClaimResult(
        paper=paper,
        claim_id=claim.id,
        verdict="cited",
        basis="",
        summary=f"Cited: {why.rstrip('.')}.",
        claimed=_claimed_text(claim),
        measured=None,
        computation=why,
        tolerance="—",
        acknowledged=claim.acknowledged,
        models=_models_of(claim),
    )


def _consistency(claim: Claim, paper: str) -> ClaimResult:
    """Arithmetic on the source's own printed numbers, by interval arithmetic over their printed precision."""
    assert claim.consistency is not None and claim.value is not None
    spec = claim.consistency
    operands = [parse_printed(o) for o in spec.operands]
    if any(o is None for o in operands):
        raise ValueError(f"claim {claim.id}: an operand is not a number")
    numbers = [o for o in operands if o is not None]
    low, high = interval_of(numbers, spec.operation)
    point = {"difference": lambda v: v[0] - v[1], "ratio": lambda v: v[0] / v[1], "sum": sum, "product": _product}[
        spec.operation
    ]([n.value for n in numbers])
    claimed = claim_interval(claim)
    decimals = printed_decimals(claim)
    holds = claimed.low <= high + 1e-9 and low <= claimed.high + 1e-9
    symbol = {"difference": " − ", "ratio": " / ", "sum": " + ", "product": " × "}[spec.operation]
    computation = (
        f"{symbol.join(spec.operands)} = {format_measured(point, claim.unit, decimals)} "
        f"({spec.where}); with each operand ± half a unit of its last digit: "
        f"{format_interval(low, high, claim.unit, decimals + 1)}"
    )
    result = format_measured(point, claim.unit, decimals)
    verdict: Verdict = "verified" if holds else "refuted"
    if holds:
        summary = f"Verified by the source's own numbers: {computation.split(' (')[0]}."
    elif claim.origin == "paper" and claim.confidence != "A":
        # The source contradicting itself is only as sure as the copy its numbers were read from: a typo in a
        # transcription looks exactly like an inconsistency in the paper.
        verdict = "inconclusive"
        summary = (
            f"Inconclusive: the numbers as copied ({spec.where}) give {result}, not {claim.printed}, but they were "
            f"not read in the primary source (confidence {claim.confidence}), so the inconsistency could be the "
            "copy's. Check them in the paper."
        )
    else:
        summary = f"Refuted by the source's own numbers: {spec.where} gives {result}, not {claim.printed}."
    return ClaimResult(
        paper=paper,
        claim_id=claim.id,
        verdict=verdict,
        basis="internal consistency",
        summary=summary,
        claimed=_claimed_text(claim),
        measured=format_measured(point, claim.unit, decimals),
        computation=computation,
        tolerance=f"{format_interval(claimed.low, claimed.high, claim.unit, decimals + 1)} ({claimed.rule})",
        rule=claimed.rule,
        diagnosis=(f"the source's own numbers give {format_measured(point, claim.unit, decimals)}",)
        if verdict == "refuted"
        else (),
        acknowledged=claim.acknowledged,
    )


def _product(values: Iterable[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def _range(claim: Claim, paper: str, measurements: Measurements) -> ClaimResult:
    """The factor compared_to / model over `models` spans value … value_high."""
    assert claim.compared_to is not None and claim.value is not None and claim.value_high is not None
    reading = _readings_for(claim, None)[1]
    base = _quantity(_record(measurements, claim.compared_to), claim, reading)
    factors = {m: base / _quantity(_record(measurements, m), claim, reading) for m in claim.models}
    lo, hi = min(factors.values()), max(factors.values())
    low_tol = claim_interval(claim)
    high_tol = Interval(
        claim.value_high - (claim.value - low_tol.low), claim.value_high + (low_tol.high - claim.value), low_tol.rule
    )
    ok = low_tol.contains(lo) and high_tol.contains(hi)
    detail = ", ".join(f"{m}: {f:.2f}×" for m, f in sorted(factors.items(), key=lambda kv: kv[1]))
    measured = f"{lo:.2f}×–{hi:.2f}×"
    why = _why_unconfirmed(claim)
    verdict: Verdict = "inconclusive" if why else "verified" if ok else "refuted"
    span = f"measured factors span {measured}; printed {claim.printed}"
    return ClaimResult(
        paper=paper,
        claim_id=claim.id,
        verdict=verdict,
        basis="computation",
        summary=f"Inconclusive: {why}. The {span}." if why else f"{verdict.capitalize()}: the {span}.",
        claimed=_claimed_text(claim),
        measured=measured,
        computation=f"{claim.compared_to} / model ({reading.label or 'parameters'}): {detail}",
        tolerance=(
            f"{format_interval(low_tol.low, low_tol.high, 'x', printed_decimals(claim) + 1)} up to "
            f"{format_interval(high_tol.low, high_tol.high, 'x', printed_decimals(claim) + 1)} "
            f"({low_tol.rule})"
        ),
        rule=low_tol.rule,
        reading=reading.label or None,
        diagnosis=(f"measured span {measured} does not reach the printed {claim.printed}",)
        if verdict == "refuted"
        else (),
        acknowledged=claim.acknowledged,
        models=_models_of(claim),
    )


@dataclass(frozen=True)
class Evidence:
    """What the claims engine reads besides the measurements: independent evaluations and our CPU timings."""

    evaluations: tuple[Any, ...] = ()  # tools.evaluations.Evaluation rows
    latency: Any = None  # tools.latency.LatencyRecord, or None when nothing has been timed

    @classmethod
    def load(cls) -> Evidence:
        """The committed evaluations.yaml and tools/latency.json (both torch-free)."""
        from .evaluations import load_evaluations
        from .latency import read_latency

        return cls(tuple(load_evaluations()), read_latency())


def evaluate_claim(
    claim: Claim,
    paper: str | Paper,
    measurements: Measurements,
    context: TableContext | None = None,
    evidence: Evidence | None = None,
) -> ClaimResult:
    """The verdict on one claim (`context`: what its table decides; computed alone when not given)."""
    paper_entry = paper if isinstance(paper, Paper) else None
    paper_id = paper.id if isinstance(paper, Paper) else paper
    if claim.kind == "consistency":
        return _consistency(claim, paper_id)
    if claim.quantity not in MEASURABLE or claim.kind == "finding" or claim.value is None:
        judged = _from_evidence(claim, paper_id, evidence or Evidence())
        return judged if judged is not None else _cited(claim, paper_id)
    models = _models_of(claim)
    try:
        if claim.kind == "range":
            return _range(claim, paper_id, measurements)
        if claim.kind == "distribution":
            return _distribution(claim, paper_id, measurements)
        return _judge(claim, paper_entry, paper_id, measurements, context or TableContext())
    except MissingMeasurement as exc:
        return ClaimResult(
            paper=paper_id,
            claim_id=claim.id,
            verdict="error",
            basis="computation",
            summary=f"Not judged: {exc}.",
            claimed=_claimed_text(claim),
            measured=None,
            computation=str(exc),
            tolerance="—",
            acknowledged=claim.acknowledged,
            models=models,
        )


def _judge(
    claim: Claim, paper: Paper | None, paper_id: str, measurements: Measurements, context: TableContext
) -> ClaimResult:
    assert claim.value is not None
    every, used = _readings_for(claim, context.reading)
    interval = claim_interval(claim, context.column)
    decimals = printed_decimals(claim)
    values = {r: _value(claim, measurements, r) for r in every}
    if used not in values:
        values[used] = _value(claim, measurements, used)
    best = values[used]
    inside = interval.contains(best.measured)
    rows = tuple(
        ReadingRow(
            r.label or QUANTITY_WORDS.get(claim.quantity, claim.quantity),
            _shown(claim, v.measured, decimals),
            r == used,
            interval.contains(v.measured),
        )
        for r, v in values.items()
    )
    measured = _shown(claim, best.measured, decimals)
    tolerance = f"{format_interval(interval.low, interval.high, claim.unit, decimals + 1)} ({interval.rule})"
    reading_text = used.label or None
    override = claim.convention in READINGS
    table_rule = context.rule
    if override:
        table_rule = (
            f"{context.rule}; this claim overrides it: {claim.convention_reason}"
            if context.rule
            else f"read as {used.label}: {claim.convention_reason}"
        )
    common = _ComputedFields(
        paper=paper_id,
        claim_id=claim.id,
        claimed=_claimed_text(claim),
        measured=measured,
        computation=best.computation,
        tolerance=tolerance,
        rule=interval.rule,
        reading=reading_text,
        table_rule=table_rule,
        readings=rows,
        acknowledged=claim.acknowledged,
        models=_models_of(claim),
    )
    why = _why_unconfirmed(claim)
    if why:
        holding = [row for row in rows if row.within]
        agrees = (
            f"; {' and '.join(f'{row.label} gives {row.measured}' for row in holding)}, within the printed precision"
            if holding and not inside
            else ""
        )
        return ClaimResult(
            verdict="inconclusive",
            basis="computation",
            **common,
            summary=f"Inconclusive: {why}. Measured {measured} against the printed {claim.printed}{agrees}.",
        )
    undecided = _undecided_reading(claim, {r: v.measured for r, v in values.items()}, interval, context)
    if undecided:
        return ClaimResult(
            verdict="inconclusive",
            basis="computation",
            **common,
            summary=f"Inconclusive: {undecided}. Measured {measured} against the printed "
            f"{claim.printed} under {used.label}.",
        )
    if inside:
        plain = rule_interval(claim, context.column)
        why = (
            " — within the rounding of the entries it was computed from"
            if claim.entries is not None and not plain.contains(best.measured)
            else ""
        )
        return ClaimResult(
            verdict="verified",
            basis="computation",
            **common,
            summary=f"Verified: measured {measured}, within {tolerance.split(' (')[0]}{why}.",
        )
    diagnosis = _diagnose(claim, paper, measurements, interval, used, every, best.measured)
    gap = (best.measured - claim.value) / claim.value * 100 if claim.value else 0.0
    if not diagnosis:
        diagnosis = [
            "no possible cause found among the other readings, the source's resolutions, the complement, "
            "head scope and the other models the source defines"
        ]
    if claim.unit in ("%", "pp"):  # a relative change of a percentage means nothing: compare them directly
        relation = f" against the printed {claim.printed}"
    else:
        change = format_change(gap)
        relation = f", {change} than the printed {claim.printed}" if change != "the same" else ""
    summary = f"Refuted: measured {measured}{relation}; {diagnosis[0]}."
    return ClaimResult(verdict="refuted", basis="computation", summary=summary, diagnosis=tuple(diagnosis), **common)


def _undecided_reading(
    claim: Claim, measured: Mapping[Reading, float], interval: Interval, context: TableContext
) -> str | None:
    """Why the verdict depends on a reading the table leaves open, or None when it does not.

    The table's reading is inferred from its rows, so it is only as sure as the rows agree:
    * when two readings reproduce equally many rows, which one the table uses is unknown, and a row that holds
      under some of them and not under others can be neither verified nor refuted;
    * a row that fails under the table's reading but holds under another one shows that the table's rows do not
      share one reading (this row may have been counted, or copied from elsewhere, the other way), so it is not
      refuted either; nor, in such a table, is a row whose printed value lies between two readings. A row that
      holds under no reading and lies outside them all still is.
    """
    if claim.quantity != "macs" or claim.convention in READINGS:
        return None
    factor = 2 if claim.convention == "flops_2x" else 1
    value = {n: measured[Reading(n, factor)] for n in READINGS}  # `_judge` computed them
    if context.tied:
        holds = {n: interval.contains(value[n]) for n in context.tied}
        if len(set(holds.values())) == 1:
            return None
        under = " and ".join(reading_label(n) for n, ok in holds.items() if ok)
        not_under = " and ".join(reading_label(n) for n, ok in holds.items() if not ok)
        return f"{context.rule}; this row holds under {under} and not under {not_under}"
    used = context.reading or READINGS[0]
    if interval.contains(value[used]):
        return None
    shown = {n: format_measured(v, claim.unit, printed_decimals(claim)) for n, v in value.items()}
    where = f"{context.rule}, but" if context.rule else "the reading is inferred, and"
    others = [n for n in READINGS if n != used and interval.contains(value[n])]
    if others:
        under = " and ".join(f"{reading_label(n)} ({shown[n]})" for n in others)
        return (
            f"{where} this row holds under {under} instead, so the rows do not share one reading and which one "
            "this row uses is unknown"
        )
    below = [n for n in READINGS if value[n] < interval.low]
    above = [n for n in READINGS if value[n] > interval.high]
    if context.mixed and below and above:
        low, high = max(below, key=value.__getitem__), min(above, key=value.__getitem__)
        return (
            f"{where} the table's rows do not share one reading, and this row's printed value lies between two of "
            f"ours ({reading_label(low)} {shown[low]}, {reading_label(high)} {shown[high]}): a count "
            "between them would give it, and the source does not say what it counts"
        )
    return None


def evaluate_claims(
    catalogue: Catalogue, measurements: Measurements, evidence: Evidence | None = None
) -> list[ClaimResult]:
    """Verdicts on every claim, in catalogue order, each claim read the way its table is read.

    `evidence` defaults to the committed independent evaluations and CPU timings.
    """
    contexts = table_contexts(catalogue, measurements)
    evidence = Evidence.load() if evidence is None else evidence
    return [
        evaluate_claim(claim, paper, measurements, contexts.get((paper.id, claim.id)), evidence)
        for paper in catalogue.papers
        for claim in paper.claims
    ]


def _half_unit(claim: Claim) -> float:
    assert claim.value is not None
    return claim_interval(claim).high - claim.value


def speed_evidence(claim: Claim, latency: LatencyRecord | None) -> SpeedEvidence | None:
    """The speed verdict of `claim` on a latency record (None unless it is a latency or speedup claim)."""
    from .latency import judge_speed

    if claim.value is None or claim.kind == "finding":
        return None
    return judge_speed(claim, latency, half_unit=_half_unit(claim))


def _from_evidence(claim: Claim, paper: str, evidence: Evidence) -> ClaimResult | None:
    """Accuracy claims judged by independent evaluations; speed claims by our CPU timing (or a labelled proxy)."""
    if claim.value is None or claim.kind == "finding":
        return None
    from .evidence import judge_accuracy

    accuracy = judge_accuracy(claim, evidence.evaluations, half_unit=_half_unit(claim))
    decimals = printed_decimals(claim)
    common = _SharedFields(
        paper=paper,
        claim_id=claim.id,
        claimed=_claimed_text(claim),
        acknowledged=claim.acknowledged,
        models=_models_of(claim),
    )
    if accuracy is not None:
        rows = tuple(vars(r) for r in accuracy.evaluations)
        if accuracy.verdict == "cited" and claim.uncheckable:  # the catalogue's own, more specific reason
            cited = _cited(claim, paper)
            return ClaimResult(**{**vars(cited), "evidence": rows, "context": tuple(vars(r) for r in accuracy.context)})
        closest = (
            format_measured(claim.value + accuracy.gap, claim.unit, decimals) if accuracy.gap is not None else None
        )
        verdict, summary = accuracy.verdict, f"{accuracy.verdict.capitalize()}: {accuracy.summary}."
        if claim.unconfirmed and verdict in ("verified", "refuted"):
            verdict = "inconclusive"
            summary = (
                f"Inconclusive: the weights the source describes are not confirmed to be the ones evaluated. "
                f"{claim.unconfirmed.rstrip('.')}. {accuracy.summary[0].upper()}{accuracy.summary[1:]}."
            )
        return ClaimResult(
            verdict=verdict,
            basis=accuracy.basis,
            summary=summary,
            measured=closest,
            computation=accuracy.summary,
            tolerance=f"{format_interval(accuracy.low, accuracy.high, claim.unit, decimals + 1)} ({accuracy.rule})",
            rule=accuracy.rule,
            evidence=rows,
            context=tuple(vars(r) for r in accuracy.context),
            diagnosis=(accuracy.summary,) if verdict == "refuted" else (),
            **common,
        )
    speed = speed_evidence(claim, evidence.latency)
    if speed is not None:
        ratio_decimals = max(decimals, 2)  # a ratio of two printed times carries more digits than either
        ratios = {t: m for t, (m, _) in speed.measured.items()}
        measured = (
            ", ".join(
                f"{format_measured(v, 'x', ratio_decimals)} at {t} thread{'s' if t > 1 else ''}"
                for t, v in sorted(ratios.items())
            )
            or None
        )
        if speed.printed_low is not None and speed.printed_high is not None:
            printed = format_interval(speed.printed_low, speed.printed_high, "x", ratio_decimals + 1)
            if speed.basis == "computation":  # judged: on the printed interval widened by the ratio slack
                from .latency import RATIO_SLACK

                widened = format_interval(
                    speed.printed_low * (1 - RATIO_SLACK),
                    speed.printed_high * (1 + RATIO_SLACK),
                    "x",
                    ratio_decimals + 1,
                )
                tolerance = f"{widened} (printed {printed}; {speed.rule})"
            else:
                tolerance = f"printed {printed} (timed on another device class: shown, not judged)"
        else:
            tolerance = speed.rule
        return ClaimResult(
            verdict=speed.verdict,
            basis=speed.basis,
            summary=f"{speed.verdict.capitalize()}: {speed.summary}.",
            measured=measured,
            computation=speed.summary,
            tolerance=tolerance,
            rule=speed.rule,
            speed=speed.as_json(),
            diagnosis=(speed.summary,) if speed.verdict == "refuted" else (),
            **common,
        )
    return None


def _distribution(claim: Claim, paper: str, measurements: Measurements) -> ClaimResult:
    """A printed mean ± std over random graphs against the same statistics over our seeds."""
    from .distribution import judge_distribution

    assert claim.value is not None
    reading = _readings_for(claim, None)[1]
    scale = SCALE.get(claim.unit, 1.0)
    values = [_quantity(_record(measurements, m), claim, reading) / scale for m in claim.models]
    decimals = printed_decimals(claim)
    judged = judge_distribution(claim.value, claim.value_std, decimals, values)
    mean, std = format_measured(judged.mean, claim.unit, decimals), format_measured(judged.std, claim.unit, decimals)
    measured = f"{mean} ± {std}"
    unconfirmed = _unconfirmed(claim)
    verdict: Verdict = judged.verdict
    summary = f"{verdict.capitalize()}: {judged.why}."
    if unconfirmed:
        verdict = "inconclusive"
        levels = ", ".join(sorted({REGISTRY[m].fidelity for m in unconfirmed}))
        summary = (
            f"Inconclusive: the seed models are a {levels}, not confirmed against the source; over "
            f"{judged.count} seeds they give {measured} against the printed {claim.printed}."
        )
    return ClaimResult(
        paper=paper,
        claim_id=claim.id,
        verdict=verdict,
        basis="computation",
        summary=summary,
        claimed=_claimed_text(claim),
        measured=measured,
        computation=judged.computation,
        tolerance=judged.why,
        rule="printed mean ± one standard deviation plus rounding; spread within a factor of 3",
        reading=reading.label or None,
        acknowledged=claim.acknowledged,
        models=_models_of(claim),
        diagnosis=(judged.why,) if verdict == "refuted" else (),
    )


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    unacknowledged_refuted: int = 0
    stale_acknowledgements: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, results: Sequence[ClaimResult]) -> Summary:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for r in results:
            counts[r.verdict] += 1
        unack = sum(1 for r in results if r.verdict == "refuted" and not r.acknowledged)
        stale = [f"{r.paper}/{r.claim_id}" for r in results if r.acknowledged and r.verdict != "refuted"]
        return cls(counts, unack, stale)


__all__ = [
    "VERDICTS",
    "ClaimResult",
    "Evidence",
    "ReadingRow",
    "Summary",
    "TableContext",
    "evaluate_claim",
    "evaluate_claims",
    "table_contexts",
]
