"""Insight pages about cost across families: parameters against GMACs, top-1 against GMACs, EfficientNet scaling."""

from __future__ import annotations

import math
import re
from typing import Any

from ..sanitize import md_text
from .charts import DIR, _FG, _MUTED, _SERIES, _chart_assets, _image, _log_axis, _scatter_by_family, _svg
from .data import COMPUTED_FVCORE, COMPUTED_PARAMS, Cited, _Context, _claims, _g, _m, _missing_note, _model_cell, _nothing_to_plot, _page, _provenance, _scaled, _shape, _table, imagenet_top1, pareto_frontier

def _params_vs_gmacs(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "params-vs-gmacs", f"{DIR}/params-vs-gmacs.md"
    ids = sorted(ctx.registry, key=lambda i: (list(ctx.styles.label).index(ctx.registry[i].module), i))
    measured = [i for i in ids if ctx.ok(i)]
    # Labelled points: label offset (points) and alignment.
    landmarks = {
        "vgg16": (-6, -3, "right"),
        "resnet50": (6, -3, "left"),
        "efficientnet_b0": (6, -3, "left"),
        "efficientnet_b7": (-6, -3, "right"),
        "mobilenetv2_100": (6, -3, "left"),
        "antnet_100_g2": (-6, -3, "right"),
        "hetconv_vgg16_cifar_p1": (6, -3, "left"),
        "hetconv_vgg16_cifar_p64": (6, -3, "left"),
        "res2net50_26w_8s": (6, -3, "left"),
    }
    alt = f"Log-log scatter of parameters against GMACs for {len(measured)} registered models, one colour and marker per family."
    if measured:  # the extremes, read from the measurements
        cheapest = min(measured, key=lambda i: ctx.cost(i).fvcore_total)
        dearest = max(measured, key=lambda i: ctx.cost(i).fvcore_total)
        largest = max(measured, key=lambda i: ctx.cost(i).params)
        alt += (
            f" Cost spans from {ctx.cost(cheapest).fvcore_total / 1e9:.3g} GMACs ({cheapest}) to "
            f"{ctx.cost(dearest).fvcore_total / 1e9:.3g} GMACs ({dearest}); {largest} has the most parameters "
            f"({ctx.cost(largest).params / 1e6:.1f} M)."
        )
    body = [
        (
            "Every registered model: parameters against multiply-adds, both on log scales. Each model is measured at "
            "the input size its paper evaluates it at (the *Input* column), so the CIFAR-10 HetConv networks (32×32) "
            "sit far to the left of the ImageNet ones."
        ),
        "",
    ]
    assets: dict[str, bytes] = {}
    if measured:

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            _scatter_by_family(ax, ctx, measured, lambda i: ctx.cost(i).params / 1e6)
            for i, (dx, dy, ha) in landmarks.items():
                if i in measured:
                    ax.annotate(
                        i,
                        (ctx.cost(i).fvcore_total / 1e9, ctx.cost(i).params / 1e6),
                        xytext=(dx, dy),
                        textcoords="offset points",
                        fontsize=7,
                        color=_MUTED,
                        ha=ha,
                    )
            _log_axis(ax, "x")
            _log_axis(ax, "y")
            ax.set_xlabel("GMACs (fvcore total), at each model's input size")
            ax.set_ylabel("Parameters (millions)")
            ax.legend(loc="upper left", fontsize=7.5)

        assets = _chart_assets(name, _svg(draw, size=(8, 5), title="Parameters vs GMACs of every model", alt=alt))
        body += [_image(name, alt, assets), ""]
    else:
        body += [_nothing_to_plot("No registered model has a measurement."), ""]
    body.append(_missing_note(ids, ctx.measurements))
    rows = []
    for i in ids:
        m = ctx.ok(i)
        spec = ctx.registry[i]
        rows.append(
            [
                _model_cell(i, path, ctx.papers),
                md_text(ctx.styles.label[spec.module]),
                _shape(spec.input_size),
                _m(m.params) if m else "not measured yet",
                _g(m.fvcore_total) if m else "—",
                _m(m.activations) if m else "—",
            ]
        )
    body += [
        _table(
            [
                "Model",
                "Family",
                "Input",
                f"Params (M), {COMPUTED_PARAMS}",
                f"GMACs, {COMPUTED_FVCORE}",
                f"Activations (M), {COMPUTED_FVCORE}",
            ],
            rows,
            "lllrrr",
        ),
        "",
        _provenance(ids, ctx.measurements),
    ]
    return _page("Parameters vs GMACs", "\n".join(body)), assets


def _accuracy_vs_gmacs(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "accuracy-vs-gmacs", f"{DIR}/accuracy-vs-gmacs.md"
    cited = imagenet_top1(ctx.catalogue, ctx.registry)
    ids = sorted(cited, key=lambda i: (ctx.registry[i].module, i))
    plotted = [i for i in ids if ctx.ok(i)]
    points = [(ctx.cost(i).fvcore_total / 1e9, cited[i][0].value) for i in plotted]
    frontier = [plotted[k] for k in pareto_frontier(points)]
    alt = (
        f"Scatter of cited ImageNet top-1 accuracy against computed GMACs (log scale) for {len(plotted)} models, "
        f"with the Pareto frontier drawn as a staircase through {len(frontier)} of them (marked in the table)."
    )
    body = [
        (
            "ImageNet top-1 accuracy as the papers print it, against the multiply-adds computed here. Accuracy cannot "
            "be recomputed without training, so every accuracy is **cited**: the absolute `top1_accuracy` or "
            "`top1_error` claims of `papers.yaml` printed by a paper or its official code, about a registered model, "
            "at the model's own input size (or none stated), and not about another dataset. A top-1 *error* is "
            "converted to accuracy as 100 − error, and the table says so. When a model has several such claims, the "
            "first in the catalogue is plotted and the others are listed. Third-party accuracies (e.g. torchvision's "
            "retrained weights) are left out."
        ),
        "",
        (
            "The **Pareto frontier** joins the models that no other model beats: none is cheaper and at least as "
            "accurate. Different papers train differently, so the frontier compares published results, not "
            "architectures alone."
        ),
        "",
    ]
    assets: dict[str, bytes] = {}
    if plotted:

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            _scatter_by_family(ax, ctx, plotted, lambda i: cited[i][0].value)
            xs = [ctx.cost(i).fvcore_total / 1e9 for i in frontier]
            ys = [cited[i][0].value for i in frontier]
            ax.step(
                xs,
                ys,
                where="post",
                color=_FG,
                linewidth=1.0,
                linestyle="-",
                alpha=0.7,
                zorder=2,
                label="Pareto frontier",
            )
            for i in plotted:
                x, y = ctx.cost(i).fvcore_total / 1e9, cited[i][0].value
                ax.annotate(
                    _short_id(i),
                    (x, y),
                    xytext=_label_offset(i),
                    textcoords="offset points",
                    fontsize=7,
                    color=_FG if i in frontier else _MUTED,
                )
            _log_axis(ax, "x")
            ax.set_xlabel("GMACs, computed (fvcore), at each model's input size (log scale)")
            ax.set_ylabel("ImageNet top-1 accuracy (%), cited")
            ax.legend(loc="lower right", fontsize=7.5)

        assets = _chart_assets(
            name, _svg(draw, size=(8, 5), title="Cited ImageNet top-1 accuracy vs computed GMACs", alt=alt)
        )
        body += [_image(name, alt, assets), ""]
    else:
        body += [_nothing_to_plot("No model has both a cited ImageNet top-1 accuracy and a measurement."), ""]
    body.append(_missing_note(ids, ctx.measurements))
    rows = []
    for i in sorted(ids, key=lambda i: (ctx.cost(i).fvcore_total if ctx.ok(i) else math.inf, i)):
        first, *others = cited[i]
        m = ctx.ok(i)
        source = first.source(path) + (f"; {md_text(first.note)}" if first.note else "")
        also = "; ".join(
            f"{o.value:.2f} % ({o.source(path)}{'; ' + md_text(o.note) if o.note else ''})" for o in others
        )
        rows.append(
            [
                _model_cell(i, path, ctx.papers),
                f"{first.value:.2f}",
                source,
                _g(m.fvcore_total) if m else "not measured yet",
                _shape(ctx.registry[i].input_size),
                "yes" if i in frontier else "",
                also or "—",
            ]
        )
    if rows:
        body.append(
            _table(
                [
                    "Model",
                    "Top-1 (%)",
                    "Source of top-1",
                    f"GMACs, {COMPUTED_FVCORE}",
                    "Input",
                    "On frontier",
                    "Other cited top-1",
                ],
                rows,
                "lrlrlcl",
            )
        )
    else:
        body.append("*No ImageNet top-1 claim about a registered model in the catalogue yet.*")
    body += ["", _provenance(ids, ctx.measurements)]
    return _page("ImageNet top-1 vs GMACs", "\n".join(body)), assets


def _short_id(model_id: str) -> str:
    """A chart label: the model id without the family prefix where that stays unambiguous."""
    match = re.fullmatch(r"efficientnet_(b\d)", model_id)
    if match:
        return match.group(1).upper()
    match = re.fullmatch(r"res2net50_(\d+w_\d+s)", model_id)
    if match:
        return match.group(1).replace("_", "×")
    return model_id


def _label_offset(model_id: str) -> tuple[int, int]:
    # Res2Net-50 variants at ~4.2 GMACs crowd together: spread their labels.
    return {"res2net50_48w_2s": (5, -9), "res2net50_14w_8s": (-42, 2), "res2net50_26w_4s": (5, -2)}.get(
        model_id, (5, -3)
    )


def _efficientnet(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "efficientnet-scaling", f"{DIR}/efficientnet-scaling.md"
    variants = sorted(
        # The paper's models; the id's digit is the compound coefficient φ (B0 ... B7).
        (int(match.group(1)), i) for i in ctx.models_of("efficientnet") if (match := re.fullmatch(r"efficientnet_b(\d)", i))
    )
    printed: dict[str, dict[str, Cited]] = {}
    for paper, claim in _claims(ctx.catalogue):
        if (
            claim.model in {i for _, i in variants}
            and claim.kind == "absolute"
            and claim.origin == "paper"
            and claim.quantity in ("macs", "params")
            and claim.source.location.startswith("Table 2")
            and claim.value is not None
        ):
            printed.setdefault(claim.model, {}).setdefault(
                claim.quantity, Cited(_scaled(claim.value, claim.unit), paper, claim)
            )
    b0 = ctx.ok("efficientnet_b0")
    base = b0.fvcore_total if b0 else None
    measured = [(k, i) for k, i in variants if ctx.ok(i)]
    alt = (
        "Two panels for EfficientNet B0 to B7. Left: GMACs on a log scale, computed against the paper's Table 2 "
        "and against the reference curve B0 times 2 to the power phi, with phi taken equal to the variant number. "
        "Right: parameters, computed against Table 2."
    )
    body = [
        (
            "EfficientNet scales B0 with a compound coefficient φ: depth α^φ, width β^φ, resolution γ^φ, with "
            'α·β²·γ² ≈ 2 so that "the total FLOPS will approximately increase by 2^φ" (Sec. 3.3, Eq. 3; the paper\'s '
            "FLOPS are multiply-adds). The paper does not state φ for the released B1–B7, whose coefficients were "
            "adjusted by hand. **Mapping Bk to φ = k is this page's assumption**, used only to draw the reference "
            "curve B0 · 2^k from the computed B0. Each variant is measured at its own resolution (Table 2's input "
            "sizes), as the paper counts it."
        ),
        "",
    ]
    assets: dict[str, bytes] = {}
    if measured:

        def draw(fig: Any) -> None:
            left, right = fig.subplots(1, 2)
            ks = [k for k, _ in measured]
            panels = (
                (left, "fvcore_total", "macs", 1e9, "computed (fvcore)", "GMACs", "Multiply-adds"),
                (right, "params", "params", 1e6, "computed", "Parameters (millions)", "Parameters"),
            )
            for ax, key, quantity, scale, computed, ylabel, title in panels:
                ax.plot(ks, [getattr(ctx.ok(i), key) / scale for _, i in measured], "o-", color=_SERIES[0], label=computed,
                        zorder=3)
                points = [(k, printed[i][quantity].value) for k, i in variants if quantity in printed.get(i, {})]
                if points:
                    ax.plot(
                        [k for k, _ in points],
                        [v / scale for _, v in points],
                        "s",
                        mfc="none",
                        mew=1.4,
                        ms=8,
                        color=_SERIES[1],
                        label="printed, Table 2 (cited)",
                        zorder=4,
                    )
                if ax is left and base:
                    ref = list(range(max(k for k, _ in variants) + 1))
                    ax.plot(
                        ref,
                        [base * 2**k / 1e9 for k in ref],
                        "--",
                        color=_MUTED,
                        linewidth=1.2,
                        label="B0 · 2^φ, assuming Bk is φ = k",
                    )
                _log_axis(ax, "y")
                ax.set_xticks([k for k, _ in variants], [f"B{k}" for k, _ in variants])
                ax.set_ylabel(ylabel)
                ax.set_title(title)
                ax.legend(loc="upper left")

        assets = _chart_assets(
            name, _svg(draw, size=(9, 4.2), title="EfficientNet B0–B7: GMACs and parameters", alt=alt)
        )
        body += [_image(name, alt, assets), ""]
    else:
        body += [_nothing_to_plot("No EfficientNet variant has a measurement."), ""]
    body.append(_missing_note([i for _, i in variants], ctx.measurements))
    rows = []
    for k, i in variants:
        m = ctx.ok(i)
        p_macs = printed.get(i, {}).get("macs")
        p_params = printed.get(i, {}).get("params")
        reference = base * 2**k if base else None
        rows.append(
            [
                _model_cell(i, path, ctx.papers),
                _shape(ctx.registry[i].input_size),
                _g(m.fvcore_total) if m else "not measured yet",
                p_macs.link(path, p_macs.printed) if p_macs else "—",
                f"{m.fvcore_total / p_macs.value:.3f}" if m and p_macs else "—",
                _g(reference),
                f"{m.fvcore_total / reference:.3f}" if m and reference else "—",
                _m(m.params) if m else "—",
                p_params.link(path, p_params.printed) if p_params else "—",
            ]
        )
    body += [
        _table(
            [
                "Variant",
                "Input",
                f"GMACs, {COMPUTED_FVCORE}",
                "GMACs, cited (Table 2, as printed)",
                "computed ÷ cited",
                "B0 · 2^k (reference, φ = k assumed)",
                "computed ÷ reference",
                f"Params (M), {COMPUTED_PARAMS}",
                "Params, cited (Table 2, as printed)",
            ],
            rows,
            "llrrrrrrr",
        ),
        "",
    ]
    sources = sorted({c.label() for v in printed.values() for c in v.values()})
    if sources:
        body += ["Cited values: " + "; ".join(md_text(t) for t in sources) + " (each value links to its claim).", ""]
    body.append(_provenance([i for _, i in variants], ctx.measurements))
    return _page("EfficientNet: compound scaling", "\n".join(body)), assets
