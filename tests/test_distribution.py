"""Distribution claims (a printed mean ± std over random instances): the verdict rule and the schema fields."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue
from tools.catalogue.schema import Claim
from tools.distribution import SPREAD_FACTOR, DistributionJudgement, judge_distribution

# Conv + linear multiply-adds (millions) of randwire_ws_small_s0 ... s4 at 224 px, as measured by
# tests/test_models_randwire.py::test_small_regime_counts_are_pinned.
SMALL_MACS_M = [583.898036, 581.237924, 581.306720, 586.351760, 576.399272]


def test_small_regime_flops_agree_with_the_printed_mean_and_spread() -> None:
    judgement = judge_distribution(583, 6.2, 0, SMALL_MACS_M)
    assert isinstance(judgement, DistributionJudgement)
    assert judgement.verdict == "verified"
    assert judgement.count == 5
    assert judgement.mean == pytest.approx(581.8387424)
    assert judgement.std == pytest.approx(3.7026979, rel=1e-6)  # sqrt(54.84 / 4), by hand
    assert judgement.computation == (
        "mean over 5 seeds 581.8 ± 3.7 vs printed 583 ± 6.2: |581.8 − 583| = 1.2 ≤ 6.2 + rounding 0.5; "
        "std 3.7 within 1.6 … 19.1"
    )
    assert "within one printed standard deviation" in judgement.why


def test_a_mean_far_outside_the_printed_spread_is_refuted() -> None:
    separable_stem = [497.3, 494.6, 494.7, 499.7, 489.8]  # the small regime with JiaminRen's separable conv1/conv2
    judgement = judge_distribution(583, 6.2, 0, separable_stem)
    assert judgement.verdict == "refuted"
    assert "more than one printed standard deviation" in judgement.why
    assert "> 6.2 + rounding 0.5" in judgement.computation


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([560.0, 600.0, 583.0, 620.0, 550.0], "differs from the printed one by more than a factor of 3"),  # std 28.6
        ([583.0, 583.1, 582.9, 583.0, 583.05], "differs from the printed one by more than a factor of 3"),  # std 0.07
    ],
    ids=["spread-too-wide", "spread-too-narrow"],
)
def test_the_right_mean_with_the_wrong_spread_is_refuted(values: list[float], words: str) -> None:
    judgement = judge_distribution(583, 6.2, 0, values)
    assert judgement.verdict == "refuted"
    assert judgement.why.startswith("the means agree") and words in judgement.why
    assert "outside" in judgement.computation


def test_bounds_are_inclusive_and_include_the_rounding() -> None:
    # printed 5.6 ± 0.1 (one decimal: rounding 0.05): a mean of 5.75 sits exactly on the edge 5.6 + 0.1 + 0.05.
    values = [5.65, 5.85]  # mean 5.75, sample std 0.1414
    assert judge_distribution(5.6, 0.1, 1, values).verdict == "verified"
    assert judge_distribution(5.6, 0.1, 1, [5.66, 5.86]).verdict == "refuted"  # mean 5.76: 0.16 > 0.15
    assert math.isclose(SPREAD_FACTOR, 3.0)


def test_without_a_printed_std_the_mean_is_held_against_our_spread() -> None:
    small_params_m = [5.603246, 5.664796, 5.627585, 5.653327, 5.527432]
    judgement = judge_distribution(5.6, None, 1, small_params_m)
    assert judgement.verdict == "verified"
    assert judgement.computation == (
        "mean over 5 seeds 5.62 ± 0.055 vs printed mean 5.6: |5.62 − 5.6| = 0.015 ≤ our std 0.055 + rounding 0.05"
    )
    assert "prints no standard deviation" in judgement.why
    far = judge_distribution(5.8, None, 1, small_params_m)
    assert far.verdict == "refuted" and "more than one standard deviation" in far.why


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((583, 6.2, 0, [583.0]), "at least 2 seeds"),
        ((583, 6.2, -1, [583.0, 584.0]), "cannot be negative"),
        ((583, 0.0, 0, [583.0, 584.0]), "must be a positive number"),
        ((583, -1.0, 0, [583.0, 584.0]), "must be a positive number"),
        ((583, 6.2, 0, [583.0, float("nan")]), "finite"),
        ((float("inf"), 6.2, 0, [583.0, 584.0]), "finite"),
    ],
)
def test_bad_input_is_a_clear_error(args: tuple, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        judge_distribution(*args)


# ---------------------------------------------------------------------------------------------------------------------
# Schema: kind `distribution` and `value_std`
# ---------------------------------------------------------------------------------------------------------------------
SEEDS = [f"randwire_ws_small_s{seed}" for seed in range(5)]
BASE = {
    "id": "small-flops",
    "text": "583 ± 6.2 MFLOPs.",
    "kind": "distribution",
    "quantity": "macs",
    "models": SEEDS,
    "printed": "583±6.2",
    "value": 583.0,
    "value_std": 6.2,
    "unit": "M",
    "convention": "unspecified",
    "source": {"version": "ICCV 2019", "location": "Table 2"},
    "origin": "paper",
    "confidence": "C",
}


def test_a_distribution_claim_validates() -> None:
    claim = Claim.model_validate(BASE)
    assert claim.kind == "distribution" and claim.value_std == 6.2 and claim.models == SEEDS
    assert Claim.model_validate({**BASE, "value_std": None}).value_std is None  # the source prints the mean only


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"models": SEEDS[:1]}, "at least two"),
        ({"models": [SEEDS[0], SEEDS[0]]}, "each seed model once"),
        ({"model": SEEDS[0]}, "not `model` or `compared_to`"),
        ({"compared_to": "resnet50"}, "not `model` or `compared_to`"),
        ({"value_std": 0.0}, "greater than 0"),
        ({"value_std": -6.2}, "greater than 0"),
        ({"value": -583.0}, "cannot be negative"),
        ({"kind": "absolute", "models": [], "model": SEEDS[0]}, "`value_std` is only for `distribution` claims"),
        ({"value": None}, "needs `value` and `printed`"),
    ],
)
def test_bad_distribution_claims_are_rejected(change: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Claim.model_validate({**BASE, **change})


def test_randwire_counts_are_distribution_claims_over_five_seeds() -> None:
    paper = next(p for p in load_catalogue(DEFAULT_CATALOGUE).papers if p.id == "randwire")
    counts = [c for c in paper.claims if c.quantity in ("params", "macs")]
    assert {c.id for c in counts} == {
        "table2-small-flops",
        "table2-small-params",
        "table3-c154-params",
        "table3-c154-flops",
    }
    for claim in counts:
        assert claim.kind == "distribution" and len(claim.models) == 5
        assert len({m.rsplit("_s", 1)[0] for m in claim.models}) == 1, "one setting, five seeds"
    flops = next(c for c in counts if c.id == "table2-small-flops")
    assert (flops.value, flops.value_std, flops.unit) == (583, 6.2, "M")
    assert paper.status == "to-read" and paper.notes.en is None and paper.notes.zh is None
