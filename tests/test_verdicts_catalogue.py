"""The real catalogue's verdicts, from the committed measurements (no torch): refutations that used to blame a
paper for a gap of ours stay fixed, and every verdict a reader sees follows the rules of docs/conventions.md."""

from __future__ import annotations

import re

import pytest

from reference_impls import REGISTRY
from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue
from tools.claims import ClaimResult, evaluate_claims
from tools.measurements import read_measurements

ALLOWED_DIAGNOSES = (
    "another reading:",
    "resolution: the source also uses",
    "complement",
    "head scope:",
    "another model:",
    "no possible cause found",
)


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], ClaimResult]:
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    return {(r.paper, r.claim_id): r for r in evaluate_claims(catalogue, read_measurements())}


@pytest.mark.parametrize(
    ("paper", "claim", "model"),
    [
        ("resnet", "table1-flops-resnet101", "resnet101_v1"),  # ResNet Table 1: 7.6×10⁹ is the 2015 layout
        ("senet", "table2-gflops-seresnet50", "legacy_seresnet50"),  # SENet Table 2: 3.87, the Caffe layout
        ("resnext", "senet-flops-resnext50", "resnext50_32x4d"),  # 4.24 under the table's BatchNorm-once reading
    ],
)
def test_refutations_that_were_our_own_fault_are_verified(results, paper: str, claim: str, model: str) -> None:
    result = results[(paper, claim)]
    assert result.verdict == "verified", result.summary
    assert model in result.models


@pytest.mark.parametrize("claim", ["thirdparty-params-g1", "thirdparty-params-g2"])
def test_antnet_parameters_are_inconclusive(results, claim: str) -> None:
    result = results[("antnets", claim)]
    assert result.verdict == "inconclusive" and "reimplementation" in result.summary


def test_the_notes_hetconv_30_percent_is_inconclusive_not_self_confirming(results) -> None:
    assert results[("hetconv", "note-resnet50-flops-reduction-30")].verdict == "inconclusive"


def test_the_notes_69_percent_is_refuted_with_res2net_50_l_as_the_cause(results) -> None:
    result = results[("res2net", "note-flops-reduction-69")]
    assert result.verdict == "refuted"
    assert result.diagnosis[0].startswith("complement for `res2net50_18w_4s`")


def test_the_papers_69_percent_holds_within_the_rounding_of_its_entries(results) -> None:
    result = results[("res2net", "sec423-flops-69-percent")]
    assert result.verdict == "verified" and "entries it was computed from" in result.rule


def test_efficientnet_b1_is_judged_under_its_tables_reading(results) -> None:
    result = results[("efficientnet", "table2-flops-b1")]
    assert result.table_rule is not None and result.table_rule.startswith("EfficientNet (ICML 2019) Table 2:")
    used = next(r for r in result.readings if r.used)
    assert used.label == result.reading
    if result.verdict == "refuted":
        assert result.diagnosis[0].startswith("another reading: conv + linear + BatchNorm once")


def test_dla60_gain_read_through_a_transcription_is_not_a_refutation(results) -> None:
    """Res2Net Sec. 4.2.1 against Table 1 (1.27 vs 1.79 points): the table was read through a copy (confidence B),
    which may hold the typo."""
    result = results[("res2net", "sec421-dla60-gain-inconsistent")]
    assert result.verdict == "inconclusive" and result.basis == "internal consistency"
    assert "could be the copy's" in result.summary


@pytest.mark.parametrize("part", [1, 2, 4, 8, 16, 32, 64])
def test_hetconv_cifar_costs_are_inconclusive_the_layout_is_third_party(results, part: int) -> None:
    """The CIFAR VGG-16 follows third-party training code, and its printed costs come from that code's README."""
    result = results[("hetconv", f"cifar10-vgg16-flops-p{part}")]
    assert result.verdict == "inconclusive" and "is a reimplementation" in result.summary


@pytest.mark.parametrize(
    ("paper", "claim", "why"),
    [
        ("resnet", "senet-flops-resnet50", "this row holds under conv + linear MACs (3.858 G) instead"),
        ("vgg", "senet-flops-vgg16-bn", "this row holds under conv + linear MACs (15.470 G) instead"),
        ("resnet", "senet-flops-resnet101", "lies between two of ours (conv + linear MACs 7.570 G, conv + linear +"),
    ],
)
def test_senet_rows_that_follow_another_reading_are_inconclusive(results, paper: str, claim: str, why: str) -> None:
    """SENet Table 2: BatchNorm once reproduces most rows; two hold under conv + linear alone, so the rows do not
    share one reading, and ResNet-101's 7.58 lies between conv + linear and BatchNorm once."""
    result = results[(paper, claim)]
    assert result.verdict == "inconclusive" and why in result.summary


@pytest.mark.parametrize(
    ("paper", "claim"),
    [
        ("mobilenetv2", "table4-params-140"),  # Table 4's width-1.4 row: no released layout gives 6.9M
        ("mobilenetv2", "table4-madds-140"),
        # every README row sits 0.2-0.5 points from the evaluation of torchvision's port: none of the four is judged
        ("densenet", "readme-top1-error-densenet121"),
        ("densenet", "readme-top1-error-densenet169"),
        ("densenet", "readme-top1-error-densenet201"),
        ("densenet", "readme-top1-error-densenet161"),
    ],
)
def test_claims_whose_model_is_unconfirmed_are_inconclusive(results, paper: str, claim: str) -> None:
    result = results[(paper, claim)]
    assert result.verdict == "inconclusive" and "not confirmed to be the one" in result.summary


def test_every_diagnosis_is_a_possible_cause(results) -> None:
    for result in results.values():
        if result.verdict == "refuted" and result.basis == "computation":
            assert result.diagnosis, result.claim_id
            for line in result.diagnosis:
                assert line.startswith(ALLOWED_DIAGNOSES), (result.claim_id, line)
                assert not line.startswith("coverage"), result.claim_id


def test_claims_about_unconfirmed_models_are_never_verified_or_refuted(results) -> None:
    for result in results.values():
        unconfirmed = [m for m in result.models if m in REGISTRY and not REGISTRY[m].confirmed]
        if unconfirmed and result.basis == "computation":
            assert result.verdict in ("inconclusive", "error"), result.claim_id


def test_a_reader_never_sees_internal_names_or_empty_values(results) -> None:
    internal = re.compile(r"macs_conv_linear|fvcore_total|macs_conv_linear_bn|printed as None|\bNone\b|\+0\.0 %")
    for result in results.values():
        shown = " ".join([result.claimed, result.summary, result.measured or "", result.tolerance, *result.diagnosis])
        assert not internal.search(shown), (result.claim_id, shown)
        if result.verdict in ("verified", "refuted") and result.basis == "computation":
            assert " – " in result.tolerance or "declared" in result.tolerance, result.claim_id


def test_every_cited_claim_says_why(results) -> None:
    for result in results.values():
        if result.verdict == "cited":
            assert result.summary.startswith("Cited: ") and len(result.summary) > 20, result.claim_id


def test_no_summary_doubles_its_closing_period(results) -> None:
    """A reason that ends with a period is not given a second one ("cannot judge this number..")."""
    doubled = [r.claim_id for r in results.values() if ".." in r.summary.replace("...", "")]
    assert doubled == []
