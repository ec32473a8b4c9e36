"""Insight pages: attention against convolution as the input grows; Res2Net width and scale at constant cost."""

from __future__ import annotations

import re
from typing import Any

from ..sanitize import md_text
from .charts import DIR, _FG, _MUTED, _SERIES, _chart_assets, _image, _log_axis, _reference_line, _svg
from .data import COMPUTED_CROSSCHECK, COMPUTED_FVCORE, COMPUTED_PARAMS, Cited, _Context, _claims, _first_claim, _g, _m, _missing_note, _model_cell, _nothing_to_plot, _page, _pct, _provenance, _quadratic_share, _sweep, _table, growth_exponent, linear_quadratic_fit

ATTENTION_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("resnet50_attn_1000", "E1", "query and key content"),
    ("resnet50_attn_0100", "E2", "query content and relative position"),
    ("resnet50_attn_0010", "E3", "key content only"),
    ("resnet50_attn_0001", "E4", "relative position only"),
    ("resnet50_attn_1111", "E1–E4", "all four terms"),
)



def _attention(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "attention-cost", f"{DIR}/attention-cost.md"
    settings = [s for s in ATTENTION_SETTINGS if s[0] in ctx.registry]
    base = _sweep(ctx.ok("resnet50"))
    series = {i: _sweep(ctx.ok(i)) for i, _, _ in settings}
    resolutions = sorted(set(base).intersection(*[set(s) for s in series.values() if s]) if base else [])
    drawn = [(i, e, d) for i, e, d in settings if series[i] and set(resolutions) <= set(series[i])]
    alt = (
        "Two panels against input pixel count. Left: total multiply-adds of ResNet-50 and of ResNet-50 with each "
        "generalized-attention setting E1 to E4 and all four. Right, log-log: the extra cost of each setting over "
        "ResNet-50, with guide lines for linear and quadratic growth; the terms that compare queries with keys "
        "grow faster than linearly, the key-content-only term about linearly."
    )
    body = [
        (
            "The generalized attention module (Zhu et al., ICCV 2019) adds to ResNet-50's conv4_x and conv5_x blocks "
            "an attention over all positions. The attention map compares every query with every key, so its cost "
            "grows with the *square* of the pixel count, while convolutions grow *linearly*. The settings switch the "
            "four terms of the attention weight on: E1 query and key content, E2 query content and relative "
            "position, E3 key content only, E4 relative position only. E3 does not depend on the query: it is "
            "computed once and broadcast, so it stays linear."
        ),
        "",
        (
            "Costs come from the input-size sweep of the measurements: multiply-adds of conv, linear and matmul "
            f"operators ({COMPUTED_CROSSCHECK}); softmax and the position embedding's sin/cos are not counted. The "
            "*growth exponent* e fits cost ∝ pixels^e between the smallest and the largest input: 1 is linear, 2 "
            "quadratic. The extra cost mixes both (the projections are linear, the attention map quadratic), so e "
            "lies between; fitting it as a·N + b·N² over the pixel counts N (least squares over the four sizes) gives "
            "the *quadratic part* b·N², a share that grows with the input."
        ),
        "",
    ]
    assets: dict[str, bytes] = {}
    if base and resolutions and drawn:
        pixels = [r * r for r in resolutions]

        def draw(fig: Any) -> None:
            left, right = fig.subplots(1, 2)
            left.plot(
                pixels, [base[r] / 1e9 for r in resolutions], "o-", color=_FG, label="ResNet-50 (convolution)", zorder=3
            )
            for k, (i, e, _) in enumerate(drawn):
                colour, marker = _SERIES[k % len(_SERIES)], "^sDvP"[k % 5]
                left.plot(
                    pixels,
                    [series[i][r] / 1e9 for r in resolutions],
                    marker=marker,
                    color=colour,
                    label=f"{e} ({i[-4:]})",
                    ms=5,
                )
                extra = [series[i][r] - base[r] for r in resolutions]
                exponent = growth_exponent(pixels, extra)
                right.plot(
                    pixels,
                    [x / 1e9 for x in extra],
                    marker=marker,
                    color=colour,
                    ms=5,
                    label=f"{e}: e = {exponent:.2f}" if exponent is not None else e,
                )
            lo = min(series[i][resolutions[0]] - base[resolutions[0]] for i, _, _ in drawn) / 1e9
            hi = max(series[i][resolutions[0]] - base[resolutions[0]] for i, _, _ in drawn) / 1e9
            for slope, anchor, text in ((1, lo * 0.6, "linear (e = 1)"), (2, hi * 1.6, "quadratic (e = 2)")):
                ys = [anchor * (p / pixels[0]) ** slope for p in pixels]
                right.plot(pixels, ys, ":", color=_MUTED, linewidth=1.0)
                right.annotate(
                    text,
                    (pixels[-1], ys[-1]),
                    xytext=(-4, 2),
                    textcoords="offset points",
                    ha="right",
                    va="bottom",
                    fontsize=7.5,
                    color=_MUTED,
                )
            left.set_xlabel("input pixels (H × W)")
            left.set_ylabel("GMACs (conv + linear + matmul)")
            left.set_title("Total cost")
            left.legend(loc="upper left")
            left.set_xticks(pixels, [f"{r}²" for r in resolutions])
            right.set_xscale("log")
            _log_axis(right, "y")
            right.set_xticks(pixels, [f"{r}²" for r in resolutions])
            right.minorticks_off()
            right.set_xlabel("input pixels (H × W), log scale")
            right.set_ylabel("extra GMACs over ResNet-50, log scale")
            right.set_title("Cost of the attention alone")
            right.legend(loc="upper left")

        assets = _chart_assets(
            name, _svg(draw, size=(10, 4.4), title="Generalized attention: cost against input size", alt=alt)
        )
        body += [_image(name, alt, assets), ""]
    else:
        body += [
            _nothing_to_plot("ResNet-50 and the attention settings need measurements with an input-size sweep."),
            "",
        ]
    body.append(_missing_note(["resnet50"] + [i for i, _, _ in settings], ctx.measurements))
    if base and resolutions:
        rows = []
        for r in resolutions:
            row = [f"{r}×{r}", f"{r * r:,}", _g(base[r])]
            for i, _, _ in settings:
                value = series[i].get(r)
                row.append(f"{_g(value)} (+{_g(value - base[r])})" if value else "—")
            rows.append(row)
        body += [
            _table(
                ["Input", "Pixels", f"`resnet50` GMACs, {COMPUTED_CROSSCHECK}"]
                + [f"{e} `{i}` GMACs (extra)" for i, e, _ in settings],
                rows,
                "lr" + "r" * (1 + len(settings)),
            ),
            "",
        ]
        pixels = [r * r for r in resolutions]
        growth_rows = []
        for i, e, description in [("resnet50", "—", "convolution only")] + settings:
            values = base if i == "resnet50" else series[i]
            if not values or not set(resolutions) <= set(values):
                growth_rows.append(
                    [_model_cell(i, path, ctx.papers), e, description, "—", "—", "not measured yet", "—"]
                )
                continue
            costs = [values[r] - (0 if i == "resnet50" else base[r]) for r in resolutions]
            exponent = growth_exponent(pixels, costs)
            fit = linear_quadratic_fit(pixels, costs) if len(pixels) >= 3 else None
            growth_rows.append(
                [
                    _model_cell(i, path, ctx.papers),
                    e,
                    description,
                    _g(costs[0]),
                    _g(costs[-1]),
                    "—" if exponent is None else f"{exponent:.2f}",
                    f"{_quadratic_share(fit, pixels[0], costs[0])} → {_quadratic_share(fit, pixels[-1], costs[-1])}",
                ]
            )
        body += [
            _table(
                [
                    "Model",
                    "Terms",
                    "Attention weight",
                    f"Cost at {resolutions[0]}² (GMACs)",
                    f"Cost at {resolutions[-1]}² (GMACs)",
                    "Growth exponent e",
                    f"Quadratic part, {resolutions[0]}² → {resolutions[-1]}² (fit)",
                ],
                growth_rows,
                "lllrrrr",
            ),
            "",
            (
                "For ResNet-50 the cost is the whole network's; for the attention settings it is the extra over "
                "ResNet-50."
            ),
            "",
        ]
    body.append(_provenance(["resnet50"] + [i for i, _, _ in settings], ctx.measurements))
    return _page("Generalized attention vs convolution", "\n".join(body)), assets


# Res2Net (Gao et al., TPAMI 2021) Table 3 groups, and the other Res2Net models; baselines drawn in grey.
RES2NET_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("same cost as ResNet-50 (Table 3)", ("res2net50_48w_2s", "res2net50_26w_4s", "res2net50_14w_8s")),
    ("more scales, more cost (Table 3)", ("res2net50_26w_6s", "res2net50_26w_8s")),
    ("Res2Net-50-L, fewer channels (Table 3)", ("res2net50_18w_4s",)),
    ("other Res2Net models", ("res2next50", "res2net101_26w_4s")),
    ("baselines", ("resnet50", "resnext50_32x4d", "resnet101")),
)


def _res2net(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "res2net", f"{DIR}/res2net.md"
    groups = [(g, tuple(i for i in ids if i in ctx.registry)) for g, ids in RES2NET_GROUPS]
    ids = [i for _, members in groups for i in members]
    resnet = ctx.ok("resnet50")
    paper_claim = _first_claim(
        ctx.catalogue,
        lambda p, c: (
            c.model == "res2net50_18w_4s"
            and c.compared_to == "resnet50"
            and c.quantity == "macs"
            and c.kind == "ratio"
            and c.unit == "%"
            and c.origin == "paper"
        ),
    )
    note_claim = _first_claim(
        ctx.catalogue,
        lambda p, c: (
            c.compared_to == "resnet50"
            and c.quantity == "macs"
            and c.kind == "reduction"
            and c.unit == "%"
            and c.origin == "note"
            and (c.model or "").startswith("res2net")
        ),
    )
    errors: dict[str, Cited] = {}
    for paper, claim in _claims(ctx.catalogue):
        if (
            claim.model in ids
            and claim.quantity == "top1_error"
            and claim.kind == "absolute"
            and claim.origin == "paper"
            and claim.value is not None
        ):
            errors.setdefault(claim.model, Cited(float(claim.value), paper, claim))
    light = ctx.ok("res2net50_18w_4s")
    kept = light.fvcore_total / resnet.fvcore_total if light and resnet else None
    shares = {i: ctx.cost(i).fvcore_total / resnet.fvcore_total * 100 for i in ids if ctx.ok(i) and resnet}
    alt = "Bar chart of each Res2Net variant's GMACs as a percentage of ResNet-50's: " + (
        ", ".join(f"{_res2net_label(i)} {share:.0f} percent" for i, share in shares.items()) or "nothing measured yet"
    ) + (
        f"; the paper prints {paper_claim[1].value:g} percent for Res2Net-50-L" if paper_claim else ""
    ) + (f", the note reads {note_claim[1].value:g} percent fewer" if note_claim else "") + "."
    body = [
        (
            'Res2Net splits the 3×3 convolution of each bottleneck into s groups of w channels ("26w×4s": width '
            "w = 26, scale s = 4) and chains them, so one block sees several receptive fields. Table 3 of the paper "
            "trades width against scale at (nearly) the cost of ResNet-50, then adds scales at a higher cost, and "
            "Res2Net-50-L (18w×4s) is a lighter model. The bars are computed multiply-adds as a share of "
            "ResNet-50's (fvcore, both at 224×224)."
        ),
        "",
    ]
    chosen = paper_claim or note_claim
    if chosen:
        printed = chosen[1].value
        body.append(f'Two readings of "{printed:g} %":')
        body.append("")
        if paper_claim:
            body.append(
                f"- The paper (Sec. 4.2.3): Res2Net-50-L needs only **{paper_claim[1].value:g} %** of ResNet-50's "
                f"FLOPs — {Cited(paper_claim[1].value, *paper_claim).source(path)}. Computed: "
                + (f"**{_pct(kept)}** kept." if kept is not None else "not measured yet.")
            )
        if note_claim:
            model = note_claim[1].model
            share = ctx.cost(model).fvcore_total / resnet.fvcore_total if ctx.ok(model) and resnet else None
            body.append(
                f"- The reading note: Res2Net-50 (read here as `{model}`) has **{note_claim[1].value:g} % fewer** "
                "FLOPs than ResNet-50, i.e. "
                f"{100 - note_claim[1].value:g} % kept — {Cited(note_claim[1].value, *note_claim).source(path)}. "
                + (
                    f"Computed: {_pct(share)} of ResNet-50; the note turned the paper's share kept into a reduction."
                    if share is not None
                    else "Not measured yet."
                )
            )
        body.append("")
    assets: dict[str, bytes] = {}
    plotted = [(g, [i for i in members if ctx.ok(i)]) for g, members in groups]
    if resnet and any(members for _, members in plotted):

        def draw(fig: Any) -> None:
            ax = fig.add_subplot()
            x = 0
            ticks: list[tuple[float, str]] = []
            for k, (group, members) in enumerate(plotted):
                if not members:
                    continue
                colour = _MUTED if group == "baselines" else _SERIES[k % len(_SERIES)]
                xs = list(range(x, x + len(members)))
                shares = [ctx.cost(i).fvcore_total / resnet.fvcore_total * 100 for i in members]
                ax.bar(xs, shares, color=colour, width=0.7, label=group, zorder=3)
                for xi, i, share in zip(xs, members, shares):
                    ax.annotate(
                        f"{ctx.cost(i).fvcore_total / 1e9:.2f}G\n{share:.0f} %",
                        (xi, share),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=6.5,
                    )
                    ticks.append((xi, _res2net_label(i)))
                x += len(members) + 1
            _reference_line(ax, 100, "ResNet-50", style="-")
            if paper_claim:
                _reference_line(
                    ax, paper_claim[1].value, f"paper: Res2Net-50-L keeps {paper_claim[1].value:g} %", colour=_SERIES[1]
                )
            if note_claim:
                kept_note = 100 - note_claim[1].value
                _reference_line(
                    ax,
                    kept_note,
                    f'note: "{note_claim[1].value:g} % fewer" → {kept_note:g} % kept',
                    style=":",
                    colour=_SERIES[1],
                )
            ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], rotation=35, ha="right", fontsize=7.5)
            ax.set_ylabel("GMACs as % of ResNet-50 (fvcore, 224×224)")
            top = max(ctx.cost(i).fvcore_total / resnet.fvcore_total * 100 for _, m in plotted for i in m)
            ax.set_ylim(0, max(top, 100) * 1.15)
            ax.grid(axis="x", visible=False)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)

        assets = _chart_assets(
            name, _svg(draw, size=(10, 4.8), title="Res2Net variants: cost as a share of ResNet-50", alt=alt)
        )
        body += [_image(name, alt, assets), ""]
    else:
        body += [_nothing_to_plot("ResNet-50 and the Res2Net variants need measurements."), ""]
    body.append(_missing_note(ids, ctx.measurements))
    rows = []
    for group, members in groups:
        for i in members:
            m = ctx.ok(i)
            error = errors.get(i)
            rows.append(
                [
                    _model_cell(i, path, ctx.papers),
                    md_text(ctx.names.get(i, "—")),
                    md_text(group),
                    _m(m.params) if m else "not measured yet",
                    _g(m.fvcore_total) if m else "—",
                    _pct(m.fvcore_total / resnet.fvcore_total) if m and resnet else "—",
                    f"{error.value:.2f} ({error.source(path)})" if error else "—",
                ]
            )
    body += [
        _table(
            [
                "Model",
                "Name in the paper",
                "Group",
                f"Params (M), {COMPUTED_PARAMS}",
                f"GMACs, {COMPUTED_FVCORE}",
                "% of ResNet-50",
                "Top-1 error (%), cited",
            ],
            rows,
            "lllrrrl",
        ),
        "",
        _provenance(ids, ctx.measurements),
    ]
    return _page("Res2Net: width, scale and cost", "\n".join(body)), assets


def _res2net_label(model_id: str) -> str:
    match = re.fullmatch(r"res2net(\d+)_(\d+)w_(\d+)s", model_id)
    if match:
        return f"Res2Net-{match.group(1)} {match.group(2)}w×{match.group(3)}s"
    return model_id
