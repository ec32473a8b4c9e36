"""DLA family (reference_impls/dla.py): exact counts against timm, stage shapes, tree wiring, the dead projections."""

from __future__ import annotations

import pytest
import torch
from conftest import batchnorm_elements, conv_linear_macs, meta_model, param_count
from fvcore.nn import FlopCountAnalysis
from torch import nn

from reference_impls import REGISTRY, create_model, dla

# timm 1.0.31 (torch 2.14.1, fvcore 0.1.5.post20221221), obtained in a throwaway venv at 1x3x224x224:
# (sum(p.numel() for p in timm.create_model(id).parameters()), FlopCountAnalysis(model, x).total()).
TIMM_COUNTS = {
    "dla34": (15_742_104, 3_070_104_064),
    "dla46_c": (1_301_400, 583_276_032),
    "dla46x_c": (1_068_440, 544_050_944),
    "dla60x_c": (1_319_832, 593_323_776),
    "dla60": (22_036_632, 4_256_249_856),
    "dla60x": (17_352_344, 3_544_202_240),
    "dla102": (33_268_888, 7_192_950_784),
    "dla102x": (26_309_272, 5_886_819_328),
    "dla102x2": (41_282_200, 9_343_845_376),
    "dla169": (53_389_720, 11_598_002_176),
    "dla60_res2net": (20_848_072, 4_147_411_840),
    "dla60_res2next": (17_032_984, 3_485_145_088),
}
# The same timm models: fvcore's `conv` entry (conv + linear multiply-adds; the classifier is a 1x1 conv) and the
# number of BatchNorm output elements (one fused scale-and-shift each in the conv + linear + BN-once reading).
TIMM_CONV_AND_BN = {
    "dla34": (3_060_043_776, 5_017_600),
    "dla46_c": (574_269_440, 4_497_024),
    "dla46x_c": (532_723_712, 5_657_344),
    "dla60x_c": (581_294_080, 6_008_576),
    "dla60": (4_235_878_400, 10_160_640),
    "dla60x": (3_516_555_264, 13_798_400),
    "dla102": (7_164_551_168, 14_174_720),
    "dla102x": (5_847_932_928, 19_418_112),
    "dla102x2": (9_283_985_408, 29_904_896),
    "dla169": (11_557_560_320, 20_195_840),
    "dla60_res2net": (4_122_681_344, 12_340_160),
    "dla60_res2next": (3_458_752_512, 13_171_200),
}
# Parameters of the official code (ucbdrive/dla dla.py; Res2Net-PretrainedModels dla.py for the Res2Net rows), which
# keeps the dead `project` layers of depth > 1 trees. DLA rows: an independent analytic count by shape
# arithmetic. Res2Net rows: the official README prints 21.15M and 17.33M.
OFFICIAL_PARAMS = {
    "dla34": 15_783_832,
    "dla46_c": 1_309_848,
    "dla46x_c": 1_076_888,
    "dla60x_c": 1_336_728,
    "dla60": 22_334_104,
    "dla60x": 17_649_816,
    "dla102": 33_731_736,
    "dla102x": 26_772_120,
    "dla102x2": 41_745_048,
    "dla169": 53_989_016,
    "dla60_res2net": 21_145_544,
    "dla60_res2next": 17_330_456,
}
FAMILY = sorted(TIMM_COUNTS)
# The official Res2Net dla.py's layouts, registered with its unused projections: id -> the timm-layout model.
OFFICIAL_LAYOUTS = {"dla60_res2net_official": "dla60_res2net", "dla60_res2next_official": "dla60_res2next"}


def conv_linear_and_bn(model_id: str) -> tuple[int, int]:
    """(conv + linear MACs by FlopCounterMode, BatchNorm output elements) at 1x3x224x224, on the meta device."""
    model = meta_model(model_id)
    return conv_linear_macs(model, (3, 224, 224)), batchnorm_elements(model, (3, 224, 224))


def test_family_is_registered_as_official() -> None:
    registered = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "dla")
    assert registered == sorted([*FAMILY, *OFFICIAL_LAYOUTS])
    assert all(REGISTRY[model_id].fidelity == "official" for model_id in registered)
    assert sorted(dla.VARIANTS) == FAMILY


@pytest.mark.parametrize("model_id", FAMILY)
def test_param_count_equals_timm(model_id: str) -> None:
    assert param_count(meta_model(model_id)) == TIMM_COUNTS[model_id][0]


@pytest.mark.parametrize("model_id", FAMILY)
def test_conv_linear_and_batchnorm_equal_timm(model_id: str) -> None:
    assert conv_linear_and_bn(model_id) == TIMM_CONV_AND_BN[model_id]


@pytest.mark.parametrize("model_id", ["dla34", "dla46x_c", "dla102x2", "dla60_res2net", "dla60_res2next"])
def test_fvcore_total_equals_timm(model_id: str) -> None:
    # Every model's fvcore total is BN counted twice plus the pooled elements on top of TIMM_CONV_AND_BN (checked for
    # all in test_fvcore_total_is_conv_plus_two_bn_plus_pool); here the full trace runs on a representative subset.
    model = create_model(model_id)
    analysis = FlopCountAnalysis(model, torch.zeros(1, 3, 224, 224))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    assert analysis.total() == TIMM_COUNTS[model_id][1]
    assert analysis.by_operator()["conv"] == TIMM_CONV_AND_BN[model_id][0]


@pytest.mark.parametrize("model_id", FAMILY)
def test_fvcore_total_is_conv_plus_two_bn_plus_pool(model_id: str) -> None:
    # fvcore: conv MACs + 2 per BatchNorm element + the input of the global pool (c5 x 7 x 7).
    conv, bn = TIMM_CONV_AND_BN[model_id]
    pooled = dla.VARIANTS[model_id].channels[5] * 7 * 7
    assert conv + 2 * bn + pooled == TIMM_COUNTS[model_id][1]


@pytest.mark.parametrize("model_id", FAMILY)
def test_stage_shapes(model_id: str) -> None:
    # stem (7x7, stride 1) and level0 at full resolution; level1 .. level5 halve it: 112, 56, 28, 14, 7.
    channels = dla.VARIANTS[model_id].channels
    sizes = (224, 112, 56, 28, 14, 7)
    model = meta_model(model_id)
    x = model.stem(torch.empty(1, 3, 224, 224, device="meta"))
    assert x.shape == (1, channels[0], 224, 224)
    assert len(model.stages) == 6
    for stage, width, size in zip(model.stages, channels, sizes, strict=True):
        x = stage(x)
        assert x.shape == (1, width, size, size)
    assert model.head(x).shape == (1, 1000)


def test_stage_layouts_of_the_official_configs() -> None:
    widths = {
        "dla34": (16, 32, 64, 128, 256, 512),
        "dla46_c": (16, 32, 64, 64, 128, 256),
        "dla60": (16, 32, 128, 256, 512, 1024),
    }
    for model_id, expected in widths.items():
        assert dla.VARIANTS[model_id].channels == expected
    depths = {"dla34": (2, 2, 1), "dla60": (2, 3, 1), "dla102": (3, 4, 1), "dla169": (3, 5, 1)}
    for model_id, expected in depths.items():
        model = meta_model(model_id)
        assert tuple(stage.depth for stage in model.stages[3:]) == expected  # level3 .. level5
    model = meta_model("dla169")
    assert model.stages[2].depth == 2  # DLA-169 is the only model with a depth-2 level2


@pytest.mark.parametrize("model_id", ["dla34", "dla46x_c", "dla102x2", "dla169", "dla60_res2next"])
def test_forward_on_a_small_input(model_id: str) -> None:
    torch.manual_seed(0)
    model = create_model(model_id, num_classes=10)
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()


def _roots(tree: dla.Tree) -> list[dla.Root]:
    if tree.root is not None:
        return [tree.root]
    return [*_roots(tree.tree1), *_roots(tree.tree2)]


def test_root_widths_aggregate_every_depth() -> None:
    # DLA-60 level4 (depth 3, 256 -> 512, level root), roots in forward order: every root sees its two block outputs
    # (2 x 512); the last root of each second sub-tree also sees the first sub-tree's output (+ 512); the level's
    # last root also sees the level input (+ 256) and the output of the depth-2 first half (+ 512).
    level4 = meta_model("dla60").stages[4]
    assert [root.conv[0].in_channels for root in _roots(level4)] == [1024, 1024 + 512, 1024, 1024 + 512 + 256 + 512]
    level5 = meta_model("dla60").stages[5]  # depth 1, level root: 2 x 1024 + 512
    assert [root.conv[0].in_channels for root in _roots(level5)] == [2560]


def test_residual_roots_from_dla102_on() -> None:
    expected = {"dla60": False, "dla60x": False, "dla102": True, "dla102x2": True, "dla169": True}
    for model_id, residual in expected.items():
        model = meta_model(model_id)
        roots = [root for stage in model.stages[2:] for root in _roots(stage)]
        assert {root.residual for root in roots} == {residual}


def test_bottleneck_widths_and_groups() -> None:
    # level5 (out 1024): DLA 512 (expansion 2), DLA-X 1024 with 32 groups, DLA-X-102 64: 2048 with 64 groups.
    for model_id, (width, groups) in {"dla60": (512, 1), "dla60x": (1024, 32), "dla102x2": (2048, 64)}.items():
        block = meta_model(model_id).stages[5].tree1
        conv3x3 = block.conv2[0]
        assert (conv3x3.in_channels, conv3x3.groups, conv3x3.stride) == (width, groups, (2, 2))
    block = meta_model("dla46x_c").stages[3].tree1.tree1  # out 64, 32 groups
    assert (block.conv2[0].in_channels, block.conv2[0].groups) == (64, 32)


def test_res2net_dla_split_widths() -> None:
    # Res2Net-DLA-60: floor(out * 28 / 64) / 2 = out * 28 / 128 per split; Res2NeXt-DLA-60: out * 8 / 32, 8 groups.
    for model_id, widths, groups in (
        ("dla60_res2net", [28, 56, 112, 224], 1),
        ("dla60_res2next", [32, 64, 128, 256], 8),
    ):
        model = meta_model(model_id)
        firsts = [
            model.stages[2].tree1,
            model.stages[3].tree1.tree1,
            model.stages[4].tree1.tree1.tree1,
            model.stages[5].tree1,
        ]
        assert [block.width for block in firsts] == widths
        assert all(isinstance(block, dla.DlaBottle2neck) and block.scale == 4 for block in firsts)
        assert all(block.stage_first and block.pool is not None for block in firsts)  # the strided block
        assert all(k[0].groups == groups for block in firsts for k in block.conv3x3)
        second = model.stages[5].tree2
        assert not second.stage_first and second.pool is None


def test_depth1_tree_wiring() -> None:
    # A depth-1 tree with level root: block 1 gets the projected, downsampled input as its shortcut; the root
    # aggregates [block 2, block 1, downsampled input].
    torch.manual_seed(0)
    tree = dla.Tree(1, dla.BasicBlock, 4, 8, stride=2, level_root=True).eval()
    x = torch.randn(2, 4, 8, 8)
    with torch.no_grad():
        bottom = nn.functional.max_pool2d(x, 2)
        x1 = tree.tree1(x, tree.project(bottom))
        x2 = tree.tree2(x1)
        expected = tree.root([x2, x1, bottom])
        torch.testing.assert_close(tree(x), expected)
    assert tree.root.conv[0].in_channels == 8 + 8 + 4


def test_residual_root_adds_its_first_input() -> None:
    torch.manual_seed(0)
    root = dla.Root(6, 3, residual=True).eval()
    a, b = torch.randn(1, 3, 4, 4), torch.randn(1, 3, 4, 4)
    with torch.no_grad():
        expected = torch.relu(root.conv(torch.cat([a, b], dim=1)) + a)
        torch.testing.assert_close(root([a, b]), expected)


def _dead_projection_params(tree: dla.Tree) -> int:
    """Parameters of the official `project` layers of depth > 1 trees (never used by the forward pass)."""
    if tree.depth == 1:
        return 0
    own = tree.in_channels * tree.out_channels + 2 * tree.out_channels if tree.in_channels != tree.out_channels else 0
    return own + _dead_projection_params(tree.tree1) + _dead_projection_params(tree.tree2)


@pytest.mark.parametrize("model_id", FAMILY)
def test_official_code_adds_only_the_dead_projections(model_id: str) -> None:
    # The module's first deviation: official = ours + the projections of depth > 1 trees with in != out.
    model = meta_model(model_id)
    dead = sum(_dead_projection_params(stage) for stage in model.stages[2:])
    assert param_count(model) + dead == OFFICIAL_PARAMS[model_id]


def _dead_projection_macs(tree: dla.Tree, pixels: int) -> int:
    """Multiply-adds of those dead projections: 1x1 convs at the level's output resolution (`pixels` = H x W)."""
    if tree.depth == 1:
        return 0
    own = tree.in_channels * tree.out_channels * pixels if tree.in_channels != tree.out_channels else 0
    return own + _dead_projection_macs(tree.tree1, pixels) + _dead_projection_macs(tree.tree2, pixels)


# Conv + linear GMACs of the official code, which runs the dead projections (the same analytic count, 3 decimals).
OFFICIAL_GMACS = {
    "dla34": 3.073,
    "dla46_c": 0.576,
    "dla46x_c": 0.534,
    "dla60x_c": 0.585,
    "dla60": 4.313,
    "dla60x": 3.594,
    "dla102": 7.293,
    "dla102x": 5.976,
    "dla102x2": 9.412,
    "dla169": 11.725,
}


def dead_macs(model_id: str) -> int:
    model = meta_model(model_id)
    sizes = (56, 28, 14, 7)  # output resolution of level2 .. level5
    return sum(_dead_projection_macs(stage, size * size) for stage, size in zip(model.stages[2:], sizes, strict=True))


@pytest.mark.parametrize("model_id", sorted(OFFICIAL_GMACS))
def test_official_code_runs_only_the_dead_projections_on_top(model_id: str) -> None:
    assert round((TIMM_CONV_AND_BN[model_id][0] + dead_macs(model_id)) / 1e9, 3) == OFFICIAL_GMACS[model_id]


def test_dead_projection_macs_range_in_the_docstring() -> None:
    dead = {model_id: dead_macs(model_id) for model_id in FAMILY}
    assert min(dead, key=dead.get) == "dla46_c" and round(dead["dla46_c"] / 1e9, 3) == 0.002
    assert max(dead, key=dead.get) == "dla169" and round(dead["dla169"] / 1e9, 3) == 0.167
    assert dead["dla60_res2net"] == dead["dla60_res2next"] == dead["dla60"] == 77_070_336  # "77.1M" in the docstring
    assert "0.002 G (dla46_c) to 0.167 G (dla169)" in " ".join(dla.__doc__.split())
    assert "(and 77.1M multiply-adds)" in " ".join(dla.__doc__.split())


def test_dead_projection_differences_in_the_docstring() -> None:
    differences = {41_728, 8_448, 16_896, 297_472, 462_848, 599_296}
    measured = {OFFICIAL_PARAMS[m] - TIMM_COUNTS[m][0] for m in FAMILY}
    assert measured == differences
    for difference in differences:
        assert f"+{difference:,}" in dla.__doc__


def test_head_is_a_biased_1x1_conv() -> None:
    head = meta_model("dla34").head
    assert isinstance(head[1], nn.Conv2d) and head[1].kernel_size == (1, 1) and head[1].bias is not None


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="depth >= 1"):
        dla.Tree(0, dla.BasicBlock, 4, 8)
    with pytest.raises(ValueError, match="six levels"):
        dla.DLA(levels=(1, 1, 1, 2, 1), channels=(16, 32, 64, 128, 256), block=dla.BasicBlock)


# ------------------------------------------------------------------ the official layout (dead_projections=True)


def official_layout(model_id: str) -> nn.Module:
    with torch.device("meta"):
        return create_model(model_id, dead_projections=True)  # every DLA builder takes the flag


@pytest.mark.parametrize("model_id", FAMILY)
def test_official_layout_has_the_official_parameter_count(model_id: str) -> None:
    assert param_count(official_layout(model_id)) == OFFICIAL_PARAMS[model_id]


@pytest.mark.parametrize("model_id", FAMILY)
def test_official_layout_executes_the_dead_projections(model_id: str) -> None:
    # FlopCounterMode counts the projections the official forward pass runs: timm's count plus exactly their cost.
    macs = conv_linear_macs(official_layout(model_id), (3, 224, 224))
    assert macs == TIMM_CONV_AND_BN[model_id][0] + dead_macs(model_id)
    if model_id in OFFICIAL_GMACS:
        assert round(macs / 1e9, 3) == OFFICIAL_GMACS[model_id]


# The registered official layouts, pinned: parameters (README 21.15M / 17.33M), conv + linear multiply-adds and
# BatchNorm output elements at 224 (the timm layout's plus DLA-60's dead projections: 77,070,336 MACs and
# 256 * 28² + 2 * 512 * 14² = 401,408 elements).
OFFICIAL_LAYOUT_COUNTS = {
    "dla60_res2net_official": (21_145_544, 4_199_751_680, 12_741_568),
    "dla60_res2next_official": (17_330_456, 3_535_822_848, 13_572_608),
}


@pytest.mark.parametrize("model_id", sorted(OFFICIAL_LAYOUTS))
def test_registered_official_layouts(model_id: str) -> None:
    params, macs, bn_elements = OFFICIAL_LAYOUT_COUNTS[model_id]
    assert param_count(meta_model(model_id)) == params
    assert conv_linear_and_bn(model_id) == (macs, bn_elements)
    timm_macs, timm_bn = TIMM_CONV_AND_BN[OFFICIAL_LAYOUTS[model_id]]
    assert (macs - timm_macs, bn_elements - timm_bn) == (77_070_336, 401_408)
    assert params - TIMM_COUNTS[OFFICIAL_LAYOUTS[model_id]][0] == 297_472


def _projections(model: nn.Module, *, dead: bool) -> list[nn.Module]:
    trees = [m for m in model.modules() if isinstance(m, dla.Tree) and m.project is not None]
    return [tree.project for tree in trees if (tree.depth > 1) == dead]


def test_dead_projections_run_and_change_no_output() -> None:
    # Same weights in both layouts (the official one has extra `project` entries): the outputs are identical, so the
    # projections of depth > 1 trees are unused; forward hooks show that each of them runs once.
    torch.manual_seed(0)
    official = create_model("dla60_res2next_official", num_classes=10).eval()
    ours = create_model("dla60_res2next", num_classes=10).eval()
    missing, unexpected = ours.load_state_dict(official.state_dict(), strict=False)
    assert not missing
    assert unexpected and all(".project." in key for key in unexpected)
    # level3 (depth 2) and level4 (depth 3, and its depth-2 first half)
    assert len(_projections(official, dead=True)) == 3 and not _projections(ours, dead=True)
    calls = []
    for projection in _projections(official, dead=True):
        projection.register_forward_hook(lambda *_: calls.append(1))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(official(x), ours(x))
    assert len(calls) == 3
