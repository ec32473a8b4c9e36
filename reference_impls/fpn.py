"""Feature Pyramid Networks for Object Detection.

Tsung-Yi Lin, Piotr Dollár, Ross Girshick, Kaiming He, Bharath Hariharan, Serge Belongie. CVPR 2017.
arXiv:1612.03144.

Implements: Sec. 3 (bottom-up pathway: C2 ... C5, the outputs of ResNet's conv2 ... conv5 at strides 4, 8, 16, 32;
conv1 is not part of the pyramid; top-down pathway: a 1x1 conv on C5 starts it, each coarser map is upsampled x2 by
nearest neighbour and added to a 1x1 lateral conv of the finer C_i; a 3x3 conv on every merged map gives P2 ... P5;
d = 256 channels everywhere; no non-linearities in the extra layers) and Sec. 4.1 (P6, "simply a stride two
subsampling of P5", the level the RPN adds for 512² anchors). The backbones are ResNet-50 and ResNet-101 of ResNet
Table 1 (reference_impls/resnet.py) without the classifier.

Input (Sec. 5): images are resized so that the shorter side is 800 px. The paper names no longer side; we measure
800 x 1344: an image at the largest long side Detectron and torchvision allow for that scale (1333) padded to a
multiple of 32, as both do before the backbone. Every level then divides exactly: P2 200x336 ... P5 25x42, P6 13x21.

Layout: `stem` (conv1 and the max pool), `stages` (conv2 ... conv5, whose outputs are C2 ... C5) and `head` (the
pyramid, shown as `pyramid` in the per-stage table), so that the table shows what the pyramid costs beside the
backbone.

Deviations:
- The model stops at the pyramid: the RPN head (3x3 conv and two sibling 1x1 convs on every level) and the Fast
  R-CNN head (RoI pooling and two 1024-d fc layers) are not included, so its counts are those of the feature
  extractor a detector shares between both heads.
- The backbone is the 2015 ResNet (stride 2 on the first 1x1 of conv3_1, conv4_1 and conv5_1, `resnet50_v1`), the
  layout of the ImageNet models the paper starts from. torchvision's `resnet_fpn_backbone` uses V1.5 (stride on the
  3x3): same parameters, fewer multiply-adds.
- BatchNorm layers stand where Detectron and torchvision use frozen BatchNorm (a fixed per-channel scale and shift):
  the same arithmetic; torchvision keeps those two vectors as buffers, so its `parameters()` count 53,120
  (ResNet-50) or 105,344 (ResNet-101) fewer.
- The lateral and output convs keep a bias, as torchvision's `FeaturePyramidNetwork` does (the paper says nothing
  about biases); the pyramid has 3,344,384 parameters, exactly torchvision's.
- Upsampling targets the lateral map's exact size (torchvision's rule), which is x2 at every level of this input.
- Random initialisation (PyTorch defaults); no pretrained weights.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .resnet import RESNET50_STAGES, RESNET101_STAGES, ResNet, StageSpec

PYRAMID_CHANNELS = 256  # d = 256 (Sec. 3)


class FeaturePyramid(nn.Module):
    """Sec. 3, Fig. 3: lateral 1x1 convs, top-down nearest-neighbour upsampling and addition, 3x3 output convs.

    Args:
        in_channels: channels of C2 ... C5 (256, 512, 1024, 2048 for ResNet-50/101).
        channels: d, the channels of every pyramid level.

    Returns (from `forward`): P2 ... P5 and P6, finest first.
    """

    def __init__(self, in_channels: Sequence[int], channels: int = PYRAMID_CHANNELS) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, channels, kernel_size=1) for c in in_channels)
        self.output = nn.ModuleList(nn.Conv2d(channels, channels, kernel_size=3, padding=1) for _ in in_channels)

    def forward(self, features: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        if len(features) != len(self.lateral):
            raise ValueError(f"the pyramid takes {len(self.lateral)} feature maps (C2 ... C5), got {len(features)}")
        merged = self.lateral[-1](features[-1])  # the top of the top-down pathway: 1x1 conv on C5
        levels = [self.output[-1](merged)]  # P5
        for index in range(len(features) - 2, -1, -1):  # C4, C3, C2
            lateral = self.lateral[index](features[index])
            merged = lateral + F.interpolate(merged, size=lateral.shape[-2:], mode="nearest")  # x2 upsampling
            levels.insert(0, self.output[index](merged))  # 3x3 conv against upsampling aliasing
        p6 = F.max_pool2d(levels[-1], kernel_size=1, stride=2)  # Sec. 4.1: stride-2 subsampling of P5
        return (*levels, p6)


class ResNetFPN(nn.Module):
    """A ResNet (Table 1 of the ResNet paper, without avg pool and fc) with a feature pyramid on C2 ... C5.

    Args:
        stages: the backbone's rows of ResNet Table 1.
        stride_on_3x3: the V1.5 stride placement of torchvision's `resnet_fpn_backbone` instead of the 2015 layout
            (used by the tests to compare with torchvision's counts).
    """

    stage_names = ("stem", "conv2", "conv3", "conv4", "conv5", "pyramid")  # rows of the per-stage table

    def __init__(self, stages: Sequence[StageSpec], *, stride_on_3x3: bool = False) -> None:
        super().__init__()
        backbone = ResNet(stages, stride_on_3x3=stride_on_3x3, num_classes=1)  # its classifier is dropped below
        self.stem = backbone.stem
        self.stages = backbone.stages
        self.head = FeaturePyramid([spec.out_channels for spec in stages])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.stem(x)  # (N, 64, H/4, W/4)
        features = []
        for stage in self.stages:  # C2 ... C5 at strides 4, 8, 16, 32
            x = stage(x)
            features.append(x)
        pyramid: tuple[torch.Tensor, ...] = self.head(features)  # P2 ... P6, 256 channels each
        return pyramid


def resnet50_fpn() -> ResNetFPN:
    """ResNet-50-FPN: ResNet-50 (2015 layout, [3, 4, 6, 3] bottlenecks) with P2 ... P6."""
    return ResNetFPN(RESNET50_STAGES)


def resnet101_fpn() -> ResNetFPN:
    """ResNet-101-FPN: ResNet-101 (2015 layout, [3, 4, 23, 3] bottlenecks) with P2 ... P6."""
    return ResNetFPN(RESNET101_STAGES)


__all__ = ["PYRAMID_CHANNELS", "FeaturePyramid", "ResNetFPN", "resnet50_fpn", "resnet101_fpn"]
# --8<-- [end:model]
