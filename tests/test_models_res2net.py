"""Res2Net family (reference_impls/res2net.py): forward, stage shapes, exact counts, Eq. (1) and stage-first blocks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import conv_linear_macs, meta_model, param_count
from torch import nn

from reference_impls import REGISTRY, create_model, res2net

FAMILY = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "res2net")

# timm 1.0.31 (torch 2.14.1) `sum(p.numel() for p in model.parameters())`, obtained in a throwaway venv; the same
# models reproduce the official README's #Params (25.70M, 25.06M, 37.05M, 48.40M, 25.29M, 24.67M, 45.21M).
TIMM_PARAMS = {
    "res2net50_26w_4s": 25_699_120,
    "res2net50_14w_8s": 25_059_816,
    "res2net50_26w_6s": 37_051_448,
    "res2net50_26w_8s": 48_403_776,
    "res2net50_48w_2s": 25_287_304,
    "res2next50": 24_671_464,
    "res2net101_26w_4s": 45_206_688,
    # the TPAMI version's v1b rows (timm `res2net50d`, `res2net101d`); README "25.72M" and "45.23M"
    "res2net50d": 25_718_352,
    "res2net101d": 45_225_920,
}
# timm 1.0.31 (torch 2.14.1, fvcore 0.1.5.post20221221) at 1x3x224x224 for the v1b models: fvcore's total, its
# conv + linear entries, and the number of BatchNorm output elements.
TIMM_V1B_COUNTS = {
    "res2net50d": {"fvcore_total": 4_521_728_032, "conv_linear": 4_494_807_040, "bn_elements": 13_410_320},
    "res2net101d": {"fvcore_total": 8_345_211_360, "conv_linear": 8_306_615_040, "bn_elements": 19_247_984},
}
# Res2Net-50-L (18w x 4s, Res2Net Table 3: 2.9G, no params printed) has no official code; an independent analytic
# count by shape arithmetic gives 18.095 M.
RES2NET50_L_PARAMS = 18_095_104


def conv_fc_macs(model_id: str, resolution: int = 224) -> int:
    """Conv + linear multiply-accumulates at batch 1, on the meta device."""
    return conv_linear_macs(meta_model(model_id), (3, resolution, resolution))


def test_family_is_registered() -> None:
    assert sorted([*TIMM_PARAMS, "res2net50_18w_4s"]) == FAMILY


@pytest.mark.parametrize("model_id", FAMILY)
def test_stage_shapes_match_resnet_table1(model_id: str) -> None:
    # ResNet Table 1 at 224 px: stem (conv1 + max pool) 56x56x64, then conv2_x .. conv5_x.
    expected = [(256, 56), (512, 28), (1024, 14), (2048, 7)]
    depth = res2net.VARIANTS[model_id].depth
    blocks = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}[depth]
    with torch.device("meta"):
        model = create_model(model_id)
        x = model.stem(torch.empty(1, 3, 224, 224))
    assert x.shape == (1, 64, 56, 56)
    assert [len(stage) for stage in model.stages] == blocks
    for stage, (channels, size) in zip(model.stages, expected, strict=True):
        x = stage(x)
        assert x.shape == (1, channels, size, size)
    assert model.head(x).shape == (1, 1000)


@pytest.mark.parametrize("model_id", sorted(TIMM_PARAMS))
def test_param_count_equals_timm(model_id: str) -> None:
    with torch.device("meta"):
        model = create_model(model_id)
    assert param_count(model) == TIMM_PARAMS[model_id]


def test_res2net50_l_matches_table3() -> None:
    with torch.device("meta"):
        model = create_model("res2net50_18w_4s")
    assert param_count(model) == RES2NET50_L_PARAMS
    macs = conv_fc_macs("res2net50_18w_4s")
    assert macs == 2_898_407_424  # analytic 2.898 GMACs (conv + fc)
    assert round(macs / 1e9, 1) == 2.9  # Table 3 prints "2.9G" (multiply-adds)


def test_res2net50_conv_fc_macs() -> None:
    # Same count as fvcore's conv + linear entries for timm's res2net50_26w_4s (4,255,166,464); README "4.2".
    assert conv_fc_macs("res2net50_26w_4s") == 4_255_166_464


@pytest.mark.parametrize("model_id", sorted(TIMM_V1B_COUNTS))
def test_v1b_conv_linear_and_batchnorm_equal_timm(model_id: str) -> None:
    assert conv_fc_macs(model_id) == TIMM_V1B_COUNTS[model_id]["conv_linear"]
    with torch.device("meta"):
        model = create_model(model_id)
        seen = [0]
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.register_forward_hook(lambda _m, _a, out: seen.__setitem__(0, seen[0] + out.numel()))
        model(torch.empty(1, 3, 224, 224))
    assert seen[0] == TIMM_V1B_COUNTS[model_id]["bn_elements"]


def test_v1b_fvcore_total_equals_timm() -> None:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(create_model("res2net50d"), torch.zeros(1, 3, 224, 224))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    assert analysis.total() == TIMM_V1B_COUNTS["res2net50d"]["fvcore_total"]
    # the same identity as for every model: conv + linear, BatchNorm counted twice, the pooled 2048 x 7 x 7
    for counts in TIMM_V1B_COUNTS.values():
        assert counts["conv_linear"] + 2 * counts["bn_elements"] + 2048 * 49 == counts["fvcore_total"]


def test_v1b_deep_stem_and_average_pool_shortcuts() -> None:
    with torch.device("meta"):
        model = create_model("res2net50d")
    stem_convs = [m for m in model.stem if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride) for c in stem_convs] == [
        (3, 32, (3, 3), (2, 2)),
        (32, 32, (3, 3), (1, 1)),
        (32, 64, (3, 3), (1, 1)),
    ]
    assert isinstance(model.stem[-1], nn.MaxPool2d)
    first_stage_shortcut = model.stages[0][0].shortcut  # stride 1: no pooling, a 1x1 conv + BN
    assert [type(m) for m in first_stage_shortcut] == [nn.Conv2d, nn.BatchNorm2d]
    for stage in model.stages[1:]:
        pool, conv, _bn = stage[0].shortcut
        assert isinstance(pool, nn.AvgPool2d)
        assert (pool.kernel_size, pool.stride, pool.ceil_mode, pool.count_include_pad) == (2, 2, True, False)
        assert conv.stride == (1, 1) and conv.kernel_size == (1, 1)
    with torch.device("meta"):
        v1 = create_model("res2net50_26w_4s")
    assert all(stage[0].shortcut[0].stride == ((1, 1) if i == 0 else (2, 2)) for i, stage in enumerate(v1.stages))


def test_split_widths_follow_the_floor_rule() -> None:
    # width = floor(planes * w / 64) * C per split; "26w x 4s" -> 26, 52, 104, 208; Res2NeXt (C=8, w=4) -> 32 .. 256.
    for model_id, widths in {
        "res2net50_26w_4s": [26, 52, 104, 208],
        "res2net50_18w_4s": [18, 36, 72, 144],
        "res2net50_48w_2s": [48, 96, 192, 384],
        "res2next50": [32, 64, 128, 256],
    }.items():
        with torch.device("meta"):
            model = create_model(model_id)
        assert [stage[0].width for stage in model.stages] == widths
    with torch.device("meta"):
        model = create_model("res2next50")
    assert all(k[0].groups == 8 for stage in model.stages for block in stage for k in block.conv3x3)


def _capture(block: res2net.Bottle2neck, x: torch.Tensor) -> dict[str, object]:
    """Run `block` and record the inputs and outputs of its boxes."""
    seen: dict[str, object] = {"k_in": [], "k_out": []}

    def on_kernel(_module: nn.Module, args: tuple[torch.Tensor], out: torch.Tensor) -> None:
        seen["k_in"].append(args[0].clone())
        seen["k_out"].append(out.clone())

    handles = [k.register_forward_hook(on_kernel) for k in block.conv3x3]
    handles.append(block.conv1x1_in.register_forward_hook(lambda _m, _a, out: seen.__setitem__("x", out.clone())))
    handles.append(block.conv1x1_out.register_forward_hook(lambda _m, a, _o: seen.__setitem__("cat", a[0].clone())))
    with torch.no_grad():
        block(x)
    for handle in handles:
        handle.remove()
    return seen


def test_normal_block_implements_eq1() -> None:
    torch.manual_seed(0)
    block = res2net.Bottle2neck(256, 64, base_width=26, scale=4).eval()
    seen = _capture(block, torch.randn(2, 256, 9, 9))
    xs = torch.split(seen["x"], 26, dim=1)
    k_in, k_out = seen["k_in"], seen["k_out"]
    assert len(k_in) == 3  # K_2, K_3, K_4
    torch.testing.assert_close(k_in[0], xs[1])  # y_2 = K_2(x_2)
    torch.testing.assert_close(k_in[1], xs[2] + k_out[0])  # y_3 = K_3(x_3 + y_2)
    torch.testing.assert_close(k_in[2], xs[3] + k_out[1])  # y_4 = K_4(x_4 + y_3)
    expected_cat = torch.cat([xs[0], *k_out], dim=1)  # y_1 = x_1 passes through, first (the paper's order)
    torch.testing.assert_close(seen["cat"], expected_cat)


@pytest.mark.parametrize("stride", [1, 2])
def test_stage_first_block_follows_official_code(stride: int) -> None:
    torch.manual_seed(0)
    in_channels = 64 if stride == 1 else 256
    block = res2net.Bottle2neck(in_channels, 64, stride=stride, base_width=26, scale=4, stage_first=True).eval()
    assert all(k[0].stride == (stride, stride) for k in block.conv3x3)  # stride on every 3x3
    assert isinstance(block.pool, nn.AvgPool2d)
    assert (block.pool.kernel_size, block.pool.stride, block.pool.padding) == (3, stride, 1)
    seen = _capture(block, torch.randn(2, in_channels, 8, 8))
    xs = torch.split(seen["x"], 26, dim=1)
    for k_in, x_i in zip(seen["k_in"], xs[:-1], strict=True):
        torch.testing.assert_close(k_in, x_i)  # no hierarchical additions: K on x_1 .. x_{s-1} alone
    pooled_last = F.avg_pool2d(xs[-1], kernel_size=3, stride=stride, padding=1)
    torch.testing.assert_close(seen["cat"], torch.cat([*seen["k_out"], pooled_last], dim=1))  # x_s average-pooled
    assert seen["cat"].shape[-1] == 8 // stride


def test_first_block_of_every_stage_is_stage_first() -> None:
    with torch.device("meta"):
        model = create_model("res2net101_26w_4s")
    for stage_index, stage in enumerate(model.stages):
        stride = 1 if stage_index == 0 else 2
        for block_index, block in enumerate(stage):
            first = block_index == 0
            assert block.stage_first is first
            assert (block.pool is not None) is first
            assert (block.shortcut is not None) is first
            assert all(k[0].stride == ((stride, stride) if first else (1, 1)) for k in block.conv3x3)


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="s >= 2"):
        res2net.Bottle2neck(64, 64, scale=1)
    with pytest.raises(ValueError, match="50 or 101"):
        res2net.Res2Net(depth=34, base_width=26, scale=4)


@pytest.mark.parametrize("model_id", FAMILY)
def test_builder_docstring_names_the_variant(model_id: str) -> None:
    variant = res2net.VARIANTS[model_id]
    doc = getattr(res2net, model_id).__doc__
    assert f"-{variant.depth}" in doc
    assert f"w = {variant.base_width}" in doc and f"s = {variant.scale}" in doc
    if variant.cardinality == 1:
        assert f"{variant.base_width}w x {variant.scale}s" in doc
    else:
        assert f"C = {variant.cardinality}" in doc
