"""Verdict logic on small hand-made cases: readings, the one-reading-per-table rule, the tolerance rule, fidelity,
diagnoses that must be possible causes, internal consistency and display."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tools.catalogue.schema import Catalogue, Claim
from tools.claims import ClaimResult, evaluate_claim, evaluate_claims, table_contexts
from tools.measurements import MeasurementRecord
from tools.tolerance import claim_interval, parse_printed, printed_decimals, rule_interval

KEY = "0" * 64


def record(
    model_id: str,
    *,
    params: int,
    conv: int,
    bn: int = 0,
    fvcore: int | None = None,
    head: int = 0,
    head_params: int = 0,
    res: int = 224,
    error: str | None = None,
) -> MeasurementRecord:
    """A measurement with the three readings given directly (bn = BatchNorm output elements)."""
    numbers: dict[str, Any] = {
        "params": params,
        "macs_conv_linear": conv,
        "macs_conv_linear_bn": conv + bn,
        "fvcore_total": fvcore if fvcore is not None else conv + 2 * bn,
        "flopcounter_macs": conv,
        "batchnorm_elements": bn,
        "activations": params // 2,
    }
    if error:
        numbers = dict.fromkeys(numbers)
    stages = (
        []
        if error
        else [
            {
                "name": "stage3",
                "output_shape": [256, 8, 8],
                "params": 1,
                "macs_conv_linear": conv // 4,
                "macs_conv_linear_bn": conv // 4,
                "fvcore_total": conv // 4,
            },
            {
                "name": "head",
                "output_shape": [1000],
                "params": head_params,
                "macs_conv_linear": head,
                "macs_conv_linear_bn": head,
                "fvcore_total": head,
            },
        ]
    )
    return MeasurementRecord(
        id=model_id, key=KEY, input_size=[3, res, res], stages=stages, measured_on="2026-12-01", error=error, **numbers
    )


MEASUREMENTS = {
    "resnet50": record(
        "resnet50",
        params=25_557_032,
        conv=4_089_184_256,
        bn=11_113_984,
        fvcore=4_111_512_576,
        head=2_048_000,
        head_params=2_049_000,
    ),
    "resnet50_v1": record("resnet50_v1", params=25_557_032, conv=3_858_000_000, bn=10_600_000),
    "res2net50_26w_4s": record("res2net50_26w_4s", params=25_699_120, conv=4_255_166_464, bn=12_600_000),
    "res2net50_18w_4s": record("res2net50_18w_4s", params=18_095_104, conv=2_898_407_424, bn=11_100_000),
    "efficientnet_b0": record("efficientnet_b0", params=5_288_548, conv=385_800_000, bn=6_800_000),
    "efficientnet_b1": record("efficientnet_b1", params=7_794_184, conv=686_800_000, bn=10_900_000, res=240),
    "antnet_100_g1": record("antnet_100_g1", params=3_828_039, conv=301_089_984),
    "hetconv_resnet50_p4": record("hetconv_resnet50_p4", params=18_000_000, conv=2_856_000_000),
}


def claim(**fields: Any) -> Claim:
    base: dict[str, Any] = {
        "id": "c",
        "text": "t",
        "kind": "absolute",
        "quantity": "macs",
        "model": "resnet50",
        "printed": "4.1B",
        "value": 4.1,
        "unit": "G",
        "convention": "unspecified",
        "source": {"version": "v1", "location": "Table 1"},
        "origin": "paper",
        "confidence": "B",
    }
    base.update(fields)
    if base["quantity"] != "macs" and "convention" not in fields:
        base.pop("convention")
    return Claim.model_validate(base)


def judge(c: Claim, measurements: dict[str, Any] | None = None) -> ClaimResult:
    return evaluate_claim(c, "paper", MEASUREMENTS if measurements is None else measurements)


def catalogue(*claims: Claim, models: tuple[str, ...] = ()) -> Catalogue:
    return Catalogue.model_validate(
        {
            "papers": [
                {
                    "id": "paper",
                    "title": "T",
                    "authors": ["A"],
                    "year": 2020,
                    "venue": "V",
                    "status": "read",
                    "added": dt.date(2026, 12, 1),
                    "models": [{"id": m, "name": m} for m in models],
                    "claims": [c.model_dump(exclude_none=True) for c in claims],
                }
            ]
        }
    )


# --------------------------------------------------------------------------------------------------------------
# The tolerance rule


@pytest.mark.parametrize(
    ("printed", "value", "decimals"),
    [
        ("25.6M", 25.6, 1),
        ("4.1B", 4.1, 1),
        ("300M", 300, 0),
        ("0.39B", 0.39, 2),
        ("25,557,032", 25_557_032, 0),
        ("3.8 × 10^9", 3.8, 1),
        ("69%", 69, 0),
        ("3X to 8X", 8, 0),
    ],
)
def test_printed_precision(printed: str, value: float, decimals: int) -> None:
    assert printed_decimals(claim(printed=printed, value=value)) == decimals


def test_half_a_unit_of_the_last_digit() -> None:
    interval = rule_interval(claim(printed="25.6M", value=25.6, quantity="params", unit="M"))
    assert (interval.low, interval.high) == pytest.approx((25.55, 25.65))


def test_trailing_zeros_take_the_precision_of_the_column() -> None:
    """ "300M" among 585M: ±0.5; "30M" among 12M … 66M (not 5.3M): ±0.5; alone: its significant digits."""
    row = claim(id="a", printed="300M", value=300, unit="M")
    other = claim(id="b", printed="585M", value=585, unit="M")
    assert rule_interval(row, (row, other)).high == pytest.approx(300.5)
    assert "other rows of its column" in rule_interval(row, (row, other)).rule
    thirty = claim(id="a", printed="30M", value=30, unit="M", quantity="params")
    column = (
        thirty,
        claim(id="b", printed="5.3M", value=5.3, unit="M", quantity="params"),
        claim(id="c", printed="43M", value=43, unit="M", quantity="params"),
    )
    assert rule_interval(thirty, column).high == pytest.approx(30.5)
    alone = rule_interval(row)
    assert (alone.low, alone.high) == (250, 350) and "significant digits" in alone.rule


def test_interval_arithmetic_over_the_entries_a_ratio_came_from() -> None:
    """2.9 / 4.2 stands for 2.85 / 4.25 … 2.95 / 4.15 = 67.06 … 71.08 %."""
    c = claim(
        kind="ratio",
        model="res2net50_18w_4s",
        compared_to="resnet50",
        printed="69%",
        value=69,
        unit="%",
        entries={"model": "2.9G", "compared": "4.2G"},
    )
    interval = claim_interval(c)
    assert interval.low == pytest.approx(2.85 / 4.25 * 100) and interval.high == pytest.approx(2.95 / 4.15 * 100)
    result = judge(c)  # measured 70.88 %: outside 68.5–69.5, inside the entries' interval
    assert result.verdict == "verified"
    assert "entries it was computed from" in result.rule


def test_declared_tolerance_is_used_with_its_reason() -> None:
    c = claim(
        printed="around 25M",
        value=25,
        unit="M",
        quantity="params",
        tolerance={"abs": 1, "reason": "one figure for four baselines", "source": 'Sec. 3.3: "around"'},
    )
    assert judge(c).verdict == "verified"
    assert "one figure for four baselines" in judge(c).rule


# --------------------------------------------------------------------------------------------------------------
# Readings and the one-reading-per-table rule


def test_readings_are_listed_and_the_used_one_marked() -> None:
    result = judge(claim(printed="4.1B", value=4.1))
    labels = [(r.label, r.used) for r in result.readings]
    assert labels == [("conv + linear MACs", True), ("conv + linear + BatchNorm once", False), ("fvcore total", False)]
    assert result.reading == "conv + linear MACs"


def test_a_table_takes_the_reading_that_reproduces_most_rows() -> None:
    """B0 0.39B fits conv + linear and BN-once; B1 0.70B fits BN-once only: BN-once reproduces 2 of 2 rows."""
    table = {"version": "ICML 2019", "location": "Table 2", "table": "EfficientNet Table 2"}
    b0 = claim(id="b0", model="efficientnet_b0", printed="0.39B", value=0.39, source=table)
    b1 = claim(id="b1", model="efficientnet_b1", printed="0.70B", value=0.70, source=table)
    results = evaluate_claims(catalogue(b0, b1), MEASUREMENTS)
    assert [r.verdict for r in results] == ["verified", "verified"]
    assert all(r.reading == "conv + linear + BatchNorm once" for r in results)
    assert results[0].table_rule == "EfficientNet Table 2: conv + linear + BatchNorm once reproduces 2 of 2 rows"


def test_a_tie_leaves_the_reading_open_and_rows_that_depend_on_it_inconclusive() -> None:
    """ResNet-50 v1's 3.86 holds under conv + linear only, B1's 0.70B under BN-once only: 1 row each, a tie.

    Those two rows depend on the reading the table leaves open; B0's 0.39B holds under both (verified); a B1 at
    0.80B holds under neither (refuted, judged under conv + linear)."""
    table = {"version": "v", "location": "Table 2", "table": "T2"}
    fits_conv = claim(id="r50", model="resnet50_v1", printed="3.86", value=3.86, source=table)
    fits_bn = claim(id="b1", model="efficientnet_b1", printed="0.70B", value=0.70, unit="B", source=table)
    fits_both = claim(id="b0", model="efficientnet_b0", printed="0.39B", value=0.39, unit="B", source=table)
    fits_none = claim(id="b1x", model="efficientnet_b1", printed="0.80B", value=0.80, unit="B", source=table)
    rows = catalogue(fits_conv, fits_bn, fits_both, fits_none)
    context = table_contexts(rows, MEASUREMENTS)[("paper", "r50")]
    assert context.reading == "macs_conv_linear" and context.tied == ("macs_conv_linear", "macs_conv_linear_bn")
    assert context.rule == (
        "T2: conv + linear MACs and conv + linear + BatchNorm once each reproduce 2 of 4 rows, "
        "so the table does not decide its reading"
    )
    r50, b1, b0, b1x = evaluate_claims(rows, MEASUREMENTS)
    assert (r50.verdict, b1.verdict, b0.verdict, b1x.verdict) == ("inconclusive", "inconclusive", "verified", "refuted")
    assert "this row holds under conv + linear + BatchNorm once and not under conv + linear MACs" in b1.summary
    assert "this row holds under conv + linear MACs and not under conv + linear + BatchNorm once" in r50.summary
    assert b1x.reading == "conv + linear MACs"


def test_a_row_that_holds_only_under_another_reading_is_not_refuted() -> None:
    """BN-once reproduces 3 of 4 rows; ResNet-50 v1's 3.86 holds under conv + linear alone, so the rows do not
    share one reading and that row is inconclusive. A row that holds under no reading is still refuted."""
    table = {"version": "v", "location": "Table 2", "table": "T2"}
    rows = catalogue(
        claim(id="b0", model="efficientnet_b0", printed="0.39B", value=0.39, unit="B", source=table),
        claim(id="b1", model="efficientnet_b1", printed="0.70B", value=0.70, unit="B", source=table),
        claim(id="b1-again", model="efficientnet_b1", printed="0.70B", value=0.70, unit="B", source=table),
        claim(id="r50", model="resnet50_v1", printed="3.86", value=3.86, source=table),
        claim(id="none", model="efficientnet_b1", printed="0.80B", value=0.80, unit="B", source=table),
        claim(id="between", model="resnet50_v1", printed="3.863", value=3.863, source=table),
    )
    b0, b1, b1_again, r50, none, between = evaluate_claims(rows, MEASUREMENTS)
    assert (b0.verdict, b1.verdict, b1_again.verdict) == ("verified", "verified", "verified")
    assert r50.verdict == "inconclusive" and r50.diagnosis == ()
    assert r50.summary.startswith(
        "Inconclusive: T2: conv + linear + BatchNorm once reproduces 3 of 6 rows, but this row holds under "
        "conv + linear MACs (3.858 G) instead, so the rows do not share one reading"
    )
    assert none.verdict == "refuted" and none.reading == "conv + linear + BatchNorm once"
    # In a table whose rows do not share one reading, a value between two readings (3.858 < 3.863 < 3.8686) could
    # be a count between them; in a table whose rows all agree it is refuted under the table's reading.
    assert between.verdict == "inconclusive"
    assert "lies between two of ours (conv + linear MACs 3.8580 G, conv + linear + BatchNorm once 3.8686 G)" in (
        between.summary
    )
    agreeing = catalogue(
        claim(id="b1", model="efficientnet_b1", printed="0.70B", value=0.70, unit="B", source=table),
        claim(id="between", model="resnet50_v1", printed="3.863", value=3.863, source=table),
    )
    assert [r.verdict for r in evaluate_claims(agreeing, MEASUREMENTS)] == ["verified", "refuted"]


def test_a_claim_whose_model_is_unconfirmed_is_inconclusive_and_says_why() -> None:
    gap = claim(printed="5.0B", value=5.0)  # resnet50: 4.09 G under every reading
    assert judge(gap).verdict == "refuted"
    why = "The paper's width-1.4 row matches no released layout"
    result = judge(gap.model_copy(update={"unconfirmed": why}))
    assert result.verdict == "inconclusive" and result.diagnosis == ()
    assert result.summary == (
        "Inconclusive: the model the source describes is not confirmed to be the one measured. "
        f"{why}. Measured 4.09 G against the printed 5.0B."
    )


def test_a_range_over_a_construction_is_inconclusive() -> None:
    span = claim(
        kind="range",
        quantity="macs",
        model=None,
        models=["hetconv_resnet50_p4"],
        compared_to="resnet50",
        printed="1.4X to 1.5X",
        value=1.4,
        value_high=1.5,
        unit="x",
    )
    result = judge(span)
    assert result.verdict == "inconclusive" and "`hetconv_resnet50_p4` is a construction" in result.summary
    assert "The measured factors span 1.43×–1.43×" in result.summary


def test_an_override_needs_a_reason_from_the_source_and_is_shown() -> None:
    with pytest.raises(ValueError, match="convention_reason"):
        claim(convention="macs_conv_linear")
    result = judge(
        claim(
            convention="fvcore_total",
            printed="4.11",
            value=4.11,
            convention_reason="timm's GMACs column is fvcore's total",
        )
    )
    assert result.verdict == "verified" and result.reading == "fvcore total"
    assert "timm's GMACs column" in (result.table_rule or "")


def test_flops_2x_doubles_the_table_reading() -> None:
    assert judge(claim(convention="flops_2x", printed="8.2B", value=8.2)).verdict == "verified"


# --------------------------------------------------------------------------------------------------------------
# Fidelity: unconfirmed models are inconclusive


def test_claim_about_a_reimplementation_is_inconclusive_never_refuted() -> None:
    result = judge(claim(model="antnet_100_g1", quantity="params", printed="3.7M", value=3.7, unit="M"))
    assert result.verdict == "inconclusive"
    assert result.measured == "3.83 M"
    assert "reimplementation" in result.summary


def test_the_circular_hetconv_30_percent_is_inconclusive() -> None:
    """P = 4 on every 3×3 is the catalogue's own reading (a construction), so the 30 % cannot confirm itself."""
    c = claim(kind="reduction", model="hetconv_resnet50_p4", compared_to="resnet50", printed="30%", value=30, unit="%")
    result = judge(c)
    assert result.verdict == "inconclusive" and "construction" in result.summary


# --------------------------------------------------------------------------------------------------------------
# Diagnoses name only possible causes


def test_complement_for_a_model_the_source_defines() -> None:
    c = claim(
        kind="reduction",
        model="res2net50_26w_4s",
        compared_to="resnet50",
        printed="69%",
        value=69,
        unit="%",
        could_mean=["res2net50_18w_4s"],
    )
    result = judge(c)
    assert result.verdict == "refuted"
    assert result.measured == "4.1 % more"  # a negative reduction is said as an increase
    assert result.diagnosis == (
        "complement for `res2net50_18w_4s`, which the source also defines: 69% is the "
        "share kept (70.9 %), not the reduction (29.1 %)",
    )


def test_no_sibling_is_named_unless_the_claim_says_it_could_mean_it() -> None:
    c = claim(kind="reduction", model="res2net50_26w_4s", compared_to="resnet50", printed="69%", value=69, unit="%")
    assert not any("res2net50_18w_4s" in d for d in judge(c).diagnosis)


def test_head_scope_diagnosis() -> None:
    result = judge(claim(printed="4.087", value=4.087))
    assert result.verdict == "refuted"
    assert result.diagnosis == ("head scope: without the classifier head the count is 4.0871 G",)


def test_a_refutation_with_no_possible_cause_says_so() -> None:
    result = judge(claim(printed="5.0B", value=5.0))
    assert result.verdict == "refuted"
    assert result.diagnosis[0].startswith("no possible cause found")
    assert "18.2 % less than the printed 5.0B" in result.summary


def test_resolution_diagnosis_only_for_resolutions_the_source_uses() -> None:
    from tools.catalogue.schema import Paper

    c = claim(model="efficientnet_b0", printed="0.44B", value=0.44, resolution=224)
    without = evaluate_claim(
        c, Paper.model_validate(catalogue(c, models=("efficientnet_b0",)).papers[0].model_dump()), MEASUREMENTS
    )
    assert not any(d.startswith("resolution") for d in without.diagnosis)
    paper = catalogue(c, models=("efficientnet_b0", "efficientnet_b1")).papers[0]
    with_240 = evaluate_claim(c, paper, MEASUREMENTS)
    assert any(d.startswith("resolution: the source also uses 240×240") for d in with_240.diagnosis)


# --------------------------------------------------------------------------------------------------------------
# Internal consistency, cited reasons, errors


def test_internal_consistency_verified_and_refuted_by_the_sources_own_table() -> None:
    ok = claim(
        kind="consistency",
        quantity="top1_error",
        printed="0.93%",
        value=0.93,
        unit="pp",
        model=None,
        consistency={"operation": "difference", "operands": ["23.85", "22.92"], "where": "Table 3"},
    )
    assert judge(ok).verdict == "verified" and judge(ok).basis == "internal consistency"
    typo = claim(
        kind="consistency",
        quantity="top1_error",
        printed="1.27%",
        value=1.27,
        unit="pp",
        model=None,
        consistency={"operation": "difference", "operands": ["23.32", "21.53"], "where": "Table 1"},
    )
    read_in_the_paper = judge(typo.model_copy(update={"confidence": "A"}))
    assert read_in_the_paper.verdict == "refuted" and read_in_the_paper.measured == "1.790 pp"
    assert "Table 1 gives 1.790 pp, not 1.27%" in read_in_the_paper.summary
    # Read through a copy (confidence B), a paper that contradicts itself may be a copy with a typo.
    copied = judge(typo)
    assert copied.verdict == "inconclusive" and copied.diagnosis == ()
    assert copied.summary == (
        "Inconclusive: the numbers as copied (Table 1) give 1.790 pp, not 1.27%, but they were not read in the "
        "primary source (confidence B), so the inconsistency could be the copy's. Check them in the paper."
    )
    # A reading note's own number against the source's numbers is the note's error either way.
    assert judge(typo.model_copy(update={"origin": "note"})).verdict == "refuted"


def test_product_consistency_alpha_beta_gamma() -> None:
    c = claim(
        kind="consistency",
        quantity="other",
        printed="α · β^2 · γ^2 ≈ 2",
        value=2,
        unit="",
        model=None,
        consistency={"operation": "product", "operands": ["1.2", "1.1", "1.1", "1.15", "1.15"], "where": "Sec. 4"},
    )
    result = judge(c)
    assert result.verdict == "verified" and result.measured == "1.9"


def test_cited_claims_say_why() -> None:
    result = judge(claim(quantity="top1_accuracy", printed="76.3%", value=76.3, unit="%"))
    assert result.verdict == "cited" and "ImageNet evaluation" in result.summary
    own = judge(claim(quantity="box_ap", printed="33.7", value=33.7, unit="", uncheckable="needs COCO training"))
    assert own.summary == "Cited: needs COCO training."


def test_error_when_a_model_has_no_measurement() -> None:
    failed = {**MEASUREMENTS, "resnet50": record("resnet50", params=0, conv=0, error="RuntimeError: boom")}
    result = judge(claim(), failed)
    assert result.verdict == "error" and "boom" in result.computation


def test_stage_claims_compare_one_part_of_the_network() -> None:
    c = claim(
        kind="ratio",
        model="res2net50_18w_4s",
        compared_to="resnet50",
        stage="stage3",
        printed="0.709",
        value=0.709,
        unit="",
    )
    assert judge(c).verdict == "verified"


def test_no_internal_names_or_none_in_what_a_reader_sees() -> None:
    for c in (
        claim(),
        claim(quantity="params", printed="25.6M", value=25.6, unit="M"),
        claim(quantity="top1_accuracy", printed="76.3%", value=76.3, unit="%"),
    ):
        result = judge(c)
        shown = " ".join([result.claimed, result.summary, result.measured or "", result.tolerance])
        for internal in ("macs_conv_linear", "fvcore_total", "None", "top1_accuracy", "+0.0 %"):
            assert internal not in shown


def test_parse_printed_reads_trailing_zeros() -> None:
    parsed = parse_printed("300M")
    assert parsed is not None and parsed.trailing_zeros == 2 and parsed.decimals == 0


def test_every_declared_tolerance_wider_than_the_rule_names_its_source() -> None:
    """The catalogue may widen the rule only where the source itself states a coarser precision."""
    from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue
    from tools.claims import table_of
    from tools.tolerance import wider_than_rule

    real = load_catalogue(DEFAULT_CATALOGUE)
    offenders = []
    for paper in real.papers:
        for c in paper.claims:
            column = [o for o in paper.claims if table_of(o, paper) == table_of(c, paper) and o.unit == c.unit]
            if c.tolerance is not None and wider_than_rule(c, column) and not c.tolerance.source:
                offenders.append(f"{paper.id}/{c.id}")
    assert offenders == []


def test_a_widened_tolerance_without_a_source_is_caught() -> None:
    from tools.tolerance import wider_than_rule

    widened = claim(printed="25.6M", value=25.6, unit="M", quantity="params", tolerance={"rel": 0.1, "reason": "r"})
    assert wider_than_rule(widened)
    assert not wider_than_rule(
        claim(printed="25.6M", value=25.6, unit="M", quantity="params", tolerance={"abs": 0.01, "reason": "r"})
    )
