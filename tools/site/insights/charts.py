"""The one chart module: palette and its dark variant, matplotlib settings, the SVG writer and the chart
helpers every insight page draws with.

Each chart is drawn once with matplotlib's SVG backend (no pyplot, rcParams set locally) and written twice: the
light file, and a dark one in which `_DARK` swaps every colour, so both always show the same data (Material shows
one or the other through the `#only-light` / `#only-dark` suffixes). The files are deterministic: fixed hash salt,
no date, text kept as <text> (svg.fonttype none). Every plotted point carries a `<title>` naming it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from html import escape as _html_escape
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox
    from matplotlib.typing import RcKeyType


def escape(text: str) -> str:
    """`&`, `<` and `>` as entities (SVG text and titles need no quotes escaped), as xml.sax.saxutils does."""
    return _html_escape(text, quote=False)


# ---------------------------------------------------------------------------------------------------------------
# Colours: the light scheme's colour -> the dark scheme's. Every colour a chart uses must be a key here.

DIR = "insights"  # where the insight pages and their charts live in the site

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

_RC: dict[RcKeyType, Any] = {
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

# Registry family (`ModelSpec.family`, the module name unless a row says otherwise) -> (legend label, marker).
# Colours follow the order of this table; other families come after.
_FAMILIES: dict[str, tuple[str, str]] = {
    "resnet": ("ResNet, ResNeXt, SE-ResNet", "o"),
    "res2net": ("Res2Net", "s"),
    "spatial_attention": ("ResNet-50 + generalized attention", "^"),
    "hetconv": ("HetConv (VGG-16 at 32 px; ResNet-50)", "D"),
    "efficientnet": ("EfficientNet", "v"),
    "mobilenetv2": ("MobileNetV2", "P"),
    "antnet": ("ANTNet", "X"),
    "vgg": ("VGG", "*"),
    "densenet": ("DenseNet (ImageNet; CIFAR at 32 px)", "<"),
    "dla": ("DLA, Res2Net-DLA", ">"),
    "fpn": ("ResNet-FPN (800 × 1344 detection input)", "h"),
    "randwire": ("RandWire-WS (seeds)", "p"),
}
_EXTRA_MARKERS = ("8", "d", "H", "1")


# ---------------------------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------------------------
# Drawing


class _Styles:
    """Colour and marker of every registry family, stable whatever is measured."""

    def __init__(self, families: Iterable[str]) -> None:
        ordered = list(_FAMILIES) + sorted(set(families) - set(_FAMILIES))
        self.colour = {m: _SERIES[i % len(_SERIES)] for i, m in enumerate(ordered)}
        self.marker = {
            m: _FAMILIES[m][1] if m in _FAMILIES else _EXTRA_MARKERS[i % len(_EXTRA_MARKERS)]
            for i, m in enumerate(ordered)
        }
        self.label = {m: _FAMILIES[m][0] if m in _FAMILIES else m for m in ordered}


class Chart(NamedTuple):
    """A drawn chart: the whole figure (light, dark) and, for a figure of several panels, each panel on its own
    (light, dark), which a phone shows one under the other."""

    light: bytes
    dark: bytes
    panels: tuple[tuple[bytes, bytes], ...] = ()


def _finish(svg: str, title: str, alt: str) -> tuple[bytes, bytes]:
    """Add role, <title> and <desc> for screen readers; return the light file and its dark twin."""
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


def _box_in_inches(ax: Axes, figure: Figure) -> Bbox:
    """The tight bounding box of a visible panel, in inches (a visible panel always has one)."""
    box = ax.get_tightbbox()
    if box is None:
        raise ValueError("a visible panel has no bounding box")
    return box.transformed(figure.dpi_scale_trans.inverted())


def _svg(draw: Callable[[Any], None], *, size: tuple[float, float], title: str, alt: str) -> Chart:
    """Draw a figure; return it as SVG (light and dark), and each of its panels alone when it has several."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    metadata = {"Date": None, "Creator": None, "Title": title}
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure)
        titles = _name_points(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=metadata)
        whole = _finish(_add_point_titles(buffer.getvalue().decode("utf-8"), titles), title, alt)
        panels = []
        axes = [ax for ax in figure.axes if ax.get_visible()]
        if len(axes) > 1:
            boxes = [_box_in_inches(ax, figure) for ax in axes]
            figure.set_layout_engine("none")  # keep the layout the whole figure was drawn with
            for n, (ax, box) in enumerate(zip(axes, boxes, strict=True), start=1):
                for other in axes:
                    other.set_visible(other is ax)
                buffer = io.BytesIO()
                padded = Bbox.from_extents(box.x0 - 0.05, box.y0 - 0.05, box.x1 + 0.05, box.y1 + 0.05)
                figure.savefig(buffer, format="svg", metadata=metadata, bbox_inches=padded)
                panels.append(
                    _finish(
                        _add_point_titles(buffer.getvalue().decode("utf-8"), titles),
                        f"{title} ({n} of {len(axes)})",
                        alt,
                    )
                )
    return Chart(*whole, tuple(panels))


def _point_title(ax: Any, series: str, x: float, y: float, name: str | None) -> str:
    x_label, y_label = (
        label.split(" (")[0].split(",")[0] for label in (ax.get_xlabel() or "x", ax.get_ylabel() or "y")
    )
    head = f"{name} ({series})" if name else series
    return f"{head}: {x_label} {x:.4g}, {y_label} {y:.4g}"


def _name_points(figure: Any) -> dict[str, list[str]]:
    """Give every marker series of the figure an SVG id and a title per point ("resnet50 (ResNet): GMACs 4.11, ...").

    A series drawn by `_scatter_by_family` carries its model ids (`cat_names`); others are named by their legend
    label. Lines without markers (reference lines, fits) get no titles.
    """
    titles: dict[str, list[str]] = {}
    for a, ax in enumerate(figure.axes):
        series = [c for c in ax.collections if len(c.get_offsets())]
        series += [line for line in ax.lines if line.get_marker() not in (None, "None", "", " ")]
        for n, artist in enumerate(series):
            label = str(artist.get_label() or "")
            label = "" if label.startswith("_") else label
            if hasattr(artist, "get_offsets"):
                points = [(float(x), float(y)) for x, y in artist.get_offsets()]
            else:
                points = list(zip(map(float, artist.get_xdata()), map(float, artist.get_ydata()), strict=True))
            names = getattr(artist, "cat_names", None) or [None] * len(points)
            gid = f"points-{a}-{n}"
            artist.set_gid(gid)
            titles[gid] = [
                _point_title(ax, label or "point", x, y, nm) for (x, y), nm in zip(points, names, strict=True)
            ]
    return titles


def _add_point_titles(svg: str, titles: Mapping[str, list[str]]) -> str:
    """Put a <title> inside each marker (<use>) of every named series, in drawing order."""
    for gid, names in titles.items():
        start = svg.find(f'<g id="{gid}">')
        if start < 0:
            continue
        end = svg.find('<g id="', start + 1)
        end = len(svg) if end < 0 else end
        block = svg[start:end]
        uses = re.findall(r"<use [^>]*/>", block)
        if len(uses) != len(names):
            continue  # markers outside the axes are clipped away; never attach a title to the wrong point
        titled = iter(f"<title>{escape(name)}</title>" for name in names)
        block = re.sub(r"<use ([^>]*)/>", partial(_titled_use, titled), block)
        svg = svg[:start] + block + svg[end:]
    return svg


def _titled_use(titles: Iterator[str], match: re.Match[str]) -> str:
    """An SVG `<use/>` point given the next title as its child."""
    return f"<use {match.group(1)}>{next(titles)}</use>"


def _stamp(figure: Any, text: str) -> None:
    """A line of small print under the plot (e.g. the machine a timing was measured on)."""
    figure.supxlabel(text, x=0.01, ha="left", fontsize=7.5, color=_MUTED)  # the layout keeps room for it


def _chart_assets(name: str, chart: Chart) -> dict[str, bytes]:
    """`insights/<name>-light.svg`, `-dark.svg`, and `<name>-<n>-light.svg` ... for each panel."""
    assets = {f"{DIR}/{name}-light.svg": chart.light, f"{DIR}/{name}-dark.svg": chart.dark}
    for n, (light, dark) in enumerate(chart.panels, start=1):
        assets[f"{DIR}/{name}-{n}-light.svg"] = light
        assets[f"{DIR}/{name}-{n}-dark.svg"] = dark
    return assets


def _reference_line(ax: Any, y: float, text: str, *, style: str = "--", colour: str = _MUTED) -> None:
    """A horizontal reference line, named in the legend."""
    ax.axhline(y, color=colour, linestyle=style, linewidth=1.1, zorder=4, label=text)


def _scatter_by_family(ax: Any, ctx: Any, ids: list[str], y_of: Callable[[str], float]) -> None:
    """One scatter series per model family (colour, marker and legend label from the family styles); x is GMACs."""
    for family in ctx.styles.label:
        members = [i for i in ids if ctx.registry[i].family == family]
        if not members:
            continue
        points = ax.scatter(
            [ctx.cost(i).fvcore_total / 1e9 for i in members],
            [y_of(i) for i in members],
            s=34,
            marker=ctx.styles.marker[family],
            color=ctx.styles.colour[family],
            label=ctx.styles.label[family],
            zorder=3,
            linewidths=0.5,
        )
        points.cat_names = members  # each point's <title> names its model


def _annotate_apart(
    ax: Any, labels: Sequence[tuple[str, float, float]], *, fontsize: float = 7, colour: str = _MUTED
) -> None:
    """Name points beside them, moving a label up or down a line at a time until it overlaps no earlier one
    (boxes estimated from the text length in display space; a label near the right edge goes to the left)."""
    ax.autoscale_view()
    scale = ax.figure.dpi / 72  # points -> pixels
    placed: list[tuple[float, float, float, float]] = []
    for text, x, y in labels:
        px, py = ax.transData.transform((x, y))
        width, height = 0.56 * fontsize * len(text) * scale, 1.2 * fontsize * scale
        leftwards = px + (6 * scale) + width > ax.bbox.x1
        x0 = px - 6 * scale - width if leftwards else px + 6 * scale
        for dy in (0, -9, 9, -18, 18, -27, 27, -36, 36):
            box = (x0, py + dy * scale - height / 2, x0 + width, py + dy * scale + height / 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(
            text,
            (x, y),
            xytext=(-6 if leftwards else 6, dy),
            textcoords="offset points",
            fontsize=fontsize,
            color=colour,
            ha="right" if leftwards else "left",
            va="center",
        )


def _log_axis(ax: Any, axis: str) -> None:
    """Log scale with plain tick labels (0.5, 1, 2, 5, 10 ...), not mathtext powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    getattr(ax, f"set_{axis}scale")("log")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    target.set_minor_formatter(NullFormatter())
