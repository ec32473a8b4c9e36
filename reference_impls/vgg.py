"""Very Deep Convolutional Networks for Large-Scale Image Recognition.

Karen Simonyan, Andrew Zisserman. ICLR 2015. arXiv:1409.1556.

Implements: Table 1, configurations D (VGG-16: 13 conv layers in 5 blocks, each closed by a 2x2 max-pool, then
FC-4096, FC-4096, FC-1000) and E (VGG-19: 16 conv layers, the reference network of ResNet Fig. 3); Sec. 2.1
(3x3 convs, stride 1, padding 1; ReLU after every layer; dropout 0.5 on the first two FC layers, Sec. 3.1);
Sec. 3.2 dense evaluation (FC layers as a 7x7 conv and a 1x1 conv, class scores averaged over the spatial map),
which is how timm's VGG is built, so at 224 px the network is the paper's.

Deviations:
- Head layout follows timm exactly: FC-4096 / FC-4096 are a 7x7 and a 1x1 conv ("pre-logits"), then global average
  pooling, then FC-1000 as a Linear. The paper's dense evaluation averages after the last FC instead. Pooling and a
  linear layer commute, so outputs are identical; above 224 px FC-1000 is counted once, not per map position.
- Inputs whose final map is smaller than 7x7 are first average-resized up to 7x7 (timm does this so that small
  test images run); the paper only evaluates at >= 224 px.
- `vgg16_bn` (BatchNorm after every conv, conv bias kept) is not in the paper; it is the torchvision/timm variant.
- Random initialisation (PyTorch defaults); no pretrained weights.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reference_impls.vgg_tables import VGG16_STAGES, VGG19_STAGES, ConvSpec


# ---------------------------------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------------------------------
class ConvReLU(nn.Module):
    """One "conv<receptive field>-<channels>" row of Table 1: conv (stride 1, 'same' padding) [-> BN] -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, batch_norm: bool = False) -> None:
        super().__init__()
        # Sec. 2.1: stride 1; padding 1 for 3x3 so the spatial resolution is preserved (0 for 1x1).
        # Bias kept even before BN, as in timm's vgg16_bn.
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=True)
        self.bn = nn.BatchNorm2d(out_channels) if batch_norm else None
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        y: torch.Tensor = self.relu(x)
        return y


class PreLogits(nn.Module):
    """Table 1: FC-4096 -> FC-4096, written as convs for dense evaluation (Sec. 3.2), each with ReLU and dropout."""

    def __init__(self, in_channels: int = 512, hidden: int = 4096, kernel_size: int = 7, dropout: float = 0.5) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        # Sec. 3.2: "the first FC layer is converted to a 7x7 conv. layer, the last two FC layers to 1x1 conv. layers".
        self.fc1 = nn.Conv2d(in_channels, hidden, kernel_size)
        self.relu1 = nn.ReLU(inplace=True)
        self.drop1 = nn.Dropout(dropout)  # Sec. 3.1: dropout ratio 0.5 on the first two FC layers
        self.fc2 = nn.Conv2d(hidden, hidden, kernel_size=1)
        self.relu2 = nn.ReLU(inplace=True)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] < self.kernel_size or x.shape[-1] < self.kernel_size:
            # Deviation (timm): enlarge maps smaller than 7x7 so that the 7x7 "FC" conv fits small inputs.
            x = F.adaptive_avg_pool2d(x, (max(self.kernel_size, x.shape[-2]), max(self.kernel_size, x.shape[-1])))
        x = self.fc1(x)  # (N, 4096, H/32 - 6, W/32 - 6); 1x1 at 224 px
        x = self.relu1(x)
        x = self.drop1(x)
        x = self.fc2(x)
        x = self.relu2(x)
        y: torch.Tensor = self.drop2(x)
        return y


# ---------------------------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------------------------
class VGG(nn.Module):
    """VGG (Table 1): blocks of conv layers, each block closed by a 2x2 max-pool, then FC-4096, FC-4096, FC-1000.

    Args:
        stages: the conv rows of Table 1, one tuple per block between two max-pool rows.
        num_classes: outputs of the last FC layer (FC-1000 in the paper).
        batch_norm: BatchNorm after every conv (torchvision/timm `vgg*_bn`; not in the paper).
        dropout: dropout ratio of the first two FC layers (0.5, Sec. 3.1).
    """

    def __init__(
        self,
        stages: Sequence[Sequence[ConvSpec]],
        *,
        num_classes: int = 1000,
        batch_norm: bool = False,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        in_channels = 3
        blocks: list[nn.Module] = []
        for rows in stages:
            layers: list[nn.Module] = []
            for row in rows:
                layers.append(ConvReLU(in_channels, row.channels, row.receptive_field, batch_norm=batch_norm))
                in_channels = row.channels
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # Table 1 "maxpool": 2x2 window, stride 2
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)

        self.head = nn.Sequential(
            OrderedDict(
                pre_logits=PreLogits(in_channels, 4096, dropout=dropout),  # FC-4096, FC-4096
                pool=nn.AdaptiveAvgPool2d(1),  # Sec. 3.2: class score map spatially averaged
                flatten=nn.Flatten(1),
                fc=nn.Linear(4096, num_classes),  # FC-1000 (soft-max left to the loss)
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)  # (N, 512, H/32, W/32)
        logits: torch.Tensor = self.head(x)  # (N, num_classes)
        return logits


# ---------------------------------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------------------------------
def vgg16(*, num_classes: int = 1000) -> VGG:
    """VGG-16, configuration D of Table 1 (13 conv + 3 FC layers), as in timm's `vgg16`."""
    return VGG(VGG16_STAGES, num_classes=num_classes)


def vgg16_bn(*, num_classes: int = 1000) -> VGG:
    """VGG-16 (configuration D) with BatchNorm after each of the 13 convs, as in timm's `vgg16_bn`."""
    return VGG(VGG16_STAGES, num_classes=num_classes, batch_norm=True)


def vgg19(*, num_classes: int = 1000) -> VGG:
    """VGG-19 (Table 1, configuration E: 16 conv layers, 3 FC layers), no BatchNorm."""
    return VGG(VGG19_STAGES, num_classes=num_classes)


__all__ = ["VGG", "VGG16_STAGES", "VGG19_STAGES", "ConvReLU", "ConvSpec", "PreLogits", "vgg16", "vgg16_bn", "vgg19"]
# --8<-- [end:model]
