"""What the insight pages read and share: usable measurements, cited numbers from the catalogue, the page context
and the small view objects the templates receive (links, missing models, provenance, charts).

Nothing here writes Markdown: the templates in `tools/site/templates/insight_*.md.j2` do, through the macros of
`insight_macros.j2`.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, overload

from ..records import ModelCost, cost_of
from .charts import _Styles

if TYPE_CHECKING:
    from tools.catalogue import Claim, Paper

MODELS_JSON = "data/models.json"

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
    """(conv + linear multiply-adds, parameters) of the CIFAR VGG-16 with HetConv at P = `part`, predicted by the
    per-layer formula from `reference_impls.hetconv_cost` (the model's own layer table; no torch)."""
    from reference_impls.hetconv_cost import vgg16_cifar_predicted_cost

    cost = vgg16_cifar_predicted_cost(part)
    return cost.macs_conv_linear, cost.params


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
    t1, t2 = sum(x * y for x, y in zip(n, costs, strict=True)), sum(x * x * y for x, y in zip(n, costs, strict=True))
    det = s2 * s4 - s3 * s3
    if det == 0:
        return None
    a, b = (t1 * s4 - t2 * s3) / det, (s2 * t2 - s3 * t1) / det
    return a / scale, b / scale**2


def distinguishing_labels(names: Sequence[str]) -> list[str]:
    """Short labels for names that share a prefix: the common prefix (cut back to a separator) is dropped, and so
    is a trailing parenthesis ("EfficientNet-B0" ... "-B7" -> "B0" ... "B7"). A name that would become empty, or
    a single name, stays whole."""
    if len(names) < 2:
        return [re.sub(r"\s*\(.*\)$", "", n) or n for n in names]
    prefix = posixpath.commonprefix(list(names))
    cut = max(prefix.rfind(sep) + 1 for sep in (" ", "-", ","))
    out = []
    for name in names:
        short = re.sub(r"\s*\(.*\)$", "", name[cut:]).strip(" ,") if cut < len(name) else ""
        out.append(short or name)
    return out


def number_in_name(name: str, symbol: str) -> int | None:
    """The integer a catalogue model name gives a symbol ("VGG-16 (CIFAR-10), P = 4" -> 4 for "P"), or None."""
    match = re.search(rf"\b{re.escape(symbol)}\s*=\s*(\d+)\b", name)
    return int(match.group(1)) if match else None


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


def _rel(from_page: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


@dataclass(frozen=True)
class CitedRef:
    """A cited number as a template links it: the text to show, the claim's anchor and where it comes from."""

    value: float
    printed: str
    label: str  # "cited: <paper> (<version>), <location>"
    url: str  # relative to the page, to the claim's anchor
    note: str


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

    def ref(self, from_page: str) -> CitedRef:
        """The view a template links: `from_page` is the docs-relative page the link is written on."""
        url = _rel(from_page, f"papers/{self.paper.id}.md") + f"#claim-{self.claim.id}"
        return CitedRef(self.value, self.printed, self.label(), url, self.note)


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


# Claims whose text names another dataset (or fine-tuning) are not ImageNet accuracies.
_OTHER_DATASET = re.compile(
    r"CIFAR|\bC10\b|\bC100\b|SVHN|Flowers|COCO|Pets|Cars|Aircraft|Food-?101|Birdsnap|SUN397|DTD|fine-?tun",
    re.IGNORECASE,
)


def imagenet_top1(catalogue: Any, registry: Mapping[str, Any]) -> dict[str, list[Cited]]:
    """model id -> cited ImageNet top-1 accuracies (%), catalogue order. Errors are converted (100 − error).

    Taken: absolute top1_accuracy / top1_error claims printed by the paper or its official code, about a
    registered model, at the model's own resolution (or none stated), whose `dataset` (when given) is ImageNet's
    validation set and whose text names no other dataset (CIFAR, "C10+", SVHN, ...).
    """
    out: dict[str, list[Cited]] = {}
    for paper, claim in _claims(catalogue):
        if claim.quantity not in ("top1_accuracy", "top1_error") or claim.kind != "absolute":
            continue
        if claim.origin not in ("paper", "official-code") or claim.model not in registry or claim.value is None:
            continue
        if claim.resolution is not None and claim.resolution != registry[claim.model].resolution:
            continue
        if claim.dataset not in (None, "imagenet-1k-val"):
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
# View objects the templates receive


@dataclass(frozen=True)
class ModelLink:
    """A model id and the page of the paper that defines it (None: no paper defines it)."""

    id: str
    url: str | None
    name: str = ""  # as the paper writes it


@dataclass(frozen=True)
class Missing:
    """Models a chart had to leave out: never measured, or their measurement failed."""

    absent: tuple[str, ...]
    failed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.absent or self.failed)


@dataclass(frozen=True)
class ChartView:
    """A drawn chart as a page shows it: `<name>-light.svg` / `-dark.svg`, and `panels` one-panel files."""

    name: str
    alt: str
    panels: int

    @property
    def alt_md(self) -> str:
        """The alt text, safe inside Markdown image brackets (model ids keep their underscores)."""
        return re.sub(r"[\[\]\\`*<>]", "", self.alt).replace("_", "\\_")


def missing_of(model_ids: Iterable[str], measurements: Mapping[str, Any]) -> Missing:
    absent, failed = [], []
    for model_id in dict.fromkeys(model_ids):
        if measurements.get(model_id) is None:
            absent.append(model_id)
        elif _usable(measurements, model_id) is None:
            failed.append(model_id)
    return Missing(tuple(absent), tuple(failed))


def provenance_of(model_ids: Iterable[str], measurements: Mapping[str, Any]) -> tuple[str, ...]:
    """The distinct measuring conditions (torch, fvcore, date) of the usable models, sorted."""
    conditions = set()
    for model_id in model_ids:
        m = _usable(measurements, model_id)
        if m is None:
            continue
        versions = m.versions
        parts = (
            f"torch {versions['torch']}" if versions.get("torch") else "",
            f"fvcore {versions['fvcore']}" if versions.get("fvcore") else "",
            f"measured {m.measured_on}" if m.measured_on else "",
        )
        conditions.add(", ".join(p for p in parts if p) or "unknown conditions")
    return tuple(sorted(conditions))


@dataclass(frozen=True)
class _Context:
    catalogue: Any
    measurements: Mapping[str, Any]
    registry: Mapping[str, Any]
    papers: dict[str, Any]  # model id -> paper
    names: dict[str, str]  # model id -> name as the paper writes it
    styles: _Styles
    directory_urls: bool
    latency: Any = None  # tools.latency.LatencyRecord, None until measured

    def ok(self, model_id: str) -> MeasuredCost | None:
        return _usable(self.measurements, model_id)

    def cost(self, model_id: str) -> MeasuredCost:
        """The costs of a model already known to be usable (`ok`), e.g. one of a filtered list."""
        m = _usable(self.measurements, model_id)
        if m is None:
            raise LookupError(f"{model_id}: no usable measurement")
        return m

    def paper(self, paper_id: str) -> Any | None:
        return next((p for p in self.catalogue.papers if p.id == paper_id), None)

    def models_of(self, paper_id: str) -> list[str]:
        """The registered models a catalogue paper defines, in the catalogue's order."""
        paper = self.paper(paper_id)
        return [ref.id for ref in (paper.models if paper else ()) if ref.id in self.registry]

    def claims_of(self, paper_id: str) -> list[tuple[Any, Any]]:
        return [(p, c) for p, c in _claims(self.catalogue) if p.id == paper_id]

    def by_family(self) -> list[str]:
        """Every registered model, grouped by family in the legend's order, then by id."""
        order = list(self.styles.label)
        return sorted(self.registry, key=lambda i: (order.index(self.registry[i].family), i))

    def link(self, model_id: str, from_page: str) -> ModelLink:
        paper = self.papers.get(model_id)
        url = _rel(from_page, f"papers/{paper.id}.md") if paper else None
        return ModelLink(model_id, url, self.names.get(model_id, ""))

    def missing(self, model_ids: Iterable[str]) -> Missing:
        return missing_of(model_ids, self.measurements)

    def provenance(self, model_ids: Iterable[str]) -> tuple[str, ...]:
        return provenance_of(model_ids, self.measurements)


def _sweep(m: ModelCost | None) -> dict[int, int]:
    """Input resolution -> conv + linear multiply-adds, from a model's resolution sweep."""
    return {resolution: int(macs) for resolution, macs in (m.sweep if m else ()) if macs}


def _paper_url(paper_id: str, directory_urls: bool) -> str:
    return f"../papers/{paper_id}/" if directory_urls else f"../papers/{paper_id}.html"


def _json_bytes(data: Any) -> bytes:
    import json

    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
