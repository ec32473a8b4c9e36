"""Insight pages: charts of the measurements, drawn at build time as static SVG, each with the table behind it.

    >>> pages, assets = build_insights(catalogue, measurements)
    >>> pages["insights/params-vs-gmacs.md"]           # Markdown: chart, alt text, table, sources
    >>> assets["insights/params-vs-gmacs-light.svg"]   # bytes; "-dark.svg" is the same chart for the dark scheme

Every number a chart plots is either *computed* (read from `tools/measurements.json`: fvcore's count, the
FlopCounterMode cross-check or the exact parameter count) or *cited* (a claim of `papers.yaml`, named with its
paper and table); the table under each chart says which. A model with no usable measurement (absent, or its
measurement failed) is left out of the chart and named under it.

Each chart is drawn once with matplotlib's SVG backend (no pyplot, rcParams set locally) and written twice: the
light file, and a dark one in which `_DARK` swaps every colour, so both always show the same data (Material shows
one or the other through the `#only-light` / `#only-dark` suffixes). The files are deterministic: fixed hash salt,
no date, text kept as <text> (svg.fonttype none). Nothing here imports torch.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape

from reference_impls.hetconv_cost import hetconv_layer_ratio, vgg16_cifar_predicted_cost

from .sanitize import md_text

DIR = "insights"
MODELS_JSON = "data/models.json"
UPDATE_COMMAND = "python tools/verify_claims.py --update"

# Where each number comes from, as the tables say it.
COMPUTED_FVCORE = "computed (fvcore total)"  # FlopCountAnalysis: BatchNorm 2 per element, pooling inputs
COMPUTED_CROSSCHECK = "computed (FlopCounterMode ÷ 2)"  # multiply-adds of conv, linear and matmul only
COMPUTED_PARAMS = "computed (parameter count)"

# ---------------------------------------------------------------------------------------------------------------
# Colours: the light scheme's colour -> the dark scheme's. Every colour a chart uses must be a key here.

_FG, _MUTED, _GRID, _PANEL, _FRAME = "#212121", "#616161", "#dcdcdc", "#ffffff", "#c8c8c8"
_SERIES = ("#0b6fb0", "#d55e00", "#008a64", "#b4427f", "#8c6d00", "#6a3d9a", "#5f6b73", "#a0522d")
_DARK = {
    _FG: "#e3e5ee",  # text, axes (Material's slate foreground)
    _MUTED: "#a7abb8",  # reference lines, secondary text
    _GRID: "#3a3d4a",
    _PANEL: "#1e2029",  # legend background (Material's slate background)
    _FRAME: "#4a4e5c",
    "#0b6fb0": "#6cb6f0",
    "#d55e00": "#ff9a52",
    "#008a64": "#3fd1a5",
    "#b4427f": "#f08cc4",
    "#8c6d00": "#e8cc3a",
    "#6a3d9a": "#b99be6",
    "#5f6b73": "#aab6bf",
    "#a0522d": "#e0a27a",
}  # contrast >= 3.8:1 on white (light) and >= 6.8:1 on #1e2029 (dark) for every series colour
_COLOUR_TOKEN = re.compile(r"#[0-9a-f]{6}\b")

_RC: dict[str, Any] = {
    "svg.hashsalt": "cv-papers-insights",  # fixed ids for clip paths and markers: byte-identical files
    "svg.fonttype": "none",  # text stays text (selectable, small); the browser's sans-serif draws it
    "text.parse_math": False,  # labels are literal: a "$" in a model name is not mathtext
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "text.color": _FG,
    "axes.labelcolor": _FG,
    "axes.edgecolor": _MUTED,
    "axes.titlecolor": _FG,
    "axes.titlesize": 11,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
    "grid.color": _GRID,
    "grid.linewidth": 0.6,
    "xtick.color": _MUTED,
    "ytick.color": _MUTED,
    "xtick.labelcolor": _FG,
    "ytick.labelcolor": _FG,
    "legend.facecolor": _PANEL,
    "legend.edgecolor": _FRAME,
    "legend.framealpha": 0.9,
    "legend.fontsize": 8.5,
    "lines.linewidth": 1.6,
    "lines.markersize": 6,
}

# Registry module -> (legend label, marker). Colours follow the order of this table; other modules come after.
_FAMILIES: dict[str, tuple[str, str]] = {
    "resnet": ("ResNet, ResNeXt, SE-ResNet", "o"),
    "res2net": ("Res2Net", "s"),
    "spatial_attention": ("ResNet-50 + generalized attention", "^"),
    "hetconv": ("HetConv (VGG-16 at 32 px; ResNet-50)", "D"),
    "efficientnet": ("EfficientNet", "v"),
    "mobilenetv2": ("MobileNetV2", "P"),
    "antnet": ("ANTNet", "X"),
    "vgg": ("VGG", "*"),
}
_EXTRA_MARKERS = ("h", "p", "<", ">", "8", "d")


# ---------------------------------------------------------------------------------------------------------------
# Pure helpers (tested on their own)


def pareto_frontier(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the (cost, accuracy) points that no other point beats, in order of increasing cost.

    A point is on the frontier when every cheaper point (or every point of the same cost listed before it) is
    strictly less accurate. Of two identical points, the first is kept.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1], i))
    frontier: list[int] = []
    best = -math.inf
    for i in order:
        if points[i][1] > best:
            frontier.append(i)
            best = points[i][1]
    return frontier


def hetconv_vgg16_cifar_prediction(part: int) -> tuple[int, int]:
    """(conv + linear multiply-adds, parameters) of the CIFAR VGG-16 with HetConv(P) predicted by the per-layer
    formula; the layer table and the formula live with the model, in reference_impls/hetconv_cost.py."""
    predicted = vgg16_cifar_predicted_cost(part)
    return predicted.macs_conv_linear, predicted.params


# ---------------------------------------------------------------------------------------------------------------
# Reading the inputs


def _usable(measurements: Mapping[str, Mapping[str, Any]], model_id: str) -> Mapping[str, Any] | None:
    """The measurement of a model, or None when it is absent or failed."""
    m = measurements.get(model_id)
    if not m or m.get("error") or m.get("flops") is None or m.get("params") is None:
        return None
    return m


def _registry() -> Mapping[str, Any]:
    from reference_impls import REGISTRY

    return REGISTRY


def _scaled(value: float | None, unit: str) -> float | None:
    from tools.claims import SCALE

    return None if value is None else value * SCALE.get(unit, 1.0)


@dataclass(frozen=True)
class Cited:
    """A number cited from papers.yaml, with where it comes from."""

    value: float
    paper: Any  # tools.catalogue.Paper
    claim: Any  # tools.catalogue.Claim
    note: str = ""  # e.g. "converted from top-1 error: 100 − 22.01"

    def label(self) -> str:
        """ "cited: <paper> (<version>), <location>", plain text."""
        origin = {"paper": "", "official-code": "official code, ", "note": "reading note, "}.get(
            self.claim.origin, f"{self.claim.origin}, "
        )
        return f"cited: {_short_title(self.paper.title)} ({origin}{self.claim.source.version}), " + (
            self.claim.source.location
        )

    def link(self, from_page: str, text: str) -> str:
        """`text` as Markdown, linked to the claim on the paper's page."""
        return f"[{md_text(text)}]({_rel(from_page, f'papers/{self.paper.id}.md')}#claim-{self.claim.id})"

    def source(self, from_page: str) -> str:
        """`label()` as Markdown, linked to the claim on the paper's page."""
        link = _rel(from_page, f"papers/{self.paper.id}.md") + f"#claim-{self.claim.id}"
        return f"[{md_text(self.label())}]({link})"


def _short_title(title: str) -> str:
    head = title.split(":")[0].strip()
    return head if len(head) <= 40 else head[:39].rstrip() + "…"


def _claims(catalogue: Any) -> Iterable[tuple[Any, Any]]:
    for paper in catalogue.papers:
        for claim in paper.claims:
            yield paper, claim


def _model_papers(catalogue: Any) -> dict[str, Any]:
    """model id -> the first paper that defines it."""
    out: dict[str, Any] = {}
    for paper in catalogue.papers:
        for ref in paper.models:
            out.setdefault(ref.id, paper)
    return out


def _model_names(catalogue: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for paper in catalogue.papers:
        for ref in paper.models:
            out.setdefault(ref.id, ref.name)
    return out


def _first_claim(catalogue: Any, test: Callable[[Any, Any], bool]) -> tuple[Any, Any] | None:
    return next(((p, c) for p, c in _claims(catalogue) if test(p, c)), None)


# Claims whose text names another dataset (or fine-tuning) are not ImageNet accuracies.
_OTHER_DATASET = re.compile(
    r"CIFAR|Flowers|COCO|Pets|Cars|Aircraft|Food-?101|Birdsnap|SUN397|DTD|fine-?tun", re.IGNORECASE
)


def imagenet_top1(catalogue: Any, registry: Mapping[str, Any]) -> dict[str, list[Cited]]:
    """model id -> cited ImageNet top-1 accuracies (%), catalogue order. Errors are converted (100 − error).

    Taken: absolute top1_accuracy / top1_error claims printed by the paper or its official code, about a
    registered model, at the model's own resolution (or none stated), whose text names no other dataset.
    """
    out: dict[str, list[Cited]] = {}
    for paper, claim in _claims(catalogue):
        if claim.quantity not in ("top1_accuracy", "top1_error") or claim.kind != "absolute":
            continue
        if claim.origin not in ("paper", "official-code") or claim.model not in registry or claim.value is None:
            continue
        if claim.resolution is not None and claim.resolution != registry[claim.model].resolution:
            continue
        if _OTHER_DATASET.search(claim.text) or (claim.unit not in ("%", "")):
            continue
        if claim.quantity == "top1_error":
            cited = Cited(100.0 - claim.value, paper, claim, f"converted from top-1 error: 100 − {claim.value:g} %")
        else:
            cited = Cited(float(claim.value), paper, claim)
        out.setdefault(claim.model, []).append(cited)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Formatting


def _rel(from_page: str, target: str) -> str:
    import posixpath

    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def _g(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value / 1e9:.{digits}f}"


def _m(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value / 1e6:.{digits}f}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _shape(shape: Iterable[int] | None) -> str:
    shape = list(shape or [])
    return "×".join(str(int(s)) for s in shape) if shape else "—"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str | None = None) -> str:
    """A Markdown table; `align` has one letter per column (l, r, c)."""
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    align = align or "l" * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _model_cell(model_id: str, from_page: str, papers: Mapping[str, Any]) -> str:
    paper = papers.get(model_id)
    if paper is None:
        return f"`{model_id}`"
    return f"[`{model_id}`]({_rel(from_page, f'papers/{paper.id}.md')})"


def _missing_note(model_ids: Iterable[str], measurements: Mapping[str, Mapping[str, Any]]) -> str:
    """An admonition naming the models a chart had to leave out, or ""."""
    absent, failed = [], []
    for model_id in model_ids:
        m = measurements.get(model_id)
        if m is None:
            absent.append(model_id)
        elif _usable(measurements, model_id) is None:
            failed.append(model_id)
    if not absent and not failed:
        return ""
    lines = ['!!! warning "Not measured yet"', ""]
    if absent:
        lines.append(f"    Not measured yet, so not plotted: {', '.join(f'`{i}`' for i in absent)}.")
    if failed:
        lines.append(f"    Measurement failed, so not plotted: {', '.join(f'`{i}`' for i in failed)}.")
    lines.append(f"    Run `{UPDATE_COMMAND}` to measure them.")
    return "\n".join(lines) + "\n"


def _nothing_to_plot(what: str) -> str:
    return (
        f'!!! warning "Nothing to plot yet"\n\n    {what} Run `{UPDATE_COMMAND}` to measure the models; the chart '
        "appears with the next build.\n"
    )


def _provenance(model_ids: Iterable[str], measurements: Mapping[str, Mapping[str, Any]]) -> str:
    conditions = set()
    for model_id in model_ids:
        m = _usable(measurements, model_id)
        if m is None:
            continue
        versions = m.get("versions") or {}
        conditions.add(
            ", ".join(
                part
                for part in (
                    f"torch {versions['torch']}" if versions.get("torch") else "",
                    f"fvcore {versions['fvcore']}" if versions.get("fvcore") else "",
                    f"measured {m['measured_on']}" if m.get("measured_on") else "",
                )
                if part
            )
            or "unknown conditions"
        )
    if not conditions:
        return ""
    return (
        '<p class="cat-provenance">Computed numbers: <code>tools/measurements.json</code> ('
        + "; ".join(md_text(c) for c in sorted(conditions))
        + ").</p>\n"
    )


def _page(title: str, body: str) -> str:
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n# {md_text(title)}\n\n{body.rstrip()}\n"


def _image(name: str, alt: str) -> str:
    alt = re.sub(r"[\[\]\\`*<>]", "", alt).replace("_", "\\_")  # model ids keep their underscores
    return (
        f"![{alt}]({name}-light.svg#only-light){{ .cat-chart }}\n![{alt}]({name}-dark.svg#only-dark){{ .cat-chart }}\n"
    )


# ---------------------------------------------------------------------------------------------------------------
# Drawing


class _Styles:
    """Colour and marker of every registry module, stable whatever is measured."""

    def __init__(self, modules: Iterable[str]) -> None:
        ordered = [m for m in _FAMILIES] + sorted(set(modules) - set(_FAMILIES))
        self.colour = {m: _SERIES[i % len(_SERIES)] for i, m in enumerate(ordered)}
        self.marker = {
            m: _FAMILIES[m][1] if m in _FAMILIES else _EXTRA_MARKERS[i % len(_EXTRA_MARKERS)]
            for i, m in enumerate(ordered)
        }
        self.label = {m: _FAMILIES[m][0] if m in _FAMILIES else m for m in ordered}


def _svg(draw: Callable[[Any], None], *, size: tuple[float, float], title: str, alt: str) -> tuple[bytes, bytes]:
    """Draw a figure and return its (light, dark) SVG bytes, with <title> and <desc> for screen readers."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    svg = buffer.getvalue().decode("utf-8")
    start = svg.index("<svg")
    end = svg.index(">", start)
    head = svg[start:end].replace("<svg ", '<svg role="img" aria-labelledby="chart-title chart-desc" ', 1)
    svg = (
        svg[:start]
        + head
        + f'>\n <title id="chart-title">{escape(title)}</title>\n <desc id="chart-desc">{escape(alt)}</desc>'
        + svg[end + 1 :]
    )
    dark = _COLOUR_TOKEN.sub(lambda m: _DARK.get(m.group(0), m.group(0)), svg)
    return svg.encode("utf-8"), dark.encode("utf-8")


def _chart_assets(name: str, svgs: tuple[bytes, bytes]) -> dict[str, bytes]:
    return {f"{DIR}/{name}-light.svg": svgs[0], f"{DIR}/{name}-dark.svg": svgs[1]}


def _reference_line(ax: Any, y: float, text: str, *, style: str = "--", colour: str = _MUTED) -> None:
    """A horizontal reference line, named in the legend."""
    ax.axhline(y, color=colour, linestyle=style, linewidth=1.1, zorder=4, label=text)


def _scatter_by_family(ax: Any, ctx: Any, ids: list[str], y_of: Callable[[str], float]) -> None:
    """One scatter series per model family (colour, marker and legend label from the family styles); x is GMACs."""
    for module in ctx.styles.label:
        members = [i for i in ids if ctx.registry[i].module == module]
        if not members:
            continue
        ax.scatter(
            [ctx.ok(i)["flops"] / 1e9 for i in members],
            [y_of(i) for i in members],
            s=34,
            marker=ctx.styles.marker[module],
            color=ctx.styles.colour[module],
            label=ctx.styles.label[module],
            zorder=3,
            linewidths=0.5,
        )


def _log_axis(ax: Any, axis: str) -> None:
    """Log scale with plain tick labels (0.5, 1, 2, 5, 10 ...), not mathtext powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    getattr(ax, f"set_{axis}scale")("log")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    target.set_minor_formatter(NullFormatter())


# ---------------------------------------------------------------------------------------------------------------
# The pages


@dataclass(frozen=True)
class _Context:
    catalogue: Any
    measurements: Mapping[str, Mapping[str, Any]]
    registry: Mapping[str, Any]
    papers: dict[str, Any]  # model id -> paper
    names: dict[str, str]  # model id -> name as the paper writes it
    styles: _Styles
    directory_urls: bool

    def ok(self, model_id: str) -> Mapping[str, Any] | None:
        return _usable(self.measurements, model_id)


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
        cheapest = min(measured, key=lambda i: ctx.ok(i)["flops"])
        dearest = max(measured, key=lambda i: ctx.ok(i)["flops"])
        largest = max(measured, key=lambda i: ctx.ok(i)["params"])
        alt += (
            f" Cost spans from {ctx.ok(cheapest)['flops'] / 1e9:.3g} GMACs ({cheapest}) to "
            f"{ctx.ok(dearest)['flops'] / 1e9:.3g} GMACs ({dearest}); {largest} has the most parameters "
            f"({ctx.ok(largest)['params'] / 1e6:.1f} M)."
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
            _scatter_by_family(ax, ctx, measured, lambda i: ctx.ok(i)["params"] / 1e6)
            for i, (dx, dy, ha) in landmarks.items():
                if i in measured:
                    ax.annotate(
                        i,
                        (ctx.ok(i)["flops"] / 1e9, ctx.ok(i)["params"] / 1e6),
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
        body += [_image(name, alt), ""]
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
                _m(m["params"]) if m else "not measured yet",
                _g(m["flops"]) if m else "—",
                _m(m.get("activations")) if m else "—",
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
    points = [(ctx.ok(i)["flops"] / 1e9, cited[i][0].value) for i in plotted]
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
            xs = [ctx.ok(i)["flops"] / 1e9 for i in frontier]
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
                x, y = ctx.ok(i)["flops"] / 1e9, cited[i][0].value
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
        body += [_image(name, alt), ""]
    else:
        body += [_nothing_to_plot("No model has both a cited ImageNet top-1 accuracy and a measurement."), ""]
    body.append(_missing_note(ids, ctx.measurements))
    rows = []
    for i in sorted(ids, key=lambda i: (ctx.ok(i)["flops"] if ctx.ok(i) else math.inf, i)):
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
                _g(m["flops"]) if m else "not measured yet",
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
        (int(match.group(1)), i) for i in ctx.registry if (match := re.fullmatch(r"efficientnet_b(\d)", i))
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
    base = b0["flops"] if b0 else None
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
                (left, "flops", "macs", 1e9, "computed (fvcore)", "GMACs", "Multiply-adds"),
                (right, "params", "params", 1e6, "computed", "Parameters (millions)", "Parameters"),
            )
            for ax, key, quantity, scale, computed, ylabel, title in panels:
                ax.plot(ks, [ctx.ok(i)[key] / scale for _, i in measured], "o-", color=_SERIES[0], label=computed,
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
        body += [_image(name, alt), ""]
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
                _g(m["flops"]) if m else "not measured yet",
                p_macs.link(path, p_macs.claim.printed) if p_macs else "—",
                f"{m['flops'] / p_macs.value:.3f}" if m and p_macs else "—",
                _g(reference),
                f"{m['flops'] / reference:.3f}" if m and reference else "—",
                _m(m["params"]) if m else "—",
                p_params.link(path, p_params.claim.printed) if p_params else "—",
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


def _hetconv(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    name, path = "hetconv", f"{DIR}/hetconv.md"
    family = sorted(
        (int(match.group(1)), i) for i in ctx.registry if (match := re.fullmatch(r"hetconv_vgg16_cifar_p(\d+)", i))
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
    alt = (
        "Two panels. Left: cost of the CIFAR-10 VGG-16 with HetConv relative to P = 1, against P on a log-2 axis: "
        "the per-layer formula 1/P + (1 - 1/P)/9 falls toward 1/9, while the computed whole-network multiply-adds "
        "and parameters stay slightly above it because the first convolution and the classifier stay standard. "
        "Right: ResNet-50 with HetConv P = 4 keeps about 70 percent of ResNet-50's multiply-adds, against the "
        "note's 30 percent reduction and the per-layer one third."
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
            "becomes about 70 % for the network."
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
            if measured:
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
                    [ctx.ok(i)["crosscheck_macs"] / base["crosscheck_macs"] for _, i in measured],
                    "o",
                    color=_SERIES[0],
                    label="MACs, computed (conv + linear)",
                    zorder=3,
                )
                left.plot(
                    ps,
                    [ctx.ok(i)["flops"] / base["flops"] for _, i in measured],
                    "x",
                    color=_SERIES[1],
                    mew=1.5,
                    label="MACs, computed (fvcore, BN incl.)",
                    zorder=3,
                )
                left.plot(
                    ps,
                    [ctx.ok(i)["params"] / base["params"] for _, i in measured],
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
                    ("MACs\n(fvcore)", het_resnet["flops"] / resnet["flops"]),
                    ("MACs\n(conv + linear)", het_resnet["crosscheck_macs"] / resnet["crosscheck_macs"]),
                    ("params", het_resnet["params"] / resnet["params"]),
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
        body += [_image(name, alt), ""]
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
                _m(m["crosscheck_macs"]) if m else "not measured yet",
                _m(macs),
                _pct(m["crosscheck_macs"] / base["crosscheck_macs"]) if m and base else "—",
                _m(m["flops"]) if m else "—",
                _pct(m["flops"] / base["flops"]) if m and base else "—",
                cited.link(path, _m(cited.value)) if cited else "—",
            ]
        )
        param_rows.append(
            [
                p_cell,
                f"{m['params']:,}" if m else "not measured yet",
                f"{params:,}",
                _pct(m["params"] / base["params"]) if m and base else "—",
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
                (f"multiply-adds, {COMPUTED_FVCORE}", resnet["flops"], het_resnet["flops"]),
                (f"multiply-adds, {COMPUTED_CROSSCHECK}", resnet["crosscheck_macs"], het_resnet["crosscheck_macs"]),
                (f"parameters, {COMPUTED_PARAMS}", resnet["params"], het_resnet["params"]),
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
ATTENTION_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("resnet50_attn_1000", "E1", "query and key content"),
    ("resnet50_attn_0100", "E2", "query content and relative position"),
    ("resnet50_attn_0010", "E3", "key content only"),
    ("resnet50_attn_0001", "E4", "relative position only"),
    ("resnet50_attn_1111", "E1–E4", "all four terms"),
)


def _sweep(m: Mapping[str, Any] | None) -> dict[int, int]:
    if not m:
        return {}
    return {int(s["resolution"]): int(s["crosscheck_macs"]) for s in m.get("sweep") or [] if s.get("crosscheck_macs")}


def growth_exponent(pixels: Sequence[float], costs: Sequence[float]) -> float | None:
    """Exponent e of cost ∝ pixels^e between the first and last point (1: linear, 2: quadratic)."""
    if len(pixels) < 2 or costs[0] <= 0 or costs[-1] <= 0 or pixels[0] == pixels[-1]:
        return None
    return math.log(costs[-1] / costs[0]) / math.log(pixels[-1] / pixels[0])


def linear_quadratic_fit(pixels: Sequence[float], costs: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares (a, b) of cost ≈ a·N + b·N² over pixel counts N (no constant term); None if underdetermined."""
    if len(pixels) < 2 or len(set(pixels)) < 2:
        return None
    scale = pixels[0]  # work in N / N0 so that the sums stay small
    n = [p / scale for p in pixels]
    s2, s3, s4 = sum(x**2 for x in n), sum(x**3 for x in n), sum(x**4 for x in n)
    t1, t2 = sum(x * y for x, y in zip(n, costs)), sum(x * x * y for x, y in zip(n, costs))
    det = s2 * s4 - s3 * s3
    if det == 0:
        return None
    a, b = (t1 * s4 - t2 * s3) / det, (s2 * t2 - s3 * t1) / det
    return a / scale, b / scale**2


def _quadratic_share(fit: tuple[float, float] | None, pixels: float, cost: float) -> str:
    if fit is None or not cost:
        return "—"
    share = fit[1] * pixels**2 / cost
    return "≈ 0 %" if share < 0.005 else _pct(share, 0)


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
        body += [_image(name, alt), ""]
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
    kept = light["flops"] / resnet["flops"] if light and resnet else None
    alt = (
        "Bar chart of each Res2Net variant's GMACs as a percentage of ResNet-50's. The 48w×2s, 26w×4s and 14w×8s "
        "variants sit near 100 percent, 26w×6s and 26w×8s at about 150 and 200 percent, and Res2Net-50-L (18w×4s) "
        + (f"at {kept * 100:.1f} percent, " if kept is not None else "")
        + "against the paper's 69 percent and the note's reading of 69 percent fewer."
    )
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
    if paper_claim or note_claim:
        body.append('Two readings of "69 %":')
        body.append("")
        if paper_claim:
            body.append(
                f"- The paper (Sec. 4.2.3): Res2Net-50-L needs only **{paper_claim[1].value:g} %** of ResNet-50's "
                f"FLOPs — {Cited(paper_claim[1].value, *paper_claim).source(path)}. Computed: "
                + (f"**{_pct(kept)}** kept." if kept is not None else "not measured yet.")
            )
        if note_claim:
            model = note_claim[1].model
            share = ctx.ok(model)["flops"] / resnet["flops"] if ctx.ok(model) and resnet else None
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
                shares = [ctx.ok(i)["flops"] / resnet["flops"] * 100 for i in members]
                ax.bar(xs, shares, color=colour, width=0.7, label=group, zorder=3)
                for xi, i, share in zip(xs, members, shares):
                    ax.annotate(
                        f"{ctx.ok(i)['flops'] / 1e9:.2f}G\n{share:.0f} %",
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
            top = max(ctx.ok(i)["flops"] / resnet["flops"] * 100 for _, m in plotted for i in m)
            ax.set_ylim(0, max(top, 100) * 1.15)
            ax.grid(axis="x", visible=False)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)

        assets = _chart_assets(
            name, _svg(draw, size=(10, 4.8), title="Res2Net variants: cost as a share of ResNet-50", alt=alt)
        )
        body += [_image(name, alt), ""]
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
                    _m(m["params"]) if m else "not measured yet",
                    _g(m["flops"]) if m else "—",
                    _pct(m["flops"] / resnet["flops"]) if m and resnet else "—",
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


def _compare(ctx: _Context) -> tuple[str, dict[str, bytes]]:
    path = f"{DIR}/compare.md"
    ids = sorted(ctx.registry, key=lambda i: (list(ctx.styles.label).index(ctx.registry[i].module), i))
    models = []
    for i in ids:
        m = ctx.ok(i)
        if m is None:
            continue
        paper = ctx.papers.get(i)
        models.append(
            {
                "id": i,
                "family": ctx.styles.label[ctx.registry[i].module],
                "input": list(m.get("input_size") or ctx.registry[i].input_size),
                "params": m["params"],
                "macs": m["flops"],
                "macs_conv_linear": m.get("crosscheck_macs"),
                "activations": m.get("activations"),
                "stages": [
                    {
                        "name": s.get("name", ""),
                        "params": s.get("params"),
                        "macs": s.get("flops"),
                        "output": list(s.get("output_shape") or []),
                    }
                    for s in m.get("stages") or []
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
            f"{COMPUTED_FVCORE}: one multiply-add counts 1, an eval BatchNorm 2 per element, pooling 1 per input; stages are the networks' "
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
            "### Every model",
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


def _paper_url(paper_id: str, directory_urls: bool) -> str:
    return f"../papers/{paper_id}/" if directory_urls else f"../papers/{paper_id}.html"


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


# Page order: the overview, then the charts, then the compare view (mkdocs.yml's nav lists the same pages).
PAGES: tuple[tuple[str, str, Callable[[_Context], tuple[str, dict[str, bytes]]]], ...] = (
    ("params-vs-gmacs", "Every model: parameters against multiply-adds, by family.", _params_vs_gmacs),
    (
        "accuracy-vs-gmacs",
        "Cited ImageNet top-1 against computed multiply-adds, with the Pareto frontier.",
        _accuracy_vs_gmacs,
    ),
    ("efficientnet-scaling", "EfficientNet B0–B7 against the 2^φ rule and against the paper's Table 2.", _efficientnet),
    ("hetconv", "HetConv: cost against P, the per-layer formula and the whole network; ResNet-50 at P = 4.", _hetconv),
    (
        "attention-cost",
        "Generalized attention vs convolution: cost against input size, quadratic vs linear.",
        _attention,
    ),
    ("res2net", "Res2Net: width and scale at constant cost, and where Res2Net-50-L sits.", _res2net),
    ("compare", "Pick two models and compare their costs stage by stage.", _compare),
)


def _index_page() -> str:
    lines = [
        (
            "Charts drawn from the measurements of every registered model, each with the table behind it. A number "
            "is either **computed** here from the reference implementation or **cited** from a paper (its table is "
            "named and linked); the tables say which."
        ),
        "",
        (
            f"- **{COMPUTED_FVCORE}**: fvcore's FlopCountAnalysis total, what timm's GMACs columns report; one "
            "multiply-add counts 1, an eval BatchNorm 2 per element, pooling 1 per input element."
        ),
        f"- **{COMPUTED_CROSSCHECK}**: PyTorch's FlopCounterMode halved; conv, linear and matmul only.",
        f"- **{COMPUTED_PARAMS}**: the exact number of parameters.",
        "",
        "See [About the numbers](../about-the-numbers.md) for the counting conventions.",
        "",
    ]
    for stem, description, _ in PAGES:
        lines.append(f"- [{description}]({stem}.md)")
    return _page("Insights", "\n".join(lines))


def build_insights(
    catalogue: Any,
    measurements: Mapping[str, Mapping[str, Any]],
    *,
    registry: Mapping[str, Any] | None = None,
    directory_urls: bool = True,
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The insight pages (`{docs-relative path: Markdown}`) and their assets (`{path: bytes}`: SVGs, JSON).

    Args:
        catalogue: a validated `tools.catalogue.Catalogue` (cited numbers and paper links come from it).
        measurements: model id -> measurement dict (`tools.measurements.read_measurements()`); absent or
            failed models are named on the pages instead of plotted.
        registry: model id -> `reference_impls.ModelSpec`; `reference_impls.REGISTRY` by default.
        directory_urls: whether pages are served as `papers/<id>/` (the paper links inside the JSON data).
    """
    registry = dict(_registry() if registry is None else registry)
    ctx = _Context(
        catalogue=catalogue,
        measurements=measurements,
        registry=registry,
        papers=_model_papers(catalogue),
        names=_model_names(catalogue),
        styles=_Styles(spec.module for spec in registry.values()),
        directory_urls=directory_urls,
    )
    pages: dict[str, str] = {f"{DIR}/index.md": _index_page()}
    assets: dict[str, bytes] = {}
    for stem, _, make in PAGES:
        page, page_assets = make(ctx)
        pages[f"{DIR}/{stem}.md"] = page
        assets.update(page_assets)
    return dict(sorted(pages.items())), dict(sorted(assets.items()))


__all__ = [
    "ATTENTION_SETTINGS",
    "PAGES",
    "RES2NET_GROUPS",
    "build_insights",
    "growth_exponent",
    "hetconv_layer_ratio",
    "hetconv_vgg16_cifar_prediction",
    "imagenet_top1",
    "linear_quadratic_fit",
    "pareto_frontier",
]
