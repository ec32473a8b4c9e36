"""Counting helpers shared by the model tests: parameters and the three cost readings of the measurement record.

- conv + linear multiply-adds: FlopCounterMode (2 FLOPs per multiply-add of convolutions and matrix products) / 2;
- conv + linear + BatchNorm once: the same plus one fused scale-and-shift per BatchNorm output element;
- fvcore total: FlopCountAnalysis (BatchNorm counted 2 per element, pooling inputs counted), timm's GMACs columns.

The first two run on the meta device (no memory, no arithmetic); fvcore traces a real forward pass.
"""

from __future__ import annotations

import torch
from fvcore.nn import FlopCountAnalysis
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import create_model, input_size


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_model(model_id: str, **kwargs: object) -> nn.Module:
    """`create_model(model_id)` on the meta device: shapes and counts without allocating weights."""
    with torch.device("meta"):
        return create_model(model_id, **kwargs)


def conv_linear_macs(model: nn.Module, size: tuple[int, int, int]) -> int:
    """Conv + linear multiply-adds of one (C, H, W) input at batch 1."""
    x = torch.empty(1, *size, device=next(model.parameters()).device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops() // 2


def batchnorm_elements(model: nn.Module, size: tuple[int, int, int]) -> int:
    """Output elements of every BatchNorm layer for one (C, H, W) input (one fused scale-and-shift each)."""
    total = 0

    def count(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        nonlocal total
        total += output.numel()

    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    handles = [m.register_forward_hook(count) for m in norms]
    try:
        with torch.no_grad():
            model(torch.empty(1, *size, device=next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return total


def readings(model_id: str) -> tuple[int, int, int]:
    """(params, conv + linear MACs, conv + linear + BatchNorm-once MACs) at the model's registered input size."""
    model, size = meta_model(model_id), input_size(model_id)
    macs = conv_linear_macs(model, size)
    return param_count(model), macs, macs + batchnorm_elements(model, size)


def fvcore_total(model_id: str) -> int:
    """fvcore's FlopCountAnalysis total at the model's registered input size (a real forward pass, zeros input)."""
    model = create_model(model_id)
    analysis = FlopCountAnalysis(model, torch.zeros(1, *input_size(model_id)))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())
