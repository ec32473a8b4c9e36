"""Shape-only CPU kernels for fvcore's trace: the operators that do a model's arithmetic return empty outputs.

fvcore counts from the shapes the TorchScript tracer records, never from values. Inside `shape_only_kernels()`,
the CPU kernels of the operators that do almost all of a network's arithmetic (convolution, BatchNorm, the mean of
squeeze-and-excitation, and the element-wise activations) are replaced by kernels that allocate an uninitialised
output of the right shape, strides and dtype and compute nothing. The tracer records the same operators with the
same shapes, so every fvcore count is unchanged (tests/test_shape_kernels.py compares the per-module counts and the
unsupported operators of one model per reference implementation with a float32 trace on the real kernels), and
the trace costs about 60 % of what it did (docs/performance.md).

The override is process-wide while the context is open: any other CPU convolution in the process, in any thread,
returns garbage until it closes. `verify_claims.py --update` measures each model in a forked process of its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

# Unary element-wise operators whose output has the input's shape (in-place forms return the input itself).
_ACTIVATIONS = ("relu", "silu", "sigmoid", "hardswish", "hardsigmoid")


def _per_dim(values: Sequence[int], dims: int) -> list[int]:
    return [int(v) for v in values] * dims if len(values) == 1 else [int(v) for v in values]


def conv_output_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> list[int]:
    """Output shape (N, C_out, *spatial) of `aten::_convolution` on a batched input, by the usual formula."""
    if len(input_shape) != len(weight_shape):
        raise ValueError(
            f"shape-only convolution needs a batched input: input {list(input_shape)} for weight "
            f"{list(weight_shape)}; run the model on a batch, or trace it outside tools.shape_kernels"
        )
    dims = len(input_shape) - 2
    stride, padding, dilation = (_per_dim(v, dims) for v in (stride, padding, dilation))
    output_padding = _per_dim(output_padding, dims) if output_padding else [0] * dims
    kernel, spatial = weight_shape[2:], input_shape[2:]
    if transposed:
        out_channels = weight_shape[1] * groups
        sizes = [
            (spatial[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1
            for i in range(dims)
        ]
    else:
        out_channels = weight_shape[0]
        sizes = [
            (spatial[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(dims)
        ]
    if any(size <= 0 for size in sizes):
        raise ValueError(f"convolution of input {list(input_shape)} with weight {list(weight_shape)} has no output")
    return [int(input_shape[0]), int(out_channels), *(int(size) for size in sizes)]


def _empty_like_layout(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """An uninitialised tensor of `shape`, channels-last when `x` is a 4-d channels-last tensor (as oneDNN returns)."""
    channels_last = x.dim() == 4 and len(shape) == 4 and x.is_contiguous(memory_format=torch.channels_last)
    layout = torch.channels_last if channels_last and not x.is_contiguous() else torch.contiguous_format
    return torch.empty(list(shape), dtype=x.dtype, device=x.device, memory_format=layout)


def _convolution(input: torch.Tensor, weight: torch.Tensor, bias: Any, *arguments: Any) -> torch.Tensor:
    # aten::_convolution's schema: stride, padding, dilation, transposed, output_padding and groups come next,
    # then four backend flags that do not change the shape.
    return _empty_like_layout(input, conv_output_shape(input.shape, weight.shape, *arguments[:6]))


def _batch_norm(
    input: torch.Tensor, weight: Any, bias: Any, running_mean: Any, running_var: Any, training: bool, *_: Any
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # Eval mode saves no statistics (empty tensors); training mode saves a mean and an inverse std per channel.
    stats_shape = [input.shape[1]] if training else [0]
    stats = torch.empty(stats_shape, dtype=torch.float32 if training else input.dtype, device=input.device)
    return _empty_like_layout(input, input.shape), stats, stats.clone()


def _mean_dim(
    x: torch.Tensor, dim: Sequence[int] | None, keepdim: bool = False, *, dtype: torch.dtype | None = None
) -> torch.Tensor:
    reduced = {d % x.dim() for d in dim} if dim else set(range(x.dim()))
    shape = [1 if i in reduced else n for i, n in enumerate(x.shape) if keepdim or i not in reduced]
    return torch.empty(shape, dtype=dtype or x.dtype, device=x.device)


def _same_shape(x: torch.Tensor) -> torch.Tensor:
    return _empty_like_layout(x, x.shape)


def _in_place(x: torch.Tensor) -> torch.Tensor:
    return x


@contextmanager
def shape_only_kernels() -> Iterator[None]:
    """Within the block, CPU convolution, BatchNorm, mean and activations allocate their output and compute nothing."""
    library: Any = torch.library.Library("aten", "IMPL")  # type: ignore[no-untyped-call]  # torch.library is untyped
    try:
        with warnings.catch_warnings():
            # torch warns once that a kernel registered for CPU is overridden: that is the point here.
            warnings.filterwarnings("ignore", message="(?s).*overriding a previously registered kernel")
            library.impl("_convolution", _convolution, "CPU")
            library.impl("native_batch_norm", _batch_norm, "CPU")
            library.impl("mean.dim", _mean_dim, "CPU")
            for name in _ACTIVATIONS:
                library.impl(name, _same_shape, "CPU")
                library.impl(f"{name}_", _in_place, "CPU")
        yield
    finally:
        library._destroy()
