"""An Empirical Study of Spatial Attention Mechanisms in Deep Networks.

Xizhou Zhu, Dazhi Cheng, Zheng Zhang, Stephen Lin, Jifeng Dai. ICCV 2019. arXiv:1904.05873.

Implements: Sec. 3, the generalized attention y_q = sum_m W_m [sum_k A_m(q, k, z_q, x_k) W'_m x_k] with the
Transformer attention weight A_m = softmax_k(E1 + E2 + E3 + E4), each term switchable; placed in a ResNet-50
(timm layout, `resnet.py`) after conv2 -> bn2 -> relu of every bottleneck of conv4_x and conv5_x.

Deviations:
- The paper's own backbone insertion points and FLOPs were not retrievable; the design follows OpenMMLab's
  implementation (mmcv `GeneralizedAttention`, MMDetection `configs/empirical_attention`): 8 heads, keys and values
  subsampled with stride 2, no spatial range limit (spatial_range = -1), relative position as a sinusoidal
  embedding (wave length 1000) of the x and y offsets, projected by two linear layers, each divided by sqrt(2);
  output 1x1 conv with bias; out = gamma * out + x with gamma = 0 at init. MMDetection plugs it in with
  `stages=(False, False, True, True), position='after_conv2'` (configs @700610cf, @edf775a8; the 2019 configs list
  blocks [[], [], [0..5], [0..2]]); one intermediate revision (@01bb6aca) had (False, True, True, True).
- No deformable convolution (MMDetection's `_dcn` configs add it to conv3_x-conv5_x; this file measures attention).
- Classification network (ImageNet head), not the Faster R-CNN detector the MMDetection numbers come from.
- E3 alone does not depend on the query, so it is attended once and broadcast (as mmcv does); the output is exact.
- E2 without E4 follows the formula; mmcv 2.2's branch for it pairs the y offsets with the row/column-transposed
  query (and fails when H != W). All other term sets match mmcv's outputs numerically.
- fvcore counts the convs, position linears and torch.matmul products; softmax, the sin/cos embedding, the sum of
  the terms and the gamma scaling are left uncounted.
"""

# --8<-- [start:model]
from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from reference_impls.resnet import RESNET50_STAGES, ResNet


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------
def relative_position_embedding(
    query_len: int, key_len: int, key_stride: int, dim: int, wave_length: float, like: torch.Tensor
) -> torch.Tensor:
    """Sinusoidal embedding of 1-D offsets between query and key positions; returns (query_len, key_len, dim / 2).

    Offsets are query minus key position, in input pixels (keys sit every `key_stride` pixels), as in mmcv.
    """
    query_pos = torch.arange(query_len, device=like.device, dtype=like.dtype)
    key_pos = torch.arange(key_len, device=like.device, dtype=like.dtype) * key_stride
    offset = query_pos[:, None] - key_pos[None, :]  # (query_len, key_len)
    index = torch.arange(dim // 4, device=like.device, dtype=like.dtype)
    wave = wave_length ** (4.0 * index / dim)  # (dim / 4,) wave lengths from 1 to ~wave_length
    angle = offset[:, :, None] / wave  # (query_len, key_len, dim / 4)
    return torch.cat((angle.sin(), angle.cos()), dim=-1)  # (query_len, key_len, dim / 2)


# ---------------------------------------------------------------------------------------------------------------------
_T = TypeVar("_T")


# Block
# ---------------------------------------------------------------------------------------------------------------------
def _part(part: _T | None, name: str) -> _T:
    """A part of the block that the selected terms need (`__init__` builds it whenever one of them is on)."""
    if part is None:
        raise RuntimeError(f"{name} is needed by the selected terms but was not built")
    return part


class GeneralizedAttention(nn.Module):
    """Transformer attention of Sec. 3 with the four terms of its attention weight selectable.

    Energy between query pixel q (content z_q) and key pixel k (content x_k), per head m:
    E1 = z_q^T U_m^T V^C_m x_k (query and key content), E2 = z_q^T U_m^T V^R_m R_{k-q} (query content and relative
    position), E3 = u_m^T V^C_m x_k (key content only), E4 = v_m^T V^R_m R_{k-q} (relative position only).

    Args:
        in_channels: channels C of the feature map (input and output).
        terms: which of E1 E2 E3 E4 enter the softmax, as four '0'/'1' characters ('1111' = all; mmcv's
            `attention_type`).
        num_heads: M.
        kv_stride: keys and values are taken every `kv_stride` pixels (mmcv `kv_stride`).
        position_embedding_dim: length of the sinusoidal embedding of (x offset, y offset); default C.
        wave_length: longest wave length of the sinusoidal embedding.
    """

    def __init__(
        self,
        in_channels: int,
        *,
        terms: str = "1111",
        num_heads: int = 8,
        kv_stride: int = 2,
        position_embedding_dim: int | None = None,
        wave_length: float = 1000.0,
    ) -> None:
        super().__init__()
        if len(terms) != 4 or set(terms) - {"0", "1"}:
            raise ValueError(f"terms must be four '0'/'1' switches for E1 E2 E3 E4, got {terms!r}")
        if terms == "0000":
            raise ValueError("terms='0000': the attention weight softmax(E1 + E2 + E3 + E4) needs at least one term")
        if in_channels % num_heads:
            raise ValueError(f"in_channels ({in_channels}) must split evenly over the M = {num_heads} heads")
        position_embedding_dim = position_embedding_dim or in_channels
        if position_embedding_dim % 4:
            raise ValueError("position_embedding_dim must be a multiple of 4 (sin and cos of x and y offsets)")
        self.terms = terms
        self.use_e1, self.use_e2, self.use_e3, self.use_e4 = (t == "1" for t in terms)
        self.num_heads = num_heads
        self.head_dim = in_channels // num_heads
        self.kv_stride = kv_stride
        self.position_embedding_dim = position_embedding_dim
        self.wave_length = wave_length

        self.query = nn.Conv2d(in_channels, in_channels, 1, bias=False) if self.use_e1 or self.use_e2 else None  # U_m
        self.key = nn.Conv2d(in_channels, in_channels, 1, bias=False) if self.use_e1 or self.use_e3 else None  # V^C_m
        self.value = nn.Conv2d(in_channels, in_channels, 1, bias=False)  # W'_m
        self.position_x: nn.Linear | None = None  # V^R_m, applied to the x offset ...
        self.position_y: nn.Linear | None = None  # ... and to the y offset (R_{k-q} split into its two axes)
        if self.use_e2 or self.use_e4:
            self.position_x = nn.Linear(position_embedding_dim // 2, in_channels, bias=False)
            self.position_y = nn.Linear(position_embedding_dim // 2, in_channels, bias=False)
        bound = 1.0 / math.sqrt(2 * self.head_dim)  # mmcv's init of u_m and v_m: uniform(-bound, bound)
        self.key_saliency: nn.Parameter | None = None  # u_m (E3)
        self.position_saliency: nn.Parameter | None = None  # v_m (E4)
        if self.use_e3:
            self.key_saliency = nn.Parameter(torch.empty(num_heads, self.head_dim).uniform_(-bound, bound))
        if self.use_e4:
            self.position_saliency = nn.Parameter(torch.empty(num_heads, self.head_dim).uniform_(-bound, bound))
        self.output = nn.Conv2d(in_channels, in_channels, 1, bias=True)  # W_m
        self.gamma = nn.Parameter(torch.zeros(1))  # residual scale, 0 at init: the block starts as the identity

        for layer in (self.query, self.key, self.value, self.position_x, self.position_y, self.output):
            if layer is not None:  # mmcv: kaiming-uniform, fan_in, a = 1 (gain 1); bias 0
                nn.init.kaiming_uniform_(layer.weight, a=1, mode="fan_in", nonlinearity="leaky_relu")
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)

    def _position_features(self, query_len: int, key_len: int, layer: nn.Linear, like: torch.Tensor) -> torch.Tensor:
        """V^R_m R for one axis: (M, query_len, key_len, head_dim)."""
        embedding = relative_position_embedding(
            query_len, key_len, self.kv_stride, self.position_embedding_dim, self.wave_length, like
        )
        features = layer(embedding) / math.sqrt(2)  # (query_len, key_len, M * head_dim); x and y halves share R
        y: torch.Tensor = features.view(query_len, key_len, self.num_heads, self.head_dim).permute(2, 0, 1, 3)
        return y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, channels, h, w = x.shape
        heads, dim = self.num_heads, self.head_dim
        x_kv = x[:, :, :: self.kv_stride, :: self.kv_stride]  # keys/values every kv_stride pixels (mmcv: 1x1 avg pool)
        h_kv, w_kv = x_kv.shape[-2:]

        query: torch.Tensor | None = None
        if self.query is not None:
            query = self.query(x).view(n, heads, dim, h * w).transpose(2, 3)  # (n, M, HW, d)

        # Energy terms, each broadcastable to (n, M, H, W, H_kv, W_kv).
        energy = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.use_e1 or self.use_e3:
            key = _part(self.key, "key")(x_kv).view(n, heads, dim, h_kv * w_kv)  # V^C_m x_k: (n, M, d, HW_kv)
            if self.use_e1 and self.use_e3:
                # E1 + E3 = (U_m z_q + u_m)^T V^C_m x_k
                content_query = _part(query, "query") + _part(self.key_saliency, "key_saliency")[:, None, :]
            elif self.use_e1:
                content_query = _part(query, "query")  # E1
            else:  # E3: one "query"
                content_query = _part(self.key_saliency, "key_saliency")[None, :, None, :].expand(n, heads, 1, dim)
            content = torch.matmul(content_query, key)  # (n, M, HW or 1, HW_kv)
            content_shape = (h, w) if self.use_e1 else (1, 1)
            energy = energy + content.view(n, heads, *content_shape, h_kv, w_kv)
        if self.use_e2:
            position_query = _part(query, "query")  # E2
            if self.use_e4:  # E2 + E4
                position_query = position_query + _part(self.position_saliency, "position_saliency")[:, None, :]
            position_query = position_query.reshape(n, heads, h, w, dim)
            features_x = self._position_features(w, w_kv, _part(self.position_x, "position_x"), x)  # (M, W, W_kv, d)
            features_y = self._position_features(h, h_kv, _part(self.position_y, "position_y"), x)  # (M, H, H_kv, d)
            energy_x = torch.matmul(position_query.transpose(2, 3), features_x.transpose(-1, -2))  # (n, M, W, H, W_kv)
            energy_y = torch.matmul(position_query, features_y.transpose(-1, -2))  # (n, M, H, W, H_kv)
            energy = energy + energy_x.transpose(2, 3)[:, :, :, :, None, :] + energy_y[:, :, :, :, :, None]
        elif self.use_e4:
            features_x = self._position_features(w, w_kv, _part(self.position_x, "position_x"), x)  # (M, W, W_kv, d)
            features_y = self._position_features(h, h_kv, _part(self.position_y, "position_y"), x)  # (M, H, H_kv, d)
            saliency = _part(self.position_saliency, "position_saliency")[:, None, :, None]  # v_m: (M, 1, d, 1)
            energy_x = torch.matmul(features_x, saliency).view(1, heads, 1, w, 1, w_kv)  # E4, x part
            energy_y = torch.matmul(features_y, saliency).view(1, heads, h, 1, h_kv, 1)  # E4, y part
            energy = energy + energy_x + energy_y

        # Only E3 alone leaves the energy independent of the query position: attend once and broadcast (exact).
        q_h, q_w = (1, 1) if self.terms == "0010" else (h, w)
        energy = energy.expand(n, heads, q_h, q_w, h_kv, w_kv).reshape(n, heads, q_h * q_w, h_kv * w_kv)
        attention = F.softmax(energy, dim=-1)  # A_m(q, k): softmax over the keys

        value = self.value(x_kv).view(n, heads, dim, h_kv * w_kv).transpose(2, 3)  # W'_m x_k: (n, M, HW_kv, d)
        out = torch.matmul(attention, value)  # sum_k A_m W'_m x_k: (n, M, Q, d)
        out = out.transpose(2, 3).reshape(n, channels, q_h, q_w)  # heads concatenated
        out = self.output(out)  # W_m, summed over heads by the 1x1 conv
        y: torch.Tensor = self.gamma * out + x  # (n, C, H, W)
        return y


# ---------------------------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------------------------
# MMDetection configs/empirical_attention: plugin `stages=(False, False, True, True)`, `position='after_conv2'`,
# i.e. every bottleneck of conv4_x (6 blocks) and conv5_x (3 blocks) of ResNet-50 (Table 1 rows conv2_x..conv5_x).
ATTENTION_STAGES: tuple[bool, bool, bool, bool] = (False, False, True, True)


def resnet50_attention(*, terms: str, num_classes: int = 1000, stages: Sequence[bool] = ATTENTION_STAGES) -> ResNet:
    """ResNet-50 (timm layout) with `GeneralizedAttention(terms, num_heads=8, kv_stride=2)` after conv2 of every
    bottleneck in the stages switched on in `stages` (one flag per row of ResNet Table 1)."""
    if len(stages) != len(RESNET50_STAGES):
        raise ValueError(f"stages needs one flag per ResNet-50 stage ({len(RESNET50_STAGES)}), got {len(stages)}")
    attention = partial(GeneralizedAttention, terms=terms, num_heads=8, kv_stride=2)
    return ResNet(RESNET50_STAGES, num_classes=num_classes, after_conv2=[attention if on else None for on in stages])


# ---------------------------------------------------------------------------------------------------------------------
# Builders (id suffix = E1 E2 E3 E4 switches)
# ---------------------------------------------------------------------------------------------------------------------
def resnet50_attn_1000(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 + generalized attention '1000': E1 only (query and key content)."""
    return resnet50_attention(terms="1000", num_classes=num_classes)


def resnet50_attn_0100(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 + generalized attention '0100': E2 only (query content and relative position)."""
    return resnet50_attention(terms="0100", num_classes=num_classes)


def resnet50_attn_0010(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 + generalized attention '0010': E3 only (key content only)."""
    return resnet50_attention(terms="0010", num_classes=num_classes)


def resnet50_attn_0001(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 + generalized attention '0001': E4 only (relative position only)."""
    return resnet50_attention(terms="0001", num_classes=num_classes)


def resnet50_attn_1111(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 + generalized attention '1111': E1 + E2 + E3 + E4 (full Transformer attention)."""
    return resnet50_attention(terms="1111", num_classes=num_classes)


__all__ = [
    "ATTENTION_STAGES",
    "GeneralizedAttention",
    "relative_position_embedding",
    "resnet50_attention",
    "resnet50_attn_0001",
    "resnet50_attn_0010",
    "resnet50_attn_0100",
    "resnet50_attn_1000",
    "resnet50_attn_1111",
]
# --8<-- [end:model]
