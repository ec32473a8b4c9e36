"""DenseNet family (reference_impls/densenet.py): Table 1 / Table 2 shapes and exact counts against torchvision/timm."""

from __future__ import annotations

import pytest
import torch
from conftest import fvcore_total, meta_model, param_count, readings
from torch import nn

from reference_impls import REGISTRY, densenet, input_size

IMAGENET = ["densenet121", "densenet169", "densenet201", "densenet161", "densenet264"]
CIFAR = [
    "densenet_cifar_k12_l40", "densenet_cifar_k12_l100", "densenet_cifar_k24_l100",
    "densenet_bc_cifar_k12_l100", "densenet_bc_cifar_k24_l250", "densenet_bc_cifar_k40_l190",
    "densenet_bc_cifar_k36_l40", "densenet_bc_cifar_k48_l40", "densenet_bc_cifar_k60_l40",
]  # fmt: skip

# torchvision 0.29.1 and timm 1.0.31 (torch 2.14.1, fvcore 0.1.5.post20221221), obtained in a throwaway venv; both
# libraries give the same four numbers for each model: params, conv + linear MACs (FlopCounterMode / 2), the same
# plus one per BatchNorm output element, and fvcore's FlopCountAnalysis total, all at 1x3x224x224 in eval mode.
# torchvision's DenseNet*_Weights metadata prints the same params and 2.834 / 3.36 / 4.291 / 7.728 GFLOPS.
LIBRARY_COUNTS = {
    "densenet121": (7_978_856, 2_834_161_664, 2_849_829_120, 2_865_546_752),
    "densenet169": (14_149_480, 3_359_843_328, 3_378_866_304, 3_397_970_816),
    "densenet201": (20_013_928, 4_291_365_888, 4_316_071_296, 4_340_870_784),
    "densenet161": (28_681_000, 7_727_907_072, 7_757_321_184, 7_786_843_488),
}

# Not in any library: our counts, equal to an independent analytic count by shape arithmetic (DenseNet-264 of
# DenseNet Table 1: 33,337,704 params and 5.752 GMACs; the CIFAR models of Table 2 with a 10-class head: 1,020k /
# 6,980k / 27,249k / 769k / 15,324k / 25,624k params, printed there as 1.0M / 7.0M / 27.2M / 0.8M / 15.3M / 25.6M).
OWN_COUNTS = {
    "densenet264": (33_337_704, 5_751_653_376, 5_785_666_432),
    "densenet_cifar_k12_l40": (1_019_722, 264_812_928, 267_069_312),
    "densenet_cifar_k12_l100": (6_979_642, 1_769_516_448, 1_783_607_712),
    "densenet_cifar_k24_l100": (27_249_082, 6_889_347_744, 6_916_820_640),
    "densenet_bc_cifar_k12_l100": (769_162, 287_929_692, 292_206_300),
    "densenet_bc_cifar_k24_l250": (15_324_406, 5_418_785_724, 5_461_476_540),
    "densenet_bc_cifar_k40_l190": (25_624_430, 9_301_945_740, 9_345_250_700),
    # Wide-DenseNet-BC of the official README (L = 40): our counts, pinned against drift.
    "densenet_bc_cifar_k36_l40": (1_542_682, 647_298_936, 650_331_000),
    "densenet_bc_cifar_k48_l40": (2_733_130, 1_149_867_168, 1_153_909_920),
    "densenet_bc_cifar_k60_l40": (4_261_690, 1_795_836_360, 1_800_889_800),
}

# The official README's Wide-DenseNet table (liuzhuang13/DenseNet @e3d24fb): params in M, CIFAR-10 head.
README_WIDE_PARAMS_M = {
    "densenet_bc_cifar_k36_l40": 1.5, "densenet_bc_cifar_k48_l40": 2.7, "densenet_bc_cifar_k60_l40": 4.3,
}  # fmt: skip

# Table 2's printed parameters, in M (DenseNet arXiv 1608.06993, Table 2; the official README repeats them).
TABLE2_PARAMS_M = {
    "densenet_cifar_k12_l40": 1.0, "densenet_cifar_k12_l100": 7.0, "densenet_cifar_k24_l100": 27.2,
    "densenet_bc_cifar_k12_l100": 0.8, "densenet_bc_cifar_k24_l250": 15.3, "densenet_bc_cifar_k40_l190": 25.6,
}  # fmt: skip

# Output (channels, side) of the stem and of each stage (dense block, opened by its transition). Sides: Table 1's
# output-size column at 224 px (56, 28, 14, 7) and Table 2's three blocks at 32 px (32, 16, 8). Channels: stem
# + layers * k per block, halved by every BC transition.
STAGE_SHAPES = {
    "densenet121": [(64, 56), (256, 56), (512, 28), (1024, 14), (1024, 7)],
    "densenet169": [(64, 56), (256, 56), (512, 28), (1280, 14), (1664, 7)],
    "densenet201": [(64, 56), (256, 56), (512, 28), (1792, 14), (1920, 7)],
    "densenet161": [(96, 56), (384, 56), (768, 28), (2112, 14), (2208, 7)],
    "densenet264": [(64, 56), (256, 56), (512, 28), (2304, 14), (2688, 7)],
    "densenet_cifar_k12_l40": [(16, 32), (160, 32), (304, 16), (448, 8)],
    "densenet_cifar_k12_l100": [(16, 32), (400, 32), (784, 16), (1168, 8)],
    "densenet_cifar_k24_l100": [(16, 32), (784, 32), (1552, 16), (2320, 8)],
    "densenet_bc_cifar_k12_l100": [(24, 32), (216, 32), (300, 16), (342, 8)],
    "densenet_bc_cifar_k24_l250": [(48, 32), (1032, 32), (1500, 16), (1734, 8)],
    "densenet_bc_cifar_k40_l190": [(80, 32), (1320, 32), (1900, 16), (2190, 8)],
    "densenet_bc_cifar_k36_l40": [(72, 32), (288, 32), (360, 16), (396, 8)],
    "densenet_bc_cifar_k48_l40": [(96, 32), (384, 32), (480, 16), (528, 8)],
    "densenet_bc_cifar_k60_l40": [(120, 32), (480, 32), (600, 16), (660, 8)],
}
LAYERS_PER_BLOCK = {
    "densenet121": [6, 12, 24, 16], "densenet169": [6, 12, 32, 32], "densenet201": [6, 12, 48, 32],
    "densenet161": [6, 12, 36, 24], "densenet264": [6, 12, 64, 48],
    "densenet_cifar_k12_l40": [12] * 3, "densenet_cifar_k12_l100": [32] * 3, "densenet_cifar_k24_l100": [32] * 3,
    "densenet_bc_cifar_k12_l100": [16] * 3, "densenet_bc_cifar_k24_l250": [41] * 3,
    "densenet_bc_cifar_k40_l190": [31] * 3,
    "densenet_bc_cifar_k36_l40": [6] * 3, "densenet_bc_cifar_k48_l40": [6] * 3, "densenet_bc_cifar_k60_l40": [6] * 3,
}  # fmt: skip


def test_family_is_registered() -> None:
    family = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "densenet")
    assert family == sorted(IMAGENET + CIFAR)
    assert {m: REGISTRY[m].fidelity for m in family} == {
        **dict.fromkeys(["densenet121", "densenet169", "densenet201", "densenet161"], "official"),
        **dict.fromkeys(["densenet264", *CIFAR], "paper"),
    }
    assert all(input_size(m) == (3, 32, 32) for m in CIFAR)
    assert all(input_size(m) == (3, 224, 224) for m in IMAGENET)


@pytest.mark.parametrize("model_id", sorted(STAGE_SHAPES))
def test_stage_shapes_match_the_tables(model_id: str) -> None:
    model = meta_model(model_id)
    assert [name for name, _ in model.named_children()] == ["stem", "stages", "head"]
    x = model.stem(torch.empty(1, *input_size(model_id), device="meta"))
    shapes = [(x.shape[1], x.shape[2])]
    for stage in model.stages:
        x = stage(x)
        assert x.shape[2] == x.shape[3]
        shapes.append((x.shape[1], x.shape[2]))
    assert shapes == STAGE_SHAPES[model_id]
    blocks = [stage[-1] for stage in model.stages]
    assert all(isinstance(block, densenet.DenseBlock) for block in blocks)
    assert [len(block) for block in blocks] == LAYERS_PER_BLOCK[model_id]
    # A transition opens every stage but the first (Table 1: between two dense blocks).
    assert [isinstance(stage[0], densenet.Transition) for stage in model.stages] == [False] + [True] * (len(blocks) - 1)
    classes = 10 if model_id in CIFAR else 1000
    assert model.head(x).shape == (1, classes)


@pytest.mark.parametrize("model_id", sorted(LIBRARY_COUNTS))
def test_counts_equal_torchvision_and_timm(model_id: str) -> None:
    assert readings(model_id) == LIBRARY_COUNTS[model_id][:3]


@pytest.mark.parametrize("model_id", sorted(OWN_COUNTS))
def test_own_counts(model_id: str) -> None:
    assert readings(model_id) == OWN_COUNTS[model_id]


@pytest.mark.parametrize("model_id", sorted(TABLE2_PARAMS_M))
def test_table2_parameters_are_reproduced(model_id: str) -> None:
    assert round(param_count(meta_model(model_id)) / 1e6, 1) == TABLE2_PARAMS_M[model_id]


@pytest.mark.parametrize("model_id", sorted(README_WIDE_PARAMS_M))
def test_readme_wide_densenet_parameters_are_reproduced(model_id: str) -> None:
    assert round(param_count(meta_model(model_id)) / 1e6, 1) == README_WIDE_PARAMS_M[model_id]


def test_official_lua_stem_does_not_reproduce_table2() -> None:
    """The current densenet.lua starts every CIFAR model with 2k maps; for the basic DenseNets that gives
    1.059M, 7.084M and 28.072M parameters: k = 24, L = 100 no longer rounds to Table 2's 27.2M."""
    counts = []
    for depth, k in [(40, 12), (100, 12), (100, 24)]:
        spec = densenet.cifar_spec(depth, k, bc=False)
        with torch.device("meta"):
            lua = densenet.DenseNet(
                densenet.DenseNetSpec(spec.block_layers, k, 2 * k, bottleneck=False, compression=1.0,
                                      imagenet_stem=False),
                num_classes=10,
            )  # fmt: skip
        counts.append(param_count(lua))
    assert counts == [1_059_298, 7_083_538, 28_071_706]  # DenseNet Table 2 prints 1.0M, 7.0M, 27.2M
    assert round(counts[2] / 1e6, 1) != TABLE2_PARAMS_M["densenet_cifar_k24_l100"]


def test_layer_layouts() -> None:
    basic = densenet.DenseLayer(16, 12, bottleneck=False)
    assert basic.bottleneck is None and basic.conv.in_channels == 16 and basic.conv.out_channels == 12
    b = densenet.DenseLayer(64, 32, bottleneck=True)  # DenseNet-B: 1x1 to 4k = 128, then 3x3 to k
    assert b.bottleneck.conv.out_channels == 128 and b.conv.in_channels == 128 and b.conv.out_channels == 32
    with torch.no_grad():
        out = b.eval()(torch.randn(1, 64, 5, 5))
    assert out.shape == (1, 96, 5, 5)
    x = torch.randn(1, 64, 5, 5)
    with torch.no_grad():
        assert torch.equal(b(x)[:, :64], x)  # the input is passed on unchanged (concatenation)
    assert all(not conv.bias for conv in densenet.densenet121().modules() if isinstance(conv, nn.Conv2d))
    # DenseNet-C: floor(theta * m) maps after each transition.
    model = densenet.densenet_bc_cifar_k12_l100()
    assert [stage[0].conv.out_channels for stage in model.stages[1:]] == [108, 150]


def test_densenet264_is_not_timms_densenet264d() -> None:
    # timm's densenet264d: growth 48, deep stem, 72.74M params (timm's results/benchmark-infer-amp-nchw-*.csv).
    model = densenet.densenet264()
    assert model.stages[0][-1][0].conv.out_channels == 32  # k = 32 (Table 1)
    assert model.stem.conv.kernel_size == (7, 7)
    assert param_count(model) == OWN_COUNTS["densenet264"][0]
    # Table 1's layer-count rule (1 + 2 * sum(blocks) + 3 transitions + 1 FC) gives 265 for 6-12-64-48.
    assert 1 + 2 * sum(densenet.DENSENET264.block_layers) + 3 + 1 == 265
    assert [1 + 2 * sum(s.block_layers) + 3 + 1 for s in (densenet.DENSENET121, densenet.DENSENET169,
                                                         densenet.DENSENET201)] == [121, 169, 201]  # fmt: skip


@pytest.mark.parametrize(("depth", "bc"), [(41, False), (102, True), (4, False), (7, True)])
def test_cifar_depth_must_give_three_equal_blocks(depth: int, bc: bool) -> None:
    with pytest.raises(ValueError, match="three equal dense blocks"):
        densenet.cifar_spec(depth, 12, bc=bc)


def test_bad_compression_is_refused() -> None:
    with pytest.raises(ValueError, match="compression"):
        densenet.DenseNet(densenet.DenseNetSpec((1,), 12, 24, compression=0.0), num_classes=10)


@pytest.mark.slow
@pytest.mark.parametrize("model_id", sorted(LIBRARY_COUNTS))
def test_fvcore_total_equals_torchvision_and_timm(model_id: str) -> None:
    assert fvcore_total(model_id) == LIBRARY_COUNTS[model_id][3]


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["densenet264", "densenet_cifar_k12_l40", "densenet_bc_cifar_k12_l100"])
def test_fvcore_total_is_conv_linear_plus_batchnorm_twice_plus_global_pool(model_id: str) -> None:
    # fvcore counts BatchNorm 2 per element and the input of the final adaptive average pool once. It has no rule
    # for the transitions' 2x2 average pools (aten::avg_pool2d), so their inputs are not in its total.
    _params, macs, macs_bn = OWN_COUNTS[model_id]
    model = meta_model(model_id)
    features = model.stages(model.stem(torch.empty(1, *input_size(model_id), device="meta")))
    assert fvcore_total(model_id) == macs + 2 * (macs_bn - macs) + features.numel()
