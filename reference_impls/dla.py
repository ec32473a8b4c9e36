"""Deep Layer Aggregation.

Fisher Yu, Dequan Wang, Evan Shelhamer, Trevor Darrell. CVPR 2018, pp. 2403-2412. arXiv:1707.06484.
Official code: github.com/ucbdrive/dla (dla.py @d477ceb).

Implements: the ten ImageNet classifiers of the official code (DLA-34, DLA-46-C, DLA-X-46-C, DLA-X-60-C, DLA-60,
DLA-X-60, DLA-102, DLA-X-102, DLA-X-102 64, DLA-169), built from the paper's two aggregations as the official code
realises them: iterative deep aggregation (IDA: each level's input is passed on to the aggregation node at its end)
and hierarchical deep aggregation (HDA: a tree of blocks merged by aggregation nodes, "roots"). Also Res2Net-DLA-60
and Res2NeXt-DLA-60 of the Res2Net paper (Gao et al., TPAMI 2021, Table 1; official Res2Net-PretrainedModels
dla.py): DLA-60 with every bottleneck replaced by the Res2Net module of reference_impls/res2net.py (s = 4; w = 28,
or C = 8 and w = 4 for Res2NeXt). Layout and ids as in timm (`dla34` ... `dla169`, `dla60_res2net`,
`dla60_res2next`): the official code minus the dead `project` layers (first deviation), identical to timm to the
unit (tests/test_models_dla.py). With ``dead_projections=True`` (`build`) any of them is instead built as the
official code builds it, dead layers included, computed in the forward pass and dropped; registered as
`dla60_res2net_official` and `dla60_res2next_official`, the layouts the Res2Net README's counts describe.

Layout: `stem` = the official `base_layer` (7x7 conv, stride 1, to c0); `stages` = the six levels of the official
configs, level0 .. level5 (level0/1: plain 3x3 convs, level1 with stride 2; level2 .. level5: aggregation trees with
stride 2); `head` = global average pool and the 1x1-conv classifier.

Deviations:
- The official `Tree` builds a `project` (1x1 conv + BN) whenever its input and output widths differ, also in trees
  of depth > 1, where the projected tensor is computed but never used (the sub-tree recomputes its own shortcut).
  By default we build `project` only in depth-1 trees, as timm does (timm loads the official weights with
  strict=False); ``dead_projections=True`` builds and runs them as the official code does. The
  official models therefore carry dead parameters (and multiply-adds) that ours do not, by model (as an independent
  analytic count of the official code also gives them): dla34 +41,728 params (official 15,783,832); dla46_c and
  dla46x_c +8,448 (1,309,848 and 1,076,888); dla60x_c +16,896 (1,336,728); dla60 and dla60x +297,472 (22,334,104
  and 17,649,816); dla102, dla102x and dla102x2 +462,848 (33,731,736, 26,772,120 and 41,745,048); dla169 +599,296
  (53,989,016). The dead convs add 0.002 G (dla46_c) to 0.167 G (dla169) multiply-adds when executed, e.g.
  dla60 4.313 vs 4.236 G. Res2Net's official dla.py copies the same `Tree`, so its Res2Net-DLA-60 and
  Res2NeXt-DLA-60 also carry DLA-60's 297,472 dead parameters (and 77.1M multiply-adds): 21,145,544 and 17,330,456
  parameters, the README's 21.15M and 17.33M. tests/test_models_dla.py recomputes every one of these differences
  and pins the official layouts' counts.
- The official head is AvgPool2d(7), which fixes the input at 224 x 224; we use adaptive average pooling, as timm
  does (equal at 224).
- DLA-X-102 64 (`dla102x2`): the official builder sets the class attribute `BottleneckX.cardinality = 64`, so a
  DLA-X model built after it in the same process silently gets 64 groups too; here cardinality is an argument.
- Res2Net-DLA blocks pass the LAST split through unchanged (official code) where we follow Eq. (1) of the Res2Net
  paper and pass the FIRST; the same permutation as in reference_impls/res2net.py, with equal counts.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import torch
from torch import nn

from .res2net import Res2NetModule, conv_bn, conv_bn_relu

# A block maps (in_channels, out_channels, stride) to a module whose forward takes (x, shortcut).
BlockFactory = Callable[[int, int, int], nn.Module]

# ------------------------------------------------------------------------------------------------------------ blocks


class BasicBlock(nn.Module):
    """DLA-34's block (official `BasicBlock`): 3x3 conv (stride s), BN, ReLU, 3x3 conv, BN, add shortcut, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(in_channels, out_channels, 3, stride=stride)
        self.conv2 = conv_bn(out_channels, out_channels, 3)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, shortcut: torch.Tensor | None = None) -> torch.Tensor:
        identity = x if shortcut is None else shortcut
        y: torch.Tensor = self.relu(self.conv2(self.conv1(x)) + identity)
        return y


class Bottleneck(nn.Module):
    """DLA's bottleneck (official `Bottleneck`, and `BottleneckX` for DLA-X): 1x1, 3x3 (stride s), 1x1 convs.

    The 3x3 width is out/2 (expansion 2) for DLA; for DLA-X it is out * C / 32 with C groups (official
    `bottle_planes = planes * cardinality // 32`), i.e. out for C = 32 and 2 * out for DLA-X-102 64 (C = 64).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, *, cardinality: int = 1) -> None:
        super().__init__()
        mid = out_channels // 2 if cardinality == 1 else out_channels * cardinality // 32
        self.conv1 = conv_bn_relu(in_channels, mid, 1)
        self.conv2 = conv_bn_relu(mid, mid, 3, stride=stride, groups=cardinality)
        self.conv3 = conv_bn(mid, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, shortcut: torch.Tensor | None = None) -> torch.Tensor:
        identity = x if shortcut is None else shortcut
        y: torch.Tensor = self.relu(self.conv3(self.conv2(self.conv1(x))) + identity)
        return y


class DlaBottle2neck(Res2NetModule):
    """Res2Net-DLA's block (Res2Net Table 1; official Res2Net dla.py `Bottle2neck`/`Bottle2neckX`).

    The Res2Net module with DLA's expansion 2: split width floor(out * w / 64) * C / 2 (official: out * 28 / 128 for
    Res2Net, out * 8 / 32 with 8 groups for Res2NeXt). The strided block of each tree is stage-first (no
    hierarchical additions, pooled last split); the shortcut comes from the tree.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, *, base_width: int, cardinality: int, scale: int
    ) -> None:
        width = (out_channels * base_width // 64) * cardinality // 2
        super().__init__(
            in_channels,
            width,
            out_channels,
            stride=stride,
            scale=scale,
            cardinality=cardinality,
            stage_first=stride > 1,
        )

    def forward(self, x: torch.Tensor, shortcut: torch.Tensor | None = None) -> torch.Tensor:
        identity = x if shortcut is None else shortcut
        y: torch.Tensor = self.relu(self.residual_branch(x) + identity)
        return y


# ------------------------------------------------------------------------------------------------------ aggregation


class Root(nn.Module):
    """An aggregation node (official `Root`): 1x1 conv over the concatenated inputs, BN, (+ first input), ReLU.

    ``residual=True`` (the official `residual_root`, used from DLA-102 on) adds the first input, the tree's deepest
    block output, before the ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, *, residual: bool) -> None:
        super().__init__()
        self.conv = conv_bn(in_channels, out_channels, 1)
        self.residual = residual
        self.relu = nn.ReLU(inplace=True)

    def forward(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        out = self.conv(torch.cat(inputs, dim=1))
        if self.residual:
            out = out + inputs[0]
        y: torch.Tensor = self.relu(out)
        return y


class Tree(nn.Module):
    """Hierarchical deep aggregation (official `Tree`): a binary tree of blocks, depth `depth`.

    A depth-1 tree holds two blocks and a root that aggregates both block outputs with `extra` inputs passed down
    by its parent. A deeper tree holds two sub-trees: the first one's output is passed down to the root at the
    end of the second, so the last root merges the outputs of every depth. With ``level_root=True``
    the (downsampled) input of the level is passed down too, so the last root sees it (IDA between levels).

    Args:
        depth: levels of the tree (the official `levels`).
        block: builds a block from (in_channels, out_channels, stride).
        in_channels, out_channels: widths entering and leaving the tree.
        stride: downsampling of the first block (and of the level input passed to the root, by max pooling).
        level_root: pass the level's input to the last root.
        root_channels: input width of the last root; 0 means "two block outputs" (2 * out_channels).
        residual_root: roots add their first input (official `residual_root`).
        dead_projections: also build and run the official code's `project` in depth > 1 trees whose widths
            differ; its output is passed to the first sub-tree and never used (the module's first Deviation).
    """

    def __init__(
        self,
        depth: int,
        block: BlockFactory,
        in_channels: int,
        out_channels: int,
        *,
        stride: int = 1,
        level_root: bool = False,
        root_channels: int = 0,
        residual_root: bool = False,
        dead_projections: bool = False,
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(
                f"a DLA tree has depth >= 1 (the official `levels` entries of level2 .. level5); got {depth}"
            )
        root_channels = root_channels or 2 * out_channels
        if level_root:
            root_channels += in_channels
        self.depth = depth
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.level_root = level_root
        self.downsample = nn.MaxPool2d(stride, stride=stride) if stride > 1 else nn.Identity()
        self.project: nn.Module | None = None
        self.root: Root | None = None
        if depth == 1:
            self.tree1 = block(in_channels, out_channels, stride)
            self.tree2 = block(out_channels, out_channels, 1)
            if in_channels != out_channels:  # the first block's shortcut (only here; see the module's Deviations)
                self.project = conv_bn(in_channels, out_channels, 1)
            self.root = Root(root_channels, out_channels, residual=residual_root)
        else:
            if dead_projections and in_channels != out_channels:  # official code only: computed, never used
                self.project = conv_bn(in_channels, out_channels, 1)
            shared = {"residual_root": residual_root, "dead_projections": dead_projections}
            self.tree1 = Tree(depth - 1, block, in_channels, out_channels, stride=stride, **shared)
            # the second sub-tree's last root also aggregates the first sub-tree's output
            self.tree2 = Tree(
                depth - 1, block, out_channels, out_channels, root_channels=root_channels + out_channels, **shared
            )

    def forward(
        self, x: torch.Tensor, extra: list[torch.Tensor] | None = None, unused_shortcut: torch.Tensor | None = None
    ) -> torch.Tensor:
        """`extra`: inputs passed down to the last root. `unused_shortcut`: what the official code passes to a
        sub-tree as its `residual`; a tree ignores it and computes its own shortcut, as the official one does."""
        bottom = self.downsample(x)
        extra = list(extra or [])  # a copy: the caller's list stays as it is
        if self.level_root:
            extra.append(bottom)
        if self.root is None:  # depth > 1
            # official code: the projection runs and is handed to the first sub-tree, which ignores it
            dead = None if self.project is None else self.project(bottom)
            x1 = self.tree1(x, unused_shortcut=dead)
            y: torch.Tensor = self.tree2(x1, [*extra, x1])
            return y
        shortcut = bottom if self.project is None else self.project(bottom)
        x1 = self.tree1(x, shortcut)
        x2 = self.tree2(x1)
        merged: torch.Tensor = self.root([x2, x1, *extra])
        return merged


def conv_level(in_channels: int, out_channels: int, convs: int, *, stride: int = 1) -> nn.Sequential:
    """level0 / level1 of the official code: `convs` 3x3 conv + BN + ReLU, the first one with `stride`."""
    layers: list[nn.Module] = []
    for index in range(convs):
        layers.extend(conv_bn_relu(in_channels, out_channels, 3, stride=stride if index == 0 else 1))
        in_channels = out_channels
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------------------------------------- network


class DLA(nn.Module):
    """DLA for ImageNet classification (official `DLA`): stem, six levels, pooled 1x1-conv classifier.

    Args:
        levels: convs of level0 and level1, then tree depths of level2 .. level5 (official `levels`).
        channels: widths c0 .. c5 of the stem/level0 .. level5 (official `channels`).
        block: builds the blocks of the trees.
        residual_root: roots add their first input (DLA-102 and deeper).
        dead_projections: build and run the official code's unused projections of depth > 1 trees (see `Tree`).
        num_classes: classifier outputs.
    """

    def __init__(
        self,
        *,
        levels: tuple[int, ...],
        channels: tuple[int, ...],
        block: BlockFactory,
        residual_root: bool = False,
        dead_projections: bool = False,
        num_classes: int = 1000,
    ) -> None:
        super().__init__()
        if len(levels) != 6 or len(channels) != 6:
            raise ValueError(
                f"DLA has six levels (level0 .. level5): give six `levels` and six `channels`; "
                f"got {len(levels)} and {len(channels)}"
            )
        self.stem = conv_bn_relu(3, channels[0], 7)  # official base_layer: 7x7 conv, stride 1
        trees = [
            Tree(
                levels[index],
                block,
                channels[index - 1],
                channels[index],
                stride=2,
                level_root=index > 2,  # level3 .. level5 pass their input to the last root
                residual_root=residual_root,
                dead_projections=dead_projections,
            )
            for index in range(2, 6)
        ]
        self.stages = nn.Sequential(
            conv_level(channels[0], channels[0], levels[0]),  # level0, full resolution
            conv_level(channels[0], channels[1], levels[1], stride=2),  # level1, 1/2
            *trees,  # level2 .. level5, 1/4 .. 1/32
        )
        # official head: AvgPool2d(7) then a 1x1 conv with bias as the classifier
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels[5], num_classes, 1, bias=True), nn.Flatten(1)
        )

        for module in self.modules():  # initialisation of the official code
            if isinstance(module, nn.Conv2d):
                fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels
                nn.init.normal_(module.weight, 0.0, (2.0 / fan_out) ** 0.5)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.stages(self.stem(x)))
        return logits


# ------------------------------------------------------------------------------------------------------------ tables

BlockKind = Literal["basic", "bottleneck", "res2net"]


@dataclass(frozen=True)
class DlaVariant:
    """One model of the official code's builders (and of Res2Net Table 1 for the Res2Net-DLA rows)."""

    paper_name: str  # as the paper (or the official code's comment) names it
    levels: tuple[int, ...]  # official `levels`
    channels: tuple[int, ...]  # official `channels`
    block: BlockKind
    cardinality: int = 1  # groups of the 3x3 convs (DLA-X: 32; DLA-X-102 64: 64; Res2NeXt-DLA: 8)
    residual_root: bool = False
    base_width: int = 0  # Res2Net-DLA only: w of floor(out * w / 64) * C / 2
    scale: int = 4  # Res2Net-DLA only: s

    def block_factory(self) -> BlockFactory:
        if self.block == "basic":
            return BasicBlock
        if self.block == "bottleneck":
            return partial(Bottleneck, cardinality=self.cardinality)
        return partial(DlaBottle2neck, base_width=self.base_width, cardinality=self.cardinality, scale=self.scale)


_SMALL = (16, 32, 64, 128, 256, 512)  # DLA-34
_COMPACT = (16, 32, 64, 64, 128, 256)  # the "-C" models
_WIDE = (16, 32, 128, 256, 512, 1024)  # DLA-60 and deeper

VARIANTS: dict[str, DlaVariant] = {
    "dla34": DlaVariant("DLA-34", (1, 1, 1, 2, 2, 1), _SMALL, "basic"),
    "dla46_c": DlaVariant("DLA-46-C", (1, 1, 1, 2, 2, 1), _COMPACT, "bottleneck"),
    "dla46x_c": DlaVariant("DLA-X-46-C", (1, 1, 1, 2, 2, 1), _COMPACT, "bottleneck", cardinality=32),
    "dla60x_c": DlaVariant("DLA-X-60-C", (1, 1, 1, 2, 3, 1), _COMPACT, "bottleneck", cardinality=32),
    "dla60": DlaVariant("DLA-60", (1, 1, 1, 2, 3, 1), _WIDE, "bottleneck"),
    "dla60x": DlaVariant("DLA-X-60", (1, 1, 1, 2, 3, 1), _WIDE, "bottleneck", cardinality=32),
    "dla102": DlaVariant("DLA-102", (1, 1, 1, 3, 4, 1), _WIDE, "bottleneck", residual_root=True),
    "dla102x": DlaVariant("DLA-X-102", (1, 1, 1, 3, 4, 1), _WIDE, "bottleneck", cardinality=32, residual_root=True),
    "dla102x2": DlaVariant("DLA-X-102 64", (1, 1, 1, 3, 4, 1), _WIDE, "bottleneck", cardinality=64, residual_root=True),
    "dla169": DlaVariant("DLA-169", (1, 1, 2, 3, 5, 1), _WIDE, "bottleneck", residual_root=True),
    "dla60_res2net": DlaVariant("Res2Net-DLA-60", (1, 1, 1, 2, 3, 1), _WIDE, "res2net", base_width=28),
    "dla60_res2next": DlaVariant("Res2NeXt-DLA-60", (1, 1, 1, 2, 3, 1), _WIDE, "res2net", cardinality=8, base_width=4),
}


# ---------------------------------------------------------------------------------------------------------- builders


def build(model_id: str, *, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """The `VARIANTS` entry `model_id`; ``dead_projections=True`` gives the official code's layout (see `Tree`)."""
    variant = VARIANTS[model_id]
    return DLA(
        levels=variant.levels,
        channels=variant.channels,
        block=variant.block_factory(),
        residual_root=variant.residual_root,
        dead_projections=dead_projections,
        num_classes=num_classes,
    )


def dla34(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-34: levels 1-1-1-2-2-1, channels 16 .. 512, basic blocks."""
    return build("dla34", dead_projections=dead_projections, num_classes=num_classes)


def dla46_c(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-46-C (compact): levels 1-1-1-2-2-1, channels 16 .. 256, bottlenecks."""
    return build("dla46_c", dead_projections=dead_projections, num_classes=num_classes)


def dla46x_c(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-X-46-C (compact): levels 1-1-1-2-2-1, channels 16 .. 256, bottlenecks with C = 32 groups."""
    return build("dla46x_c", dead_projections=dead_projections, num_classes=num_classes)


def dla60x_c(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-X-60-C (compact): levels 1-1-1-2-3-1, channels 16 .. 256, bottlenecks with C = 32 groups."""
    return build("dla60x_c", dead_projections=dead_projections, num_classes=num_classes)


def dla60(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-60: levels 1-1-1-2-3-1, channels 16 .. 1024, bottlenecks."""
    return build("dla60", dead_projections=dead_projections, num_classes=num_classes)


def dla60x(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-X-60: levels 1-1-1-2-3-1, channels 16 .. 1024, bottlenecks with C = 32 groups."""
    return build("dla60x", dead_projections=dead_projections, num_classes=num_classes)


def dla102(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-102: levels 1-1-1-3-4-1, channels 16 .. 1024, bottlenecks, residual roots."""
    return build("dla102", dead_projections=dead_projections, num_classes=num_classes)


def dla102x(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-X-102: levels 1-1-1-3-4-1, channels 16 .. 1024, bottlenecks with C = 32 groups, residual roots."""
    return build("dla102x", dead_projections=dead_projections, num_classes=num_classes)


def dla102x2(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-X-102 64: levels 1-1-1-3-4-1, channels 16 .. 1024, bottlenecks with C = 64 groups, residual roots."""
    return build("dla102x2", dead_projections=dead_projections, num_classes=num_classes)


def dla169(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """DLA-169: levels 1-1-2-3-5-1, channels 16 .. 1024, bottlenecks, residual roots."""
    return build("dla169", dead_projections=dead_projections, num_classes=num_classes)


def dla60_res2net(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """Res2Net-DLA-60 (Res2Net Table 1): DLA-60 with Res2Net blocks, w = 28, s = 4."""
    return build("dla60_res2net", dead_projections=dead_projections, num_classes=num_classes)


def dla60_res2next(*, dead_projections: bool = False, num_classes: int = 1000) -> DLA:
    """Res2NeXt-DLA-60 (Res2Net Table 1): DLA-60 with Res2NeXt blocks, C = 8, w = 4, s = 4."""
    return build("dla60_res2next", dead_projections=dead_projections, num_classes=num_classes)


def dla60_res2net_official(*, num_classes: int = 1000) -> DLA:
    """Res2Net-DLA-60 as the official Res2Net dla.py builds it: `dla60_res2net` plus the unused projections."""
    return build("dla60_res2net", dead_projections=True, num_classes=num_classes)


def dla60_res2next_official(*, num_classes: int = 1000) -> DLA:
    """Res2NeXt-DLA-60 as the official Res2Net dla.py builds it: `dla60_res2next` plus the unused projections."""
    return build("dla60_res2next", dead_projections=True, num_classes=num_classes)


__all__ = [
    "DLA",
    "VARIANTS",
    "BasicBlock",
    "Bottleneck",
    "DlaBottle2neck",
    "DlaVariant",
    "Root",
    "Tree",
    "build",
    "conv_level",
    "dla34",
    "dla46_c",
    "dla46x_c",
    "dla60",
    "dla60_res2net",
    "dla60_res2net_official",
    "dla60_res2next",
    "dla60_res2next_official",
    "dla60x",
    "dla60x_c",
    "dla102",
    "dla102x",
    "dla102x2",
    "dla169",
]
# --8<-- [end:model]
