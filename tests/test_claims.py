"""Verdict logic on small hand-made cases: each verdict and each diagnosis."""

from __future__ import annotations

from typing import Any

import pytest

from tools.catalogue.schema import Claim
from tools.claims import evaluate_claim, printed_decimals, tolerance_for


def fake(model_id: str, *, params: int, flops: int, cross: int, head: int = 0, res: int = 224,
         error: str | None = None) -> dict[str, Any]:
    return {
        "id": model_id, "key": "x", "input_size": [3, res, res], "params": params, "flops": flops,
        "crosscheck_macs": cross, "activations": params // 2, "unsupported_ops": {},
        "stages": [{"name": "head", "params": 0, "flops": head, "output_shape": [1000]}], "sweep": [],
        "versions": {}, "measured_on": "2026-11-28", "error": error,
    }


# Numbers as measured by tools/counting.py (fvcore total incl. BN; FlopCounterMode conv+linear MACs).
MEASUREMENTS = {
    "resnet50": fake("resnet50", params=25_557_032, flops=4_111_512_576, cross=4_089_184_256, head=2_148_352),
    "resnet50_v1": fake("resnet50_v1", params=25_557_032, flops=3_880_000_000, cross=3_858_000_000),
    "res2net50_26w_4s": fake("res2net50_26w_4s", params=25_699_120, flops=4_280_481_824, cross=4_255_166_464),
    "res2net50_18w_4s": fake("res2net50_18w_4s", params=18_095_104, flops=2_920_781_216, cross=2_898_407_424),
    "hetconv_vgg16_cifar_p1": fake("hetconv_vgg16_cifar_p1", params=14_724_042, flops=313_754_624,
                                   cross=313_201_664, res=32),
    "hetconv_vgg16_cifar_p4": fake("hetconv_vgg16_cifar_p4", params=4_918_218, flops=106_136_576,
                                   cross=105_583_616, res=32),
    "hetconv_vgg16_cifar_p64": fake("hetconv_vgg16_cifar_p64", params=1_853_898, flops=41_255_936,
                                    cross=40_702_976, res=32),
}


def claim(**fields: Any) -> Claim:
    base = {
        "id": "c", "text": "t", "kind": "absolute", "quantity": "macs", "model": "resnet50", "printed": "4.1B",
        "value": 4.1, "unit": "G", "convention": "macs", "source": {"version": "v1", "location": "Table 1"},
        "origin": "paper", "confidence": "B",
    }
    base.update(fields)
    if base["quantity"] != "macs":
        base.pop("convention", None) if "convention" not in fields else None
    return Claim.model_validate(base)


def verdict(c: Claim, measurements: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return evaluate_claim(c, "paper", MEASUREMENTS if measurements is None else measurements)


@pytest.mark.parametrize(("printed", "value", "decimals"), [
    ("25.6M", 25.6, 1), ("4.1B", 4.1, 1), ("300M", 300, 0), ("0.39B", 0.39, 2), ("25,557,032", 25_557_032, 0),
    ("3.8 × 10^9", 3.8, 1), ("69%", 69, 0), ("3X to 8X", 8, 0),
])
def test_printed_precision(printed: str, value: float, decimals: int) -> None:
    assert printed_decimals(printed, value) == decimals


def test_tolerance_from_printed_precision_and_declared() -> None:
    interval = tolerance_for(claim(printed="25.6M", value=25.6, quantity="params", unit="M"), 25.6)
    assert interval.low == pytest.approx(25.55) and interval.high == pytest.approx(25.65)
    declared = claim(tolerance={"rel": 0.1, "reason": "approximately"})
    interval = tolerance_for(declared, 4.1)
    assert interval.low == pytest.approx(3.69) and "declared: approximately" in interval.description


def test_params_verified() -> None:
    result = verdict(claim(quantity="params", printed="25.6M", value=25.6, unit="M"))
    assert result.verdict == "verified"
    assert "25,557,032" in result.computation


def test_macs_verified_with_either_bn_reading() -> None:
    # 4.1 matches fvcore's 4.112 (with BN) and FlopCounterMode's 4.089 (without): either reading verifies `macs`.
    assert verdict(claim()).verdict == "verified"


def test_off_by_two_diagnosis() -> None:
    result = verdict(claim(printed="8.2 GFLOPs", value=8.2))
    assert result.verdict == "refuted"
    assert any(d.startswith("off by 2×") for d in result.diagnosis), result.diagnosis
    assert verdict(claim(printed="8.2 GFLOPs", value=8.2, convention="flops_2x")).verdict == "verified"


def test_resolution_diagnosis() -> None:
    # 4.089 G × (256/224)² = 5.34 G
    result = verdict(claim(printed="5.3G", value=5.3, convention="macs_conv_fc"))
    assert result.verdict == "refuted"
    assert any("resolution: at 256×256" in d for d in result.diagnosis), result.diagnosis


def test_complement_diagnosis_names_res2net_50_l() -> None:
    note = claim(kind="reduction", model="res2net50_26w_4s", compared_to="resnet50", printed="69%", value=69,
                 unit="%", convention="unspecified", origin="note")
    result = verdict(note)
    assert result.verdict == "refuted"
    complement = [d for d in result.diagnosis if d.startswith("complement")]
    assert complement and "res2net50_18w_4s" in complement[0], result.diagnosis


def test_batchnorm_scope_diagnosis() -> None:
    result = verdict(claim(printed="4.09", value=4.09, convention="macs_with_bn"))
    assert result.verdict == "refuted"
    assert any(d.startswith("BatchNorm scope") for d in result.diagnosis), result.diagnosis


def test_head_scope_diagnosis() -> None:
    result = verdict(claim(printed="4.109", value=4.109, convention="macs_with_bn"))
    assert result.verdict == "refuted"
    assert any(d.startswith("head scope") for d in result.diagnosis), result.diagnosis


def test_layout_variant_diagnosis() -> None:
    result = verdict(claim(printed="3.86", value=3.86, convention="macs_conv_fc"))
    assert result.verdict == "refuted"
    assert any("`resnet50_v1`" in d for d in result.diagnosis), result.diagnosis


def test_ratio_verified_and_refuted() -> None:
    kept = claim(kind="ratio", model="res2net50_18w_4s", compared_to="resnet50", printed="71%", value=71, unit="%",
                 convention="macs_conv_fc")
    assert verdict(kept).verdict == "verified"  # 2.898 / 4.089 = 70.9 %
    assert verdict(kept.model_copy(update={"value": 69.0, "printed": "69%"})).verdict == "refuted"


def test_range_verified() -> None:
    het = claim(kind="range", model=None, models=["hetconv_vgg16_cifar_p4", "hetconv_vgg16_cifar_p64"],
                compared_to="hetconv_vgg16_cifar_p1", printed="3X to 8X", value=3, value_high=8, unit="x",
                convention="macs_conv_fc")
    result = verdict(het)
    assert result.verdict == "verified", result
    assert result.measured == "2.97×–7.69×"


def test_cited_and_error_and_acknowledged() -> None:
    accuracy = claim(quantity="top1_error", printed="22.01", value=22.01, unit="%", convention=None)
    assert verdict(accuracy).verdict == "cited"
    missing = claim(model="resnet50", compared_to=None)
    assert verdict(missing, {}).verdict == "error"
    broken = {"resnet50": fake("resnet50", params=0, flops=0, cross=0, error="RuntimeError: boom")}
    result = verdict(missing, broken)
    assert result.verdict == "error" and "boom" in result.computation
    acknowledged = claim(printed="3.8", value=3.8, convention="macs_conv_fc", acknowledged="V1 layout")
    result = verdict(acknowledged)
    assert result.verdict == "refuted" and result.acknowledged == "V1 layout"


def test_truncation_diagnosis() -> None:
    # Res2Net's tables print 4.2 for 4.255 G: cut, not rounded.
    c = claim(model="res2net50_26w_4s", printed="4.2G", value=4.2, convention="macs_conv_fc")
    result = verdict(c)
    assert result.verdict == "refuted"
    assert any(d.startswith("truncation") for d in result.diagnosis), result.diagnosis


def test_rounding_diagnosis_for_trailing_zeros() -> None:
    measurements = {"resnet50": fake("resnet50", params=1, flops=314_193_216, cross=303_774_272)}
    result = verdict(claim(printed="300M", value=300, unit="M", convention="macs_with_bn"), measurements)
    assert result.verdict == "refuted"
    assert any(d.startswith("rounding: `300M` may be rounded to 1 significant digit") for d in result.diagnosis)


def test_coverage_diagnosis_names_uncounted_operators() -> None:
    se = fake("seresnet50", params=28_088_024, flops=4_114_027_520, cross=4_091_699_200)
    se["unsupported_ops"] = {"aten::add": 16, "aten::mean": 16, "aten::sigmoid": 16}
    base = dict(MEASUREMENTS["resnet50"], unsupported_ops={"aten::add": 16})
    c = claim(kind="increase", model="seresnet50", compared_to="resnet50", printed="0.26%", value=0.26, unit="%")
    result = verdict(c, {"seresnet50": se, "resnet50": base})
    assert result.verdict == "refuted"
    coverage = [d for d in result.diagnosis if d.startswith("coverage")]
    assert coverage and "aten::mean" in coverage[0] and "aten::add" not in coverage[0]


def test_finding_is_cited_without_a_value() -> None:
    finding = Claim.model_validate({
        "id": "f", "text": "Accuracy drops for low-income households.", "kind": "finding", "quantity": "other",
        "source": {"version": "CVPRW 2019", "location": "Abstract"}, "origin": "paper", "confidence": "A",
    })
    result = verdict(finding)
    assert result.verdict == "cited" and result.claimed == finding.text


def test_finding_cannot_carry_a_measurable_quantity() -> None:
    with pytest.raises(ValueError, match="finding"):
        Claim.model_validate({
            "id": "f", "text": "x", "kind": "finding", "quantity": "params",
            "source": {"version": "v1", "location": "Abstract"}, "origin": "paper", "confidence": "A",
        })
