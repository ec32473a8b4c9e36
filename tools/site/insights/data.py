"""What the insight pages read: usable measurements, cited numbers from the catalogue, and the small
formatting and table helpers they share."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, overload

from ..sanitize import md_text
from ..records import ModelCost, cost_of
from .charts import _Styles

if TYPE_CHECKING:
    from tools.catalogue import Claim, Paper

MODELS_JSON = "data/models.json"
UPDATE_COMMAND = "python tools/verify_claims.py --update"

# Where each number comes from, as the tables say it.
COMPUTED_FVCORE = "computed (fvcore total)"  # FlopCountAnalysis: BatchNorm 2 per element, pooling inputs
COMPUTED_CROSSCHECK = "computed (FlopCounterMode ÷ 2)"  # multiply-adds of conv, linear and matmul only
COMPUTED_PARAMS = "computed (parameter count)"

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
    """(conv + linear multiply-adds, parameters) of `hetconv_vgg16_cifar_p<part>` predicted by the per-layer formula,
    from `reference_impls.hetconv_cost` (the model's own layer table; no torch)."""
    from reference_impls.hetconv_cost import vgg16_cifar_predicted_cost

    cost = vgg16_cifar_predicted_cost(part)
    return cost.macs_conv_linear, cost.params


# ---------------------------------------------------------------------------------------------------------------
# Reading the inputs


@dataclass(frozen=True)
class MeasuredCost(ModelCost):
    """The costs of a model whose measurement succeeded: its parameters and both headline readings are known."""

    params: int
    macs_conv_linear: int
    fvcore_total: int


def _usable(measurements: Mapping[str, Any], model_id: str) -> MeasuredCost | None:
    """The costs of a model (`records.ModelCost`), or None when it is absent or its measurement failed."""
    m = cost_of(measurements.get(model_id), model_id)
    if m is None or not m.ok or m.fvcore_total is None or m.params is None or m.macs_conv_linear is None:
        return None
    return MeasuredCost(**{f.name: getattr(m, f.name) for f in fields(m)})


def _registry() -> Mapping[str, Any]:
    from reference_impls import REGISTRY

    return REGISTRY


@overload
def _scaled(value: float, unit: str) -> float: ...
@overload
def _scaled(value: None, unit: str) -> None: ...
def _scaled(value: float | None, unit: str) -> float | None:
    from tools.formatting import SCALE

    return None if value is None else value * SCALE.get(unit, 1.0)


@dataclass(frozen=True)
class Cited:
    """A number cited from papers.yaml, with where it comes from."""

    value: float
    paper: Paper
    claim: Claim
    note: str = ""  # e.g. "converted from top-1 error: 100 − 22.01"

    def label(self) -> str:
        """ "cited: <paper> (<version>), <location>", plain text."""
        origin = {"paper": "", "official-code": "official code, ", "note": "reading note, "}.get(
            self.claim.origin, f"{self.claim.origin}, "
        )
        return f"cited: {_short_title(self.paper.title)} ({origin}{self.claim.source.version}), " + (
            self.claim.source.location
        )

    @property
    def printed(self) -> str:
        """The number as the source prints it (the claim's `printed`; its value when none is given)."""
        return self.claim.printed or f"{self.value:g}"

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
        versions = m.versions
        conditions.add(
            ", ".join(
                part
                for part in (
                    f"torch {versions['torch']}" if versions.get("torch") else "",
                    f"fvcore {versions['fvcore']}" if versions.get("fvcore") else "",
                    f"measured {m.measured_on}" if m.measured_on else "",
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




@dataclass(frozen=True)
class _Context:
    catalogue: Any
    measurements: Mapping[str, Mapping[str, Any]]
    registry: Mapping[str, Any]
    papers: dict[str, Any]  # model id -> paper
    names: dict[str, str]  # model id -> name as the paper writes it
    styles: _Styles
    directory_urls: bool

    def ok(self, model_id: str) -> MeasuredCost | None:
        return _usable(self.measurements, model_id)

    def cost(self, model_id: str) -> MeasuredCost:
        """The costs of a model already known to be usable (`ok`), e.g. one of a filtered list."""
        m = _usable(self.measurements, model_id)
        if m is None:
            raise LookupError(f"{model_id}: no usable measurement")
        return m

    def models_of(self, paper_id: str) -> list[str]:
        """The registered models a catalogue paper defines, in the catalogue's order."""
        paper = next((p for p in self.catalogue.papers if p.id == paper_id), None)
        return [ref.id for ref in (paper.models if paper else ()) if ref.id in self.registry]



def _sweep(m: ModelCost | None) -> dict[int, int]:
    """Input resolution -> conv + linear multiply-adds, from a model's resolution sweep."""
    return {resolution: int(macs) for resolution, macs in (m.sweep if m else ()) if macs}


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



def _paper_url(paper_id: str, directory_urls: bool) -> str:
    return f"../papers/{paper_id}/" if directory_urls else f"../papers/{paper_id}.html"


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
