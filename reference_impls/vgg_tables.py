"""VGG Table 1 as data: the conv rows of each configuration, free of torch so tools and the site can read them.

Karen Simonyan, Andrew Zisserman. Very Deep Convolutional Networks for Large-Scale Image Recognition. ICLR 2015.
arXiv:1409.1556. Used by reference_impls/vgg.py (ImageNet VGG-16 and VGG-19) and reference_impls/hetconv.py
(CIFAR VGG-16).
"""

# --8<-- [start:model]
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConvSpec:
    """One conv row of Table 1, written "conv<receptive field size>-<number of channels>" in the paper."""

    receptive_field: int  # 3 (conv3-...) or 1 (conv1-..., configuration C)
    channels: int  # output channels


# ---------------------------------------------------------------------------------------------------------------------
# Stage table
# ---------------------------------------------------------------------------------------------------------------------
# VGG Table 1, configuration D (16 weight layers); each tuple is one block ending in "maxpool".
VGG16_STAGES: tuple[tuple[ConvSpec, ...], ...] = (
    (ConvSpec(receptive_field=3, channels=64), ConvSpec(receptive_field=3, channels=64)),
    (ConvSpec(receptive_field=3, channels=128), ConvSpec(receptive_field=3, channels=128)),
    (
        ConvSpec(receptive_field=3, channels=256),
        ConvSpec(receptive_field=3, channels=256),
        ConvSpec(receptive_field=3, channels=256),
    ),
    (
        ConvSpec(receptive_field=3, channels=512),
        ConvSpec(receptive_field=3, channels=512),
        ConvSpec(receptive_field=3, channels=512),
    ),
    (
        ConvSpec(receptive_field=3, channels=512),
        ConvSpec(receptive_field=3, channels=512),
        ConvSpec(receptive_field=3, channels=512),
    ),
)

# VGG Table 1, configuration E (19 weight layers): D with a fourth 3x3 conv in each of the last three blocks.
VGG19_STAGES: tuple[tuple[ConvSpec, ...], ...] = tuple(
    rows if len(rows) < 3 else (*rows, ConvSpec(receptive_field=3, channels=rows[-1].channels)) for rows in VGG16_STAGES
)


__all__ = ["VGG16_STAGES", "VGG19_STAGES", "ConvSpec"]
# --8<-- [end:model]
