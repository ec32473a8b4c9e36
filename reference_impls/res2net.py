"""Res2Net: A New Multi-scale Backbone Architecture.

Shang-Hua Gao, Ming-Ming Cheng, Kai Zhao, Xin-Yu Zhang, Ming-Hsuan Yang, Philip Torr.
IEEE TPAMI 43(2), 2021. arXiv:1904.01169. Official code: github.com/Res2Net/Res2Net-PretrainedModels.

Implements: Fig. 2(b) (the Res2Net module in a bottleneck), Eq. (1) (hierarchical 3x3 convs), the ResNet-50/101
stage layout (ResNet Table 1), Table 3 (w x s variants incl. Res2Net-50-L = 18w x 4s), Res2NeXt-50 (Table 1;
official res2next.py: cardinality C = 8, w = 4, s = 4, grouped 3x3 convs) and the TPAMI version's Res2Net-v1b-50 and
-101 (Table 1, Sec. 4.2.4; official res2net_v1b.py: deep 3x3 stem, average-pool shortcuts; timm's `res2net50d` and
`res2net101d`). `Res2NetModule` is also the block of Res2Net-DLA-60 and Res2NeXt-DLA-60 (reference_impls/dla.py).

Deviations:
- The first block of every stage follows the official code (`stype='stage'`), which the paper does not describe:
  no hierarchical additions, the block's stride on every 3x3 conv, and the last split average-pooled
  (AvgPool2d(3, stride, padding=1)) instead of passed through.
- The official code passes the LAST split through unchanged; the paper's Eq. (1) passes the FIRST (y_1 = x_1).
  We implement Eq. (1). It is a permutation of the splits with identical parameters and MACs (official weights
  would need their split order permuted to load).
- Stride sits on the 3x3 convs (and the pooled split), not on the first 1x1, as in the official code and timm
  (torchvision's "V1.5" placement); the projection shortcut is a strided 1x1 conv + BN.
- Global pooling is adaptive average pooling (as in timm); the official code uses AvgPool2d(7), equal at 224 px.
- res2net50_18w_4s (Res2Net-50-L, Table 3) has no official code or weights: it is the same network with w = 18.
- v1b: the official shortcut of the first stage (stride 1) starts with AvgPool2d(1, 1), an identity; we omit it,
  as timm does (no parameters or multiply-adds either way). The code calls it "v1b" although it is ResNet-D-style.
"""

# --8<-- [start:model]
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

# ----------------------------------------------------------------------------------------------------------- helpers


def conv_bn(
    in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1, groups: int = 1
) -> nn.Sequential:
    """Conv (no bias) followed by BatchNorm."""
    conv = nn.Conv2d(
        in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, groups=groups, bias=False
    )
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels))


def conv_bn_relu(
    in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1, groups: int = 1
) -> nn.Sequential:
    """Conv (no bias), BatchNorm, ReLU."""
    return nn.Sequential(*conv_bn(in_channels, out_channels, kernel_size, stride=stride, groups=groups), nn.ReLU(True))


# ------------------------------------------------------------------------------------------------------------ blocks


class Res2NetModule(nn.Module):
    """The residual branch of Fig. 2(b): 1x1 conv, s splits with hierarchical 3x3 convs (Eq. 1), 1x1 conv + BN.

    Shared by the ResNet bottleneck below (`Bottle2neck`) and by the DLA bottleneck of Res2Net-DLA-60 and
    Res2NeXt-DLA-60 (Table 1; reference_impls/dla.py); the two differ only in their widths and their shortcut.

    Stage-first modules (``stage_first=True``, the official code's ``stype='stage'``) are not described in the
    paper; we follow the official code: the s - 1 splits x_1 .. x_{s-1} each go through their own 3x3 conv with the
    module's stride (no hierarchical additions), and the last split x_s is average-pooled
    (AvgPool2d(3, stride, padding=1)) instead of being passed through.

    Args:
        in_channels: channels entering the module.
        width: channels per split (w, times C for Res2NeXt).
        out_channels: channels leaving the last 1x1 conv.
        stride: spatial stride (on the 3x3 convs and the pooled split).
        scale: s, the number of splits (paper's "4s"); s >= 2.
        cardinality: C, groups of every 3x3 conv (Res2NeXt); 1 for Res2Net.
        stage_first: see above.
    """

    def __init__(
        self,
        in_channels: int,
        width: int,
        out_channels: int,
        *,
        stride: int = 1,
        scale: int = 4,
        cardinality: int = 1,
        stage_first: bool = False,
    ) -> None:
        super().__init__()
        if scale < 2:
            raise ValueError(
                f"scale s must be >= 2: Res2Net splits the bottleneck's 3x3 group into s >= 2 subsets "
                f"(s = 1 is the plain ResNet bottleneck); got s={scale}"
            )
        self.scale = scale
        self.width = width
        self.stage_first = stage_first
        # "1x1" box: in_channels -> s * w channels
        self.conv1x1_in = conv_bn_relu(in_channels, scale * width, 1)
        # "3x3" boxes: K_2 .. K_s of Eq. (1), each 3x3 conv + BN + ReLU on w channels (grouped for Res2NeXt)
        self.conv3x3 = nn.ModuleList(
            conv_bn_relu(width, width, 3, stride=stride, groups=cardinality) for _ in range(scale - 1)
        )
        # stage-first modules only (official code): the split without a conv is average-pooled to the new size
        self.pool = nn.AvgPool2d(kernel_size=3, stride=stride, padding=1) if stage_first else None
        # "1x1" box: s * w -> out_channels (ReLU comes after the residual addition)
        self.conv1x1_out = conv_bn(scale * width, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)

    def residual_branch(self, x: torch.Tensor) -> torch.Tensor:
        """Everything of Fig. 2(b) before the addition of the shortcut."""
        out = self.conv1x1_in(x)  # (B, s*w, H, W)
        xs = torch.split(out, self.width, dim=1)  # x_1 .. x_s, each (B, w, H, W)
        if self.pool is not None:  # stage-first module
            # Official code, not in the paper: no hierarchical additions, every 3x3 conv strided,
            # the last split average-pooled.
            # K(x_1) .. K(x_{s-1}), independent
            ys = [conv(x_i) for conv, x_i in zip(self.conv3x3, xs[:-1], strict=True)]
            ys.append(self.pool(xs[-1]))  # AvgPool(x_s)
        else:
            ys = [xs[0]]  # Eq. (1): y_1 = x_1 (the official code passes x_s through instead)
            ys.append(self.conv3x3[0](xs[1]))  # Eq. (1): y_2 = K_2(x_2)
            for i in range(2, self.scale):  # 0-based i; paper index i + 1 = 3 .. s
                ys.append(self.conv3x3[i - 1](xs[i] + ys[-1]))  # Eq. (1): y_i = K_i(x_i + y_{i-1}), 2 < i <= s
        out = torch.cat(ys, dim=1)  # (B, s*w, H/stride, W/stride)
        y: torch.Tensor = self.conv1x1_out(out)  # (B, out_channels, H/stride, W/stride)
        return y


class Bottle2neck(Res2NetModule):
    """The Res2Net bottleneck of Fig. 2(b) in ResNet-50/101: `Res2NetModule` plus the ResNet shortcut.

    Args:
        in_channels: channels entering the block.
        planes: the stage's bottleneck width in ResNet-50 (64, 128, 256, 512; ResNet Table 1).
        stride: spatial stride of the block (on the 3x3 convs, the pooled split and the shortcut).
        base_width: w, the split width at planes = 64 (paper's "26w"); split width = floor(planes * w / 64) * C.
        scale: s, the number of splits (paper's "4s"); s >= 2.
        cardinality: C, groups of every 3x3 conv (Res2NeXt); 1 for Res2Net.
        stage_first: first block of a stage (see `Res2NetModule`).
        avg_down: v1b shortcut (Sec. 4.2.4, "following ResNet v1d"): average-pool by the stride, then a stride-1
            1x1 conv + BN, instead of a strided 1x1 conv + BN.
    """

    expansion = 4  # output channels = 4 * planes, as in the ResNet bottleneck

    def __init__(
        self,
        in_channels: int,
        planes: int,
        *,
        stride: int = 1,
        base_width: int = 26,
        scale: int = 4,
        cardinality: int = 1,
        stage_first: bool = False,
        avg_down: bool = False,
    ) -> None:
        width = (planes * base_width // 64) * cardinality  # w per split: floor(planes * w / 64) * C
        if width < 1:
            raise ValueError(f"split width floor(planes * w / 64) must be >= 1; got planes={planes}, w={base_width}")
        out_channels = planes * self.expansion
        super().__init__(
            in_channels,
            width,
            out_channels,
            stride=stride,
            scale=scale,
            cardinality=cardinality,
            stage_first=stage_first,
        )
        # projection shortcut where the shape changes (stride or channels), as in ResNet
        needs_projection = stride != 1 or in_channels != out_channels
        self.shortcut = _shortcut(in_channels, out_channels, stride, avg_down) if needs_projection else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        y: torch.Tensor = self.relu(self.residual_branch(x) + identity)
        return y


def _shortcut(in_channels: int, out_channels: int, stride: int, avg_down: bool) -> nn.Sequential:
    """Projection shortcut: strided 1x1 conv + BN (v1), or average pool then 1x1 conv + BN (v1b)."""
    if not avg_down or stride == 1:  # v1b at stride 1: the official AvgPool2d(1) is an identity (timm omits it)
        return conv_bn(in_channels, out_channels, 1, stride=stride)
    pool = nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True, count_include_pad=False)
    return nn.Sequential(pool, *conv_bn(in_channels, out_channels, 1))


# ----------------------------------------------------------------------------------------------------------- network


class Res2Net(nn.Module):
    """ResNet-50/101 (ResNet Table 1) with every bottleneck replaced by a Res2Net bottleneck.

    Args:
        depth: 50 or 101, the column of ResNet Table 1 that gives the blocks per stage.
        base_width: w (paper's "26w"), the split width of the first stage.
        scale: s (paper's "4s"), the number of splits.
        cardinality: C, groups of the 3x3 convs (Res2NeXt; 1 for Res2Net).
        v1b: the TPAMI version's Res2Net-v1b (Sec. 4.2.4, "following ResNet v1d"; official res2net_v1b.py): a deep
            stem of three 3x3 convs and average-pool shortcuts.
        num_classes: classifier outputs.
    """

    def __init__(
        self,
        *,
        depth: int,
        base_width: int,
        scale: int,
        cardinality: int = 1,
        v1b: bool = False,
        num_classes: int = 1000,
    ) -> None:
        super().__init__()
        if v1b:
            # official res2net_v1b.py: 3x3/2 conv to 32, 3x3 conv to 32, 3x3 conv to 64 (each + BN + ReLU)
            stem_convs = [*conv_bn_relu(3, 32, 3, stride=2), *conv_bn_relu(32, 32, 3), *conv_bn_relu(32, 64, 3)]
        else:
            stem_convs = [*conv_bn_relu(3, 64, 7, stride=2)]  # ResNet Table 1, conv1: 7x7, 64, stride 2
        # then 3x3 max pool, stride 2 (output 56 x 56 at 224 px)
        self.stem = nn.Sequential(*stem_convs, nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        in_channels, in_size = 64, 56
        stages = []
        for row in RESNET_STAGES:
            stride = in_size // row.output_size  # conv3_1, conv4_1 and conv5_1 downsample by 2
            blocks = []
            for index in range(row.repeats(depth)):
                block = Bottle2neck(
                    in_channels,
                    row.planes,
                    stride=stride if index == 0 else 1,
                    base_width=base_width,
                    scale=scale,
                    cardinality=cardinality,
                    stage_first=index == 0,
                    avg_down=v1b,
                )
                blocks.append(block)
                in_channels = row.out_channels
            stages.append(nn.Sequential(*blocks))
            in_size = row.output_size
        self.stages = nn.Sequential(*stages)
        # ResNet Table 1, last row: average pool, 1000-d fc
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(in_channels, num_classes))

        for module in self.modules():  # initialisation of the official code
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.stages(self.stem(x)))
        return logits


# ------------------------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class ResNetStage:
    """One row of ResNet Table 1 (He et al., 2016) for the 50- and 101-layer columns."""

    layer_name: str  # "layer name" column: conv2_x .. conv5_x
    output_size: int  # "output size" column at 224 x 224 input; its ratio to the previous row gives the stride
    planes: int  # 3x3 width of the ResNet bottleneck [1x1, planes; 3x3, planes; 1x1, 4*planes]
    out_channels: int  # 4 * planes
    blocks_50: int  # "x n" in the 50-layer column
    blocks_101: int  # "x n" in the 101-layer column

    def repeats(self, depth: int) -> int:
        """Blocks in this stage for a `depth`-layer network."""
        if depth == 50:
            return self.blocks_50
        if depth == 101:
            return self.blocks_101
        raise ValueError(f"depth must be 50 or 101 (the ResNet Table 1 columns implemented here); got {depth}")


# ResNet Table 1 (He et al., 2016), rows conv2_x .. conv5_x
RESNET_STAGES: tuple[ResNetStage, ...] = (
    ResNetStage(layer_name="conv2_x", output_size=56, planes=64, out_channels=256, blocks_50=3, blocks_101=3),
    ResNetStage(layer_name="conv3_x", output_size=28, planes=128, out_channels=512, blocks_50=4, blocks_101=4),
    ResNetStage(layer_name="conv4_x", output_size=14, planes=256, out_channels=1024, blocks_50=6, blocks_101=23),
    ResNetStage(layer_name="conv5_x", output_size=7, planes=512, out_channels=2048, blocks_50=3, blocks_101=3),
)


@dataclass(frozen=True)
class Res2NetVariant:
    """One model of Table 3 / Table 1 (and the official model zoo): depth, w, s, C."""

    paper_name: str  # as printed in the paper
    depth: int  # 50 or 101 (ResNet Table 1 column)
    base_width: int  # w, e.g. 26 in "26w x 4s"
    scale: int  # s, e.g. 4 in "26w x 4s"
    cardinality: int = 1  # C (Res2NeXt only)
    v1b: bool = False  # TPAMI version's Res2Net-v1b: deep stem and average-pool shortcuts (Sec. 4.2.4)


# Table 3 (Res2Net-50 at different w x s, in paper order), then Res2NeXt-50 and Res2Net-101 (Tables 1 and 2), then
# the v1b rows of the TPAMI version's Table 1 (ids as timm names them).
VARIANTS: dict[str, Res2NetVariant] = {
    "res2net50_48w_2s": Res2NetVariant(paper_name="Res2Net-50 48w x 2s", depth=50, base_width=48, scale=2),
    "res2net50_26w_4s": Res2NetVariant(paper_name="Res2Net-50 26w x 4s", depth=50, base_width=26, scale=4),
    "res2net50_14w_8s": Res2NetVariant(paper_name="Res2Net-50 14w x 8s", depth=50, base_width=14, scale=8),
    "res2net50_26w_6s": Res2NetVariant(paper_name="Res2Net-50 26w x 6s", depth=50, base_width=26, scale=6),
    "res2net50_26w_8s": Res2NetVariant(paper_name="Res2Net-50 26w x 8s", depth=50, base_width=26, scale=8),
    "res2net50_18w_4s": Res2NetVariant(paper_name="Res2Net-50-L 18w x 4s", depth=50, base_width=18, scale=4),
    "res2next50": Res2NetVariant(paper_name="Res2NeXt-50", depth=50, base_width=4, scale=4, cardinality=8),
    "res2net101_26w_4s": Res2NetVariant(paper_name="Res2Net-101 26w x 4s", depth=101, base_width=26, scale=4),
    "res2net50d": Res2NetVariant(paper_name="Res2Net-v1b-50", depth=50, base_width=26, scale=4, v1b=True),
    "res2net101d": Res2NetVariant(paper_name="Res2Net-v1b-101", depth=101, base_width=26, scale=4, v1b=True),
}


# ---------------------------------------------------------------------------------------------------------- builders


def _build(variant: Res2NetVariant, num_classes: int) -> Res2Net:
    return Res2Net(
        depth=variant.depth,
        base_width=variant.base_width,
        scale=variant.scale,
        cardinality=variant.cardinality,
        v1b=variant.v1b,
        num_classes=num_classes,
    )


def res2net50_48w_2s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50, 48w x 2s (Table 3): depth 50, w = 48, s = 2."""
    return _build(VARIANTS["res2net50_48w_2s"], num_classes)


def res2net50_26w_4s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50, 26w x 4s (Table 3; the paper's "Res2Net-50"): depth 50, w = 26, s = 4."""
    return _build(VARIANTS["res2net50_26w_4s"], num_classes)


def res2net50_14w_8s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50, 14w x 8s (Table 3): depth 50, w = 14, s = 8."""
    return _build(VARIANTS["res2net50_14w_8s"], num_classes)


def res2net50_26w_6s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50, 26w x 6s (Table 3): depth 50, w = 26, s = 6."""
    return _build(VARIANTS["res2net50_26w_6s"], num_classes)


def res2net50_26w_8s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50, 26w x 8s (Table 3): depth 50, w = 26, s = 8."""
    return _build(VARIANTS["res2net50_26w_8s"], num_classes)


def res2net50_18w_4s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-50-L, 18w x 4s (Table 3; no official code): depth 50, w = 18, s = 4."""
    return _build(VARIANTS["res2net50_18w_4s"], num_classes)


def res2next50(*, num_classes: int = 1000) -> Res2Net:
    """Res2NeXt-50 (Table 1; official res2next.py): depth 50, cardinality C = 8, w = 4, s = 4, grouped 3x3 convs."""
    return _build(VARIANTS["res2next50"], num_classes)


def res2net101_26w_4s(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-101, 26w x 4s (Table 2): depth 101, w = 26, s = 4."""
    return _build(VARIANTS["res2net101_26w_4s"], num_classes)


def res2net50d(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-v1b-50, 26w x 4s (TPAMI Table 1, Sec. 4.2.4; official res2net_v1b.py): depth 50, w = 26, s = 4,
    deep stem and average-pool shortcuts."""
    return _build(VARIANTS["res2net50d"], num_classes)


def res2net101d(*, num_classes: int = 1000) -> Res2Net:
    """Res2Net-v1b-101, 26w x 4s (TPAMI Table 1, Sec. 4.2.4; official res2net_v1b.py): depth 101, w = 26, s = 4,
    deep stem and average-pool shortcuts."""
    return _build(VARIANTS["res2net101d"], num_classes)


__all__ = [
    "RESNET_STAGES",
    "VARIANTS",
    "Bottle2neck",
    "Res2Net",
    "Res2NetModule",
    "Res2NetVariant",
    "ResNetStage",
    "res2net50_14w_8s",
    "res2net50_18w_4s",
    "res2net50_26w_4s",
    "res2net50_26w_6s",
    "res2net50_26w_8s",
    "res2net50_48w_2s",
    "res2net50d",
    "res2net101_26w_4s",
    "res2net101d",
    "res2next50",
]
# --8<-- [end:model]
