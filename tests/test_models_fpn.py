"""ResNet-FPN (reference_impls/fpn.py): pyramid counts against torchvision, output shapes per level, per-stage rows."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import ModelSpec, create_model, get_spec, input_size
from reference_impls.fpn import FeaturePyramid, ResNetFPN
from reference_impls.resnet import RESNET50_STAGES, RESNET101_STAGES
from tools.counting import breakdown_modules, measure_model

C2_TO_C5 = [256, 512, 1024, 2048]

# torchvision 0.29.1 (torch 2.14.1), obtained in a throwaway venv:
#   FeaturePyramidNetwork([256, 512, 1024, 2048], 256, extra_blocks=LastLevelMaxPool()): 3,344,384 parameters
#   (984,064 in the 1x1 laterals + 2,360,320 in the 3x3 outputs; the FPN paper prints no count, an independent
#   analytic count by shape arithmetic agrees), and
#   FlopCounterMode / 2 on C2 ... C5 of an 800x1344 input: 60,899,328,000 multiply-adds.
#   resnet_fpn_backbone(backbone_name=..., weights=None, trainable_layers=5): body parameters 23,454,912 (ResNet-50)
#   and 42,394,816 (ResNet-101), plus 53,120 / 105,344 FrozenBatchNorm2d weight and bias buffers; FlopCounterMode / 2
#   at 1x3x800x1344: 148,480,819,200 (ResNet-50) and 228,028,416,000 (ResNet-101). Its ResNet is V1.5.
TORCHVISION_PYRAMID_PARAMS = 3_344_384
TORCHVISION_PYRAMID_MACS_800x1344 = 60_899_328_000
TORCHVISION_BACKBONE = {"resnet50_fpn": (23_454_912, 53_120), "resnet101_fpn": (42_394_816, 105_344)}
TORCHVISION_V15_MACS_800x1344 = {"resnet50_fpn": 148_480_819_200, "resnet101_fpn": 228_028_416_000}
# Ours (2015 layout, stride on the first 1x1), conv + linear MACs at 800x1344.
OUR_MACS_800x1344 = {"resnet50_fpn": 143_526_297_600, "resnet101_fpn": 223_073_894_400}
STAGES = {"resnet50_fpn": RESNET50_STAGES, "resnet101_fpn": RESNET101_STAGES}


def conv_linear_macs(model: torch.nn.Module, *inputs: object) -> int:
    with FlopCounterMode(display=False) as counter:
        model(*inputs)
    return counter.get_total_flops() // 2


def test_registered_at_the_detection_input() -> None:
    for model_id in STAGES:
        spec = get_spec(model_id)
        assert (spec.resolution, spec.width, spec.fidelity) == (800, 1344, "paper")
        assert input_size(model_id) == (3, 800, 1344)
    assert input_size("resnet50") == (3, 224, 224), "square rows are unchanged"


def test_pyramid_equals_torchvision() -> None:
    with torch.device("meta"):
        pyramid = FeaturePyramid(C2_TO_C5)
        features = [torch.zeros(1, c, 800 // s, 1344 // s) for c, s in zip(C2_TO_C5, (4, 8, 16, 32), strict=True)]
    assert sum(p.numel() for p in pyramid.parameters()) == TORCHVISION_PYRAMID_PARAMS
    assert sum(p.numel() for p in pyramid.lateral.parameters()) == 984_064
    assert conv_linear_macs(pyramid, features) == TORCHVISION_PYRAMID_MACS_800x1344


@pytest.mark.parametrize("model_id", sorted(STAGES))
def test_counts_equal_torchvision_backbone_plus_pyramid(model_id: str) -> None:
    body, frozen_bn = TORCHVISION_BACKBONE[model_id]
    x = torch.zeros(1, 3, 800, 1344, device="meta")
    with torch.device("meta"):
        ours = create_model(model_id)
        v15 = ResNetFPN(STAGES[model_id], stride_on_3x3=True)
    assert sum(p.numel() for p in ours.parameters()) == body + frozen_bn + TORCHVISION_PYRAMID_PARAMS
    assert sum(p.numel() for p in ours.head.parameters()) == TORCHVISION_PYRAMID_PARAMS
    assert conv_linear_macs(v15, x) == TORCHVISION_V15_MACS_800x1344[model_id]
    assert conv_linear_macs(ours, x) == OUR_MACS_800x1344[model_id]


@pytest.mark.parametrize(
    ("size", "levels"),
    [
        ((800, 1344), [(200, 336), (100, 168), (50, 84), (25, 42), (13, 21)]),
        ((800, 1333), [(200, 334), (100, 167), (50, 84), (25, 42), (13, 21)]),  # unpadded: upsampling to exact size
    ],
)
@pytest.mark.parametrize("model_id", sorted(STAGES))
def test_output_shape_at_each_level(model_id: str, size: tuple[int, int], levels: list[tuple[int, int]]) -> None:
    with torch.device("meta"):
        model = create_model(model_id)
        outputs = model(torch.zeros(1, 3, *size))
    assert [tuple(p.shape) for p in outputs] == [(1, 256, h, w) for h, w in levels]  # P2 ... P6


def test_top_down_pathway_and_p6_subsampling() -> None:
    torch.manual_seed(0)
    pyramid = FeaturePyramid([8, 16], channels=4).eval()
    c2, c3 = torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)
    with torch.no_grad():
        p2, p3, p4 = pyramid([c2, c3])
        top = pyramid.lateral[1](c3)
        assert torch.allclose(p3, pyramid.output[1](top))
        merged = pyramid.lateral[0](c2) + top.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest x2
        assert torch.allclose(p2, pyramid.output[0](merged), atol=1e-6)
        assert torch.equal(p4, p3[..., ::2, ::2])  # "simply a stride two subsampling"
    with pytest.raises(ValueError, match="takes 2 feature maps"):
        pyramid([c2])


def test_per_stage_rows_show_backbone_stages_and_the_pyramid() -> None:
    with torch.device("meta"):
        model = create_model("resnet50_fpn")
    assert breakdown_modules(model) == [
        ("stem", "stem"),
        ("conv2", "stages.0"),
        ("conv3", "stages.1"),
        ("conv4", "stages.2"),
        ("conv5", "stages.3"),
        ("pyramid", "head"),
    ]
    model.stage_names = ("stem", "pyramid")
    with pytest.raises(ValueError, match="2 names for 6 rows"):
        breakdown_modules(model)


def test_measurement_separates_the_pyramid_from_the_backbone() -> None:
    record = measure_model("resnet50_fpn")  # full 800x1344 trace: a few seconds on one core
    rows = {row["name"]: row for row in record["stages"]}
    assert list(rows) == ["stem", "conv2", "conv3", "conv4", "conv5", "pyramid"]
    assert rows["pyramid"]["params"] == TORCHVISION_PYRAMID_PARAMS
    assert rows["pyramid"]["output_shape"] == [256, 200, 336]  # P2, the finest level
    assert rows["conv5"]["output_shape"] == [2048, 25, 42]
    assert sum(row["params"] for row in rows.values()) == record["params"] == 26_852_416
    assert record["input_size"] == [3, 800, 1344]


def test_a_non_square_input_needs_a_positive_width() -> None:
    assert ModelSpec("x", "fpn", "resnet50_fpn", 800, width=1344, fidelity="paper").input_size == (3, 800, 1344)
    assert ModelSpec("x", "resnet", "resnet50", 224, fidelity="official").input_size == (3, 224, 224)
    with pytest.raises(ValueError, match="x: width must be a positive number of pixels, got 0"):
        ModelSpec("x", "fpn", "resnet50_fpn", 800, width=0, fidelity="paper")
