"""MobileNetV2: Inverted Residuals and Linear Bottlenecks.

Mark Sandler, Andrew Howard, Menglong Zhu, Andrey Zhmoginov, Liang-Chieh Chen. CVPR 2018. arXiv:1801.04381.
Official code: tensorflow/models research/slim/nets/mobilenet (mobilenet_v2.py, mobilenet.py).

Implements: Table 1 (bottleneck residual block, Fig. 3b), Table 2 (the network), the width multiplier of
Sec. 4 with TF's channel rounding and the Sec. 6.1 rule for the last conv. Ids and widths follow timm's
`mobilenetv2_100` / `mobilenetv2_140` (same parameter count and fvcore total).

Deviations:
- The first bottleneck (t = 1) has no 1x1 expansion layer, as in the official code and timm; Table 1 read
  literally would put a 1x1 conv of t*k = k channels there.
- Width 1.4 rounds every layer with TF's `make_divisible` and widens the last conv to 1792, as the released
  checkpoint, timm and torchvision's `width_mult` do. This gives 6.11M parameters, not the 6.9M printed in
  Table 4 (the official slim README lists 6.06M and 582M MACs for the same model). Width 1.0 gives 3.50M
  (Table 4: 3.4M; slim README: 3.47M).
- Dropout 0.2 before the classifier follows the official training scope (keep_prob 0.8). It changes
  neither parameters nor MACs.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import Tensor, nn

from ._common import ConvBNAct, make_divisible


class InvertedResidual(nn.Module):
    """Table 1: 1x1 conv + ReLU6 (expand, t x), 3x3 depthwise stride s + ReLU6, linear 1x1 conv (project)."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int, expand_ratio: int) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"Table 2 uses strides 1 and 2 only, got {stride}")
        hidden = in_channels * expand_ratio  # t * k channels (Table 1)
        # Sec. 3.3, Fig. 3b: the shortcut connects the bottlenecks, only when the shapes agree.
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.expand = ConvBNAct(in_channels, hidden, 1) if expand_ratio != 1 else nn.Identity()
        self.depthwise = ConvBNAct(hidden, hidden, 3, stride=stride, groups=hidden)
        self.project = ConvBNAct(hidden, out_channels, 1, activation=None)  # linear bottleneck (Sec. 3.2)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.expand(x)
        out = self.depthwise(out)
        out = self.project(out)
        if self.use_shortcut:
            out = out + x
        return out


class MobileNetV2(nn.Module):
    """MobileNetV2 (Table 2) at width multiplier `width_multiplier` (the paper's alpha, Sec. 4).

    Args:
        stages: the bottleneck rows of Table 2.
        width_multiplier: alpha; every layer's channels are scaled by it and rounded to a multiple of 8.
        num_classes: size of the last (classifier) layer, k in Table 2.
        dropout: dropout probability before the classifier.
    """

    def __init__(
        self,
        stages: tuple[StageSpec, ...],
        *,
        width_multiplier: float = 1.0,
        num_classes: int = 1000,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if width_multiplier <= 0:
            raise ValueError(f"the width multiplier alpha must be positive (Sec. 4), got {width_multiplier}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")

        # Table 2, row 1: conv2d 3x3, 32 channels, stride 2.
        in_channels = make_divisible(STEM_CHANNELS * width_multiplier)
        self.stem = ConvBNAct(3, in_channels, 3, stride=2)

        blocks: list[nn.Module] = []
        for spec in stages:  # Table 2, rows 2-8: each row is a stage of n bottlenecks
            out_channels = make_divisible(spec.out_channels * width_multiplier)
            layers = []
            for index in range(spec.repeats):
                stride = spec.stride if index == 0 else 1  # "The first layer of each sequence has a stride s"
                layers.append(
                    InvertedResidual(in_channels, out_channels, stride=stride, expand_ratio=spec.expand_ratio)
                )
                in_channels = out_channels
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)

        # Table 2, rows 9-11: conv2d 1x1 to 1280, avgpool 7x7, conv2d 1x1 to k (a linear layer here).
        # Sec. 6.1: below alpha = 1 the last conv keeps 1280 channels.
        head_channels = max(HEAD_CHANNELS, make_divisible(HEAD_CHANNELS * width_multiplier))
        self.head = nn.Sequential(
            OrderedDict(
                conv=ConvBNAct(in_channels, head_channels, 1),
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                dropout=nn.Dropout(dropout),
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
    """One bottleneck row of Table 2."""

    expand_ratio: int  # t, expansion factor of the first 1x1 conv
    out_channels: int  # c, output channels of every block in the row
    repeats: int  # n, number of blocks
    stride: int  # s, stride of the first block


# Table 2, MobileNetV2 (rows "bottleneck", in paper order).
STAGES: tuple[StageSpec, ...] = (
    StageSpec(expand_ratio=1, out_channels=16, repeats=1, stride=1),
    StageSpec(expand_ratio=6, out_channels=24, repeats=2, stride=2),
    StageSpec(expand_ratio=6, out_channels=32, repeats=3, stride=2),
    StageSpec(expand_ratio=6, out_channels=64, repeats=4, stride=2),
    StageSpec(expand_ratio=6, out_channels=96, repeats=3, stride=1),
    StageSpec(expand_ratio=6, out_channels=160, repeats=3, stride=2),
    StageSpec(expand_ratio=6, out_channels=320, repeats=1, stride=1),
)
STEM_CHANNELS = 32  # Table 2, first conv2d
HEAD_CHANNELS = 1280  # Table 2, conv2d 1x1 after the bottlenecks


def mobilenetv2_100(*, num_classes: int = 1000) -> MobileNetV2:
    """MobileNetV2 at width multiplier 1.0, 224x224 (Table 4: 3.4M params, 300M MAdds)."""
    return MobileNetV2(STAGES, width_multiplier=1.0, num_classes=num_classes)


def mobilenetv2_140(*, num_classes: int = 1000) -> MobileNetV2:
    """MobileNetV2 at width multiplier 1.4, 224x224 (Table 4: 6.9M params, 585M MAdds)."""
    return MobileNetV2(STAGES, width_multiplier=1.4, num_classes=num_classes)


__all__ = [
    "HEAD_CHANNELS",
    "STAGES",
    "STEM_CHANNELS",
    "InvertedResidual",
    "MobileNetV2",
    "StageSpec",
    "mobilenetv2_100",
    "mobilenetv2_140",
]
# --8<-- [end:model]
