"""HetConv's analytic cost: the per-layer formula and the CIFAR VGG-16's predicted counts per P, without torch.

Pravendra Singh, Vinay Kumar Verma, Piyush Rai, Vinay P. Namboodiri. HetConv: Heterogeneous Kernel-Based
Convolutions for Deep CNNs. CVPR 2019. arXiv:1903.04120. The models are in reference_impls/hetconv.py, which is
built from `vgg_cifar_conv_layers` below and re-exports everything here; this module imports no torch, so tools and
the site can compute the formula's predictions without loading the models.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from reference_impls.vgg_tables import VGG16_STAGES, ConvSpec

CIFAR_RESOLUTION = 32  # CIFAR-10 images are 32 x 32
CLASSIFIER_WIDTH = 512  # hidden width of the CIFAR VGG-16 classifier (512 -> 512 -> 10)
# Parts P of the VGG-16 / CIFAR-10 experiment: P1 (standard) ... P64, as quoted from the paper (third-party README).
VGG16_CIFAR_PARTS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)


def hetconv_layer_ratio(part: int, kernel: int = 3) -> Fraction:
    """Cost of one HetConv layer over a standard K x K conv with the same channels: 1/P + (1 - 1/P)/K^2.

    Each of the N filters has M/P kernels of K x K and M - M/P of 1 x 1 (Fig. 3), so parameters and multiply-adds
    are D_o^2 * N * (M K^2 / P + M - M/P) against D_o^2 * N * M * K^2. Exact: P = 4, K = 3 gives 1/3.
    """
    if part < 1 or kernel < 1:
        raise ValueError(f"HetConv needs P >= 1 and K >= 1; got P={part}, K={kernel}")
    return Fraction(1, part) + (1 - Fraction(1, part)) / (kernel * kernel)


def hetconv_layer_cost(in_channels: int, out_channels: int, part: int, output_side: int) -> tuple[int, int]:
    """(parameters, multiply-adds) of one 3x3 HetConv layer with P = `part` on a square output of `output_side`.

    Parameters: N * (9M/P + M - M/P) = hetconv_layer_ratio(P) * 9MN; MACs: that times D_o^2. P = 1 is the standard
    3x3 conv (9MN weights).
    """
    if part < 1 or in_channels % part:
        raise ValueError(f"P must divide the input depth M; got M={in_channels}, P={part}")
    weights = 9 * in_channels * out_channels * hetconv_layer_ratio(part)
    if weights.denominator != 1:  # N * (9M/P + M - M/P) is an integer whenever P divides M
        raise ValueError(f"P={part} does not give a whole number of kernels for M={in_channels}, N={out_channels}")
    return int(weights), int(weights) * output_side * output_side


@dataclass(frozen=True)
class CifarConvLayer:
    """One 3x3 conv of the CIFAR VGG-16: M -> N channels at an output side of D_o, with its HetConv part P."""

    in_channels: int
    out_channels: int
    output_side: int
    part: int  # 1 for the standard conv


def vgg_cifar_conv_layers(
    stages: Sequence[Sequence[ConvSpec]], *, part: int, resolution: int = CIFAR_RESOLUTION
) -> list[list[CifarConvLayer]]:
    """The conv layers of each block of the CIFAR VGG (VGG Table 1 rows, 'same' padding, a 2x2 max-pool per block).

    The first conv sees M = 3 input channels, which P cannot divide: it stays standard (P = 1) at every P.
    """
    blocks: list[list[CifarConvLayer]] = []
    in_channels, side = 3, resolution
    for rows in stages:
        layers = []
        for row in rows:
            if row.receptive_field != 3:
                raise ValueError(f"HetConv replaces 3x3 convs; got a conv{row.receptive_field} row")
            layer_part = 1 if in_channels == 3 else part
            layers.append(CifarConvLayer(in_channels, row.channels, side, layer_part))
            in_channels = row.channels
        blocks.append(layers)
        side //= 2  # VGG Table 1 "maxpool": 2x2, stride 2
    return blocks


@dataclass(frozen=True)
class CostReadings:
    """A network's parameters and its three multiply-add readings (docs/conventions.md) at one input."""

    params: int
    macs_conv_linear: int  # convolutions and linear layers
    macs_conv_linear_bn: int  # the same plus one fused scale-and-shift per BatchNorm output element
    fvcore_total: int  # fvcore's total: BatchNorm counted twice per element (no pooling with a cost here)


def vgg16_cifar_predicted_cost(part: int, *, num_classes: int = 10) -> CostReadings:
    """Predicted cost of `hetconv_vgg16_cifar_p<part>` from the per-layer formula and the model's own layer table.

    Walks `vgg_cifar_conv_layers(VGG16_STAGES, part=part)` -- the table `VGGCifar` is built from -- applying
    `hetconv_layer_cost` to each conv, adds BatchNorm after every conv (2 parameters per channel, one
    scale-and-shift per output element) and the classifier of `hetconv.CifarClassifier` (512 -> 512, BatchNorm, ReLU,
    512 -> num_classes). Equals the measured model to the unit (tests/test_models_hetconv.py).
    """
    params = macs = bn_elements = 0
    channels = 3
    for block in vgg_cifar_conv_layers(VGG16_STAGES, part=part):
        for layer in block:
            weights, layer_macs = hetconv_layer_cost(
                layer.in_channels, layer.out_channels, layer.part, layer.output_side
            )
            params += weights + 2 * layer.out_channels  # conv (no bias) + BatchNorm affine
            macs += layer_macs
            bn_elements += layer.out_channels * layer.output_side**2
            channels = layer.out_channels
    # Classifier: Linear(512, 512) with bias, BatchNorm1d(512), ReLU, Linear(512, num_classes) with bias.
    params += channels * CLASSIFIER_WIDTH + CLASSIFIER_WIDTH + 2 * CLASSIFIER_WIDTH
    params += CLASSIFIER_WIDTH * num_classes + num_classes
    macs += channels * CLASSIFIER_WIDTH + CLASSIFIER_WIDTH * num_classes
    bn_elements += CLASSIFIER_WIDTH
    return CostReadings(params, macs, macs + bn_elements, macs + 2 * bn_elements)


__all__ = [
    "CIFAR_RESOLUTION",
    "CLASSIFIER_WIDTH",
    "VGG16_CIFAR_PARTS",
    "CifarConvLayer",
    "CostReadings",
    "hetconv_layer_cost",
    "hetconv_layer_ratio",
    "vgg16_cifar_predicted_cost",
    "vgg_cifar_conv_layers",
]
# --8<-- [end:model]
