"""The numbers the site shows for one model, read once from its measurement record.

Every page (paper pages, the catalogue, the insights) reads measurements through `cost_of`, so the record's
keys are named in one place. `macs_conv_linear` is the reading most papers call "FLOPs" (torchvision's `_ops`);
`fvcore_total` is fvcore's total (BatchNorm and pooling included; timm's GMACs columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEADLINE_READING = "macs_conv_linear"


@dataclass(frozen=True)
class StageCost:
    name: str
    output_shape: tuple[int, ...]
    params: int | None
    macs_conv_linear: int | None
    fvcore_total: int | None


@dataclass(frozen=True)
class ModelCost:
    """One measured model, or why it has no numbers (`error`)."""

    model_id: str
    params: int | None
    macs_conv_linear: int | None
    macs_conv_linear_bn: int | None
    fvcore_total: int | None
    activations: int | None
    input_size: tuple[int, ...]
    stages: tuple[StageCost, ...]
    by_operator: Mapping[str, int]
    unsupported: Mapping[str, int]
    sweep: tuple[tuple[int, int | None], ...]  # (resolution, conv + linear MACs)
    measured_on: str
    versions: Mapping[str, str]
    key: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def reading(self, name: str) -> int | None:
        """The count of one reading (`params`, `macs_conv_linear`, `macs_conv_linear_bn`, `fvcore_total`, ...)."""
        value = getattr(self, name)
        if value is not None and not isinstance(value, int):
            raise AttributeError(f"`{name}` is not a count of a measured model")
        return value


def _first(entry: Mapping[str, Any], *keys: str) -> Any:
    """The first key present (format 2 names first, format 1 after them)."""
    for key in keys:
        if entry.get(key) is not None:
            return entry[key]
    return None


def cost_of(entry: Any, model_id: str) -> ModelCost | None:
    """The costs of one measurement record (`tools.measurements.read_measurements()[model_id]`: a
    `MeasurementRecord`, a plain dict of the same keys, or already a `ModelCost`), None if absent."""
    if entry is None or isinstance(entry, ModelCost):
        return entry
    if hasattr(entry, "model_dump"):  # the typed MeasurementRecord
        entry = entry.model_dump()
    stages = tuple(
        StageCost(
            name=str(s.get("name", "")),
            output_shape=tuple(int(d) for d in s.get("output_shape") or ()),
            params=s.get("params"),
            macs_conv_linear=_first(s, "macs_conv_linear"),
            fvcore_total=_first(s, "fvcore_total", "flops"),
        )
        for s in entry.get("stages") or ()
    )
    sweep: Sequence[Mapping[str, Any]] = entry.get("sweep") or ()
    return ModelCost(
        model_id=model_id,
        params=entry.get("params"),
        macs_conv_linear=_first(entry, "macs_conv_linear", "crosscheck_macs"),
        macs_conv_linear_bn=_first(entry, "macs_conv_linear_bn"),
        fvcore_total=_first(entry, "fvcore_total", "flops"),
        activations=entry.get("activations"),
        input_size=tuple(int(d) for d in entry.get("input_size") or ()),
        stages=stages,
        by_operator=dict(sorted((_first(entry, "fvcore_by_operator", "flops_by_operator") or {}).items())),
        unsupported=dict(sorted((entry.get("unsupported_ops") or {}).items())),
        sweep=tuple(
            (int(s.get("resolution", 0)), _first(s, "macs_conv_linear", "flopcounter_macs", "crosscheck_macs"))
            for s in sweep
        ),
        measured_on=str(entry.get("measured_on") or ""),
        versions=dict(entry.get("versions") or {}),
        key=str(entry.get("key") or ""),
        error=entry.get("error") or None,
    )


def costs(measurements: Mapping[str, Any]) -> dict[str, ModelCost]:
    """Every measured model's costs, by model id."""
    out = {}
    for model_id, entry in measurements.items():
        cost = cost_of(entry, model_id)
        if cost is not None:
            out[model_id] = cost
    return out
