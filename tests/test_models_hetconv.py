"""HetConv family (reference_impls/hetconv.py): the layer's layout and exact cost, and the VGG/ResNet models."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
from fvcore.nn import FlopCountAnalysis
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import REGISTRY, create_model
from reference_impls.hetconv import VGG16_CIFAR_PARTS, HetConv2d

FAMILY = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "hetconv")
CIFAR_IDS = [f"hetconv_vgg16_cifar_p{part}" for part in VGG16_CIFAR_PARTS]

# Layer shapes (M, N, P, stride, input size) exercised below.
LAYERS = [(8, 12, 4, 1, 5), (8, 8, 2, 2, 7), (16, 32, 16, 1, 6), (12, 6, 3, 2, 9), (6, 6, 1, 1, 5)]


def het_cost_per_position(m: int, n: int, p: int) -> int:
    """HetConv: N filters of M/P 3x3 kernels and M - M/P 1x1 kernels: N * (9M/P + M - M/P) (= params)."""
    return n * (9 * m // p + m - m // p)


def conv_fc_macs(model: nn.Module, resolution: int) -> int:
    """Conv + linear multiply-accumulates at batch 1, counted on the meta device (2 FLOPs per MAC)."""
    with torch.device("meta"):
        x = torch.empty(1, 3, resolution, resolution)
    with FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops() // 2


def meta_model(model_id: str) -> nn.Module:
    with torch.device("meta"):
        return create_model(model_id)


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
    assert FAMILY == sorted(["hetconv_resnet50_p4", *CIFAR_IDS])


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


def vgg16_cifar_counts(p: int) -> tuple[int, int]:
    """Analytic params and conv + fc MACs of the CIFAR VGG-16 (BN, bias-free convs, Linear 512 -> 10) at 32 px."""
    params = macs = 0
    m, size = 3, 32
    for block in [(64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)]:
        for n in block:
            per_position = m * n * 9 if m == 3 else het_cost_per_position(m, n, p)
            params += per_position + 2 * n  # conv + BN affine
            macs += size * size * per_position
            m = n
        size //= 2
    return params + 512 * 10 + 10, macs + 512 * 10


# Params: analytic (vgg16_cifar_counts) and our model; no official oracle exists.
# MACs: paper-facts.md HET-06 analytic count (conv + FC 512 -> 10): 313.20 ... 40.70 M.
VGG_CIFAR_COUNTS = {
    1: (14_724_042, 313_201_664),
    2: (8_186_826, 174_789_632),
    4: (4_918_218, 105_583_616),
    8: (3_283_914, 70_980_608),
    16: (2_466_762, 53_679_104),
    32: (2_058_186, 45_028_352),
    64: (1_853_898, 40_702_976),
}


@pytest.mark.parametrize("part", VGG16_CIFAR_PARTS)
def test_vgg_cifar_counts_are_exact(part: int) -> None:
    model = meta_model(f"hetconv_vgg16_cifar_p{part}")
    params, macs = VGG_CIFAR_COUNTS[part]
    assert vgg16_cifar_counts(part) == (params, macs)
    assert sum(t.numel() for t in model.parameters()) == params
    assert conv_fc_macs(model, 32) == macs
    analytic_m = {1: 313.20, 2: 174.79, 4: 105.58, 8: 70.98, 16: 53.68, 32: 45.03, 64: 40.70}[part]
    assert round(macs / 1e6, 2) == analytic_m


def test_resnet50_p4_saves_about_30_percent() -> None:
    # resnet50 (timm V1.5 layout): 25,557,032 params, 4,089,184,256 conv + fc MACs (torchvision meta: 4.089 GMACs).
    base = meta_model("resnet50")
    het = meta_model("hetconv_resnet50_p4")
    base_macs, het_macs = conv_fc_macs(base, 224), conv_fc_macs(het, 224)
    assert base_macs == 4_089_184_256
    assert het_macs == 2_856_058_880
    assert round(100 * (het_macs / base_macs - 1), 1) == -30.2
    # 16 bottleneck 3x3 convs of width w: w*w*9 params each become w*(9w/4 + 3w/4) = 3*w*w.
    assert sum(t.numel() for t in het.parameters()) == 18_012_200
    saved = sum(6 * w * w * blocks for w, blocks in [(64, 3), (128, 4), (256, 6), (512, 3)])
    assert sum(t.numel() for t in base.parameters()) - saved == 18_012_200
