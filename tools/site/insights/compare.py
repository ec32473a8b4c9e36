"""The compare view: pick two models and compare their costs stage by stage (data for compare.js)."""

from __future__ import annotations

from typing import TypedDict

from ..sanitize import md_text
from .charts import DIR
from .data import COMPUTED_FVCORE, COMPUTED_PARAMS, MODELS_JSON, _Context, _g, _json_bytes, _m, _missing_note, _model_cell, _nothing_to_plot, _page, _paper_url, _provenance, _rel, _shape, _table


class _StageEntry(TypedDict):
    name: str
    params: int | None
    macs: int | None  # fvcore total
    output: list[int]


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
    paper: str | None  # relative to data/models.json
    paper_title: str | None


def _compare(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    path = f"{DIR}/compare.md"
    ids = sorted(ctx.registry, key=lambda i: (list(ctx.styles.label).index(ctx.registry[i].module), i))
    models: list[_ModelEntry] = []
    for i in ids:
        m = ctx.ok(i)
        if m is None:
            continue
        paper = ctx.papers.get(i)
        models.append(
            {
                "id": i,
                "family": ctx.styles.label[ctx.registry[i].module],
                "input": list(m.input_size or ctx.registry[i].input_size),
                "params": m.params,
                "macs": m.fvcore_total,
                "macs_conv_linear": m.macs_conv_linear,
                "activations": m.activations,
                "stages": [
                    {"name": s.name, "params": s.params, "macs": s.fvcore_total, "output": list(s.output_shape)}
                    for s in m.stages
                ],
                # relative to data/models.json
                "paper": _paper_url(paper.id, ctx.directory_urls) if paper else None,
                "paper_title": paper.title if paper else None,
            }
        )
    data = {
        "models": models,
        "missing": [i for i in ids if ctx.ok(i) is None],
        "units": {
            "macs": "multiply-adds, fvcore total (BatchNorm 2 per element, pooling)",
            "macs_conv_linear": "multiply-adds of conv, linear and matmul (FlopCounterMode / 2)",
            "params": "parameters",
            "activations": "fvcore activation count",
        },
    }
    default_a = "resnet50" if ctx.ok("resnet50") else (models[0]["id"] if models else "")
    default_b = next((m["id"] for m in models if m["id"] == "res2net50_26w_4s"), None) or next(
        (m["id"] for m in models if m["id"] != default_a), default_a
    )
    body = [
        (
            "Pick two models to see their parameters, multiply-adds, activations and per-stage costs side by side. "
            "The picker reads the per-model data file below with a small script of this site (nothing is loaded from "
            "another host); the URL keeps the pair (e.g. `#resnet50,res2net50_26w_4s`), so a comparison can be linked. "
            "Without JavaScript, the table of every model below has the same numbers."
        ),
        "",
        f'<div class="cat-compare" data-a="{default_a}" data-b="{default_b}">',
        '<p class="cat-compare__hint">The model picker needs JavaScript; every number is in the table below.</p>',
        "</div>",
        "",
        (
            f"[Per-model data (JSON)]({_rel(path, MODELS_JSON)}){{ .cat-compare__data }} · GMACs are "
            f"{COMPUTED_FVCORE}: one multiply-add counts 1, an eval BatchNorm 2 per element, pooling 1 per input; "
            "stages are the networks' "
            "`stem`, `stages.N` and `head`."
        ),
        "",
        _missing_note(ids, ctx.measurements),
    ]
    rows = []
    for model in models:
        stages = " · ".join(f"{md_text(s['name'])} {_g(s['macs'])}" for s in model["stages"])
        rows.append(
            [
                _model_cell(model["id"], path, ctx.papers),
                _shape(model["input"][1:] if len(model["input"]) == 3 else model["input"]),
                _m(model["params"]),
                _g(model["macs"]),
                _m(model["activations"]),
                stages or "—",
            ]
        )
    if rows:
        body += [
            "## Every model",
            "",
            (
                f"Parameters: {COMPUTED_PARAMS}; GMACs and activations: {COMPUTED_FVCORE}, at each model's input size. "
                "Grouped by family, as in the pickers."
            ),
            "",
            '<div class="cat-compare__all" data-search-exclude="true" markdown>',
            "",
            _table(
                ["Model", "Input", "Params (M)", "GMACs", "Activations (M)", "GMACs per stage"],
                rows,
                "llrrrl",
            ),
            "",
            "</div>",
            "",
        ]
    else:
        body += [_nothing_to_plot("No registered model has a measurement."), ""]
    body.append(_provenance(ids, ctx.measurements))
    return _page("Compare two models", "\n".join(body)), {MODELS_JSON: _json_bytes(data)}
