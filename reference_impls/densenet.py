"""Densely Connected Convolutional Networks.

Gao Huang, Zhuang Liu, Laurens van der Maaten, Kilian Q. Weinberger. CVPR 2017. arXiv:1608.06993.
Official code: github.com/liuzhuang13/DenseNet (Torch/Lua; its README points PyTorch users to torchvision, whose
DenseNets are ported from the Lua weights).

Implements: Sec. 3 (dense connectivity x_l = H_l([x_0, ..., x_{l-1}]), H_l = BN-ReLU-Conv3x3, growth rate k;
DenseNet-B bottleneck BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k); transition BN-Conv1x1-AvgPool2x2 with compression
theta = 0.5 for DenseNet-C); Table 1 (ImageNet DenseNet-121/169/201/264, k = 32) and DenseNet-161 (k = 48) of the
official code; the CIFAR networks of Table 2 (three dense blocks at 32, 16 and 8 px) and the three
Wide-DenseNet-BC networks of the official README (BC, L = 40, k = 36 / 48 / 60).

Deviations:
- Layout: Table 1 lists each transition layer as its own row between two dense blocks. Here a transition opens the
  stage of the dense block it feeds, so `stages` has one entry per dense block and the stage outputs sit at
  56 / 28 / 14 / 7 px (ImageNet, 224 px input) and 32 / 16 / 8 px (CIFAR). The transition's BN-ReLU-Conv follows
  torchvision and the Lua code (the paper's text writes BN-Conv; the code has the ReLU). The final BN-ReLU that
  the code applies after the last dense block is the start of `head`.
- densenet121 / 169 / 201 / 161 are identical to torchvision's and timm's models of those names (parameters to
  the unit, fvcore total and conv + linear count pinned in tests/test_models_densenet.py): fidelity `official`.
  DenseNet-161 (k = 48, 96-channel stem, blocks 6-12-36-24) is not in the paper's Table 1; it comes from the code.
- densenet264 is Table 1's DenseNet-264 (k = 32, 64-channel stem, blocks 6-12-64-48), which neither torchvision
  nor timm ships; fidelity `paper`. timm's `densenet264d` is a different model: growth rate 48 and a deep
  3-conv stem (72.74M parameters), closer to the 264-layer k = 48 network of the memory-efficient tech report
  (arXiv 1707.06990). Table 1's layer-count rule (1 + 2 * sum(blocks) + 3 + 1) gives 265 for 6-12-64-48, not 264.
- CIFAR (Table 2): the basic DenseNets (no B, no C) use a 16-channel stem conv, as the paper's Sec. 3 says and the
  first commit of the official code (cbb6bff) did; the current official densenet.lua uses 2k for every CIFAR model,
  which gives 1.059M, 7.084M and 28.072M parameters and so does not reproduce Table 2's 27.2M for k = 24, L = 100.
  The BC models use 2k, as both the paper and the code do. Depth L counts convolutions and the classifier:
  (L - 4) / 3 layers per block, or (L - 4) / 6 for BC models (two convs per layer). Fidelity `paper`: pinned
  against Table 2's printed parameters; the Lua code itself was not run.
- Wide-DenseNet-BC (official README, "Wide-DenseNet"): the README gives them by their training options only
  (`-depth 40 -growthRate 36` and so on, BC being the code's default), so they are built with the same Table 2
  rules as the BC models above; fidelity `paper`, pinned against the README's printed 1.5M, 2.7M and 4.3M.
- Dropout (0.2 after each conv, used only for CIFAR without data augmentation) is left out: it has no parameters
  and no multiply-adds. Conv layers have no bias, as in the official code and torchvision.
- Random initialisation (PyTorch defaults); no pretrained weights.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

BOTTLENECK_FACTOR = 4  # DenseNet-B: the 1x1 conv produces 4k feature maps (Sec. 3, "Bottleneck layers")
CIFAR_RESOLUTION = 32

# -------------------------------------------------------------------------------------------------------- the layers


class DenseLayer(nn.Module):
    """H_l of Sec. 3: BN-ReLU-Conv3x3(k), or with a bottleneck BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k) (DenseNet-B).

    The output is the input with the k new feature maps appended: [x_0, ..., x_{l-1}] -> [x_0, ..., x_l].
    """

    def __init__(self, in_channels: int, growth_rate: int, *, bottleneck: bool) -> None:
        super().__init__()
        self.bottleneck: nn.Sequential | None = None
        channels = in_channels
        if bottleneck:
            channels = BOTTLENECK_FACTOR * growth_rate
            self.bottleneck = nn.Sequential(
                OrderedDict(
                    norm=nn.BatchNorm2d(in_channels),
                    relu=nn.ReLU(inplace=True),
                    conv=nn.Conv2d(in_channels, channels, kernel_size=1, bias=False),
                )
            )
        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(channels, growth_rate, kernel_size=3, padding=1, bias=False)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = features if self.bottleneck is None else self.bottleneck(features)
        x = self.conv(self.relu(self.norm(x)))
        return torch.cat([features, x], dim=1)  # dense connectivity: concatenate, never add


class DenseBlock(nn.Sequential):
    """`num_layers` dense layers; layer l sees in_channels + l * k feature maps (Sec. 3, "Growth rate")."""

    def __init__(self, in_channels: int, num_layers: int, growth_rate: int, *, bottleneck: bool) -> None:
        super().__init__(
            *(DenseLayer(in_channels + i * growth_rate, growth_rate, bottleneck=bottleneck) for i in range(num_layers))
        )
        self.out_channels = in_channels + num_layers * growth_rate


class Transition(nn.Sequential):
    """Transition layer (Sec. 3, "Pooling layers"; Table 1): BN-ReLU-Conv1x1 to floor(theta * m) maps, 2x2 avg-pool."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            OrderedDict(
                norm=nn.BatchNorm2d(in_channels),
                relu=nn.ReLU(inplace=True),
                conv=nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False),
                pool=nn.AvgPool2d(kernel_size=2, stride=2),
            )
        )


# ----------------------------------------------------------------------------------------------------------- network


@dataclass(frozen=True)
class DenseNetSpec:
    """One DenseNet: the columns of Table 1 (ImageNet) or a row of Table 2 (CIFAR)."""

    block_layers: tuple[int, ...]  # dense layers per block, e.g. (6, 12, 24, 16) for DenseNet-121
    growth_rate: int  # k
    stem_channels: int  # 2k for DenseNet-BC; 16 for the basic CIFAR DenseNet
    bottleneck: bool = True  # DenseNet-B
    compression: float = 0.5  # theta of the transitions (DenseNet-C); 1.0 keeps every feature map
    imagenet_stem: bool = True  # Table 1's 7x7/2 conv + 3x3/2 max-pool; else one 3x3 conv (CIFAR, Sec. 3)


class DenseNet(nn.Module):
    """Stem, one stage per dense block (each but the first opened by its transition), then BN-ReLU-pool-FC.

    Args:
        spec: the architecture (Table 1 column or Table 2 row).
        num_classes: classifier outputs (1000 for ImageNet, 10 for CIFAR-10).
    """

    def __init__(self, spec: DenseNetSpec, *, num_classes: int) -> None:
        super().__init__()
        if not 0 < spec.compression <= 1:
            raise ValueError(f"compression theta must be in (0, 1] (Sec. 3, 'Compression'), got {spec.compression}")
        channels = spec.stem_channels
        if spec.imagenet_stem:  # Table 1: 7x7 conv, stride 2 (112x112); 3x3 max pool, stride 2 (56x56)
            self.stem = nn.Sequential(
                OrderedDict(
                    conv=nn.Conv2d(3, channels, kernel_size=7, stride=2, padding=3, bias=False),
                    norm=nn.BatchNorm2d(channels),
                    relu=nn.ReLU(inplace=True),
                    pool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
                )
            )
        else:  # Sec. 3, "Implementation Details": one 3x3 conv on the 32x32 input
            self.stem = nn.Sequential(OrderedDict(conv=nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False)))

        stages: list[nn.Module] = []
        for index, num_layers in enumerate(spec.block_layers):
            parts: list[nn.Module] = []
            if index > 0:
                reduced = int(spec.compression * channels)  # floor(theta * m)
                parts.append(Transition(channels, reduced))
                channels = reduced
            block = DenseBlock(channels, num_layers, spec.growth_rate, bottleneck=spec.bottleneck)
            parts.append(block)
            channels = block.out_channels
            stages.append(nn.Sequential(*parts))
        self.stages = nn.Sequential(*stages)

        # Table 1, "Classification Layer": (BN-ReLU of the code, then) global average pool, FC, softmax (in the loss).
        self.head = nn.Sequential(
            OrderedDict(
                norm=nn.BatchNorm2d(channels),
                relu=nn.ReLU(inplace=True),
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                fc=nn.Linear(channels, num_classes),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.stages(self.stem(x)))
        return logits


# ------------------------------------------------------------------------------------------------------------ tables

# Table 1 (k = 32) and DenseNet-161 of the official code and torchvision (k = 48, stem 2k = 96).
DENSENET121 = DenseNetSpec(block_layers=(6, 12, 24, 16), growth_rate=32, stem_channels=64)
DENSENET169 = DenseNetSpec(block_layers=(6, 12, 32, 32), growth_rate=32, stem_channels=64)
DENSENET201 = DenseNetSpec(block_layers=(6, 12, 48, 32), growth_rate=32, stem_channels=64)
DENSENET264 = DenseNetSpec(block_layers=(6, 12, 64, 48), growth_rate=32, stem_channels=64)
DENSENET161 = DenseNetSpec(block_layers=(6, 12, 36, 24), growth_rate=48, stem_channels=96)


def cifar_spec(depth: int, growth_rate: int, *, bc: bool) -> DenseNetSpec:
    """A Table 2 row: three equal dense blocks; depth L = 3n + 4 (basic) or 6n + 4 (BC: two convs per layer).

    The 4 counted besides the dense layers are the stem conv, the two transition convs and the classifier.
    """
    convs_per_layer = 2 if bc else 1
    layers, remainder = divmod(depth - 4, 3 * convs_per_layer)
    if remainder or layers < 1:
        raise ValueError(
            f"depth L = {depth} does not give three equal dense blocks: L - 4 must be a positive multiple of "
            f"{3 * convs_per_layer} for {'DenseNet-BC' if bc else 'DenseNet'} (Table 2 uses 40, 100, 190, 250)"
        )
    return DenseNetSpec(
        block_layers=(layers,) * 3,
        growth_rate=growth_rate,
        stem_channels=2 * growth_rate if bc else 16,  # Sec. 3: 16 maps, or twice the growth rate for DenseNet-BC
        bottleneck=bc,
        compression=0.5 if bc else 1.0,
        imagenet_stem=False,
    )


# ---------------------------------------------------------------------------------------------------------- builders


def densenet121(*, num_classes: int = 1000) -> DenseNet:
    """DenseNet-121 (Table 1: k = 32, dense blocks 6-12-24-16), as torchvision and timm."""
    return DenseNet(DENSENET121, num_classes=num_classes)


def densenet169(*, num_classes: int = 1000) -> DenseNet:
    """DenseNet-169 (Table 1: k = 32, dense blocks 6-12-32-32), as torchvision and timm."""
    return DenseNet(DENSENET169, num_classes=num_classes)


def densenet201(*, num_classes: int = 1000) -> DenseNet:
    """DenseNet-201 (Table 1: k = 32, dense blocks 6-12-48-32), as torchvision and timm."""
    return DenseNet(DENSENET201, num_classes=num_classes)


def densenet161(*, num_classes: int = 1000) -> DenseNet:
    """DenseNet-161 (official code: k = 48, 96-channel stem, dense blocks 6-12-36-24), as torchvision and timm."""
    return DenseNet(DENSENET161, num_classes=num_classes)


def densenet264(*, num_classes: int = 1000) -> DenseNet:
    """DenseNet-264 (Table 1: k = 32, dense blocks 6-12-64-48); not timm's densenet264d (k = 48, deep stem)."""
    return DenseNet(DENSENET264, num_classes=num_classes)


def densenet_cifar_k12_l40(*, num_classes: int = 10) -> DenseNet:
    """DenseNet (Table 2), k = 12, L = 40: 12 layers per block, 16-channel stem."""
    return DenseNet(cifar_spec(40, 12, bc=False), num_classes=num_classes)


def densenet_cifar_k12_l100(*, num_classes: int = 10) -> DenseNet:
    """DenseNet (Table 2), k = 12, L = 100: 32 layers per block, 16-channel stem."""
    return DenseNet(cifar_spec(100, 12, bc=False), num_classes=num_classes)


def densenet_cifar_k24_l100(*, num_classes: int = 10) -> DenseNet:
    """DenseNet (Table 2), k = 24, L = 100: 32 layers per block, 16-channel stem."""
    return DenseNet(cifar_spec(100, 24, bc=False), num_classes=num_classes)


def densenet_bc_cifar_k12_l100(*, num_classes: int = 10) -> DenseNet:
    """DenseNet-BC (Table 2), k = 12, L = 100: 16 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(100, 12, bc=True), num_classes=num_classes)


def densenet_bc_cifar_k24_l250(*, num_classes: int = 10) -> DenseNet:
    """DenseNet-BC (Table 2), k = 24, L = 250: 41 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(250, 24, bc=True), num_classes=num_classes)


def densenet_bc_cifar_k40_l190(*, num_classes: int = 10) -> DenseNet:
    """DenseNet-BC (Table 2), k = 40, L = 190: 31 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(190, 40, bc=True), num_classes=num_classes)


def densenet_bc_cifar_k36_l40(*, num_classes: int = 10) -> DenseNet:
    """Wide-DenseNet-BC (official README), k = 36, L = 40: 6 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(40, 36, bc=True), num_classes=num_classes)


def densenet_bc_cifar_k48_l40(*, num_classes: int = 10) -> DenseNet:
    """Wide-DenseNet-BC (official README), k = 48, L = 40: 6 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(40, 48, bc=True), num_classes=num_classes)


def densenet_bc_cifar_k60_l40(*, num_classes: int = 10) -> DenseNet:
    """Wide-DenseNet-BC (official README), k = 60, L = 40: 6 bottleneck layers per block, theta = 0.5."""
    return DenseNet(cifar_spec(40, 60, bc=True), num_classes=num_classes)


__all__ = [
    "BOTTLENECK_FACTOR",
    "CIFAR_RESOLUTION",
    "DENSENET121",
    "DENSENET161",
    "DENSENET169",
    "DENSENET201",
    "DENSENET264",
    "DenseBlock",
    "DenseLayer",
    "DenseNet",
    "DenseNetSpec",
    "Transition",
    "cifar_spec",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
    "densenet264",
    "densenet_bc_cifar_k12_l100",
    "densenet_bc_cifar_k24_l250",
    "densenet_bc_cifar_k36_l40",
    "densenet_bc_cifar_k40_l190",
    "densenet_bc_cifar_k48_l40",
    "densenet_bc_cifar_k60_l40",
    "densenet_cifar_k12_l40",
    "densenet_cifar_k12_l100",
    "densenet_cifar_k24_l100",
]
# --8<-- [end:model]
