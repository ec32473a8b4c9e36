"""ANTNets: Mobile Convolutional Neural Networks for Resource Efficient Image Classification.

Yunyang Xiong, Hyunwoo J. Kim, Varsha Hedau. arXiv:1904.03775, 2019. No official code.

Implements: the ANTBlock (1x1 expansion, 3x3 depthwise, channel attention on the expanded tensor, group-wise
1x1 projection, inverted residual) and the ImageNet ANTNet at width 1.0 with g = 1 and g = 2.
Sources: from the paper (abstract) only that attention sits between the depthwise and the projection layer;
the block order and "r grows with depth" from a reading note of the paper; every `STAGES` row (t, c, n, s, r),
the 32-channel stem, the 1280 head and the attention layout from the best public description, the third-party
code dhananjaisharma10/ANTNet @54702c32 (cfg_antnet.py, antnet.py; it mirrors MobileNetV2's Table 2). The
paper's architecture table could not be read: no row is confirmed against it. Targets 3.7M (g = 1) / 3.2M
(g = 2) params are the paper's as quoted by that README; the paper's ImageNet MAdds were not found.

Deviations:
- BN after every conv, bias-free convs, ReLU6 after the stem and head convs (MobileNetV2 practice; the paper
  text is unread); the third-party code has no BN, biased convs and a linear head conv.
- No expansion conv in the t = 1 block (MobileNetV2 practice); the third-party code keeps a 32 -> 32 1x1 conv.
- 3,828,039 (g = 1) / 3,346,439 (g = 2) params, 3.8M / 3.3M against the printed 3.7M / 3.2M (the third-party
  code: 3.81M / 3.33M). The g = 1 minus g = 2 gap, 0.48M, fits the printed 0.5M; the ~0.1M surplus is likely
  in the attention branches (0.32M here), whose per-stage r could not be checked against the paper.
- No antnet_140_g1 (width 1.4): the paper's table and numbers for it could not be found.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import Tensor, nn

from ._common import ConvBNAct


class ChannelAttention(nn.Module):
    """Attention on the expanded depthwise output: global mean, 1x1 C -> C/r, ReLU, 1x1 C/r -> C, sigmoid."""

    def __init__(self, channels: int, reduction_ratio: int) -> None:
        super().__init__()
        if reduction_ratio < 1 or channels // reduction_ratio < 1:
            raise ValueError(f"reduction ratio r must satisfy 1 <= r <= C, got r = {reduction_ratio}, C = {channels}")
        reduced = channels // reduction_ratio
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.act = nn.ReLU(inplace=True)
        self.expand = nn.Conv2d(reduced, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        scale = x.mean((2, 3), keepdim=True)  # (N, C, 1, 1)
        scale = self.reduce(scale)
        scale = self.act(scale)
        scale = self.expand(scale)
        y: Tensor = x * self.gate(scale)
        return y


class ANTBlock(nn.Module):
    """ANTBlock: expand (1x1, t x), depthwise 3x3 (stride s), channel attention (r), group-wise projection (g)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        stride: int,
        expand_ratio: int,
        reduction_ratio: int,
        groups: int,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ANTNet strides are 1 or 2, got {stride}")
        hidden = in_channels * expand_ratio
        if hidden % groups or out_channels % groups:
            raise ValueError(
                f"the group-wise projection needs channels divisible by g: {hidden} -> {out_channels}, g = {groups}"
            )
        self.use_shortcut = stride == 1 and in_channels == out_channels  # inverted residual
        self.expand = ConvBNAct(in_channels, hidden, 1) if expand_ratio != 1 else nn.Identity()
        self.depthwise = ConvBNAct(hidden, hidden, 3, stride=stride, groups=hidden)
        self.attention = ChannelAttention(hidden, reduction_ratio)
        self.project = ConvBNAct(hidden, out_channels, 1, groups=groups, activation=None)  # linear, g groups

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.expand(x)
        out = self.depthwise(out)
        out = self.attention(out)
        out = self.project(out)
        if self.use_shortcut:
            out = out + x
        return out


class ANTNet(nn.Module):
    """ANTNet for ImageNet: a 3x3 stem, the ANTBlock stages of `STAGES`, a 1x1 conv to 1280, pooling and FC.

    Args:
        stages: the ANTBlock rows (t, c, n, s, r).
        groups: g, the number of groups of every projection layer.
        num_classes: outputs of the final FC layer.
    """

    def __init__(self, stages: tuple[StageSpec, ...], *, groups: int = 1, num_classes: int = 1000) -> None:
        super().__init__()
        if groups < 1:
            raise ValueError(f"the number of projection groups g must be at least 1, got {groups}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")

        in_channels = STEM_CHANNELS
        self.stem = ConvBNAct(3, in_channels, 3, stride=2)

        blocks: list[nn.Module] = []
        for spec in stages:
            layers = []
            for index in range(spec.repeats):
                layers.append(
                    ANTBlock(
                        in_channels,
                        spec.out_channels,
                        stride=spec.stride if index == 0 else 1,  # only the first block of a stage strides
                        expand_ratio=spec.expand_ratio,
                        reduction_ratio=spec.reduction_ratio,
                        groups=groups,
                    )
                )
                in_channels = spec.out_channels
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)

        self.head = nn.Sequential(
            OrderedDict(
                conv=ConvBNAct(in_channels, HEAD_CHANNELS, 1),
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                classifier=nn.Linear(HEAD_CHANNELS, num_classes),
            )
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        x = self.stages(x)
        logits: Tensor = self.head(x)
        return logits


@dataclass(frozen=True)
class StageSpec:
    """One ANTBlock stage: MobileNetV2-style columns plus the attention reduction ratio."""

    expand_ratio: int  # t
    out_channels: int  # c
    repeats: int  # n
    stride: int  # s, stride of the first block
    reduction_ratio: int  # r, channel-attention reduction, growing with depth


# ANTNet for ImageNet, width 1.0, as described by the third-party cfg_antnet.py (NOT checked against the paper's
# own architecture table, which could not be retrieved); rows in network order.
STAGES: tuple[StageSpec, ...] = (
    StageSpec(expand_ratio=1, out_channels=16, repeats=1, stride=1, reduction_ratio=8),
    StageSpec(expand_ratio=6, out_channels=24, repeats=2, stride=2, reduction_ratio=8),
    StageSpec(expand_ratio=6, out_channels=32, repeats=3, stride=2, reduction_ratio=12),
    StageSpec(expand_ratio=6, out_channels=64, repeats=4, stride=2, reduction_ratio=16),
    StageSpec(expand_ratio=6, out_channels=96, repeats=3, stride=1, reduction_ratio=24),
    StageSpec(expand_ratio=6, out_channels=160, repeats=3, stride=2, reduction_ratio=32),
    StageSpec(expand_ratio=6, out_channels=320, repeats=1, stride=1, reduction_ratio=64),
)
STEM_CHANNELS = 32  # conv 3x3, stride 2 (same source)
HEAD_CHANNELS = 1280  # conv 1x1 before pooling (same source)


def antnet_100_g1(*, num_classes: int = 1000) -> ANTNet:
    """ANTNet, width 1.0, g = 1 (ordinary 1x1 projections); printed 3.7M params (quoted by the third-party README)."""
    return ANTNet(STAGES, groups=1, num_classes=num_classes)


def antnet_100_g2(*, num_classes: int = 1000) -> ANTNet:
    """ANTNet, width 1.0, g = 2 (two-group projections); printed 3.2M params (quoted by the third-party README)."""
    return ANTNet(STAGES, groups=2, num_classes=num_classes)


__all__ = [
    "HEAD_CHANNELS",
    "STAGES",
    "STEM_CHANNELS",
    "ANTBlock",
    "ANTNet",
    "ChannelAttention",
    "StageSpec",
    "antnet_100_g1",
    "antnet_100_g2",
]
# --8<-- [end:model]
