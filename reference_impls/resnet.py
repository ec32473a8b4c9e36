"""Deep Residual Learning for Image Recognition.

Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun. CVPR 2016. arXiv:1512.03385.
Baselines built on the same bottleneck: ResNeXt (Xie et al., CVPR 2017, arXiv:1611.05431) and
SENet (Hu et al., CVPR 2018 / TPAMI 2020, arXiv:1709.01507).

Implements: ResNet Fig. 5 right (bottleneck) and left (basic block), Eq. (2) (projection shortcut, option B of
Sec. 4.1), Table 1 (all five columns: 18, 34, 50, 101 and 152 layers); ResNeXt Fig. 3(c) and Table 1 (32x4d:
grouped 3x3), the 101-layer 32x4d / 64x4d models of ResNeXt Table 5 and the CIFAR ResNeXt-29 (8x64d) of
ResNeXt Sec. 5.3 and Appendix A; SENet Fig. 3 (SE-ResNet module, reduction r = 16) in SE-ResNet-50, SE-ResNeXt-50
and SE-ResNeXt-101 (32x4d) of SENet Table 2.

Deviations:
- `resnet50`, `resnet101`, `resnet152`, `resnext50_32x4d`, `seresnet50` and `seresnext50_32x4d` put the stride-2 of
  conv3_1 / conv4_1 / conv5_1 on the 3x3 conv ("ResNet V1.5", as timm and torchvision do). The 2015 paper puts it on
  the first 1x1; that layout is `resnet50_v1`, `resnet101_v1` and `resnet152_v1` (`stride_on_3x3=False`). Same
  parameters; conv + fc GMACs at 224 px: 3.858 / 7.570 / 11.282 instead of 4.089 / 7.801 / 11.514.
- The `_v1` models are fidelity `paper`, not `official`: no timm or torchvision model has this layout, and the
  official release (KaimingHe/deep-residual-networks) is Caffe prototxt and weights, which were not compared layer
  by layer here. They are pinned against Table 1's printed costs instead: 3.8, 7.6 and 11.3 x 10^9 (3.858, 7.570
  and 11.282 G; the 50-layer entry is cut, not rounded) -- and the V1.5 counts (4.089, 7.801, 11.514 G) do not fit.
- `legacy_seresnet50` is SENet's own layout (the authors' Caffe models as ported by Cadene's
  pretrained-models.pytorch; timm's `legacy_seresnet50`): the 2015 stride on the first 1x1, SE width C / 16
  unrounded, and the stem max-pool with `ceil_mode=True` and no padding (the same 56x56 output at 224 px, and
  max-pooling has no multiply-adds, so the counts are those of the padded pool; outputs differ only at odd
  sizes). It is `official` by identity with timm (pinned in tests/test_models_resnet.py).
- `resnet18` and `resnet34` are torchvision's models (option B shortcuts). Their blocks start with a 3x3, so the
  stride placement question above does not arise: the 2015 layout and torchvision's are the same network.
- `resnet34_shortcut_a` is the 34-layer ResNet of Table 2 and Fig. 4 (option A: identity shortcuts, zero-padded
  channels, subsampled with stride 2 where the map halves). It exists in no library, so its fidelity is `paper`,
  pinned against Table 1's 3.6 x 10^9 (3.645 G; torchvision's option-B `resnet34` counts 3.664 G, which does not
  round to it). Its shortcuts have no weights, so its counts are also those of the plain 34-layer network of Sec. 3.3.
- `resnext101_32x4d` (timm), `resnext101_64x4d` (torchvision and timm) and `seresnext101_32x4d` (timm) put the
  stride on the 3x3, which for ResNeXt is the paper's own layout (ResNeXt Sec. 4: conv3, 4 and 5 downsample with
  stride-2 3x3 convs in the first block of each stage); timm's `legacy_seresnext101_32x4d` (SENet's Caffe models)
  has the same parameters and MACs.
- `resnext29_8x64d` (CIFAR) exists in no library; it is built from ResNeXt Sec. 5.3 and Appendix A (the official
  Lua code was not run) with projection shortcuts where the width changes (Sec. 4, type B) and the CIFAR-10 head,
  so its fidelity is `paper`, pinned against the 34.4M of Sec. 5.3 (34,426,698). With a 100-class head it has
  34.52M, so the 34.4M that Res2Net Table 4 prints beside CIFAR-100 errors matches the CIFAR-10 count instead.
- The 3x3 max-pool that Table 1 lists at the top of conv2_x lives in `stem` here, so every stage is a pure stack of
  bottlenecks; `stem` ends at 56x56x64 at 224 px.
- SE reduction width is rounded to a multiple of 8 as in timm (channels / 16 is already a multiple of 8 for every
  stage of SE-ResNet-50, so the counts equal SENet's r = 16). The squeeze is `mean`, as in timm.
- Random initialisation (PyTorch defaults); no pretrained weights.
"""

# --8<-- [start:model]
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch
from torch import nn

# (in_channels, out_channels, stride) -> module replacing the bottleneck's 3x3 conv (e.g. HetConv).
Conv3x3Factory = Callable[[int, int, int], nn.Module]
# (channels) -> module inserted after conv2 -> bn2 -> relu (e.g. generalized spatial attention).
AfterConv2Factory = Callable[[int], nn.Module]


# ---------------------------------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------------------------------
class SqueezeExcite(nn.Module):
    """SENet Fig. 3: global pooling -> FC -> ReLU -> FC -> sigmoid -> scale (FCs as 1x1 convs with bias).

    Args:
        channels: C, the channels being gated.
        reduction: r of SENet Sec. 3.2 (16 throughout SENet Table 2).
        round_to_8: round C / r to a multiple of 8, never below 8 (timm's `seresnet50`); False keeps C // r as
            SENet's Caffe models do (`legacy_seresnet50`). Equal for every ResNet-50 stage (16, 32, 64, 128).
    """

    def __init__(self, channels: int, reduction: int = 16, *, round_to_8: bool = True) -> None:
        super().__init__()
        # SENet Sec. 3.2: bottleneck of C / r units.
        reduced = max(8, int(channels / reduction + 4) // 8 * 8) if round_to_8 else channels // reduction
        self.fc1 = nn.Conv2d(channels, reduced, kernel_size=1, bias=True)  # W_1 in Eq. (3)
        self.relu = nn.ReLU(inplace=True)  # delta in Eq. (3)
        self.fc2 = nn.Conv2d(reduced, channels, kernel_size=1, bias=True)  # W_2 in Eq. (3)
        self.sigmoid = nn.Sigmoid()  # sigma in Eq. (3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)  # Eq. (2): squeeze, (N, C, 1, 1)
        s = self.fc1(s)
        s = self.relu(s)
        s = self.fc2(s)
        s = self.sigmoid(s)  # Eq. (3): excitation
        y: torch.Tensor = x * s  # Eq. (4): channel-wise scale
        return y


class Bottleneck(nn.Module):
    """ResNet Fig. 5 (right): 1x1 reduce -> 3x3 -> 1x1 expand, plus the shortcut (Eq. 1; Eq. 2 if the shape changes).

    Args:
        in_channels: channels entering the block.
        width: channels of the 1x1 and 3x3 convs (64, 128, 256, 512 in ResNet Table 1; x2 in ResNeXt-50 32x4d).
        out_channels: channels of the last 1x1 conv (256, 512, 1024, 2048).
        stride: 2 for the first block of conv3_x, conv4_x and conv5_x, else 1.
        groups: cardinality C of the 3x3 conv (ResNeXt Fig. 3c); 1 for ResNet.
        stride_on_3x3: put the stride on conv2 (V1.5, timm/torchvision) instead of conv1 (the 2015 paper).
        squeeze_excite: add SENet's SE module after bn3, before the addition (SENet Fig. 3).
        se_round_to_8: round the SE width to a multiple of 8 (timm) instead of C // 16 (SENet's Caffe models).
        conv3x3: factory `(in_channels, out_channels, stride) -> module` for conv2; default a plain 3x3 conv
            with `bias=False` and `groups` groups.
        after_conv2: optional factory `(channels) -> module` inserted right after conv2 -> bn2 -> relu.
    """

    def __init__(
        self,
        in_channels: int,
        width: int,
        out_channels: int,
        stride: int = 1,
        *,
        groups: int = 1,
        stride_on_3x3: bool = True,
        squeeze_excite: bool = False,
        se_round_to_8: bool = True,
        conv3x3: Conv3x3Factory | None = None,
        after_conv2: AfterConv2Factory | None = None,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2 (ResNet Sec. 3.3: downsampling by stride-2 convs), got {stride}")
        if conv3x3 is not None and groups != 1:
            raise ValueError("pass either groups (ResNeXt cardinality) or a conv3x3 factory, not both")
        stride_1x1, stride_3x3 = (1, stride) if stride_on_3x3 else (stride, 1)

        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, stride=stride_1x1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2: nn.Module
        if conv3x3 is None:
            self.conv2 = nn.Conv2d(width, width, 3, stride=stride_3x3, padding=1, groups=groups, bias=False)
        else:
            self.conv2 = conv3x3(width, width, stride_3x3)
        self.bn2 = nn.BatchNorm2d(width)
        self.after_conv2 = after_conv2(width) if after_conv2 is not None else None
        self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.squeeze_excite = SqueezeExcite(out_channels, round_to_8=se_round_to_8) if squeeze_excite else None
        self.relu = nn.ReLU(inplace=True)
        # Eq. (2): projection shortcut W_s x (1x1 conv + BN) when the shape changes; identity otherwise (Eq. 1).
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)
        if self.after_conv2 is not None:
            out = self.after_conv2(out)

        out = self.conv3(out)
        out = self.bn3(out)
        if self.squeeze_excite is not None:
            out = self.squeeze_excite(out)

        out = out + identity  # Eq. (1)/(2): y = F(x) + x  (or + W_s x)
        y: torch.Tensor = self.relu(out)
        return y


class ZeroPadShortcut(nn.Module):
    """ResNet Sec. 3.3, option (A): identity with stride-2 subsampling and zero entries for the new channels.

    It has no parameters and no multiply-adds, so a network with these shortcuts counts like its plain counterpart.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"option A only pads channels: {in_channels} -> {out_channels} would drop some")
        self.extra_channels = out_channels - in_channels
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # "performed with a stride of 2"
        y: torch.Tensor = nn.functional.pad(x, (0, 0, 0, 0, 0, self.extra_channels))  # zero entries padded
        return y


class BasicBlock(nn.Module):
    """ResNet Fig. 5 (left), the 18- and 34-layer block: 3x3 -> 3x3, plus the shortcut (Eq. 1; Eq. 2, option B).

    Args:
        in_channels: channels entering the block.
        out_channels: channels of both 3x3 convs (64, 128, 256, 512 in Table 1).
        stride: 2 for the first block of conv3_x, conv4_x and conv5_x, else 1 (on the first 3x3).
        zero_pad_shortcut: option (A) of Sec. 3.3 (zero-padding identity) where the dimensions increase, instead of
            option (B) (1x1 projection + BN, torchvision's choice).
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, *, zero_pad_shortcut: bool = False
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2 (ResNet Sec. 3.3: downsampling by stride-2 convs), got {stride}")
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        # Sec. 3.3: option (B), a projection shortcut (1x1 conv + BN), or option (A), where the dimensions increase.
        self.downsample: nn.Module | None = None
        if (stride != 1 or in_channels != out_channels) and zero_pad_shortcut:
            self.downsample = ZeroPadShortcut(in_channels, out_channels, stride)
        elif stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        y: torch.Tensor = self.relu(out + identity)  # Eq. (1)/(2)
        return y


# ---------------------------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StageSpec:
    """One row of ResNet Table 1 (or ResNeXt Table 1): a stage of identical bottlenecks."""

    layer_name: str  # "conv2_x" ... "conv5_x"
    output_size: int  # output H = W at 224 px input; its ratio to the previous row gives the stride
    width: int  # channels of the first 1x1 and the 3x3 in the bracket
    out_channels: int  # channels of the last 1x1 in the bracket
    blocks: int  # "x n" after the bracket


class ResNet(nn.Module):
    """ResNet Table 1: conv1 stem, then one stage of bottlenecks per table row, then avg pool + fc.

    Args:
        stages: the table rows, in order.
        num_classes: classifier outputs (1000-d fc in Table 1).
        groups: cardinality of every 3x3 conv (ResNeXt); 1 for ResNet.
        stride_on_3x3: V1.5 stride placement (see module Deviations).
        squeeze_excite: SE module in every bottleneck (SE-ResNet).
        caffe_senet: SENet's Caffe layout details (`legacy_seresnet50`): SE width C // 16 unrounded and the stem
            max-pool with ceil_mode and no padding (see module Deviations).
        basic_block: two-3x3 blocks (Fig. 5 left; 18 and 34 layers) instead of bottlenecks; `width` is unused.
        zero_pad_shortcuts: option (A) shortcuts in the basic blocks (Sec. 3.3; the 34-layer ResNet of Table 2).
        cifar_stem: the CIFAR stem of ResNeXt Appendix A (one 3x3 conv with 64 filters, no pooling; the stages'
            output sizes are then those of a 32x32 input) instead of Table 1's 7x7/2 conv and max pool.
        conv3x3: per-stage conv2 factory (one entry per row of `stages`, None = plain 3x3); None = plain everywhere.
        after_conv2: per-stage factory of a module after conv2 -> bn2 -> relu (None = nothing); None = nowhere.
    """

    def __init__(
        self,
        stages: Sequence[StageSpec],
        *,
        num_classes: int = 1000,
        groups: int = 1,
        stride_on_3x3: bool = True,
        squeeze_excite: bool = False,
        caffe_senet: bool = False,
        basic_block: bool = False,
        zero_pad_shortcuts: bool = False,
        cifar_stem: bool = False,
        conv3x3: Sequence[Conv3x3Factory | None] | None = None,
        after_conv2: Sequence[AfterConv2Factory | None] | None = None,
    ) -> None:
        super().__init__()
        if basic_block and (groups != 1 or squeeze_excite or conv3x3 is not None or after_conv2 is not None):
            raise ValueError("basic_block (18/34 layers) takes no groups, SE module or conv factories")
        if zero_pad_shortcuts and not basic_block:
            raise ValueError("zero_pad_shortcuts (option A) is only for basic blocks; bottleneck ResNets project")
        conv3x3 = tuple(conv3x3) if conv3x3 is not None else (None,) * len(stages)
        after_conv2 = tuple(after_conv2) if after_conv2 is not None else (None,) * len(stages)
        if len(conv3x3) != len(stages) or len(after_conv2) != len(stages):
            raise ValueError(f"conv3x3 and after_conv2 need one entry per stage ({len(stages)} rows in the table)")

        # Table 1, conv1: 7x7, 64, stride 2 (112x112), and the 3x3 max pool, stride 2, listed under conv2_x (56x56).
        maxpool = (
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # SENet's Caffe models
            if caffe_senet
            else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        )
        self.stem = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),
                bn1=nn.BatchNorm2d(64),
                relu=nn.ReLU(inplace=True),
                maxpool=maxpool,
            )
        )
        in_channels, in_size = 64, 56
        if cifar_stem:  # ResNeXt Appendix A: "The first layer is 3x3 conv with 64 filters" on the 32x32 image
            self.stem = nn.Sequential(
                OrderedDict(
                    conv1=nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False),
                    bn1=nn.BatchNorm2d(64),
                    relu=nn.ReLU(inplace=True),
                )
            )
            in_size = 32

        layers: list[nn.Module] = []
        for spec, make_conv3x3, make_after_conv2 in zip(stages, conv3x3, after_conv2, strict=True):
            stride = in_size // spec.output_size  # Sec. 3.3: conv3_1, conv4_1, conv5_1 downsample with stride 2
            blocks: list[nn.Module] = []
            for i in range(spec.blocks):
                if basic_block:
                    blocks.append(
                        BasicBlock(
                            in_channels,
                            spec.out_channels,
                            stride if i == 0 else 1,
                            zero_pad_shortcut=zero_pad_shortcuts,
                        )
                    )
                    in_channels = spec.out_channels
                    continue
                blocks.append(
                    Bottleneck(
                        in_channels,
                        spec.width,
                        spec.out_channels,
                        stride if i == 0 else 1,
                        groups=groups,
                        stride_on_3x3=stride_on_3x3,
                        squeeze_excite=squeeze_excite,
                        se_round_to_8=not caffe_senet,
                        conv3x3=make_conv3x3,
                        after_conv2=make_after_conv2,
                    )
                )
                in_channels = spec.out_channels
            layers.append(nn.Sequential(*blocks))
            in_size = spec.output_size
        self.stages = nn.Sequential(*layers)

        # Table 1, last row: global average pool, 1000-d fc (softmax is left to the loss).
        self.head = nn.Sequential(
            OrderedDict(
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                fc=nn.Linear(in_channels, num_classes),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)  # (N, 64, H/4, W/4)
        x = self.stages(x)  # (N, 2048, H/32, W/32); 512 channels for 18/34 layers
        logits: torch.Tensor = self.head(x)  # (N, num_classes)
        return logits


# ---------------------------------------------------------------------------------------------------------------------
# Stage tables
# ---------------------------------------------------------------------------------------------------------------------
# ResNet Table 1, "18-layer" and "34-layer" columns: [3x3, w; 3x3, w] x n (width = out_channels).
RESNET18_STAGES = (
    StageSpec(layer_name="conv2_x", output_size=56, width=64, out_channels=64, blocks=2),
    StageSpec(layer_name="conv3_x", output_size=28, width=128, out_channels=128, blocks=2),
    StageSpec(layer_name="conv4_x", output_size=14, width=256, out_channels=256, blocks=2),
    StageSpec(layer_name="conv5_x", output_size=7, width=512, out_channels=512, blocks=2),
)


def with_blocks(stages: Sequence[StageSpec], blocks: Sequence[int]) -> tuple[StageSpec, ...]:
    """The same table rows with other "x n" block counts (one per row), e.g. the 34-layer column from the 18-layer."""
    if len(blocks) != len(stages):
        raise ValueError(f"give one block count per stage ({len(stages)} rows), got {list(blocks)}")
    return tuple(replace(spec, blocks=n) for spec, n in zip(stages, blocks, strict=True))


RESNET34_STAGES = with_blocks(RESNET18_STAGES, (3, 4, 6, 3))

# ResNet Table 1, "50-layer" column: [1x1, w; 3x3, w; 1x1, 4w] x n.
RESNET50_STAGES = (
    StageSpec(layer_name="conv2_x", output_size=56, width=64, out_channels=256, blocks=3),
    StageSpec(layer_name="conv3_x", output_size=28, width=128, out_channels=512, blocks=4),
    StageSpec(layer_name="conv4_x", output_size=14, width=256, out_channels=1024, blocks=6),
    StageSpec(layer_name="conv5_x", output_size=7, width=512, out_channels=2048, blocks=3),
)

# ResNet Table 1, "101-layer" column.
RESNET101_STAGES = (
    StageSpec(layer_name="conv2_x", output_size=56, width=64, out_channels=256, blocks=3),
    StageSpec(layer_name="conv3_x", output_size=28, width=128, out_channels=512, blocks=4),
    StageSpec(layer_name="conv4_x", output_size=14, width=256, out_channels=1024, blocks=23),
    StageSpec(layer_name="conv5_x", output_size=7, width=512, out_channels=2048, blocks=3),
)

# ResNet Table 1, "152-layer" column.
RESNET152_STAGES = (
    StageSpec(layer_name="conv2_x", output_size=56, width=64, out_channels=256, blocks=3),
    StageSpec(layer_name="conv3_x", output_size=28, width=128, out_channels=512, blocks=8),
    StageSpec(layer_name="conv4_x", output_size=14, width=256, out_channels=1024, blocks=36),
    StageSpec(layer_name="conv5_x", output_size=7, width=512, out_channels=2048, blocks=3),
)

# ResNeXt Table 1, "ResNeXt-50 (32x4d)" column: [1x1, 2w; 3x3, 2w, C = 32; 1x1, 4w] x n.
RESNEXT50_32X4D_STAGES = (
    StageSpec(layer_name="conv2", output_size=56, width=128, out_channels=256, blocks=3),
    StageSpec(layer_name="conv3", output_size=28, width=256, out_channels=512, blocks=4),
    StageSpec(layer_name="conv4", output_size=14, width=512, out_channels=1024, blocks=6),
    StageSpec(layer_name="conv5", output_size=7, width=1024, out_channels=2048, blocks=3),
)
RESNEXT50_CARDINALITY = 32  # ResNeXt Table 1: C = 32

# ResNeXt-101 (32x4d): the 50-layer column with conv4 repeated 23 times (ResNeXt Sec. 5.1, Table 5).
RESNEXT101_32X4D_STAGES = with_blocks(RESNEXT50_32X4D_STAGES, (3, 4, 23, 3))
# ResNeXt-101 (64x4d): 64 groups of 4 channels in conv2, so every grouped width doubles (ResNeXt Table 5).
RESNEXT101_64X4D_STAGES = tuple(replace(spec, width=2 * spec.width) for spec in RESNEXT101_32X4D_STAGES)
RESNEXT101_64X4D_CARDINALITY = 64

# ResNeXt Sec. 5.3 and Appendix A, CIFAR ResNeXt-29 (8x64d): three stages of three bottlenecks at 32, 16 and 8 px,
# template [1x1, 64; 3x3, 64; 1x1, 256] with C = 8 paths of d = 64 channels (grouped width C * d = 512), every
# width doubling at each downsampling (Sec. 3.1).
RESNEXT29_8X64D_STAGES = (
    StageSpec(layer_name="stage1", output_size=32, width=512, out_channels=256, blocks=3),
    StageSpec(layer_name="stage2", output_size=16, width=1024, out_channels=512, blocks=3),
    StageSpec(layer_name="stage3", output_size=8, width=2048, out_channels=1024, blocks=3),
)
RESNEXT29_8X64D_CARDINALITY = 8


# ---------------------------------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------------------------------
def resnet18(*, num_classes: int = 1000) -> ResNet:
    """ResNet-18 (Table 1, 18-layer: [2, 2, 2, 2] basic blocks of two 3x3 convs), as in torchvision."""
    return ResNet(RESNET18_STAGES, num_classes=num_classes, basic_block=True)


def resnet34(*, num_classes: int = 1000) -> ResNet:
    """ResNet-34 (Table 1, 34-layer: [3, 4, 6, 3] basic blocks of two 3x3 convs), as in torchvision."""
    return ResNet(RESNET34_STAGES, num_classes=num_classes, basic_block=True)


def resnet34_shortcut_a(*, num_classes: int = 1000) -> ResNet:
    """ResNet-34 with option (A) shortcuts (zero-padding identity, Sec. 3.3), the 34-layer ResNet of Table 2."""
    return ResNet(RESNET34_STAGES, num_classes=num_classes, basic_block=True, zero_pad_shortcuts=True)


def resnet50(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 (Table 1, 50-layer: [3, 4, 6, 3] bottlenecks), V1.5 stride on the 3x3 as in timm/torchvision."""
    return ResNet(RESNET50_STAGES, num_classes=num_classes)


def resnet50_v1(*, num_classes: int = 1000) -> ResNet:
    """ResNet-50 (Table 1, 50-layer: [3, 4, 6, 3]) as in the 2015 paper: stride 2 on the first 1x1 of a stage."""
    return ResNet(RESNET50_STAGES, num_classes=num_classes, stride_on_3x3=False)


def resnet101(*, num_classes: int = 1000) -> ResNet:
    """ResNet-101 (Table 1, 101-layer: [3, 4, 23, 3] bottlenecks), V1.5 stride on the 3x3 as in timm/torchvision."""
    return ResNet(RESNET101_STAGES, num_classes=num_classes)


def resnet101_v1(*, num_classes: int = 1000) -> ResNet:
    """ResNet-101 (Table 1, 101-layer: [3, 4, 23, 3]) as in the 2015 paper: stride 2 on the first 1x1 of a stage."""
    return ResNet(RESNET101_STAGES, num_classes=num_classes, stride_on_3x3=False)


def resnet152(*, num_classes: int = 1000) -> ResNet:
    """ResNet-152 (Table 1, 152-layer: [3, 8, 36, 3] bottlenecks), V1.5 stride on the 3x3 as in timm/torchvision."""
    return ResNet(RESNET152_STAGES, num_classes=num_classes)


def resnet152_v1(*, num_classes: int = 1000) -> ResNet:
    """ResNet-152 (Table 1, 152-layer: [3, 8, 36, 3]) as in the 2015 paper: stride 2 on the first 1x1 of a stage."""
    return ResNet(RESNET152_STAGES, num_classes=num_classes, stride_on_3x3=False)


def resnext50_32x4d(*, num_classes: int = 1000) -> ResNet:
    """ResNeXt-50 (32x4d): cardinality 32, bottleneck width 4 per group, [3, 4, 6, 3] blocks (ResNeXt Table 1)."""
    return ResNet(RESNEXT50_32X4D_STAGES, num_classes=num_classes, groups=RESNEXT50_CARDINALITY)


def seresnet50(*, num_classes: int = 1000) -> ResNet:
    """SE-ResNet-50: ResNet-50 ([3, 4, 6, 3], V1.5) with an SE module (r = 16) in every bottleneck (SENet Fig. 3)."""
    return ResNet(RESNET50_STAGES, num_classes=num_classes, squeeze_excite=True)


def legacy_seresnet50(*, num_classes: int = 1000) -> ResNet:
    """SE-ResNet-50 in SENet's Caffe layout (SENet Table 2): [3, 4, 6, 3], stride on the first 1x1, SE r = 16."""
    return ResNet(RESNET50_STAGES, num_classes=num_classes, stride_on_3x3=False, squeeze_excite=True, caffe_senet=True)


def seresnext50_32x4d(*, num_classes: int = 1000) -> ResNet:
    """SE-ResNeXt-50 (32x4d): ResNeXt-50 (cardinality 32, V1.5) with an SE module (r = 16) in every bottleneck."""
    return ResNet(RESNEXT50_32X4D_STAGES, num_classes=num_classes, groups=RESNEXT50_CARDINALITY, squeeze_excite=True)


def resnext101_32x4d(*, num_classes: int = 1000) -> ResNet:
    """ResNeXt-101 (32x4d): cardinality 32, width 4 per group, [3, 4, 23, 3] blocks (V1.5, as timm)."""
    return ResNet(RESNEXT101_32X4D_STAGES, num_classes=num_classes, groups=RESNEXT50_CARDINALITY)


def resnext101_64x4d(*, num_classes: int = 1000) -> ResNet:
    """ResNeXt-101 (64x4d): cardinality 64, width 4 per group, [3, 4, 23, 3] blocks (V1.5, as torchvision)."""
    return ResNet(RESNEXT101_64X4D_STAGES, num_classes=num_classes, groups=RESNEXT101_64X4D_CARDINALITY)


def resnext29_8x64d(*, num_classes: int = 10) -> ResNet:
    """CIFAR ResNeXt-29 (8x64d): 3x3 stem, [3, 3, 3] bottlenecks, cardinality 8 of width 64 (ResNeXt Sec. 5.3)."""
    return ResNet(RESNEXT29_8X64D_STAGES, num_classes=num_classes, groups=RESNEXT29_8X64D_CARDINALITY, cifar_stem=True)


def seresnext101_32x4d(*, num_classes: int = 1000) -> ResNet:
    """SE-ResNeXt-101 (32x4d): ResNeXt-101 (cardinality 32, V1.5) with an SE module (r = 16) in every bottleneck."""
    return ResNet(RESNEXT101_32X4D_STAGES, num_classes=num_classes, groups=RESNEXT50_CARDINALITY, squeeze_excite=True)


__all__ = [
    "RESNET18_STAGES",
    "RESNET34_STAGES",
    "RESNET50_STAGES",
    "RESNET101_STAGES",
    "RESNET152_STAGES",
    "RESNEXT29_8X64D_STAGES",
    "RESNEXT50_32X4D_STAGES",
    "RESNEXT101_32X4D_STAGES",
    "RESNEXT101_64X4D_STAGES",
    "AfterConv2Factory",
    "BasicBlock",
    "Bottleneck",
    "Conv3x3Factory",
    "ResNet",
    "SqueezeExcite",
    "StageSpec",
    "ZeroPadShortcut",
    "legacy_seresnet50",
    "resnet18",
    "resnet34",
    "resnet34_shortcut_a",
    "resnet50",
    "resnet50_v1",
    "resnet101",
    "resnet101_v1",
    "resnet152",
    "resnet152_v1",
    "resnext29_8x64d",
    "resnext50_32x4d",
    "resnext101_32x4d",
    "resnext101_64x4d",
    "seresnet50",
    "seresnext50_32x4d",
    "seresnext101_32x4d",
    "with_blocks",
]
# --8<-- [end:model]
