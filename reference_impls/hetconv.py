"""HetConv: Heterogeneous Kernel-Based Convolutions for Deep CNNs.

Pravendra Singh, Vinay Kumar Verma, Piyush Rai, Vinay P. Namboodiri. CVPR 2019. arXiv:1903.04120.

Implements: the HetConv filter (Fig. 3): each of N filters over M input channels has M/P 3x3 kernels and
M - M/P 1x1 kernels, the 3x3 positions shifted from one filter to the next; cost D_o^2 * N * (9M/P + M - M/P), i.e.
1/P + (1 - 1/P)/9 of a standard 3x3 conv (`hetconv_layer_ratio`, `hetconv_layer_cost`). HetConv in ResNet-50
(P = 4) and in VGG-16 on CIFAR-10 (P = 1 ... 64), with the whole CIFAR network's predicted cost per P
(`vgg16_cifar_predicted_cost`, derived from the same layer table the model is built from; these three live in
the torch-free reference_impls/hetconv_cost.py and are re-exported here).

Deviations:
- No official code was found. The shift is: filter n has its 3x3 kernels on the input channels i with
  (i - n) mod P == 0 (Fig. 3 caption: the first filter starts at the first position, the second at the second, ...).
- hetconv_resnet50_p4: the paper's ResNet-50 placement table was not retrieved. Built on `reference_impls.resnet`'s
  timm layout ("V1.5", stride on the 3x3), with every bottleneck 3x3 conv, strided ones included, a HetConv (P = 4);
  stem, 1x1 convs and shortcuts stay standard. Conv + fc MACs: 4.089 G -> 2.856 G at 224 px (-30.2 %).
- hetconv_vgg16_cifar_p*: the CIFAR-10 VGG-16 of the pruning literature HetConv compares with, as in the public
  HetConv training code (irvinxav/Efficient-HetConv, hetconv.py): the 13 convs of VGG Table 1 config D, BN after
  each, 5 max-pools, and the classifier Linear 512 -> 512, BatchNorm1d, ReLU, Linear 512 -> 10. The first conv
  (3 input channels) stays standard; P = 1 is the standard VGG-16. That code gives its first conv a bias (64
  parameters, redundant before BN); ours has none, which changes no multiply-add reading. Fidelity
  `reimplementation`: the layout follows that third-party code, and the printed costs come from that code's
  README, not from the paper; agreeing with the printed P = 1 cost does not confirm it (the layout was chosen to
  fit it), so claims about these models are inconclusive.
- Printed FLOPs (313.74, 175.23, 105.98, 71.35, 54.04, 45.38, 41.05 M for P = 1 ... 64; quoted from the paper by a
  third-party README) against our three readings (`vgg16_cifar_predicted_cost`, equal to the measured models):
  conv + linear 313.46, 175.05, 105.85, 71.24, 53.94, 45.29, 40.97 M; conv + linear + BatchNorm once 313.74,
  175.33, 106.12, 71.52, 54.22, 45.57, 41.24 M; fvcore total 314.02, 175.61, 106.40, 71.80, 54.50, 45.84, 41.52 M.
  Only P = 1 is reproduced by one of them, conv + linear + BatchNorm once (313,740,800; the same as one bias add
  per conv output, 313,740,288, plus the classifier's 512 BatchNorm elements). For P = 2 ... 64 every printed value
  lies between conv + linear (0.18 ... 0.08 M below it) and BatchNorm once (0.10 ... 0.19 M above it). One count
  reproduces all seven printed rows, cut (not rounded) to two decimals: the first convolution's multiply-adds plus
  one bias add per output, each HetConv layer's multiply-adds and bias adds both scaled by its cost ratio
  1/P + (1 - 1/P)/9, plus the two classifier layers. Scaling the bias adds by the ratio is a property of that
  formula, not of the network (a bias add per output does not depend on P), so it is not one of the readings
  offered here; the paper's own counting code was not found.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

# The analytic cost lives in a torch-free module (tools and the site import it without torch); re-exported here.
from reference_impls.hetconv_cost import (
    CIFAR_RESOLUTION,
    CLASSIFIER_WIDTH,
    VGG16_CIFAR_PARTS,
    CifarConvLayer,
    CostReadings,
    hetconv_layer_cost,
    hetconv_layer_ratio,
    vgg16_cifar_predicted_cost,
    vgg_cifar_conv_layers,
)
from reference_impls.resnet import RESNET50_STAGES, ResNet
from reference_impls.vgg_tables import VGG16_STAGES, ConvSpec

# ------------------------------------------------------------------------------------------------------------- layer


class HetConv2d(nn.Module):
    """HetConv layer (Fig. 3): N filters over M input channels, P = "part".

    Filter n has 3x3 kernels on the M/P input channels i with (i - n) mod P == 0 and 1x1 kernels on the other
    M - M/P channels. Parameters: N * (9M/P + M - M/P); MACs: D_o^2 * N * (9M/P + M - M/P). No bias.

    Exact construction, with no masked weights: filters with the same residue j = n mod P put their 3x3 kernels on
    the same input channels {i : i mod P == j}. Sorting input channels and filters by residue therefore turns
    the 3x3 part into a grouped 3x3 conv with P groups (group j: the M/P channels of residue j -> the N/P filters of
    residue j). The 1x1 part of group j reads the other M - M/P channels; gathering those side by side for
    j = 0 .. P-1 makes it a grouped 1x1 conv with P groups and the same filter order. The two parts are added and
    the filters put back in their order n = 0 .. N-1. With P = 1 every kernel is 3x3 (a standard conv).

    Args:
        in_channels: M, input depth.
        out_channels: N, number of filters.
        part: P; each filter has M/P 3x3 kernels. P must divide M and N.
        stride: spatial stride (of both kernel sizes; the 3x3 kernels are padded by 1).
    """

    # Index buffers (registered in __init__, not saved in the state dict).
    by_residue: torch.Tensor
    others: torch.Tensor
    filter_order: torch.Tensor
    restore: torch.Tensor

    def __init__(self, in_channels: int, out_channels: int, *, part: int, stride: int = 1) -> None:
        super().__init__()
        if part < 1 or in_channels % part or out_channels % part:
            raise ValueError(
                "HetConv needs the part P to divide the input depth M (each filter has M/P 3x3 kernels and "
                f"M - M/P 1x1 kernels) and the number of filters N; got M={in_channels}, N={out_channels}, P={part}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.part = part
        self.stride = stride
        channels_3x3 = in_channels // part  # M/P 3x3 kernels per filter
        channels_1x1 = in_channels - channels_3x3  # M - M/P 1x1 kernels per filter

        # Input channels sorted by residue: [0, P, 2P, ..., 1, P+1, ...]; block j holds the channels i = j (mod P).
        by_residue = [i for j in range(part) for i in range(j, in_channels, part)]
        # For each residue j, the channels i != j (mod P), concatenated over j: P blocks of M - M/P channels.
        others = [i for j in range(part) for i in range(in_channels) if i % part != j]
        # Filters in the grouped convs' output order: [0, P, 2P, ..., 1, P+1, ...] (grouped by n mod P).
        filter_order = torch.tensor([n for j in range(part) for n in range(j, out_channels, part)])
        self.register_buffer("by_residue", torch.tensor(by_residue), persistent=False)
        self.register_buffer("others", torch.tensor(others, dtype=torch.long), persistent=False)
        self.register_buffer("filter_order", filter_order, persistent=False)
        self.register_buffer("restore", torch.argsort(filter_order), persistent=False)  # inverse permutation

        # "3x3 kernels" of Fig. 3: group j maps the M/P channels of residue j to the N/P filters of residue j.
        self.kernels_3x3 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, groups=part, bias=False)
        # "1x1 kernels" of Fig. 3: group j maps the M - M/P other channels to the same N/P filters.
        self.kernels_1x1 = (
            nn.Conv2d(part * channels_1x1, out_channels, 1, stride=stride, groups=part, bias=False)
            if channels_1x1 > 0
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_by_residue = x.index_select(1, self.by_residue)  # (B, M, H, W), channels grouped by i mod P
        out = self.kernels_3x3(x_by_residue)  # (B, N, H', W'), filters grouped by n mod P
        if self.kernels_1x1 is not None:
            x_others = x.index_select(1, self.others)  # (B, P * (M - M/P), H, W)
            out = out + self.kernels_1x1(x_others)  # (B, N, H', W'), same filter order
        y: torch.Tensor = out.index_select(1, self.restore)  # (B, N, H', W'), filters back in order n = 0 .. N-1
        return y

    @torch.no_grad()
    def dense_weight(self) -> torch.Tensor:
        """The same layer as a standard 3x3 conv weight (N, M, 3, 3), 1x1 kernels at the centre tap (for reading
        and testing: `F.conv2d(x, layer.dense_weight(), stride=layer.stride, padding=1)` equals `layer(x)`)."""
        weight = self.kernels_3x3.weight.new_zeros(self.out_channels, self.in_channels, 3, 3)
        group_in_3x3 = self.in_channels // self.part
        group_in_1x1 = self.in_channels - group_in_3x3
        group_out = self.out_channels // self.part
        for position, n in enumerate(self.filter_order.tolist()):
            j = position // group_out  # group of this filter = n mod P
            channels_3x3 = self.by_residue[j * group_in_3x3 : (j + 1) * group_in_3x3]
            weight[n, channels_3x3] = self.kernels_3x3.weight[position]
            if self.kernels_1x1 is not None:
                channels_1x1 = self.others[j * group_in_1x1 : (j + 1) * group_in_1x1]
                weight[n, channels_1x1, 1, 1] = self.kernels_1x1.weight[position, :, 0, 0]
        return weight

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, part={self.part}, stride={self.stride}"


# ----------------------------------------------------------------------------------------------------------- network


class ConvBNReLU(nn.Module):
    """One conv row of VGG Table 1 in the CIFAR variant: 3x3 conv (standard or HetConv), BN, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, part: int) -> None:
        super().__init__()
        if part == 1:  # P = 1: every kernel 3x3, the standard convolution
            self.conv: nn.Module = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        else:
            self.conv = HetConv2d(in_channels, out_channels, part=part)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = self.bn(x)
        y: torch.Tensor = self.relu(x)
        return y


class CifarClassifier(nn.Sequential):
    """The CIFAR VGG-16 classifier of the pruning literature HetConv compares with: flatten the 1x1x512 map, then
    Linear(512, 512), BatchNorm1d, ReLU, Linear(512, num_classes)."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__(
            OrderedDict(
                flatten=nn.Flatten(1),
                fc1=nn.Linear(in_features, CLASSIFIER_WIDTH),
                bn=nn.BatchNorm1d(CLASSIFIER_WIDTH),
                relu=nn.ReLU(inplace=True),
                fc2=nn.Linear(CLASSIFIER_WIDTH, num_classes),
            )
        )


class VGGCifar(nn.Module):
    """VGG-16 for CIFAR-10 (32 x 32 inputs) with HetConv in every conv layer but the first.

    Args:
        stages: conv rows of VGG Table 1, one tuple per block between two max-pools (3x3 rows only).
        part: P of every HetConv layer; 1 gives the standard network.
        num_classes: outputs of the classifier (10 for CIFAR-10).
    """

    def __init__(self, stages: Sequence[Sequence[ConvSpec]], *, part: int, num_classes: int = 10) -> None:
        super().__init__()
        blocks = []
        for block in vgg_cifar_conv_layers(stages, part=part):
            layers: list[nn.Module] = [
                ConvBNReLU(layer.in_channels, layer.out_channels, part=layer.part) for layer in block
            ]
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # VGG Table 1 "maxpool"
            blocks.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*blocks)
        # 32 px / 2^5 = 1 x 1 x 512 after the last max-pool.
        self.head = CifarClassifier(stages[-1][-1].channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.stages(x))
        return logits


# ------------------------------------------------------------------------------------------------------------ tables

RESNET50_PART = 4  # P of the ResNet-50 / ImageNet model


# ---------------------------------------------------------------------------------------------------------- builders


def hetconv_resnet50_p4(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 (timm/torchvision V1.5 layout) with every bottleneck 3x3 conv a HetConv with P = 4."""

    def hetconv_3x3(in_channels: int, out_channels: int, stride: int) -> nn.Module:
        return HetConv2d(in_channels, out_channels, part=RESNET50_PART, stride=stride)

    return ResNet(RESNET50_STAGES, num_classes=num_classes, conv3x3=[hetconv_3x3] * len(RESNET50_STAGES))


def _vgg16_cifar(part: int, num_classes: int) -> VGGCifar:
    return VGGCifar(VGG16_STAGES, part=part, num_classes=num_classes)


def hetconv_vgg16_cifar_p1(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10 with P = 1: the standard network (every kernel 3x3)."""
    return _vgg16_cifar(1, num_classes)


def hetconv_vgg16_cifar_p2(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 2 in the 12 convs after the first."""
    return _vgg16_cifar(2, num_classes)


def hetconv_vgg16_cifar_p4(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 4 in the 12 convs after the first."""
    return _vgg16_cifar(4, num_classes)


def hetconv_vgg16_cifar_p8(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 8 in the 12 convs after the first."""
    return _vgg16_cifar(8, num_classes)


def hetconv_vgg16_cifar_p16(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 16 in the 12 convs after the first."""
    return _vgg16_cifar(16, num_classes)


def hetconv_vgg16_cifar_p32(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 32 in the 12 convs after the first."""
    return _vgg16_cifar(32, num_classes)


def hetconv_vgg16_cifar_p64(*, num_classes: int = 10) -> VGGCifar:
    """VGG-16 on CIFAR-10, HetConv with P = 64 in the 12 convs after the first."""
    return _vgg16_cifar(64, num_classes)


__all__ = [
    "CIFAR_RESOLUTION",
    "CLASSIFIER_WIDTH",
    "RESNET50_PART",
    "VGG16_CIFAR_PARTS",
    "CifarClassifier",
    "CifarConvLayer",
    "ConvBNReLU",
    "CostReadings",
    "HetConv2d",
    "VGGCifar",
    "hetconv_layer_cost",
    "hetconv_layer_ratio",
    "hetconv_resnet50_p4",
    "hetconv_vgg16_cifar_p1",
    "hetconv_vgg16_cifar_p2",
    "hetconv_vgg16_cifar_p4",
    "hetconv_vgg16_cifar_p8",
    "hetconv_vgg16_cifar_p16",
    "hetconv_vgg16_cifar_p32",
    "hetconv_vgg16_cifar_p64",
    "vgg16_cifar_predicted_cost",
    "vgg_cifar_conv_layers",
]
# --8<-- [end:model]
