"""The compare view: pick two models and compare their costs stage by stage, and their CPU latency when timed
(data for compare.js; the page's table of every model says the same without JavaScript)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

from ..render import render
from ..views import timings_of
from .charts import DIR
from .data import MODELS_JSON, Missing, ModelLink, _Context, _json_bytes, _paper_url, _rel
from .latency_page import EXAMPLE_PAPERS


class _StageEntry(TypedDict):
    name: str
    params: int | None
    macs: int | None  # fvcore total
    output: list[int]


class _Timing(TypedDict):
    threads: int
    median_ms: float
    iqr_ms: float


class _ModelEntry(TypedDict):
    """One model of data/models.json, as compare.js reads it."""

    id: str
    family: str
    input: list[int]
    params: int
    macs: int  # fvcore total
    macs_conv_linear: int
    activations: int | None
    stages: list[_StageEntry]
    latency: list[_Timing]  # 1 thread first, then all cores; empty when not timed
    paper: str | None  # relative to data/models.json
    paper_title: str | None


@dataclass(frozen=True)
class CompareRow:
    link: ModelLink
    input: tuple[int, ...]
    params: int
    macs: int
    activations: int | None
    stages: tuple[tuple[str, int | None], ...]
    latency: tuple[_Timing, ...]


@dataclass(frozen=True)
class ComparePage:
    default_a: str
    default_b: str
    data_link: str
    rows: tuple[CompareRow, ...]
    cores: int  # the latency machine's "all cores" thread count; 0 when nothing was timed
    machine: str
    missing: Missing
    provenance: tuple[str, ...]


def _timings(ctx: _Context, model_id: str) -> list[_Timing]:
    return [
        {"threads": t.threads, "median_ms": t.median_ms, "iqr_ms": t.iqr_ms} for t in timings_of(ctx.latency, model_id)
    ]


def _default_pair(ctx: _Context, measured: list[str]) -> tuple[str, str]:
    """The EfficientNet and ResNet models nearest in cost (the latency page's example papers), else the first two."""
    left = [i for i in ctx.models_of(EXAMPLE_PAPERS[0]) if i in measured]
    right = [i for i in ctx.models_of(EXAMPLE_PAPERS[1]) if i in measured]
    pairs = sorted(
        (abs(math.log(ctx.cost(a).fvcore_total / ctx.cost(b).fvcore_total)), b, a) for a in left for b in right
    )
    if pairs:
        return pairs[0][1], pairs[0][2]
    first = measured[0] if measured else ""
    return first, next((i for i in measured if i != first), first)


def _compare(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    path = f"{DIR}/compare.md"
    ids = ctx.by_family()
    measured = [i for i in ids if ctx.ok(i)]
    models: list[_ModelEntry] = []
    rows = []
    for i in measured:
        m = ctx.cost(i)
        paper = ctx.papers.get(i)
        timings = _timings(ctx, i)
        family = ctx.styles.label[ctx.registry[i].family]
        models.append(
            {
                "id": i,
                "family": family,
                "input": list(m.input_size or ctx.registry[i].input_size),
                "params": m.params,
                "macs": m.fvcore_total,
                "macs_conv_linear": m.macs_conv_linear,
                "activations": m.activations,
                "stages": [
                    {"name": s.name, "params": s.params, "macs": s.fvcore_total, "output": list(s.output_shape)}
                    for s in m.stages
                ],
                "latency": timings,
                "paper": _paper_url(paper.id, ctx.directory_urls) if paper else None,  # relative to models.json
                "paper_title": paper.title if paper else None,
            }
        )
        size = tuple(m.input_size or ctx.registry[i].input_size)
        rows.append(
            CompareRow(
                link=ctx.link(i, path),
                input=size[1:] if len(size) == 3 else size,
                params=m.params,
                macs=m.fvcore_total,
                activations=m.activations,
                stages=tuple((s.name, s.fvcore_total) for s in m.stages),
                latency=tuple(timings),
            )
        )
    record = ctx.latency
    data = {
        "models": models,
        "missing": [i for i in ids if ctx.ok(i) is None],
        "latency_machine": record.machine.describe() if record is not None else None,
        "units": {
            "macs": "multiply-adds, fvcore total (BatchNorm 2 per element, pooling)",
            "macs_conv_linear": "multiply-adds of conv, linear and matmul (FlopCounterMode / 2)",
            "params": "parameters",
            "activations": "fvcore activation count",
            "latency": "CPU milliseconds per batch-1 call: median and IQR, at 1 thread and at every core",
        },
    }
    default_a, default_b = _default_pair(ctx, measured)
    page = ComparePage(
        default_a=default_a,
        default_b=default_b,
        data_link=_rel(path, MODELS_JSON),
        rows=tuple(rows),
        cores=record.machine.cores if record is not None else 0,
        machine=record.machine.describe() if record is not None else "",
        missing=ctx.missing(ids),
        provenance=ctx.provenance(ids),
    )
    return render("insight_compare.md.j2", v=page), {MODELS_JSON: _json_bytes(data)}
