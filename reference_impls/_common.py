"""Small helpers shared by the mobile families (MobileNetV2, EfficientNet, ANTNets).

`make_divisible` is TensorFlow's channel-rounding rule, with which the released MobileNetV2 and
EfficientNet checkpoints were built: `_make_divisible` in tensorflow/models
research/slim/nets/mobilenet/mobilenet.py (@0ba83cf0) and `round_filters` in tensorflow/tpu
models/official/efficientnet/efficientnet_model.py (@02f13034). timm's `make_divisible` (with its
default `round_limit=0.9`) is the same rule, so widths built with it match timm's models.
"""

# --8<-- [start:model]
from __future__ import annotations

from torch import Tensor, nn


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to the nearest multiple of `divisor`, never losing more than 10 %.

    Args:
        value: the scaled channel count, e.g. `24 * 1.4 = 33.6`.
        divisor: the multiple to round to (8 in both TF code bases).
        min_value: the smallest result allowed; defaults to `divisor`.

    Returns:
        The rounded channel count, e.g. `make_divisible(33.6) == 32`, `make_divisible(22.4) == 24`.
    """
    if divisor < 1:
        raise ValueError(f"divisor must be a positive integer, got {divisor}")
    if value <= 0:
        raise ValueError(f"a channel count must be positive, got {value}")
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)  # round half up to the multiple
    if rounded < 0.9 * value:  # TF: "make sure that round down does not go down by more than 10%"
        rounded += divisor
    return int(rounded)


class ConvBNAct(nn.Module):
    """k x k convolution (no bias, symmetric padding k // 2), BatchNorm, then an optional activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        groups: int = 1,
        activation: type[nn.Module] | None = nn.ReLU6,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, groups=groups, bias=False
        )
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = activation(inplace=True) if activation is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        x = self.bn(x)
        y: Tensor = self.act(x)
        return y


__all__ = ["ConvBNAct", "make_divisible"]
# --8<-- [end:model]
