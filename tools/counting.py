"""Count a registered model's parameters, multiply-adds and activations. The only module that uses fvcore.

Conventions (stated once more on the site's conventions page):

* `flops` is fvcore's `FlopCountAnalysis` total. fvcore counts **one fused multiply-add as one flop**, so this
  is a MAC count. It includes eval-mode BatchNorm and adaptive average pooling; operators fvcore has no
  handle for (element-wise adds, activations, softmax, ...) are not counted and are listed in
  `unsupported_ops` so that the coverage is visible rather than silently zero.
* `activations` is fvcore's `ActivationCountAnalysis` total (output elements of conv and matmul-like ops).
* `crosscheck_macs` is an independent count by `torch.utils.flop_counter.FlopCounterMode`, which counts two
  FLOPs per multiply-add of convolutions and matrix products only; we halve it. It runs on the meta device.
  The difference to `flops` is BatchNorm and pooling.
* Every model is measured in eval mode, batch 1, at `reference_impls.input_size(model_id)`.

Both fvcore analyses are computed from one trace: a `JitModelAnalysis` whose handles return a flop count and
an activation count per operator.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from fvcore.nn.jit_analysis import JitModelAnalysis
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import create_model, get_spec

from .measurements import Measurement, measurement_key, tool_versions

_FLOPS, _ACTS = "flops:", "acts:"


def _combined_handles() -> dict[str, Callable[..., Counter[str]]]:
    """One handle per operator returning both fvcore's flop count and its activation count."""
    # fvcore.nn re-exports functions named like these modules, so import the modules by name.
    flop_handles: dict[str, Any] = importlib.import_module("fvcore.nn.flop_count")._DEFAULT_SUPPORTED_OPS
    act_handles: dict[str, Any] = importlib.import_module("fvcore.nn.activation_count")._DEFAULT_SUPPORTED_OPS
    handles = {}
    for op in sorted(set(flop_handles) | set(act_handles)):
        short = op.split("::", 1)[-1].lstrip("_")

        def handle(inputs: Any, outputs: Any, op: str = op, short: str = short) -> Counter[str]:
            counts: Counter[str] = Counter()
            for prefix, table in ((_FLOPS, flop_handles), (_ACTS, act_handles)):
                if op in table:
                    value = table[op](inputs, outputs)
                    if isinstance(value, Counter):
                        counts.update({prefix + k: v for k, v in value.items()})
                    else:
                        counts[prefix + short] += value
            return counts

        handles[op] = handle
    return handles


class _FlopsAndActivations(JitModelAnalysis):
    """fvcore analysis that records flops and activations from a single trace."""

    def __init__(self, model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_combined_handles())
        self.unsupported_ops_warnings(False)
        self.uncalled_modules_warnings(False)
        self.tracer_warnings("none")


def _split(counter: Counter[str], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): int(round(v)) for k, v in sorted(counter.items()) if k.startswith(prefix)}


def breakdown_modules(model: nn.Module) -> list[tuple[str, str]]:
    """(display name, module path) of the stem, each stage and the head, in forward order."""
    names: list[tuple[str, str]] = []
    if hasattr(model, "stem"):
        names.append(("stem", "stem"))
    for index, _ in enumerate(model.stages):  # type: ignore[arg-type]
        names.append((f"stage{index + 1}", f"stages.{index}"))
    names.append(("head", "head"))
    return names


def _stage_shapes(model: nn.Module, x: torch.Tensor) -> dict[str, list[int]]:
    """Output shape (C, H, W) of every breakdown module, from one forward pass."""
    shapes: dict[str, list[int]] = {}
    hooks = []
    modules = dict(model.named_modules())
    for display, path in breakdown_modules(model):

        def record(_m: nn.Module, _i: Any, out: torch.Tensor, display: str = display) -> None:
            shapes[display] = list(out.shape[1:])

        hooks.append(modules[path].register_forward_hook(record))
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def crosscheck_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of convolutions and matrix products by torch's FlopCounterMode (2 FLOPs per MAC, halved)."""
    with FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops() // 2


def _meta_model(model_id: str) -> nn.Module:
    with torch.device("meta"):
        return create_model(model_id)


def measure_model(model_id: str, *, today: dt.date | None = None) -> Measurement:
    """Measure one registered model at its paper input size. Raises whatever the model raises."""
    spec = get_spec(model_id)
    versions = tool_versions()
    torch.manual_seed(0)
    with torch.no_grad():
        model = create_model(model_id)
        params = sum(p.numel() for p in model.parameters())
        x = torch.zeros(1, *spec.input_size)
        analysis = _FlopsAndActivations(model, (x,))
        per_module = analysis.by_module_and_operator()
        flops = _split(per_module[""], _FLOPS)
        activations = _split(per_module[""], _ACTS)
        unsupported = dict(sorted(analysis.unsupported_ops().items()))
        del model, analysis

        meta = _meta_model(model_id)
        meta_x = torch.zeros(1, *spec.input_size, device="meta")
        shapes = _stage_shapes(meta, meta_x)
        stages = []
        for display, path in breakdown_modules(meta):
            module = meta.get_submodule(path)
            stages.append(
                {
                    "name": display,
                    "params": sum(p.numel() for p in module.parameters()),
                    "flops": sum(_split(per_module.get(path, Counter()), _FLOPS).values()),
                    "output_shape": shapes.get(display, []),
                }
            )
        sweep = []
        for resolution in spec.sweep_resolutions:
            sweep_x = torch.zeros(1, spec.channels, resolution, resolution, device="meta")
            sweep.append({"resolution": resolution, "crosscheck_macs": crosscheck_macs(meta, sweep_x)})
        cross = crosscheck_macs(meta, meta_x)

    return {
        "id": model_id,
        "key": measurement_key(model_id, versions),
        "input_size": list(spec.input_size),
        "params": params,
        "flops": sum(flops.values()),
        "flops_by_operator": flops,
        "activations": sum(activations.values()),
        "unsupported_ops": unsupported,
        "crosscheck_macs": cross,
        "stages": stages,
        "sweep": sweep,
        "versions": {**versions, "python": platform.python_version()},
        "measured_on": (today or dt.date.today()).isoformat(),
        "error": None,
    }
