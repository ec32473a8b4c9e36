"""tools/counting.py against plain fvcore and FlopCounterMode: the shortcuts it takes change no number."""

from __future__ import annotations

import warnings

import pytest
import torch
from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import create_model, input_size
from tools.counting import measure_model

warnings.filterwarnings("ignore")


def plain_counts(model_id: str) -> tuple[int, int, int, int]:
    """Params, fvcore flops, fvcore activations and FlopCounterMode MACs, the obvious way (float32, random init)."""
    torch.manual_seed(0)
    model = create_model(model_id)
    x = torch.randn(1, *input_size(model_id))
    with torch.no_grad():
        flops = FlopCountAnalysis(model, x)
        acts = ActivationCountAnalysis(model, x)
        for analysis in (flops, acts):
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
        with FlopCounterMode(display=False) as counter:
            model(x)
        return (sum(p.numel() for p in model.parameters()), int(flops.total()), int(acts.total()),
                int(counter.get_total_flops()) // 2)


@pytest.mark.parametrize("model_id", ["mobilenetv2_100", "hetconv_vgg16_cifar_p4", "resnet50_attn_0010"])
def test_measurement_equals_the_plain_counts(model_id: str) -> None:
    measured = measure_model(model_id)
    params, flops, activations, macs = plain_counts(model_id)
    assert measured["params"] == params
    assert measured["flops"] == flops  # one trace, bfloat16, zero weights: same number
    assert measured["activations"] == activations
    assert measured["crosscheck_macs"] == macs  # the meta device gives the same count as real tensors
    assert measured["error"] is None


def test_stage_breakdown_adds_up_and_has_the_paper_shapes() -> None:
    measured = measure_model("resnet50")
    stages = measured["stages"]
    assert [s["name"] for s in stages] == ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    assert sum(s["flops"] for s in stages) == measured["flops"]
    assert sum(s["params"] for s in stages) == measured["params"]
    # ResNet Table 1 at 224 px
    assert [s["output_shape"] for s in stages[:5]] == [[64, 56, 56], [256, 56, 56], [512, 28, 28], [1024, 14, 14],
                                                      [2048, 7, 7]]
    assert measured["flops_by_operator"]["batch_norm"] > 0  # fvcore counts eval BatchNorm
    assert measured["unsupported_ops"]["aten::add"] == 16  # residual adds: listed, not silently zero
    assert [p["resolution"] for p in measured["sweep"]] == [224, 320, 448, 640]
    assert measured["sweep"][0]["crosscheck_macs"] == measured["crosscheck_macs"]


def test_sweep_grows_with_pixels_for_convolution_and_faster_for_attention() -> None:
    conv = {p["resolution"]: p["crosscheck_macs"] for p in measure_model("resnet50")["sweep"]}
    attn = {p["resolution"]: p["crosscheck_macs"] for p in measure_model("resnet50_attn_1000")["sweep"]}
    pixels = (640 / 224) ** 2
    assert conv[640] / conv[224] == pytest.approx(pixels, rel=0.02)  # linear in the number of pixels
    extra = {r: attn[r] - conv[r] for r in conv}
    assert extra[640] / extra[224] > 1.3 * pixels  # query-key products grow with pixels squared
