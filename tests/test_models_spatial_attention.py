"""Generalized spatial attention (reference_impls/spatial_attention.py): the E1-E4 terms, identity at init, placement
in ResNet-50, exact counts, and attention's faster-than-linear cost growth with the input size."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import param_count
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import REGISTRY, create_model
from reference_impls import spatial_attention as sa
from reference_impls.resnet import resnet50

FAMILY = sorted(spec.model_id for spec in REGISTRY.values() if spec.module == "spatial_attention")
TERMS = ["1000", "0100", "0010", "0001", "1111", "1010", "0101", "1100", "0011"]

# Parameters of each term's projections (Sec. 3): E1 U_m, V^C_m; E2 U_m, V^R_m; E3 V^C_m, u_m; E4 V^R_m, v_m.
TERM_PARAMETERS = {
    "1000": {"query", "key"},
    "0100": {"query", "position_x", "position_y"},
    "0010": {"key", "key_saliency"},
    "0001": {"position_x", "position_y", "position_saliency"},
}
ALWAYS = {"value", "output", "gamma"}  # W'_m, W_m (+ bias), residual scale

# Analytic: timm resnet50 (25,557,032) + 6 blocks at C = 256 (conv4_x) + 3 at C = 512 (conv5_x), each with
# value + output 2C^2 + C, gamma 1, and per term: query C^2, key C^2, position_x + position_y C^2, u_m C, v_m C.
# There is no official classification network to compare with; these equal the measured sums below.
PARAMS = {
    "resnet50_attn_1000": 30_278_705,
    "resnet50_attn_0100": 30_278_705,
    "resnet50_attn_0010": 29_102_129,
    "resnet50_attn_0001": 29_102_129,
    "resnet50_attn_1111": 31_464_497,
}


def analytic_params(terms: str) -> int:
    e1, e2, e3, e4 = (t == "1" for t in terms)
    total = 25_557_032
    for channels, blocks in ((256, 6), (512, 3)):
        c2 = channels * channels
        block = 2 * c2 + channels + 1
        block += c2 * (e1 or e2) + c2 * (e1 or e3) + c2 * (e2 or e4) + channels * e3 + channels * e4
        total += blocks * block
    return total


def naive_attention(module: sa.GeneralizedAttention, x: torch.Tensor) -> torch.Tensor:
    """The four terms written out per (query, key) pair with einsum, independent of the module's matmul layout."""
    n, channels, h, w = x.shape
    heads, dim, stride = module.num_heads, module.head_dim, module.kv_stride
    x_kv = x[:, :, ::stride, ::stride]
    h_kv, w_kv = x_kv.shape[-2:]
    energy = torch.zeros(n, heads, h, w, h_kv, w_kv)
    if module.query is not None:
        q = module.query(x).view(n, heads, dim, h, w)
    if module.key is not None:
        k = module.key(x_kv).view(n, heads, dim, h_kv, w_kv)
    if module.position_x is not None:
        size = module.position_embedding_dim
        ex = sa.relative_position_embedding(w, w_kv, stride, size, 1000.0, x)
        ey = sa.relative_position_embedding(h, h_kv, stride, size, 1000.0, x)
        rx = module.position_x(ex).view(w, w_kv, heads, dim) / math.sqrt(2)
        ry = module.position_y(ey).view(h, h_kv, heads, dim) / math.sqrt(2)
    if module.use_e1:
        energy += torch.einsum("nmdij,nmdab->nmijab", q, k)
    if module.use_e2:
        energy += torch.einsum("nmdij,jbmd->nmijb", q, rx)[:, :, :, :, None, :]
        energy += torch.einsum("nmdij,iamd->nmija", q, ry)[:, :, :, :, :, None]
    if module.use_e3:
        energy += torch.einsum("md,nmdab->nmab", module.key_saliency, k)[:, :, None, None]
    if module.use_e4:
        energy += torch.einsum("md,jbmd->mjb", module.position_saliency, rx)[None, :, None, :, None, :]
        energy += torch.einsum("md,iamd->mia", module.position_saliency, ry)[None, :, :, None, :, None]
    attention = F.softmax(energy.reshape(n, heads, h * w, h_kv * w_kv), dim=-1)
    value = module.value(x_kv).view(n, heads, dim, h_kv * w_kv)
    out = torch.einsum("nmqk,nmdk->nmdq", attention, value).reshape(n, channels, h, w)
    return module.gamma * module.output(out) + x


def extra_macs(model_id: str, resolution: int) -> int:
    """Conv + linear + matmul MACs above plain ResNet-50 at batch 1 (meta device; FlopCounterMode counts 2 per MAC)."""
    totals = []
    for build in (lambda: create_model(model_id), resnet50):
        with torch.device("meta"):
            model = build().eval()
            x = torch.empty(1, 3, resolution, resolution)
        with FlopCounterMode(display=False) as counter:
            model(x)
        totals.append(counter.get_total_flops() // 2)
    return totals[0] - totals[1]


def test_family_is_registered() -> None:
    assert sorted(PARAMS) == FAMILY
    for model_id in FAMILY:
        assert REGISTRY[model_id].sweep_resolutions == (224, 320, 448, 640)


@pytest.mark.parametrize("terms", TERMS)
@pytest.mark.parametrize("size", [(1, 1), (7, 7), (14, 14), (9, 13), (20, 28)])
def test_module_keeps_shape_at_any_size(terms: str, size: tuple[int, int]) -> None:
    module = sa.GeneralizedAttention(64, terms=terms).eval()
    x = torch.randn(2, 64, *size)
    with torch.no_grad():
        assert module(x).shape == x.shape


@pytest.mark.parametrize("terms", TERMS)
def test_terms_switch_their_parameters(terms: str) -> None:
    module = sa.GeneralizedAttention(64, terms=terms)
    expected = set(ALWAYS)
    for term, flag in zip(TERM_PARAMETERS, terms, strict=True):
        if flag == "1":
            expected |= TERM_PARAMETERS[term]
    assert {name.split(".")[0] for name, _ in module.named_parameters()} == expected


@pytest.mark.parametrize("terms", ["0000", "000", "11111", "1020", "abcd", ""])
def test_bad_terms_raise_value_error(terms: str) -> None:
    with pytest.raises(ValueError, match="E1"):
        sa.GeneralizedAttention(64, terms=terms)


def test_other_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="heads"):
        sa.GeneralizedAttention(60, num_heads=8)
    with pytest.raises(ValueError, match="multiple of 4"):
        sa.GeneralizedAttention(64, position_embedding_dim=30)
    with pytest.raises(ValueError, match="one flag per"):
        sa.resnet50_attention(terms="1111", stages=(True, True))


@pytest.mark.parametrize("terms", TERMS)
def test_gamma_zero_makes_the_block_an_identity(terms: str) -> None:
    module = sa.GeneralizedAttention(64, terms=terms).eval()
    assert module.gamma.item() == 0.0
    x = torch.randn(2, 64, 9, 11)
    with torch.no_grad():
        assert torch.equal(module(x), x)


@pytest.mark.parametrize("terms", TERMS)
def test_matches_the_terms_written_out(terms: str) -> None:
    torch.manual_seed(0)
    module = sa.GeneralizedAttention(64, terms=terms).eval()
    with torch.no_grad():
        module.gamma.fill_(0.8)
        for size in [(7, 7), (9, 13), (1, 1)]:
            x = torch.randn(2, 64, *size)
            assert torch.allclose(module(x), naive_attention(module, x), atol=1e-5)


def test_relative_position_embedding_is_sinusoidal() -> None:
    like = torch.empty(0)
    emb = sa.relative_position_embedding(5, 3, 2, 16, 1000.0, like)  # 5 queries, keys at pixels 0, 2, 4
    assert emb.shape == (5, 3, 8)
    offset = 3 - 2 * 1  # query 3, key 1 (pixel 2)
    waves = torch.tensor([1000.0 ** (4 * i / 16) for i in range(4)])
    assert torch.allclose(emb[3, 1], torch.cat(((offset / waves).sin(), (offset / waves).cos())))
    assert torch.equal(emb[0, 0], torch.cat((torch.zeros(4), torch.ones(4))))  # zero offset


def test_key_content_only_is_the_same_for_every_query() -> None:
    module = sa.GeneralizedAttention(64, terms="0010").eval()
    with torch.no_grad():
        module.gamma.fill_(1.0)
        x = torch.randn(1, 64, 9, 13)
        delta = module(x) - x
    assert torch.allclose(delta, delta[:, :, :1, :1].expand_as(delta), atol=1e-6)


@pytest.mark.parametrize("model_id", FAMILY)
def test_stage_shapes_and_placement(model_id: str) -> None:
    # ResNet Table 1 at 224 px; attention after conv2 of all 6 + 3 bottlenecks of conv4_x and conv5_x (MMDetection).
    expected = [(256, 56), (512, 28), (1024, 14), (2048, 7)]
    with torch.device("meta"):
        model = create_model(model_id)
        x = model.stem(torch.empty(1, 3, 224, 224))
        assert x.shape == (1, 64, 56, 56)
        for stage, (channels, size) in zip(model.stages, expected, strict=True):
            x = stage(x)
            assert x.shape == (1, channels, size, size)
        assert model.head(x).shape == (1, 1000)
    placed = {name: m for name, m in model.named_modules() if isinstance(m, sa.GeneralizedAttention)}
    assert sorted(placed) == sorted(
        [f"stages.2.{i}.after_conv2" for i in range(6)] + [f"stages.3.{i}.after_conv2" for i in range(3)]
    )
    assert [m.value.in_channels for m in placed.values()] == [256] * 6 + [512] * 3
    assert all(m.terms == model_id[-4:] and m.num_heads == 8 and m.kv_stride == 2 for m in placed.values())


@pytest.mark.parametrize("model_id", FAMILY)
def test_param_count(model_id: str) -> None:
    with torch.device("meta"):
        model = create_model(model_id)
    assert param_count(model) == PARAMS[model_id] == analytic_params(model_id[-4:])


def test_network_is_resnet50_at_init() -> None:
    torch.manual_seed(0)
    attention = create_model("resnet50_attn_1111")
    plain = resnet50().eval()
    missing, unexpected = plain.load_state_dict(attention.state_dict(), strict=False)
    assert not missing and all(".after_conv2." in key for key in unexpected)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(attention(x), plain(x))


def test_attention_cost_grows_faster_than_pixels() -> None:
    # 224 -> 448 px is 4x the pixels. Convolutions scale by 4; E1's query-key products by 16 (quadratic).
    assert extra_macs("resnet50_attn_1000", 448) / extra_macs("resnet50_attn_1000", 224) > 5.0
    # E3 alone attends once per image: linear in the pixels (the 1x1 output conv on one position is constant).
    assert 3.5 < extra_macs("resnet50_attn_0010", 448) / extra_macs("resnet50_attn_0010", 224) < 4.0


@pytest.mark.parametrize("model_id", FAMILY)
def test_builder_docstring_names_its_terms(model_id: str) -> None:
    terms = model_id[-4:]
    doc = getattr(sa, model_id).__doc__
    assert f"'{terms}'" in doc and "ResNet-50" in doc
    assert [f"E{i + 1}" in doc for i in range(4)] == [t == "1" for t in terms]
