"""tools/shape_kernels.py: the shape-only kernels give the shapes, layouts and fvcore counts of the real ones."""

from __future__ import annotations

import itertools
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from reference_impls import REGISTRY, create_model, input_size
from tools.counting import TRACE_LAYOUT, _meta_model, _model_for_counting, fvcore_counts
from tools.shape_kernels import conv_output_shape, shape_only_kernels

warnings.filterwarnings("ignore")


def _conv_cases() -> list[tuple[int, int, int, int, int, int, bool, int]]:
    """(dims, kernel, stride, padding, dilation, groups, transposed, output_padding) over the usual range."""
    cases = []
    for dims, kernel, stride, padding, dilation, groups, transposed in itertools.product(
        (1, 2, 3), (1, 3, 4), (1, 2), (0, 1, 2), (1, 2), (1, 4), (False, True)
    ):
        for output_padding in (0, 1) if transposed else (0,):
            if output_padding < max(stride, dilation):  # torch's own limit on output padding
                cases.append((dims, kernel, stride, padding, dilation, groups, transposed, output_padding))
    return cases


@pytest.mark.parametrize("case", _conv_cases())
def test_conv_output_shape_equals_torch(case: tuple[int, int, int, int, int, int, bool, int]) -> None:
    dims, kernel, stride, padding, dilation, groups, transposed, output_padding = case
    x = torch.empty(2, 8, *[11 - d for d in range(dims)], device="meta")
    if transposed:
        weight = torch.empty(8, 12 // groups, *[kernel] * dims, device="meta")
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        expected = conv(x, weight, None, stride, padding, output_padding, groups, dilation)
    else:
        weight = torch.empty(12, 8 // groups, *[kernel] * dims, device="meta")
        conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
        expected = conv(x, weight, None, stride, padding, dilation, groups)
    shape = conv_output_shape(
        x.shape, weight.shape, [stride], [padding], [dilation], transposed, [output_padding], groups
    )
    assert shape == list(expected.shape)


def test_conv_output_shape_rejects_an_unbatched_input_and_an_empty_output() -> None:
    with pytest.raises(ValueError, match="batched input"):
        conv_output_shape([3, 8, 8], [4, 3, 3, 3], [1], [0], [1], False, [0], 1)
    with pytest.raises(ValueError, match="no output"):
        conv_output_shape([1, 3, 2, 2], [4, 3, 3, 3], [1], [0], [1], False, [0], 1)


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_each_kernel_returns_the_real_shape_dtype_and_layout(layout: torch.memory_format) -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2).eval()
    bn = nn.BatchNorm2d(16).eval()
    x = torch.randn(1, 8, 15, 15).contiguous(memory_format=layout)

    def run() -> list[torch.Tensor]:
        y = conv(x)
        return [y, bn(y), F.relu(y), F.silu(y), torch.sigmoid(y), F.hardswish(y), y.mean((2, 3), keepdim=True)]

    with torch.no_grad():
        real = run()
        with shape_only_kernels():
            shaped = run()
    for r, s in zip(real, shaped, strict=True):
        assert (s.shape, s.dtype, s.stride()) == (r.shape, r.dtype, r.stride())


def test_the_real_kernels_come_back_when_the_block_ends() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.SiLU(inplace=True), nn.Hardswish()).eval()
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        before = torch.sigmoid(model(x)).mean((2, 3))
        with shape_only_kernels():
            torch.sigmoid(model(x)).mean((2, 3))
        after = torch.sigmoid(model(x)).mean((2, 3))
    assert torch.equal(before, after)


def test_the_real_kernels_come_back_after_an_exception() -> None:
    x = torch.ones(1, 1, 3, 3)
    with pytest.raises(RuntimeError, match="inside"), shape_only_kernels():
        raise RuntimeError("inside")
    assert torch.equal(F.conv2d(x, torch.ones(1, 1, 3, 3)), torch.full((1, 1, 1, 1), 9.0))


def _smallest_model_of_each_implementation() -> list[str]:
    """One registered model per reference_impls module: the one with the fewest input pixels, then the first id."""
    chosen: dict[str, str] = {}
    for model_id in sorted(REGISTRY):
        module = REGISTRY[model_id].module
        if module not in chosen or REGISTRY[model_id].resolution < REGISTRY[chosen[module]].resolution:
            chosen[module] = model_id
    return sorted(chosen.values())


@pytest.mark.parametrize("model_id", _smallest_model_of_each_implementation())
def test_every_fvcore_count_equals_a_float32_trace_on_the_real_kernels(model_id: str) -> None:
    """Per module and per operator: flops, activations and the unsupported operators, at the model's own input."""
    torch.manual_seed(0)
    with torch.no_grad():
        real_model = create_model(model_id).eval()
        real = fvcore_counts(real_model, torch.randn(1, *input_size(model_id)))
        model = _model_for_counting(model_id, _meta_model(model_id))
        x = torch.zeros(1, *input_size(model_id), dtype=next(model.parameters()).dtype)
        with shape_only_kernels():
            shaped = fvcore_counts(model, x.contiguous(memory_format=TRACE_LAYOUT))
    assert shaped == real
