"""Judge an accuracy claim against independent evaluations of the released weights it is about.

Nobody retrains here. What can be checked is whether the weights a paper released score what the paper prints,
as evaluated by someone else (timm, mmpretrain) under their own pipeline:

* `verified` when at least one independent evaluation of the **same weights** lies within the printed precision
  plus `PIPELINE_SLACK_PP`;
* `refuted` when independent evaluations exist and none does, with the gap to the closest one;
* `inconclusive` when the claim declares its test protocol (`test_crops`, e.g. 10-crop) and independent
  evaluations of the same weights exist only under another one (single centre crop): they are shown, with the
  condition gap named, but decide nothing: in DenseNet's Table 3, ten crops lower the error of the same networks
  by 1.1-1.7 points (top-1) and 0.8-1.1 points (top-5), more than the slack allows;
* `cited` when nothing can decide: the claim names no released weights, or only whoever trained the weights
  evaluated them. The summary says which.

Every evaluation of the same weights is listed with its settings, independent or not. Evaluations of **other**
weights of the same architecture (torchvision's retrained ResNet-50 against the paper's own training) are returned
as context and never decide a verdict.

Pure functions over `tools.catalogue.Claim` and `tools.evaluations.Evaluation`; nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .catalogue import Claim
from .evaluations import Evaluation

# The same weights score differently under different evaluation pipelines: resize side, crop fraction and
# interpolation move top-1 by about 0.1-0.3 points. Res2Net-50 26w×8s scores 79.20 in its README and in mmpretrain
# (resize 256, crop 224, bilinear) and 78.95 in timm (crop 0.875, bilinear): 0.25 apart. EfficientNet-B0's ckpts/
# release scores 76.7 (authors), 76.74 (mmpretrain) and 76.54 (timm): 0.2 apart. An evaluation within this slack of
# the printed interval is consistent with the printed number.
PIPELINE_SLACK_PP = 0.3

ACCURACY_QUANTITIES = ("top1_accuracy", "top1_error", "top5_accuracy", "top5_error")
EvidenceVerdict = Literal["verified", "refuted", "inconclusive", "cited"]
Basis = Literal["independent evaluation", ""]


@dataclass(frozen=True)
class EvaluationRow:
    """One evaluation as shown beside a claim, in the claim's own quantity (accuracy or error, top-1 or top-5)."""

    weights: str
    evaluator: str
    evaluation: str
    value: float | None  # None when the source does not give this metric (e.g. no top-5)
    settings: str
    independent: bool
    same_weights: bool
    within: bool | None  # None for context rows, rows without the metric and rows under another test protocol
    crops: int | None  # test crops averaged per image (1: a single centre crop); None when the source does not say
    same_protocol: bool  # False when the claim declares a test protocol the evaluation does not follow (or state)
    source: str  # "owner/name path @ commit"

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AccuracyEvidence:
    """The verdict of independent evaluations on one accuracy claim, and every evaluation it rests on."""

    verdict: EvidenceVerdict
    basis: Basis
    summary: str  # one plain line
    rule: str  # the tolerance rule, in words
    claimed: float
    low: float
    high: float
    gap: float | None  # closest independent evaluation minus the printed value (refuted and verified)
    evaluations: tuple[EvaluationRow, ...]  # every evaluation of the same weights
    context: tuple[EvaluationRow, ...]  # evaluations of other weights of the same architecture; never a verdict

    def as_json(self) -> dict[str, object]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("evaluations", "context")}
        out["evaluations"] = [row.as_json() for row in self.evaluations]
        out["context"] = [row.as_json() for row in self.context]
        return out


def _metric(claim: Claim, row: Evaluation) -> float | None:
    """The row's value in the claim's quantity: top-1/top-5, accuracy or error (= 100 − accuracy)."""
    accuracy = row.top5 if claim.quantity.startswith("top5") else row.top1
    if accuracy is None:
        return None
    return round(100.0 - accuracy, 6) if claim.quantity.endswith("_error") else accuracy


def _same_protocol(claim: Claim, row: Evaluation) -> bool:
    """Whether `row` was tested the way the printed number was: always, unless the claim declares `test_crops`."""
    return claim.test_crops is None or row.settings.crops == claim.test_crops


def _protocol_name(crops: int | None) -> str:
    """A test protocol in the papers' words: "single-crop", "10-crop"."""
    if crops is None:
        return "of a test protocol the source does not state"
    return "single-crop" if crops == 1 else f"{crops}-crop"


def _row(claim: Claim, row: Evaluation, same: bool, low: float, high: float) -> EvaluationRow:
    value = _metric(claim, row)
    protocol = _same_protocol(claim, row)
    within = None if (value is None or not same or not protocol) else low - 1e-9 <= value <= high + 1e-9
    source = f"{row.source.repository} {row.source.path} @ {row.source.commit}"
    return EvaluationRow(
        row.weights,
        row.evaluator,
        row.evaluation,
        value,
        row.settings_text(),
        row.independent,
        same,
        within,
        row.settings.crops,
        protocol,
        source,
    )


def _percent(value: float) -> str:
    return f"{value:.2f} %"  # evaluations are published to two or three decimals; two are shown


def judge_accuracy(claim: Claim, evaluations: Sequence[Evaluation], *, half_unit: float) -> AccuracyEvidence | None:
    """Evidence of independent evaluations for an absolute accuracy claim.

    None when there is nothing to say: `claim` is not an absolute accuracy claim, or it names no released
    `weights` and no evaluation of its architecture on its `dataset` is recorded (the engine gives its own reason).

    `half_unit` is the printed precision in points (half a unit of the last printed digit, as the claims engine's
    tolerance rule gives it: 0.05 for "76.3"); the evaluation-pipeline slack is added to it.
    """
    if claim.quantity not in ACCURACY_QUANTITIES or claim.kind != "absolute" or claim.value is None:
        return None
    claimed = float(claim.value)
    low, high = claimed - half_unit - PIPELINE_SLACK_PP, claimed + half_unit + PIPELINE_SLACK_PP
    rule = (
        f"printed precision ±{half_unit:g} plus ±{PIPELINE_SLACK_PP:g} points of evaluation-pipeline slack "
        "(resize, crop and interpolation move the same weights by 0.1-0.3 points)"
    )
    same = [r for r in evaluations if claim.weights is not None and r.weights == claim.weights]
    dataset = same[0].dataset if same else claim.dataset
    others = [
        r
        for r in evaluations
        if claim.model is not None
        and r.model == claim.model
        and r.weights != claim.weights
        and dataset is not None
        and r.dataset == dataset
    ]
    rows = tuple(_row(claim, r, True, low, high) for r in same)
    context = tuple(_row(claim, r, False, low, high) for r in others)
    independent = [r for r in rows if r.independent and r.value is not None]
    deciding = [r for r in independent if r.same_protocol]

    def result(verdict: EvidenceVerdict, summary: str, gap: float | None = None) -> AccuracyEvidence:
        basis: Basis = "independent evaluation" if verdict != "cited" else ""
        return AccuracyEvidence(verdict, basis, summary, rule, claimed, low, high, gap, rows, context)

    if claim.weights is None:
        if not context:
            return None
        return result(
            "cited",
            f"the claim names no released weights; {len(context)} evaluation(s) of other weights "
            "of this architecture are shown for context only, never as a verdict",
        )
    if not deciding and independent:  # the same weights, evaluated only under another test protocol
        tested = " or ".join(sorted({_protocol_name(r.crops) for r in independent}))
        values = [(r, r.value) for r in independent if r.value is not None]  # all of them, values known
        listed = ", ".join(f"{_percent(value)} ({r.evaluator})" for r, value in values)
        nearest = min((value for _, value in values), key=lambda v: abs(v - claimed))
        return result(
            "inconclusive",
            f"the printed number is {_protocol_name(claim.test_crops)}, but every "
            f"independent evaluation of `{claim.weights}` is {tested} ({listed}); the "
            "test protocol moves the same weights by more than the pipeline slack, so "
            "they are shown, not judged",
            round(nearest - claimed, 6),
        )
    if not deciding:
        own = [(r, r.value) for r in rows if r.value is not None]
        if own:
            listed = ", ".join(f"{_percent(value)} ({r.evaluator})" for r, value in own)
            return result(
                "cited",
                f"only the trainers' own evaluation of `{claim.weights}` is recorded ({listed}); "
                "no independent evaluation",
            )
        return result("cited", f"no evaluation of `{claim.weights}` giving this metric is recorded")
    valued = [(r, r.value) for r in deciding if r.value is not None]  # all of `deciding`, values known
    closest, value = min(valued, key=lambda rv: (abs(rv[1] - claimed), rv[0].evaluator))
    gap = round(value - claimed, 6)
    where = f"{_percent(value)} ({closest.evaluator}, {closest.settings})"
    interval = f"{_percent(low)} … {_percent(high)}"
    if any(r.within for r in deciding):
        agreeing = sum(1 for r in deciding if r.within)
        if len(deciding) == 1:
            summary = f"the one independent evaluation of the released weights, {where}, lies within {interval}"
        else:
            summary = (
                f"{agreeing} of {len(deciding)} independent evaluations of the released weights lie within "
                f"{interval}; closest {where}"
            )
        return result("verified", summary, gap)
    direction = "above" if gap > 0 else "below"
    which = (
        "the one independent evaluation"
        if len(deciding) == 1
        else f"the closest of {len(deciding)} independent evaluations"
    )
    return result(
        "refuted",
        f"{which}, {where}, is {abs(gap):.2f} points {direction} the printed {_percent(claimed)}",
        gap,
    )
