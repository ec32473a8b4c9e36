"""Count a registered model's parameters, multiply-adds and activations. The only module that uses fvcore.

Three readings of "multiply-adds", each named for what it counts (docs/conventions.md says it in full):

* `macs_conv_linear`: multiply-adds of convolutions and of linear / matrix products, as
  `torch.utils.flop_counter.FlopCounterMode` counts them (two FLOPs per multiply-add, halved). What
  torchvision's `_ops` and most papers' "FLOPs" mean.
* `macs_conv_linear_bn`: the same plus **one** fused scale-and-shift per BatchNorm output element (an eval
  BatchNorm folds into y = a·x + b); the elements are the outputs of every BatchNorm module, read by forward hooks.
* `fvcore_total`: fvcore's `FlopCountAnalysis` total, which is what timm's GMACs columns report. It counts an
  eval BatchNorm with affine as **2 per element** (scale, then shift), adaptive average pooling as one per input
  element, and upsampling and the other norms by fvcore's own rules.

**Executed work.** The first two readings count every layer the forward pass runs, also one whose result is
never used: the official DLA code computes a projection in its deeper trees and drops it
(reference_impls/dla.py), and that convolution costs time on the device all the same. Both come from one forward
pass on the meta device (shapes only), per module. fvcore traces the model with the TorchScript tracer, which
removes operators whose results are unused, so `fvcore_total`, its per-operator counts and `activations` count
only the work that reaches the output. For a model without such layers fvcore's own conv + linear operators
(conv, linear, addmm, matmul, mm, bmm, einsum in `fvcore_by_operator`) equal `macs_conv_linear` exactly, and
tests/test_counting.py holds them to it; for a model with them, the difference is the unused layers' cost.

Operators neither tool has a rule for (element-wise adds, activations, softmax, ...) count in none of the
readings and are listed in `unsupported_ops` (fvcore's list), so the coverage is visible rather than silently zero.

* `flopcounter_macs` is FlopCounterMode's whole-model total ÷ 2 (the source of `macs_conv_linear`; the sweep over
  input sizes reports the same count).
* `activations` is fvcore's `ActivationCountAnalysis` total (output elements of conv and matmul-like ops).
* Every model is measured in eval mode, batch 1, at `reference_impls.input_size(model_id)`.

Both fvcore analyses come from one trace: a `JitModelAnalysis` whose handles return, per operator, fvcore's flop
count and its activation count.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from fvcore.nn.jit_analysis import JitModelAnalysis
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import create_model, get_spec

from .measurements import measurement_key, tool_versions
from .shape_kernels import shape_only_kernels

_FLOPS, _ACTS = "flops:", "acts:"
# fvcore operator keys (as they appear in `fvcore_by_operator`) that are convolutions or linear/matrix products.
CONV_LINEAR_OPERATORS = frozenset({"conv", "convolution", "linear", "addmm", "matmul", "mm", "bmm", "einsum"})


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


class _FlopsAndActivations(JitModelAnalysis):  # type: ignore[misc]  # fvcore ships no type information
    """fvcore analysis that records flops and activations from a single trace."""

    def __init__(self, model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_combined_handles())
        self.unsupported_ops_warnings(False)
        self.uncalled_modules_warnings(False)
        self.tracer_warnings("none")


def _split(counter: Counter[str], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): round(v) for k, v in sorted(counter.items()) if k.startswith(prefix)}


def fvcore_counts(model: nn.Module, x: torch.Tensor) -> tuple[dict[str, Counter[str]], dict[str, int]]:
    """fvcore's per-module counts of one trace (flops and activations, prefixed keys) and its unsupported ops."""
    analysis = _FlopsAndActivations(model, (x,))
    per_module = analysis.by_module_and_operator()
    return per_module, dict(sorted(analysis.unsupported_ops().items()))


_aten = torch.ops.aten
# Element-wise operators whose output, for inputs of one shape, layout and floating dtype, is another such tensor.
_SAME_SHAPE_OUT_OF_PLACE = frozenset(
    {
        _aten.add.Tensor,
        _aten.sub.Tensor,
        _aten.mul.Tensor,
        _aten.div.Tensor,
        _aten.relu.default,
        _aten.sigmoid.default,
        _aten.silu.default,
        _aten.hardswish.default,
        _aten.hardsigmoid.default,
        _aten.hardtanh.default,
        _aten.gelu.default,
        _aten.clamp.default,
    }
)
_SAME_SHAPE_IN_PLACE = frozenset(
    {
        _aten.add_.Tensor,
        _aten.mul_.Tensor,
        _aten.relu_.default,
        _aten.sigmoid_.default,
        _aten.silu_.default,
        _aten.hardswish_.default,
        _aten.hardsigmoid_.default,
        _aten.hardtanh_.default,
        _aten.clamp_.default,
    }
)


def _like(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_strided(x.size(), x.stride(), dtype=x.dtype, device=x.device)


def _same_shape_operands(args: Any, kwargs: Any) -> torch.Tensor | None:
    """The first tensor, if every operand is a meta tensor of its shape, strides and floating dtype or a number."""
    first: torch.Tensor | None = None
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            if first is None:
                if value.device.type != "meta" or not value.is_floating_point():
                    return None
                first = value
            elif (
                value.device != first.device
                or value.dtype != first.dtype
                or value.size() != first.size()
                or value.stride() != first.stride()
            ):
                return None
        elif not (value is None or isinstance(value, (bool, int, float, str))):
            return None
    return first


class _MetaShapes(TorchDispatchMode):  # type: ignore[no-untyped-call]  # torch types no TorchDispatchMode hook
    """On the meta device, answer eval BatchNorm and same-shape element-wise operators with their output's shape.

    torch computes these meta outputs with Python reference code (shape checks, type promotion, stride rules): an
    eval BatchNorm runs its full decomposition, a ReLU takes 0.7 ms. Their outputs have the input's shape, strides
    and dtype, and FlopCounterMode counts nothing for them, so no count changes (tests/test_counting.py holds the
    per-module executed work equal with and without this mode). Every other case runs as usual: broadcasting,
    mixed dtypes, tensors off the meta device, BatchNorm in training mode.
    """

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        if func is _aten.native_batch_norm.default:
            x, training = args[0], args[5] if len(args) > 5 else kwargs.get("training", False)
            if x.device.type == "meta" and not training:
                stats = x.new_empty((0,))  # eval mode returns empty saved statistics
                return _like(x), stats, stats.clone()
        elif func in _SAME_SHAPE_OUT_OF_PLACE or func in _SAME_SHAPE_IN_PLACE:
            first = _same_shape_operands(args, kwargs)
            if first is not None:
                return first if func in _SAME_SHAPE_IN_PLACE else _like(first)
        return func(*args, **kwargs)


@dataclass(frozen=True)
class ExecutedWork:
    """What one forward pass executes, per module path ("" = the whole model): every executed layer counts."""

    macs: dict[str, int]  # conv + linear multiply-adds (FlopCounterMode ÷ 2)
    batchnorm_elements: dict[str, int]  # output elements of the BatchNorm modules inside

    def of(self, path: str) -> tuple[int, int]:
        return self.macs.get(path, 0), self.batchnorm_elements.get(path, 0)


def executed_work(model: nn.Module, x: torch.Tensor, paths: Iterable[str] = ("",)) -> ExecutedWork:
    """Run `model` once on `x` (the meta device suffices) and count the executed work of each module in `paths`.

    FlopCounterMode names a module by its class and path ("DLA.stages.0"; the whole model is "Global"); the
    BatchNorm elements are read by forward hooks, one per BatchNorm module.
    """
    elements: Counter[str] = Counter()

    def recorder(name: str) -> Callable[..., None]:
        def record(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
            elements[name] += output.numel()

        return record

    hooks = [
        module.register_forward_hook(recorder(name))
        for name, module in model.named_modules()
        if isinstance(module, nn.modules.batchnorm._BatchNorm)
    ]
    try:
        with FlopCounterMode(display=False) as counter, _MetaShapes():  # type: ignore[no-untyped-call]  # as above
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    flops = counter.get_flop_counts()
    root = type(model).__name__
    macs, batchnorm = {}, {}
    for path in paths:
        macs[path] = sum(flops.get(f"{root}.{path}" if path else "Global", {}).values()) // 2
        batchnorm[path] = sum(
            n for name, n in elements.items() if not path or name == path or name.startswith(path + ".")
        )
    return ExecutedWork(macs, batchnorm)


def readings(work: ExecutedWork, fvcore_counter: Counter[str], path: str = "") -> dict[str, int]:
    """The three multiply-add readings of one module: executed conv + linear (+ BatchNorm once), fvcore's total."""
    macs, batchnorm = work.of(path)
    return {
        "macs_conv_linear": macs,
        "macs_conv_linear_bn": macs + batchnorm,
        "fvcore_total": sum(_split(fvcore_counter, _FLOPS).values()),
    }


def breakdown_modules(model: nn.Module) -> list[tuple[str, str]]:
    """(display name, module path) of the stem, each stage and the head, in forward order.

    The rows are named `stem`, `stage1` ... and `head`, unless the model names them all in a `stage_names` tuple
    (e.g. FPN: the stages are conv2 ... conv5 and the head is the pyramid).
    """
    rows = [("stem", "stem")] if hasattr(model, "stem") else []
    rows += [(f"stage{index + 1}", f"stages.{index}") for index in range(len(model.stages))]  # type: ignore[arg-type]  # Module.__getattr__ is untyped
    rows.append(("head", "head"))
    names = getattr(model, "stage_names", None)
    if names is None:
        return rows
    if len(names) != len(rows):
        raise ValueError(
            f"{type(model).__name__}.stage_names has {len(names)} names for {len(rows)} rows "
            f"({', '.join(path for _, path in rows)}); give one name per row"
        )
    return [(name, path) for name, (_, path) in zip(names, rows, strict=True)]


class _StageShapes:
    """Records the output shape (C, H, W) of the stem, each stage and the head while the model runs."""

    def __init__(self, model: nn.Module) -> None:
        self.shapes: dict[str, list[int]] = {}
        modules = dict(model.named_modules())
        self._hooks = [
            modules[path].register_forward_hook(self._recorder(display)) for display, path in breakdown_modules(model)
        ]

    def _recorder(self, display: str) -> Callable[..., None]:
        def record(_module: nn.Module, _inputs: Any, output: torch.Tensor | tuple[torch.Tensor, ...]) -> None:
            first = output[0] if isinstance(output, (tuple, list)) else output  # a pyramid: its finest map
            self.shapes[display] = [int(d) for d in first.shape[1:]]

        return record

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()


def conv_linear_macs(by_operator: dict[str, int]) -> int:
    """fvcore's own conv + linear count (traced work only) from its per-operator counts."""
    return sum(v for k, v in by_operator.items() if k in CONV_LINEAR_OPERATORS)


def crosscheck_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of convolutions and matrix products by torch's FlopCounterMode (2 FLOPs per MAC, halved)."""
    with FlopCounterMode(display=False) as counter, _MetaShapes():  # type: ignore[no-untyped-call]  # as above
        model(x)
    flops: int = counter.get_total_flops()
    return flops // 2


# The traced forward pass only has to produce shapes: it runs under tools.shape_kernels (convolution, BatchNorm and
# activations compute nothing), in bfloat16 and channels-last for the operators that still compute (pooling,
# element-wise sums, concatenation, linear layers). tests/test_shape_kernels.py checks the counts equal float32
# counts on the real kernels.
TRACE_DTYPE = torch.bfloat16
TRACE_LAYOUT = torch.channels_last


def _meta_model(model_id: str) -> nn.Module:
    with torch.device("meta"):
        return create_model(model_id)


def _model_for_counting(model_id: str, meta: nn.Module) -> nn.Module:
    """Turn the meta-device model into a CPU model with uninitialised weights, in place.

    Counts depend on shapes only, and the trace runs under `shape_only_kernels()`, where the layers that read the
    weights compute nothing; so skipping the random initialisation (a second for a large model) and even the
    zero fill (untouched memory is never paged in) changes no number. Models with integer buffers (index tables)
    are built normally instead, since their values cannot be recreated from shapes.
    """
    index_tables = [
        n for n, b in meta.named_buffers() if not b.is_floating_point() and not n.endswith("num_batches_tracked")
    ]  # BatchNorm's step counter starts at zero anyway
    if index_tables:
        torch.manual_seed(0)
        return create_model(model_id)
    # Cast and lay out while the model is still shapes only, so the CPU memory is allocated once, in place.
    # torch's stubs omit Module.to(memory_format=...), which torch supports (it lays out the 4-d weights).
    laid_out: nn.Module = meta.to(TRACE_DTYPE).to(memory_format=TRACE_LAYOUT)  # type: ignore[call-overload]
    return laid_out.to_empty(device="cpu").eval()  # empty_like: keeps the channels-last strides


def warm_up() -> None:
    """Load the lazily imported parts of torch once (before worker processes are forked)."""
    with torch.no_grad():
        crosscheck_macs(nn.Conv2d(1, 1, 1).to("meta"), torch.zeros(1, 1, 2, 2, device="meta"))


def measure_model(model_id: str, *, today: dt.date | None = None) -> dict[str, Any]:
    """Measure one registered model at its paper input size. Raises whatever the model raises."""
    spec = get_spec(model_id)
    versions = tool_versions()
    with torch.no_grad():
        # 1. On the meta device (shapes only, no arithmetic): the executed conv + linear work and BatchNorm
        #    elements per stage, the input-size sweep and the parameter count of each stage.
        meta = _meta_model(model_id)
        paths = ["", *(path for _, path in breakdown_modules(meta))]
        work = executed_work(meta, torch.zeros(1, *spec.input_size, device="meta"), paths)
        cross = work.macs[""]
        sweep = []
        for resolution in spec.sweep_resolutions:
            if resolution == spec.resolution:
                macs = cross
            else:
                macs = crosscheck_macs(meta, torch.zeros(1, spec.channels, resolution, resolution, device="meta"))
            sweep.append({"resolution": resolution, "flopcounter_macs": macs})
        params = sum(p.numel() for p in meta.parameters())
        stage_params = {
            display: sum(p.numel() for p in meta.get_submodule(path).parameters())
            for display, path in breakdown_modules(meta)
        }

        # 2. On the CPU: one fvcore trace gives flops and activations per module, and the stage output shapes.
        model = _model_for_counting(model_id, meta)
        x = torch.zeros(1, *spec.input_size, dtype=next(model.parameters()).dtype)
        if x.dim() == 4:
            x = x.contiguous(memory_format=TRACE_LAYOUT)
        recorder = _StageShapes(model)  # forward hooks also run while fvcore traces the model
        with shape_only_kernels():
            per_module, unsupported = fvcore_counts(model, x)
        recorder.remove()
        by_operator = _split(per_module[""], _FLOPS)
        activations = _split(per_module[""], _ACTS)
        stages = [
            {
                "name": display,
                "params": stage_params[display],
                "output_shape": recorder.shapes.get(display, []),
                **readings(work, per_module.get(path, Counter()), path),
            }
            for display, path in breakdown_modules(model)
        ]

    return {
        "id": model_id,
        "key": measurement_key(model_id, versions),
        "input_size": list(spec.input_size),
        "params": params,
        **readings(work, per_module[""]),
        "fvcore_by_operator": by_operator,
        "flopcounter_macs": cross,
        "batchnorm_elements": work.batchnorm_elements[""],
        "activations": sum(activations.values()),
        "unsupported_ops": unsupported,
        "stages": stages,
        "sweep": sweep,
        "versions": {**versions, "python": platform.python_version()},
        "measured_on": (today or dt.date.today()).isoformat(),
        "error": None,
    }
