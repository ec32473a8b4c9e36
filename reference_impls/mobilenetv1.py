"""MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications.

Andrew G. Howard, Menglong Zhu, Bo Chen, Dmitry Kalenichenko, Weijun Wang, Tobias Weyand, Marco Andreetto,
Hartwig Adam. arXiv:1704.04861 (2017). Not a catalogue paper of its own: it is the "MobileNet" baseline of SENet
Table 3 ("1.0 MobileNet-224"), EfficientNet Table 3 and MobileNetV2 Table 4.

Implements: Table 1 (the 1.0 MobileNet-224 body: a full 3x3 conv, then 13 depthwise separable layers, average
pool, FC-1000) and Fig. 3 right (depthwise 3x3 -> BN -> ReLU, pointwise 1x1 -> BN -> ReLU). Ids and layout follow
timm's `mobilenetv1_100` (same parameter count and conv + linear MACs, pinned in tests/test_models_mobile.py).

Deviations:
- Table 1 prints stride 2 on the second-to-last depthwise layer ("Conv dw / s2" at 7x7 input), which would halve the
  7x7 map; the official code and timm use stride 1 there, so the last two layers run at 7x7 as Table 1's output
  sizes say. Followed here.
- Layers are grouped into five stages by output resolution (112, 56, 28, 14, 7 px), as timm groups them; Table 1
  lists them one by one. The stem is Table 1's first row (full conv, 32 channels, stride 2).
- ReLU6 as in timm and the released TF-slim checkpoints; the paper writes ReLU. No change to any count.
- Only width multiplier 1.0 and 224 px (the model every baseline row above refers to).
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import Tensor, nn

from ._common import ConvBNAct


class DepthwiseSeparable(nn.Module):
    """Fig. 3 (right): 3x3 depthwise conv -> BN -> ReLU, then 1x1 pointwise conv -> BN -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2 (Table 1: 'Conv dw / s1' or '/ s2'), got {stride}")
        self.depthwise = ConvBNAct(in_channels, in_channels, 3, stride=stride, groups=in_channels)
        self.pointwise = ConvBNAct(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.pointwise(self.depthwise(x))
        return y


@dataclass(frozen=True)
class StageSpec:
    """Consecutive rows of Table 1 that end at one output resolution."""

    out_channels: int  # channels of the pointwise convs
    repeats: int  # depthwise separable layers in the stage
    stride: int  # stride of the first depthwise conv


# Table 1, the 13 "Conv dw / Conv 1x1" pairs grouped by output size: 112 (64), 56 (128 x 2), 28 (256 x 2),
# 14 (512 x 6), 7 (1024 x 2).
STAGES: tuple[StageSpec, ...] = (
    StageSpec(out_channels=64, repeats=1, stride=1),
    StageSpec(out_channels=128, repeats=2, stride=2),
    StageSpec(out_channels=256, repeats=2, stride=2),
    StageSpec(out_channels=512, repeats=6, stride=2),
    StageSpec(out_channels=1024, repeats=2, stride=2),
)
STEM_CHANNELS = 32  # Table 1, first row: Conv / s2, 3x3x3x32


class MobileNetV1(nn.Module):
    """MobileNet (Table 1): full conv stem, depthwise separable stages, average pool and FC-1000.

    Args:
        stages: the rows of Table 1, grouped by output resolution.
        num_classes: outputs of the FC layer (1000 in Table 1).
    """

    def __init__(self, stages: tuple[StageSpec, ...] = STAGES, *, num_classes: int = 1000) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        self.stem = ConvBNAct(3, STEM_CHANNELS, 3, stride=2)
        in_channels = STEM_CHANNELS
        blocks: list[nn.Module] = []
        for spec in stages:
            layers = []
            for index in range(spec.repeats):
                stride = spec.stride if index == 0 else 1  # the first layer of a stage halves the map
                layers.append(DepthwiseSeparable(in_channels, spec.out_channels, stride=stride))
                in_channels = spec.out_channels
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)
        # Table 1, last rows: Avg Pool / s1 (7x7), FC / s1 (1024 x 1000), softmax (left to the loss).
        self.head = nn.Sequential(
            OrderedDict(
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                fc=nn.Linear(in_channels, num_classes),
            )
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)  # (N, 32, H/2, W/2)
        x = self.stages(x)  # (N, 1024, H/32, W/32)
        logits: Tensor = self.head(x)
        return logits


def mobilenetv1_100(*, num_classes: int = 1000) -> MobileNetV1:
    """1.0 MobileNet-224 (Table 1; SENet Table 3: 569 MFLOPs, 4.2M params)."""
    return MobileNetV1(STAGES, num_classes=num_classes)


__all__ = ["STAGES", "STEM_CHANNELS", "DepthwiseSeparable", "MobileNetV1", "StageSpec", "mobilenetv1_100"]
# --8<-- [end:model]
