"""EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks.

Mingxing Tan, Quoc V. Le. ICML 2019. arXiv:1905.11946.
Official code: tensorflow/tpu models/official/efficientnet (efficientnet_builder.py, efficientnet_model.py).

Implements: Table 1 (EfficientNet-B0), MBConv with squeeze-and-excitation (Sec. 4), compound scaling
(Sec. 3.3, Eq. 3) through the released B0-B7 coefficients, `round_filters` / `round_repeats` of the
official code. Architecturally identical to timm's `efficientnet_b0` ... `efficientnet_b7`.

Deviations:
- Symmetric padding k // 2 (as timm's PyTorch-native models), where TF pads "same", asymmetrically on
  stride-2 layers. Parameters and MACs are the same; outputs differ, so TF weights would need TF padding.
- BatchNorm eps 1e-5 and momentum 0.1 (PyTorch defaults, as timm) instead of TF's eps 1e-3, momentum 0.99.
- Not in the paper, taken from the official code: the strides (Table 1 lists resolutions only), the SE
  ratio 0.25 of the block's *input* channels, and swish / sigmoid in the SE branch.
- Drop connect (stochastic depth on the residual branch) uses the official rate 0.2, scaled linearly with
  block index; the paper's text says "drop connect ratio 0.3". It acts in training only, never at eval.
"""

# --8<-- [start:model]
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ._common import ConvBNAct, make_divisible


def round_filters(channels: int, width: float) -> int:
    """Official `round_filters`: scale channels by the width coefficient w, round to a multiple of 8."""
    return make_divisible(channels * width, divisor=8)


def round_repeats(repeats: int, depth: float) -> int:
    """Official `round_repeats`: scale a stage's layer count by the depth coefficient d, rounding up."""
    return math.ceil(depth * repeats)


def drop_connect(x: Tensor, drop_prob: float, training: bool) -> Tensor:
    """Drop the whole residual branch of a sample with probability `drop_prob` (training only)."""
    if not training or drop_prob == 0.0:
        return x
    keep_prob = 1.0 - drop_prob
    mask = torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device) < keep_prob  # (N, 1, 1, 1)
    return x / keep_prob * mask


class SqueezeExcite(nn.Module):
    """Channel gate: global mean, 1x1 reduce + swish, 1x1 expand, sigmoid, rescale the input."""

    def __init__(self, channels: int, reduced_channels: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced_channels, 1)
        self.act = nn.SiLU(inplace=True)
        self.expand = nn.Conv2d(reduced_channels, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        scale = x.mean((2, 3), keepdim=True)  # (N, C, 1, 1)
        scale = self.reduce(scale)
        scale = self.act(scale)
        scale = self.expand(scale)
        y: Tensor = x * self.gate(scale)
        return y


class MBConv(nn.Module):
    """Mobile inverted bottleneck (MBConv{expand_ratio}, k x k) with squeeze-and-excitation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int,
        stride: int,
        expand_ratio: int,
        se_ratio: float,
        drop_connect_prob: float,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"the official blocks_args use strides 1 and 2 only, got {stride}")
        hidden = in_channels * expand_ratio
        self.use_shortcut = stride == 1 and in_channels == out_channels  # identity skip only
        self.drop_connect_prob = drop_connect_prob
        # MBConv1 (expand_ratio 1) has no expansion layer.
        self.expand = ConvBNAct(in_channels, hidden, 1, activation=nn.SiLU) if expand_ratio != 1 else nn.Identity()
        self.depthwise = ConvBNAct(hidden, hidden, kernel_size, stride=stride, groups=hidden, activation=nn.SiLU)
        # Official code: reduced width = max(1, int(block input channels * se_ratio)).
        self.squeeze_excite = SqueezeExcite(hidden, max(1, int(in_channels * se_ratio)))
        self.project = ConvBNAct(hidden, out_channels, 1, activation=None)  # linear projection

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.expand(x)
        out = self.depthwise(out)
        out = self.squeeze_excite(out)
        out = self.project(out)
        if self.use_shortcut:
            out = drop_connect(out, self.drop_connect_prob, self.training) + x
        return out


class EfficientNet(nn.Module):
    """EfficientNet: the B0 stages of Table 1 scaled in width and depth by one row of `SCALING`.

    Args:
        stages: the MBConv rows of Table 1 (B0).
        scaling: width coefficient w, depth coefficient d, resolution r and dropout of the variant.
        num_classes: outputs of the final FC layer.
        drop_connect_rate: stochastic-depth rate of the last block; block i of N uses rate * i / N.
    """

    def __init__(
        self,
        stages: tuple[StageSpec, ...],
        scaling: Scaling,
        *,
        num_classes: int = 1000,
        drop_connect_rate: float = 0.2,
    ) -> None:
        super().__init__()
        if scaling.width <= 0 or scaling.depth <= 0:
            raise ValueError(
                f"width and depth coefficients must be positive (Eq. 3: w = beta^phi, d = alpha^phi), got {scaling}"
            )
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        if not 0.0 <= drop_connect_rate < 1.0:
            raise ValueError(f"drop_connect_rate must be in [0, 1), got {drop_connect_rate}")
        self.scaling = scaling  # resolution r lives here: scaling.resolution

        # Table 1, stage 1: Conv3x3, 32 channels, stride 2.
        in_channels = round_filters(STEM_CHANNELS, scaling.width)
        self.stem = ConvBNAct(3, in_channels, 3, stride=2, activation=nn.SiLU)

        total_blocks = sum(round_repeats(spec.repeats, scaling.depth) for spec in stages)
        block_index = 0
        blocks: list[nn.Module] = []
        for spec in stages:  # Table 1, stages 2-8
            out_channels = round_filters(spec.out_channels, scaling.width)
            layers = []
            for index in range(round_repeats(spec.repeats, scaling.depth)):
                layers.append(
                    MBConv(
                        in_channels,
                        out_channels,
                        kernel_size=spec.kernel_size,
                        stride=spec.stride if index == 0 else 1,  # only the first layer of a stage strides
                        expand_ratio=spec.expand_ratio,
                        se_ratio=spec.se_ratio,
                        drop_connect_prob=drop_connect_rate * block_index / total_blocks,
                    )
                )
                in_channels = out_channels
                block_index += 1
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)

        # Table 1, stage 9: Conv1x1 to 1280 (scaled), pooling, FC; dropout from the scaling table.
        head_channels = round_filters(HEAD_CHANNELS, scaling.width)
        self.head = nn.Sequential(
            OrderedDict(
                conv=ConvBNAct(in_channels, head_channels, 1, activation=nn.SiLU),
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                dropout=nn.Dropout(scaling.dropout),
                classifier=nn.Linear(head_channels, num_classes),
            )
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        x = self.stages(x)
        logits: Tensor = self.head(x)
        return logits


@dataclass(frozen=True)
class StageSpec:
    """One MBConv row of Table 1 (EfficientNet-B0)."""

    expand_ratio: int  # the 6 of "MBConv6" (operator F_i)
    kernel_size: int  # the k of "k3x3" / "k5x5" (operator F_i)
    resolution: int  # H_i = W_i, the stage's input resolution at 224 px
    out_channels: int  # C_i, #Channels
    repeats: int  # L_i, #Layers
    stride: int  # not in Table 1: official blocks_args (s11 / s22)
    se_ratio: float = 0.25  # not in Table 1: official blocks_args (se0.25)


# Table 1, EfficientNet-B0 baseline network, stages 2-8 in paper order.
STAGES: tuple[StageSpec, ...] = (
    StageSpec(expand_ratio=1, kernel_size=3, resolution=112, out_channels=16, repeats=1, stride=1),
    StageSpec(expand_ratio=6, kernel_size=3, resolution=112, out_channels=24, repeats=2, stride=2),
    StageSpec(expand_ratio=6, kernel_size=5, resolution=56, out_channels=40, repeats=2, stride=2),
    StageSpec(expand_ratio=6, kernel_size=3, resolution=28, out_channels=80, repeats=3, stride=2),
    StageSpec(expand_ratio=6, kernel_size=5, resolution=14, out_channels=112, repeats=3, stride=1),
    StageSpec(expand_ratio=6, kernel_size=5, resolution=14, out_channels=192, repeats=4, stride=2),
    StageSpec(expand_ratio=6, kernel_size=3, resolution=7, out_channels=320, repeats=1, stride=1),
)
STEM_CHANNELS = 32  # Table 1, stage 1 (Conv3x3, 224x224 input)
HEAD_CHANNELS = 1280  # Table 1, stage 9 (Conv1x1 & Pooling & FC)


@dataclass(frozen=True)
class Scaling:
    """One variant's coefficients, as in the official `efficientnet_params()`."""

    width: float  # w, multiplies every layer's channels (round_filters)
    depth: float  # d, multiplies every stage's layer count (round_repeats)
    resolution: int  # r, input height = width in pixels
    dropout: float  # dropout before the final FC layer


# Compound scaling, Sec. 3.3, Eq. 3: d = alpha^phi, w = beta^phi, r = gamma^phi with alpha * beta^2 * gamma^2 ~ 2,
# so FLOPS grow by about 2^phi (paper-facts EFF-02); Sec. 4 fixes alpha = 1.2, beta = 1.1, gamma = 1.15 (EFF-01).
# The released coefficients below (tensorflow/tpu efficientnet_builder.py @7dc921f8, efficientnet_params();
# EFF-04) are NOT exactly alpha^phi, beta^phi, gamma^phi: at phi = 7, 1.2^7 = 3.58 (B7 uses d = 3.1),
# 1.1^7 = 1.95 (w = 2.0), 224 * 1.15^7 = 596 (r = 600). This table is the one source for builders and registry.
SCALING: dict[str, Scaling] = {
    "b0": Scaling(width=1.0, depth=1.0, resolution=224, dropout=0.2),
    "b1": Scaling(width=1.0, depth=1.1, resolution=240, dropout=0.2),
    "b2": Scaling(width=1.1, depth=1.2, resolution=260, dropout=0.3),
    "b3": Scaling(width=1.2, depth=1.4, resolution=300, dropout=0.3),
    "b4": Scaling(width=1.4, depth=1.8, resolution=380, dropout=0.4),
    "b5": Scaling(width=1.6, depth=2.2, resolution=456, dropout=0.4),
    "b6": Scaling(width=1.8, depth=2.6, resolution=528, dropout=0.5),
    "b7": Scaling(width=2.0, depth=3.1, resolution=600, dropout=0.5),
}


def efficientnet_b0(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B0 (Table 1): w = 1.0, d = 1.0, 224 px, dropout 0.2, read from `SCALING["b0"]`."""
    return EfficientNet(STAGES, SCALING["b0"], num_classes=num_classes)


def efficientnet_b1(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B1: w = 1.0, d = 1.1, 240 px, dropout 0.2, read from `SCALING["b1"]`."""
    return EfficientNet(STAGES, SCALING["b1"], num_classes=num_classes)


def efficientnet_b2(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B2: w = 1.1, d = 1.2, 260 px, dropout 0.3, read from `SCALING["b2"]`."""
    return EfficientNet(STAGES, SCALING["b2"], num_classes=num_classes)


def efficientnet_b3(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B3: w = 1.2, d = 1.4, 300 px, dropout 0.3, read from `SCALING["b3"]`."""
    return EfficientNet(STAGES, SCALING["b3"], num_classes=num_classes)


def efficientnet_b4(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B4: w = 1.4, d = 1.8, 380 px, dropout 0.4, read from `SCALING["b4"]`."""
    return EfficientNet(STAGES, SCALING["b4"], num_classes=num_classes)


def efficientnet_b5(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B5: w = 1.6, d = 2.2, 456 px, dropout 0.4, read from `SCALING["b5"]`."""
    return EfficientNet(STAGES, SCALING["b5"], num_classes=num_classes)


def efficientnet_b6(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B6: w = 1.8, d = 2.6, 528 px, dropout 0.5, read from `SCALING["b6"]`."""
    return EfficientNet(STAGES, SCALING["b6"], num_classes=num_classes)


def efficientnet_b7(*, num_classes: int = 1000) -> EfficientNet:
    """EfficientNet-B7: w = 2.0, d = 3.1, 600 px, dropout 0.5, read from `SCALING["b7"]`."""
    return EfficientNet(STAGES, SCALING["b7"], num_classes=num_classes)


__all__ = [
    "HEAD_CHANNELS",
    "SCALING",
    "STAGES",
    "STEM_CHANNELS",
    "EfficientNet",
    "MBConv",
    "Scaling",
    "SqueezeExcite",
    "StageSpec",
    "drop_connect",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "round_filters",
    "round_repeats",
]
# --8<-- [end:model]
