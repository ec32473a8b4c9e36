"""HetConv family (reference_impls/hetconv.py): the layer's layout and exact cost, and the VGG/ResNet models."""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
from conftest import conv_linear_macs, fvcore_total, meta_model, param_count, readings
from fvcore.nn import FlopCountAnalysis
from torch import nn

from reference_impls import REGISTRY, create_model
from reference_impls.hetconv import (
    VGG16_CIFAR_PARTS,
    CostReadings,
    HetConv2d,
    hetconv_layer_cost,
    hetconv_layer_ratio,
    vgg16_cifar_predicted_cost,
    vgg_cifar_conv_layers,
)
from reference_impls.vgg_tables import VGG16_STAGES

FAMILY = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "hetconv")
CIFAR_IDS = [f"hetconv_vgg16_cifar_p{part}" for part in VGG16_CIFAR_PARTS]

# Layer shapes (M, N, P, stride, input size) exercised below.
LAYERS = [(8, 12, 4, 1, 5), (8, 8, 2, 2, 7), (16, 32, 16, 1, 6), (12, 6, 3, 2, 9), (6, 6, 1, 1, 5)]


def het_cost_per_position(m: int, n: int, p: int) -> int:
    """HetConv: N filters of M/P 3x3 kernels and M - M/P 1x1 kernels: N * (9M/P + M - M/P) (= params)."""
    return n * (9 * m // p + m - m // p)


def conv_fc_macs(model: nn.Module, resolution: int) -> int:
    """Conv + linear multiply-accumulates at batch 1, counted on the meta device."""
    return conv_linear_macs(model, (3, resolution, resolution))


# --------------------------------------------------------------------------------------------------------- the layer


@pytest.mark.parametrize(("m", "n", "p", "stride", "size"), LAYERS)
def test_layer_param_count_is_the_formula(m: int, n: int, p: int, stride: int, size: int) -> None:
    layer = HetConv2d(m, n, part=p, stride=stride)
    assert sum(t.numel() for t in layer.parameters()) == het_cost_per_position(m, n, p)


@pytest.mark.parametrize(("m", "n", "p", "stride", "size"), LAYERS)
def test_layer_macs_and_ratio_are_exact(m: int, n: int, p: int, stride: int, size: int) -> None:
    layer = HetConv2d(m, n, part=p, stride=stride).eval()
    analysis = FlopCountAnalysis(layer, torch.randn(1, m, size, size))
    analysis.unsupported_ops_warnings(False)
    d_out = (size - 1) // stride + 1
    macs = analysis.total()
    assert macs == d_out**2 * het_cost_per_position(m, n, p)  # D_o^2 * N * (9M/P + M - M/P)
    standard = d_out**2 * n * m * 9  # D_o^2 * M * N * K^2
    assert Fraction(macs, standard) == Fraction(1, p) + Fraction(p - 1, p) / 9  # 1/P + (1 - 1/P)/K^2


@pytest.mark.parametrize(("m", "n", "p", "stride", "size"), LAYERS)
def test_impulse_response_has_the_shifted_layout(m: int, n: int, p: int, stride: int, size: int) -> None:
    """Filter n sees input channel i through a 3x3 footprint iff (i - n) mod P == 0, else through its centre only."""
    torch.manual_seed(0)
    layer = HetConv2d(m, n, part=p).eval()  # stride 1 so that every tap of the footprint is visible
    x = torch.zeros(m, m, 5, 5)
    x[torch.arange(m), torch.arange(m), 2, 2] = 1.0  # batch b: a unit impulse on input channel b at the centre
    with torch.no_grad():
        y = layer(x)  # y[i, n] = response of filter n to the impulse on channel i
    footprint = y.abs() > 0
    centre_only = torch.zeros(5, 5, dtype=torch.bool)
    centre_only[2, 2] = True
    full_3x3 = torch.zeros(5, 5, dtype=torch.bool)
    full_3x3[1:4, 1:4] = True
    for i in range(m):
        for filt in range(n):
            expected = full_3x3 if (i - filt) % p == 0 else centre_only
            assert torch.equal(footprint[i, filt], expected), (i, filt)


@pytest.mark.parametrize(("m", "n", "p", "stride", "size"), LAYERS)
def test_equals_a_dense_masked_conv(m: int, n: int, p: int, stride: int, size: int) -> None:
    torch.manual_seed(0)
    layer = HetConv2d(m, n, part=p, stride=stride).eval()
    dense = layer.dense_weight()
    assert dense.shape == (n, m, 3, 3)
    # The mask: the 8 outer taps are non-zero exactly where (i - n) mod P == 0.
    outer = dense.clone()
    outer[:, :, 1, 1] = 0
    has_3x3 = outer.abs().sum((2, 3)) > 0
    rows = torch.arange(n)[:, None]
    cols = torch.arange(m)[None, :]
    assert torch.equal(has_3x3, (cols - rows) % p == 0)
    assert (dense[:, :, 1, 1] != 0).all()
    x = torch.randn(2, m, size, size)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), F.conv2d(x, dense, stride=stride, padding=1))


@pytest.mark.parametrize(("m", "n", "p"), [(6, 8, 4), (8, 6, 4), (8, 8, 3), (8, 8, 0)])
def test_part_must_divide_m_and_n(m: int, n: int, p: int) -> None:
    with pytest.raises(ValueError, match="M/P"):
        HetConv2d(m, n, part=p)


# -------------------------------------------------------------------------------------------------------- the models


def test_family_is_registered() -> None:
    assert sorted(["hetconv_resnet50_p4", *CIFAR_IDS]) == FAMILY


def test_cifar_default_is_ten_classes() -> None:
    with torch.no_grad():
        assert create_model("hetconv_vgg16_cifar_p4")(torch.randn(1, 3, 32, 32)).shape == (1, 10)


@pytest.mark.parametrize("model_id", CIFAR_IDS)
def test_vgg_cifar_stage_shapes(model_id: str) -> None:
    # VGG Table 1, configuration D, at 32 px: five blocks each closed by a 2x2 max-pool.
    model = meta_model(model_id)
    x = torch.empty(1, 3, 32, 32, device="meta")
    for stage, (channels, size, convs) in zip(
        model.stages, [(64, 16, 2), (128, 8, 2), (256, 4, 3), (512, 2, 3), (512, 1, 3)], strict=True
    ):
        assert sum(isinstance(layer, nn.MaxPool2d) for layer in stage) == 1
        assert len(stage) == convs + 1
        x = stage(x)
        assert x.shape == (1, channels, size, size)
    head = model.head  # the classifier of the HetConv training code: 512 -> 512, BN, ReLU, 512 -> 10
    assert [type(m) for m in head] == [nn.Flatten, nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Linear]
    assert (head.fc1.in_features, head.fc1.out_features, head.fc2.out_features) == (512, 512, 10)
    assert head(x).shape == (1, 10)


def test_resnet50_p4_stage_shapes() -> None:
    model = meta_model("hetconv_resnet50_p4")
    x = model.stem(torch.empty(1, 3, 224, 224, device="meta"))
    assert x.shape == (1, 64, 56, 56)
    for stage, (channels, size) in zip(model.stages, [(256, 56), (512, 28), (1024, 14), (2048, 7)], strict=True):
        x = stage(x)
        assert x.shape == (1, channels, size, size)
    het = [module for module in model.modules() if isinstance(module, HetConv2d)]
    assert len(het) == 16 and all(layer.part == 4 for layer in het)  # every bottleneck 3x3, strided ones included
    assert sorted({layer.stride for layer in het}) == [1, 2]


# Our three readings of the CIFAR VGG-16 (classifier 512 -> 512, BN, ReLU, 512 -> 10), computed by hand from
# VGG Table 1 config D at 32 px and the HetConv formula; P = 1 with BatchNorm once is issue 9's 313,740,288
# (one bias add per conv output) plus the classifier's 512 BatchNorm elements.
VGG_CIFAR_COUNTS = {  # P: (params, conv + linear, conv + linear + BN once, fvcore total)
    1: (14_987_722, 313_463_808, 313_740_800, 314_017_792),
    2: (8_450_506, 175_051_776, 175_328_768, 175_605_760),
    4: (5_181_898, 105_845_760, 106_122_752, 106_399_744),
    8: (3_547_594, 71_242_752, 71_519_744, 71_796_736),
    16: (2_730_442, 53_941_248, 54_218_240, 54_495_232),
    32: (2_321_866, 45_290_496, 45_567_488, 45_844_480),
    64: (2_117_578, 40_965_120, 41_242_112, 41_519_104),
}
# HetConv's VGG-16 / CIFAR-10 table (CVPR 2019, the VGG-16 CIFAR-10 results table) as quoted by the third-party
# README of irvinxav/Efficient-HetConv-Heterogeneous-Kernel-Based-Convolutions (column 'Acc% (Original)'), in M.
PRINTED_MFLOPS = {1: 313.74, 2: 175.23, 4: 105.98, 8: 71.35, 16: 54.04, 32: 45.38, 64: 41.05}


def test_layer_ratio_and_cost() -> None:
    assert hetconv_layer_ratio(4) == Fraction(1, 3)  # exactly one third
    assert hetconv_layer_ratio(1) == 1  # P = 1: every kernel 3x3
    assert hetconv_layer_ratio(2) == Fraction(5, 9)
    assert hetconv_layer_ratio(64) == Fraction(1, 8)  # the abstract's "8X"
    assert hetconv_layer_ratio(4, kernel=5) == Fraction(1, 4) + Fraction(3, 4) / 25
    with pytest.raises(ValueError, match="P >= 1"):
        hetconv_layer_ratio(0)
    for m, n, p, _, size in LAYERS:
        params, macs = hetconv_layer_cost(m, n, p, size)
        assert params == het_cost_per_position(m, n, p)
        assert macs == params * size * size
    with pytest.raises(ValueError, match="divide"):
        hetconv_layer_cost(6, 8, 4, 5)


def test_conv_layer_table_is_vgg16_config_d() -> None:
    blocks = vgg_cifar_conv_layers(VGG16_STAGES, part=8)
    assert [len(b) for b in blocks] == [2, 2, 3, 3, 3]
    assert [b[0].output_side for b in blocks] == [32, 16, 8, 4, 2]
    layers = [layer for block in blocks for layer in block]
    assert [layer.part for layer in layers] == [1] + [8] * 12  # the first conv (M = 3) stays standard
    assert [(layer.in_channels, layer.out_channels) for layer in layers[:3]] == [(3, 64), (64, 64), (64, 128)]


def test_analytic_cost_imports_without_torch() -> None:
    # The site and tools import the formula without torch (tools/site imports no torch).
    code = (
        "import sys, reference_impls.hetconv_cost as c; assert 'torch' not in sys.modules, 'torch imported'; "
        "print(c.vgg16_cifar_predicted_cost(4).params)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(VGG_CIFAR_COUNTS[4][0])


@pytest.mark.parametrize("part", VGG16_CIFAR_PARTS)
def test_vgg_cifar_counts_are_exact(part: int) -> None:
    params, macs, macs_bn, fvcore = VGG_CIFAR_COUNTS[part]
    assert vgg16_cifar_predicted_cost(part) == CostReadings(params, macs, macs_bn, fvcore)
    assert readings(f"hetconv_vgg16_cifar_p{part}") == (params, macs, macs_bn)


@pytest.mark.parametrize("part", VGG16_CIFAR_PARTS)
def test_predicted_fvcore_total_is_fvcores(part: int) -> None:
    assert fvcore_total(f"hetconv_vgg16_cifar_p{part}") == vgg16_cifar_predicted_cost(part).fvcore_total


def test_which_reading_reproduces_the_printed_rows() -> None:
    """Only P = 1 is reproduced, by conv + linear + BatchNorm once; P = 2 ... 64 fall between two readings."""
    reproduced = {
        name: [p for p in VGG16_CIFAR_PARTS if round(getattr(vgg16_cifar_predicted_cost(p), name) / 1e6, 2)
               == PRINTED_MFLOPS[p]]
        for name in ("macs_conv_linear", "macs_conv_linear_bn", "fvcore_total")
    }  # fmt: skip
    assert reproduced == {"macs_conv_linear": [], "macs_conv_linear_bn": [1], "fvcore_total": []}
    # Issue 9: with one bias add per conv output instead of the classifier's BatchNorm, exactly 313,740,288.
    assert vgg16_cifar_predicted_cost(1).macs_conv_linear_bn - 512 == 313_740_288
    for p in VGG16_CIFAR_PARTS[1:]:
        cost = vgg16_cifar_predicted_cost(p)
        assert cost.macs_conv_linear < PRINTED_MFLOPS[p] * 1e6 < cost.macs_conv_linear_bn


def test_one_formula_reproduces_all_seven_printed_rows() -> None:
    """The printed costs (a third-party README's table) follow the per-layer cost ratio applied to each 3x3 conv's
    multiply-adds *and* its bias adds, plus the classifier's two linear layers, cut to two decimals; no reading of
    the network does (a bias add per output does not shrink with P). reference_impls/hetconv.py, Deviations."""
    for part in VGG16_CIFAR_PARTS:
        total = Fraction(512 * 512 + 512 * 10)  # the classifier's two linear layers
        for block in vgg_cifar_conv_layers(VGG16_STAGES, part=part):
            for layer in block:
                dense = layer.output_side**2 * layer.out_channels * 9 * layer.in_channels
                bias_adds = layer.output_side**2 * layer.out_channels
                total += (dense + bias_adds) * hetconv_layer_ratio(layer.part)
        assert math.floor(total / 10_000) / 100 == PRINTED_MFLOPS[part]


def test_resnet50_p4_saves_about_30_percent() -> None:
    # resnet50 (timm V1.5 layout): 25,557,032 params, 4,089,184,256 conv + fc MACs (torchvision meta: 4.089 GMACs).
    base = meta_model("resnet50")
    het = meta_model("hetconv_resnet50_p4")
    base_macs, het_macs = conv_fc_macs(base, 224), conv_fc_macs(het, 224)
    assert base_macs == 4_089_184_256
    assert het_macs == 2_856_058_880
    assert round(100 * (het_macs / base_macs - 1), 1) == -30.2
    # 16 bottleneck 3x3 convs of width w: w*w*9 params each become w*(9w/4 + 3w/4) = 3*w*w.
    assert param_count(het) == 18_012_200
    saved = sum(6 * w * w * blocks for w, blocks in [(64, 3), (128, 4), (256, 6), (512, 3)])
    assert param_count(base) - saved == 18_012_200
