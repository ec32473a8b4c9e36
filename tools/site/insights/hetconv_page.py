"""Insight page: HetConv's cost against P, from the per-layer formula and from the measured networks."""

from __future__ import annotations

import math
import re
from typing import Any

from reference_impls.hetconv_cost import hetconv_layer_ratio

from ..sanitize import md_text
from .charts import DIR, _MUTED, _PANEL, _SERIES, _chart_assets, _image, _reference_line, _svg
from .data import COMPUTED_CROSSCHECK, COMPUTED_FVCORE, COMPUTED_PARAMS, Cited, _Context, _claims, _first_claim, _m, _missing_note, _model_cell, _nothing_to_plot, _page, _pct, _provenance, _scaled, _table, hetconv_vgg16_cifar_prediction

def _hetconv(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "hetconv", f"{DIR}/hetconv.md"
    family = sorted(
        # The paper's CIFAR-10 VGG-16 models (32×32 inputs); the id's number is P.
        (int(match.group(1)), i)
        for i in ctx.models_of("hetconv")
        if ctx.registry[i].resolution == 32 and (match := re.search(r"_p(\d+)$", i))
    )
    base_id = next((i for p, i in family if p == 1), None)
    base = ctx.ok(base_id) if base_id else None
    measured = [(p, i) for p, i in family if ctx.ok(i)] if base else []
    resnet, het_resnet = ctx.ok("resnet50"), ctx.ok("hetconv_resnet50_p4")
    note = _first_claim(
        ctx.catalogue,
        lambda p, c: (
            c.model == "hetconv_resnet50_p4"
            and c.compared_to == "resnet50"
            and c.quantity == "macs"
            and c.kind == "reduction"
            and c.unit == "%"
        ),
    )
    kept = het_resnet.fvcore_total / resnet.fvcore_total if resnet and het_resnet else None
    alt = (
        "Two panels. Left: cost of the CIFAR-10 VGG-16 with HetConv relative to P = 1, against P on a log-2 axis: "
        "the per-layer formula 1/P + (1 - 1/P)/9 falls toward 1/9, while the computed whole-network multiply-adds "
        "and parameters stay slightly above it because the first convolution and the classifier stay standard. "
        + (
            f"Right: ResNet-50 with HetConv P = 4 keeps {kept * 100:.1f} percent of ResNet-50's multiply-adds"
            if kept is not None
            else "Right: ResNet-50 with HetConv P = 4 (not measured yet)"
        )
        + (f", against the note's {note[1].value:g} percent reduction" if note else "")
        + f" and the per-layer {float(hetconv_layer_ratio(4)) * 100:.1f} percent."
    )
    body = [
        (
            "HetConv replaces a 3×3 convolution over M input channels by filters with M/P kernels of 3×3 and "
            "M − M/P of 1×1. Per layer that costs **1/P + (1 − 1/P)/9** of the standard convolution, in multiply-adds "
            "and in parameters alike (P = 4 → exactly 1/3). A whole network saves less, because not every layer is "
            "a HetConv:"
        ),
        "",
        (
            "- In the CIFAR-10 VGG-16 the first convolution (3 input channels, which P cannot divide) and the "
            "classifier stay standard, and BatchNorm (counted by fvcore, and 2 parameters per channel) does not "
            "shrink. As P grows the per-layer ratio approaches 1/9, the network's a little above it."
        ),
        (
            "- In ResNet-50 only the 3×3 convolution of each bottleneck is a HetConv; the stem, the 1×1 convolutions, "
            "the shortcuts and the classifier (most of the multiply-adds) are unchanged, so one third per layer "
            + (f"becomes {_pct(kept)} for the network." if kept is not None else "saves much less for the network.")
        ),
        "",
        (
            "The *predicted* columns apply the formula to the twelve HetConv layers of the CIFAR VGG-16 and add the "
            "standard first convolution and classifier (and, for parameters, BatchNorm): they match the computed "
            "counts exactly."
        ),
        "",
    ]
    assets: dict[str, bytes] = {}
    if measured or (resnet and het_resnet):

        def draw(fig: Any) -> None:
            left, right = fig.subplots(1, 2, width_ratios=(1.6, 1))
            if measured and base:  # `measured` is only filled when the P = 1 base is measured
                ps = [p for p, _ in measured]
                grid = [2 ** (x / 8) for x in range(8 * int(math.log2(max(ps))) + 1)]
                left.plot(
                    grid,
                    [_ratio_float(p) for p in grid],
                    "-",
                    color=_MUTED,
                    linewidth=1.2,
                    label="per layer: 1/P + (1 − 1/P)/9",
                )
                left.axhline(1 / 9, color=_MUTED, linestyle=":", linewidth=0.9)
                left.annotate(
                    "1/9", (max(ps), 1 / 9), xytext=(3, -10), textcoords="offset points", fontsize=7.5, color=_MUTED
                )
                predicted = [hetconv_vgg16_cifar_prediction(p)[0] / hetconv_vgg16_cifar_prediction(1)[0] for p in ps]
                left.plot(
                    ps, predicted, "--", color=_SERIES[0], linewidth=1.0, label="whole network, formula (conv + linear)"
                )
                left.plot(
                    ps,
                    [ctx.cost(i).macs_conv_linear / base.macs_conv_linear for _, i in measured],
                    "o",
                    color=_SERIES[0],
                    label="MACs, computed (conv + linear)",
                    zorder=3,
                )
                left.plot(
                    ps,
                    [ctx.cost(i).fvcore_total / base.fvcore_total for _, i in measured],
                    "x",
                    color=_SERIES[1],
                    mew=1.5,
                    label="MACs, computed (fvcore total)",
                    zorder=3,
                )
                left.plot(
                    ps,
                    [ctx.cost(i).params / base.params for _, i in measured],
                    "s",
                    mfc="none",
                    mew=1.2,
                    ms=7,
                    color=_SERIES[2],
                    label="parameters, computed",
                    zorder=3,
                )
                left.set_xscale("log", base=2)
                left.set_xticks(ps, [str(p) for p in ps])
                left.set_ylim(0, 1.05)
                left.set_xlabel("P (each filter has M/P kernels of 3×3)")
                left.set_ylabel("relative to P = 1 (standard VGG-16)")
                left.set_title("VGG-16 on CIFAR-10 (32×32)")
                left.legend(loc="upper right")
            else:
                left.set_axis_off()
                left.text(0.5, 0.5, "VGG-16 HetConv family: not measured yet", ha="center", transform=left.transAxes)
            if resnet and het_resnet:
                bars = [
                    ("MACs\n(fvcore)", het_resnet.fvcore_total / resnet.fvcore_total),
                    ("MACs\n(conv + linear)", het_resnet.macs_conv_linear / resnet.macs_conv_linear),
                    ("params", het_resnet.params / resnet.params),
                ]
                xs = range(len(bars))
                right.bar(xs, [v * 100 for _, v in bars], color=_SERIES[3], width=0.6, zorder=3)
                for x, (_, v) in zip(xs, bars):
                    right.annotate(
                        f"{v * 100:.1f} %",
                        (x, v * 100 / 2),
                        ha="center",
                        va="center",
                        fontsize=8.5,
                        color=_PANEL,
                        fontweight="bold",
                        zorder=5,
                    )
                right.set_xticks(list(xs), [label for label, _ in bars])
                _reference_line(right, 100, "ResNet-50 = 100 %", style="-")
                if note:
                    kept = 100 - note[1].value
                    _reference_line(
                        right, kept, f"note: {note[1].value:g} % fewer → {kept:g} % kept", colour=_SERIES[1]
                    )
                _reference_line(right, 100 / 3, "one HetConv layer, P = 4: 1/3", style=":")
                right.set_ylim(0, 105)
                right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7.5)
                right.set_ylabel("% of ResNet-50")
                right.set_title("ResNet-50, HetConv P = 4 (224×224)")
            else:
                right.set_axis_off()
                right.text(0.5, 0.5, "ResNet-50 pair: not measured yet", ha="center", transform=right.transAxes)

        assets = _chart_assets(name, _svg(draw, size=(10, 4.4), title="HetConv: cost against P", alt=alt))
        body += [_image(name, alt, assets), ""]
    else:
        body += [_nothing_to_plot("Neither the HetConv VGG-16 family nor the ResNet-50 pair has a measurement."), ""]
    body.append(_missing_note([i for _, i in family] + ["resnet50", "hetconv_resnet50_p4"], ctx.measurements))
    p1_macs, p1_params = hetconv_vgg16_cifar_prediction(1)
    cited_flops: dict[str, Cited] = {}
    for paper, claim in _claims(ctx.catalogue):
        if (
            claim.model in {i for _, i in family}
            and claim.quantity == "macs"
            and claim.kind == "absolute"
            and claim.value is not None
        ):
            cited_flops.setdefault(claim.model, Cited(_scaled(claim.value, claim.unit), paper, claim))
    macs_rows, param_rows = [], []
    for p, i in family:
        m = ctx.ok(i)
        ratio = hetconv_layer_ratio(p)
        macs, params = hetconv_vgg16_cifar_prediction(p)
        p_cell = str(p)
        cited = cited_flops.get(i)
        macs_rows.append(
            [
                p_cell,
                f"{ratio} = {float(ratio):.4f}" if ratio.denominator != 1 else "1",
                _m(m.macs_conv_linear) if m else "not measured yet",
                _m(macs),
                _pct(m.macs_conv_linear / base.macs_conv_linear) if m and base else "—",
                _m(m.fvcore_total) if m else "—",
                _pct(m.fvcore_total / base.fvcore_total) if m and base else "—",
                cited.link(path, _m(cited.value)) if cited else "—",
            ]
        )
        param_rows.append(
            [
                p_cell,
                f"{m.params:,}" if m else "not measured yet",
                f"{params:,}",
                _pct(m.params / base.params) if m and base else "—",
            ]
        )
    cited_sources = sorted({c.label() for c in cited_flops.values()})
    body += [
        "### VGG-16 on CIFAR-10",
        "",
        (
            f"Models `hetconv_vgg16_cifar_p1` … `_p64` (P = 1 is the standard VGG-16); ratios are to P = 1. "
            f"*Computed* multiply-adds: conv + linear = {COMPUTED_CROSSCHECK}, all = {COMPUTED_FVCORE}. *Predicted*: the "
            "per-layer formula applied to the twelve HetConv layers."
        ),
        "",
        _table(
            [
                "P",
                "Per-layer formula",
                "MMACs conv + linear, computed",
                "MMACs conv + linear, predicted",
                "ratio",
                "MMACs (fvcore), computed",
                "ratio",
                "MFLOPs, cited (third-party)",
            ],
            macs_rows,
            "rlrrrrrr",
        ),
        "",
    ]
    if cited_sources:
        body += [
            "The cited column: " + "; ".join(md_text(t) for t in cited_sources) + " (each value links to its "
            "claim). The model file's Deviations discuss how they differ from the computed columns.",
            "",
        ]
    body += [
        _table(["P", f"Parameters, {COMPUTED_PARAMS}", "Parameters, predicted", "ratio"], param_rows, "rrrr"),
        "",
        (
            f"Prediction at P = 1: {p1_macs:,} multiply-adds and {p1_params:,} parameters. Standard layers in every "
            f"variant: the first convolution, 3 → 64 channels at 32×32 ({9 * 3 * 64 * 32 * 32:,} multiply-adds), and "
            f"the classifier, Linear 512 → 10 ({512 * 10:,})."
        ),
        "",
        "### ResNet-50 with P = 4",
        "",
    ]
    if resnet and het_resnet:
        res_rows = [
            [label, f"{a:,}", f"{b:,}", _pct(b / a), _pct(1 - b / a)]
            for label, a, b in (
                (f"multiply-adds, {COMPUTED_FVCORE}", resnet.fvcore_total, het_resnet.fvcore_total),
                (f"multiply-adds, {COMPUTED_CROSSCHECK}", resnet.macs_conv_linear, het_resnet.macs_conv_linear),
                (f"parameters, {COMPUTED_PARAMS}", resnet.params, het_resnet.params),
            )
        ]
        body.append(
            _table(
                [
                    "Quantity",
                    _model_cell("resnet50", path, ctx.papers),
                    _model_cell("hetconv_resnet50_p4", path, ctx.papers),
                    "kept",
                    "saved",
                ],
                res_rows,
                "lrrrr",
            )
        )
        body.append("")
    else:
        body += ["*`resnet50` or `hetconv_resnet50_p4` is not measured yet.*", ""]
    if note:
        body += [
            (
                f"The reading note says HetConv cuts ResNet-50's FLOPs by **{note[1].value:g} %** "
                f"({Cited(note[1].value, *note).source(path)}); it does not name P. With P = 4 in every "
                "bottleneck 3×3 convolution the computed saving is in the table above. The paper's own ResNet-50 "
                "placement table was not retrieved (see the model's deviations)."
            ),
            "",
        ]
    body.append(_provenance([i for _, i in family] + ["resnet50", "hetconv_resnet50_p4"], ctx.measurements))
    return _page("HetConv: cost against P", "\n".join(body)), assets


def _ratio_float(part: float, kernel: int = 3) -> float:
    """The per-layer formula at a non-integer P, for drawing the curve."""
    return 1 / part + (1 - 1 / part) / kernel**2


# Generalized attention settings (Zhu et al., 2019): the registry id suffix switches E1 E2 E3 E4 on.
