"""tools/counting.py against plain fvcore and FlopCounterMode: the shortcuts it takes change no number."""

from __future__ import annotations

import copy
import warnings
from dataclasses import replace

import pytest
import torch
from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import REGISTRY, create_model, input_size
from tools.counting import conv_linear_macs, executed_work, fvcore_counts, measure_model, readings
from tools.measurements import read_measurements

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
        return (
            sum(p.numel() for p in model.parameters()),
            int(flops.total()),
            int(acts.total()),
            int(counter.get_total_flops()) // 2,
        )


def at_resolution(monkeypatch: pytest.MonkeyPatch, model_id: str, resolution: int, sweep: tuple[int, ...] = ()) -> None:
    """Register `model_id` at another square input for this test (measure_model and input_size read the row)."""
    spec = REGISTRY[model_id]
    monkeypatch.setitem(REGISTRY, model_id, replace(spec, resolution=resolution, sweep_resolutions=sweep))


# The shortcuts (one trace, bfloat16, zero weights, the meta device) do not depend on the input size, so a small
# input proves the same as the paper's, at a fraction of the cost: 96 px keeps every ImageNet stage at 3 px or
# more (attention still has 9 positions to relate in the last stage); the CIFAR model keeps its 32 px.
@pytest.mark.parametrize(
    ("model_id", "resolution"),
    [
        ("mobilenetv2_100", 96),
        ("hetconv_vgg16_cifar_p4", 32),
        ("resnet50_attn_0010", 96),
        ("dla46x_c", 96),
    ],
)
def test_measurement_equals_the_plain_counts(monkeypatch: pytest.MonkeyPatch, model_id: str, resolution: int) -> None:
    at_resolution(monkeypatch, model_id, resolution)
    measured = measure_model(model_id)
    assert measured["input_size"] == [3, resolution, resolution]
    params, flops, activations, macs = plain_counts(model_id)
    assert measured["params"] == params
    assert measured["fvcore_total"] == flops  # one trace, bfloat16, zero weights: same number
    assert measured["activations"] == activations
    assert measured["flopcounter_macs"] == macs  # the meta device gives the same count as real tensors
    assert measured["macs_conv_linear"] == macs  # the executed conv + linear work, by FlopCounterMode
    assert conv_linear_macs(measured["fvcore_by_operator"]) == macs  # fvcore's own conv + linear agree (no dead code)
    assert measured["error"] is None


def test_stage_breakdown_adds_up_and_has_the_paper_shapes() -> None:
    measured = measure_model("resnet50")
    stages = measured["stages"]
    assert [s["name"] for s in stages] == ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    for reading in ("macs_conv_linear", "macs_conv_linear_bn", "fvcore_total"):
        assert sum(s[reading] for s in stages) == measured[reading]
    assert sum(s["params"] for s in stages) == measured["params"]
    # ResNet Table 1 at 224 px
    assert [s["output_shape"] for s in stages[:5]] == [
        [64, 56, 56],
        [256, 56, 56],
        [512, 28, 28],
        [1024, 14, 14],
        [2048, 7, 7],
    ]
    # fvcore counts an eval BatchNorm (with affine) as 2 per element; the BN-once reading adds 1 per element
    assert measured["fvcore_by_operator"]["batch_norm"] == 2 * measured["batchnorm_elements"]
    assert measured["macs_conv_linear_bn"] - measured["macs_conv_linear"] == measured["batchnorm_elements"]
    assert measured["unsupported_ops"]["aten::add"] == 16  # residual adds: listed, not silently zero
    assert [p["resolution"] for p in measured["sweep"]] == [224, 320, 448, 640]
    assert measured["sweep"][0]["flopcounter_macs"] == measured["flopcounter_macs"]


def test_sweep_grows_with_pixels_for_convolution_and_faster_for_attention(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sweep runs on the meta device whatever the registered input; a 64 px registration keeps the traced
    # forward pass (not needed here) cheap and makes every sweep entry a meta-device count.
    for model_id in ("resnet50", "resnet50_attn_1000"):
        at_resolution(monkeypatch, model_id, 64, sweep=(224, 320, 448, 640))
    conv = {p["resolution"]: p["flopcounter_macs"] for p in measure_model("resnet50")["sweep"]}
    attn = {p["resolution"]: p["flopcounter_macs"] for p in measure_model("resnet50_attn_1000")["sweep"]}
    pixels = (640 / 224) ** 2
    assert conv[640] / conv[224] == pytest.approx(pixels, rel=0.02)  # linear in the number of pixels
    extra = {r: attn[r] - conv[r] for r in conv}
    assert extra[640] / extra[224] > 1.3 * pixels  # query-key products grow with pixels squared


class _Toy(nn.Module):
    """conv 1→8 (3×3, pad 1) on 10×10, BatchNorm, global average pool, linear 8→2; optionally a dead conv."""

    def __init__(self, *, dead_conv: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 2, bias=False)
        self.dead = nn.Sequential(nn.Conv2d(8, 4, 1, bias=False), nn.BatchNorm2d(4)) if dead_conv else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn(self.conv(x))
        if self.dead is not None:
            self.dead(y)  # runs, and its result is dropped (as DLA's official `project` in deeper trees)
        return self.fc(self.pool(y).flatten(1))


def toy_readings(model: nn.Module) -> tuple[dict[str, int], dict[str, int]]:
    """(the three readings, fvcore's per-operator counts) of a toy model at 1×1×10×10."""
    model = model.eval()
    per_module, _ = fvcore_counts(model, torch.zeros(1, 1, 10, 10))
    meta = copy.deepcopy(model).to("meta")
    work = executed_work(meta, torch.zeros(1, 1, 10, 10, device="meta"))
    return readings(work, per_module[""]), {
        k.removeprefix("flops:"): v for k, v in per_module[""].items() if k.startswith("flops:")
    }


def test_three_readings_on_a_toy_model_against_hand_counts() -> None:
    """By hand: the conv has 8·10·10 = 800 outputs × 9 multiply-adds = 7,200; the linear 8·2 = 16. fvcore counts the
    eval BatchNorm (with affine) as 2 per element = 1,600 and the pooling as 1 per input element = 800."""
    measured, _ = toy_readings(_Toy())
    assert measured == {"macs_conv_linear": 7_216, "macs_conv_linear_bn": 8_016, "fvcore_total": 9_616}


def test_an_executed_but_unused_conv_counts_in_the_executed_readings_only() -> None:
    """The dead 1×1 conv 8→4 on 10×10: 4·100 outputs × 8 = 3,200 multiply-adds, and its BatchNorm 400 elements.

    FlopCounterMode and the BatchNorm hooks see it run; fvcore's TorchScript trace removes it, so fvcore's total
    and its own conv count stay those of the toy without it."""
    measured, by_operator = toy_readings(_Toy(dead_conv=True))
    assert measured == {
        "macs_conv_linear": 7_216 + 3_200,
        "macs_conv_linear_bn": 8_016 + 3_200 + 400,
        "fvcore_total": 9_616,
    }
    assert conv_linear_macs(by_operator) == 7_216


# Models whose forward pass runs layers whose results are never used: (conv + linear multiply-adds, BatchNorm
# elements) of those layers. DLA-60's official projections: 1x1 convs 128→256 at 28² and twice 256→512 at 14²
# (tests/test_models_dla.py recomputes them from the trees).
EXECUTES_UNUSED_LAYERS = {
    "dla60_res2net_official": (128 * 256 * 28**2 + 2 * 256 * 512 * 14**2, 256 * 28**2 + 2 * 512 * 14**2),
    "dla60_res2next_official": (128 * 256 * 28**2 + 2 * 256 * 512 * 14**2, 256 * 28**2 + 2 * 512 * 14**2),
}


def test_fvcore_agrees_with_the_executed_counts_for_every_measured_model() -> None:
    """fvcore's own conv + linear operators and BatchNorm (2 per element) against the executed-work readings of the
    committed measurements: equal for every model, except by exactly the unused layers where a model runs some."""
    committed = read_measurements()
    assert set(EXECUTES_UNUSED_LAYERS) <= set(committed)
    for model_id, record in committed.items():
        if not record.ok:
            continue
        unused_macs, unused_bn = EXECUTES_UNUSED_LAYERS.get(model_id, (0, 0))
        assert record.macs_conv_linear - conv_linear_macs(record.fvcore_by_operator) == unused_macs, model_id
        assert record.flopcounter_macs == record.macs_conv_linear, model_id
        traced_bn = record.batchnorm_elements - unused_bn
        assert record.fvcore_by_operator.get("batch_norm", 0) == 2 * traced_bn, model_id


@pytest.mark.parametrize(
    "model_id",
    [
        "densenet121",
        "efficientnet_b0",
        "dla34",
        "resnet50_fpn",
        "randwire_ws_small_s0",
        "resnet50_attn_1111",
        "mobilenetv2_100",
        "res2net50_26w_4s",
    ],
)
def test_the_meta_shape_shortcuts_change_no_count(monkeypatch: pytest.MonkeyPatch, model_id: str) -> None:
    """Per module, the executed work with BatchNorm and element-wise operators answered by their shapes equals
    the work with torch's own meta kernels."""
    import contextlib

    from tools import counting
    from tools.counting import breakdown_modules

    with torch.device("meta"):
        model = create_model(model_id).eval()
    x = torch.zeros(1, 3, 96, 96, device="meta")
    paths = ["", *(path for _, path in breakdown_modules(model))]
    with torch.no_grad():
        fast = executed_work(model, x, paths)
        monkeypatch.setattr(counting, "_MetaShapes", contextlib.nullcontext)
        plain = executed_work(model, x, paths)
    assert fast == plain
    assert fast.batchnorm_elements[""] > 0 and fast.macs[""] > 0
