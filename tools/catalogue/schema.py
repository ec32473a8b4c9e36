"""The schema of `papers.yaml`: pydantic v2 models, strict, with a description on every field.

The JSON Schema exported from these models (`python -m tools.catalogue schema`) is committed as
`tools/catalogue/papers.schema.json` and referenced from the first line of `papers.yaml`, so editors
with the YAML language server autocomplete fields and underline mistakes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .markdown_limits import check_markdown
from .tags import ALLOWED_TAGS
from .text_rules import check_text, check_title

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MODEL_ID_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
# New-style arXiv ids (YYMM.NNNNN) and old-style ids (archive/YYMMNNN).
ARXIV_ID_PATTERN = r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})$"
DOI_PATTERN = r"^10\.\d{4,9}/[^\s]+$"
HTTP_URL_RE = re.compile(r"^https?://[^\s<>\"'`\\]+$")

MAX_SHORT = 300
MAX_SLUG = 64
MAX_DOI = 200
MAX_AUTHORS = 100
MIN_YEAR, MAX_YEAR = 1950, 2100
MAX_ARXIV_VERSION = 99
STATUSES = ("read", "reading", "to-read")
BIBTEX_TYPES = ("article", "inproceedings", "misc", "techreport", "phdthesis", "book", "incollection")
MAX_BIBTEX_KEY = 64
BIBTEX_KEY_FORBIDDEN = r"[^A-Za-z0-9_:\-]"  # the characters a citation key may not hold
MAX_PARAGRAPH = 4_000
MAX_NOTE = 40_000
# The widest relative tolerance a claim may set (the verdict engine's rule decides what is needed; this only
# refuses a tolerance so wide that any measurement would verify).
MAX_REL_TOLERANCE = 0.2
# Extra fields `bibtex.fields` may hold: the standard BibTeX fields (title, author, year, doi, eprint and url
# come from the paper's own fields).
BIBTEX_FIELD_NAMES = (
    "address", "annote", "booktitle", "chapter", "edition", "editor", "howpublished", "institution", "journal",
    "month", "note", "number", "organization", "pages", "primaryclass", "publisher", "school", "series", "type",
    "volume",
)  # fmt: skip


# Device names Windows reserves: a file `con.md` (any extension) cannot be created or checked out there. Paper ids
# name files (papers/<id>.md, data/details/<id>.json, docs/notes/<id>.md); model and claim ids name none.
WINDOWS_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{device}{n}" for device in ("com", "lpt") for n in range(10)]
)


def _check_portable_id(value: str) -> str:
    if value.split(".")[0].lower() in WINDOWS_RESERVED_NAMES:
        raise ValueError(
            f"`{value}` is a device name Windows reserves (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9): the site's "
            f"files papers/{value}.md and data/details/{value}.json could not be checked out there — choose "
            f"another id, e.g. `{value}-net`"
        )
    return value


def _check_http_url(value: str) -> str:
    if not HTTP_URL_RE.match(value):
        raise ValueError("only http:// and https:// links without spaces or quotes are allowed")
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=MAX_SLUG)]
PaperId = Annotated[Slug, AfterValidator(_check_portable_id)]
ModelId = Annotated[str, StringConstraints(pattern=MODEL_ID_PATTERN, max_length=64)]
HttpUrl = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(_check_http_url)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT), AfterValidator(check_text)]
Paragraph = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_PARAGRAPH),
    AfterValidator(check_text),
    AfterValidator(check_markdown),
]
Title = Annotated[ShortText, AfterValidator(check_title)]
NoteText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NOTE),
    AfterValidator(check_text),
    AfterValidator(check_markdown),
]

Tag = Literal[tuple(ALLOWED_TAGS)]  # type: ignore[valid-type]  # a Literal of a runtime tuple: pydantic reads it, mypy cannot


class Strict(BaseModel):
    """Base: unknown fields are errors; strings are never coerced from numbers, nor numbers from strings."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_enum_values=True, defer_build=True, allow_inf_nan=False
    )


class Arxiv(Strict):
    id: str = Field(
        pattern=ARXIV_ID_PATTERN,
        description="arXiv identifier without version, e.g. `1904.01169`.",
        examples=["1904.01169"],
    )
    version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ARXIV_VERSION,
        description="The arXiv version (vN) the notes refer to, e.g. 1 for v1.",
    )


class Links(Strict):
    pdf: HttpUrl | None = Field(default=None, description="Link to the PDF (http or https).")
    official_code: HttpUrl | None = Field(default=None, description="The authors' code, if any.")
    other_code: list[HttpUrl] = Field(default_factory=list, max_length=20, description="Other implementations.")
    project: HttpUrl | None = Field(default=None, description="Project or publisher page.")


class Notes(Strict):
    zh: NoteText | None = Field(default=None, description="The original Chinese reading note, verbatim (Markdown).")
    en: NoteText | None = Field(default=None, description="The English version of the note (Markdown).")


class Bibtex(Strict):
    type: Literal[BIBTEX_TYPES] = Field(description="BibTeX entry type.")  # type: ignore[valid-type]  # see Tag
    key: str = Field(
        pattern=rf"^[A-Za-z0-9_:\-]{{1,{MAX_BIBTEX_KEY}}}$", description="Citation key, e.g. `gao2021res2net`."
    )
    fields: dict[Literal[BIBTEX_FIELD_NAMES], ShortText] = Field(  # type: ignore[valid-type]  # see Tag
        default_factory=dict,
        max_length=20,
        description="Extra BibTeX fields (journal, booktitle, volume, number, pages, publisher). Title, authors, "
        "year, DOI and arXiv eprint come from the paper's own fields.",
    )


class ModelRef(Strict):
    id: ModelId = Field(description="A model id registered in `reference_impls` (see `list_models()`).")
    name: ShortText = Field(description="The model's name as the paper writes it, e.g. `Res2Net-50-L (18w×4s)`.")
    table: ShortText | None = Field(default=None, description="Where the paper defines it, e.g. `Table 3`.")


class Source(Strict):
    version: ShortText = Field(
        description="Which version of the source, e.g. `arXiv v1`, `TPAMI 2021`, `ICML 2019`, `original note`."
    )
    location: ShortText = Field(description="Table, figure, section or page, e.g. `Table 3`, `Sec. 4.2.3`.")
    url: HttpUrl | None = Field(default=None, description="Link to the source; code links pinned to a commit.")
    table: ShortText | None = Field(
        default=None,
        description="The table this number is a row of, named the same way on every claim taken from it, e.g. "
        "`SENet (TPAMI 2020) Table 2`. All count claims of one table are judged under one reading (the one that "
        "reproduces the most rows). Without it, the claim's version and location name its table.",
    )


class Tolerance(Strict):
    abs: float | None = Field(
        default=None,
        ge=0,
        description="Absolute tolerance in the claim's own unit, at most 0.2 × the claimed value (as `rel`).",
    )
    rel: float | None = Field(
        default=None, ge=0, le=MAX_REL_TOLERANCE, description="Relative tolerance (0.05 = 5 %), at most 0.2."
    )
    reason: Paragraph = Field(description="Why the printed precision is not the right tolerance here.")
    source: ShortText | None = Field(
        default=None,
        description='Where the source itself states this precision (e.g. `Sec. 3.3: "approximately"`). '
        "Required when the tolerance is wider than the rounding rule's interval.",
    )

    @model_validator(mode="after")
    def _one_of(self) -> Tolerance:
        if (self.abs is None) == (self.rel is None):
            raise ValueError("give exactly one of `abs` or `rel`")
        return self


ClaimKind = Literal["absolute", "ratio", "reduction", "increase", "range", "distribution", "consistency", "finding"]
Quantity = Literal[
    "params",
    "macs",
    "activations",
    "top1_accuracy",
    "top1_error",
    "top5_accuracy",
    "top5_error",
    "latency",
    "speedup",
    "box_ap",
    "other",
]
Unit = Literal["", "K", "M", "G", "B", "%", "pp", "x", "ms", "s"]
ACCURACY_QUANTITIES = ("top1_accuracy", "top1_error", "top5_accuracy", "top5_error")
_COUNT_SCALES = ("", "K", "M", "G", "B")
_CHANGE_UNITS = ("%", "x", "")  # a ratio model / compared_to in %, as a factor (x), or a plain number
# The units a claim's `unit` may take, by kind and quantity (None: any). A macs total is always written with its
# scale; a count of parameters may be written out in full ("25,557,032", unit "").
_ABSOLUTE_UNITS: dict[str, tuple[str, ...]] = {
    "params": _COUNT_SCALES,
    "activations": _COUNT_SCALES,
    "macs": ("K", "M", "G", "B"),
    **dict.fromkeys(ACCURACY_QUANTITIES, ("%", "pp")),  # pp: a gap printed on its own
    "latency": ("ms", "s"),
    "speedup": ("x", "%"),
    "box_ap": ("", "%"),
}
_CHANGE_BY_QUANTITY: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(ACCURACY_QUANTITIES, ("pp", "%")),  # accuracy changes: points, or % of the value
    "box_ap": ("pp", "%", ""),
}


def allowed_units(kind: str, quantity: str) -> tuple[str, ...] | None:
    """The units a `kind` claim about `quantity` may be written in; None when any unit may be (see tools/claims.py)."""
    if quantity == "other" or kind in ("consistency", "finding"):
        return None
    if kind in ("absolute", "distribution"):
        return _ABSOLUTE_UNITS.get(quantity)
    if kind == "range":
        return ("x",)
    return _CHANGE_BY_QUANTITY.get(quantity, _CHANGE_UNITS)  # ratio, reduction, increase


Convention = Literal["unspecified", "macs_conv_linear", "macs_conv_linear_bn", "fvcore_total", "flops_2x"]
FIXED_READINGS = ("macs_conv_linear", "macs_conv_linear_bn", "fvcore_total")


class Entries(Strict):
    """The printed table entries a ratio or percentage was computed from (checked by interval arithmetic)."""

    model: ShortText = Field(description="The entry of `model` as printed, e.g. `2.9G`.")
    compared: ShortText = Field(description="The entry of `compared_to` as printed, e.g. `4.2G`.")


class Consistency(Strict):
    """Arithmetic on numbers the source itself prints: `value` should equal `operation` over `operands`."""

    operation: Literal["difference", "ratio", "product", "sum"] = Field(
        description="`difference`: first − second; `ratio`: first / second; `product` / `sum`: over all operands."
    )
    operands: list[ShortText] = Field(
        min_length=2, max_length=6, description="The operands exactly as printed, e.g. [`23.32`, `21.53`]."
    )
    where: ShortText = Field(description="Where the operands are printed, e.g. `Table 1, DLA-60 rows`.")


# Released weights, `<release>/<name>`: the id rows of evaluations.yaml use (see tools/evaluations.py).
WEIGHTS_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)+$"
WeightsId = Annotated[str, StringConstraints(pattern=WEIGHTS_ID_PATTERN, max_length=120)]
Dataset = Literal["imagenet-1k-val", "cifar10-test", "cifar100-test"]
DeviceClass = Literal["cpu-1-thread", "cpu", "gpu", "phone"]


class Timing(Strict):
    """Where and how a speed claim was timed, and the model of the same table its ratio is taken against."""

    device: DeviceClass = Field(
        description="Device class: `cpu-1-thread` (one CPU core), `cpu` (a CPU, threads not stated), `gpu` or "
        "`phone`. Only CPU classes are judged here; the others get our CPU ratio as a labelled proxy."
    )
    device_name: ShortText = Field(description="The device as the source names it, e.g. `Intel Xeon CPU E5-2690`.")
    batch: int | None = Field(default=None, ge=1, le=4096, description="Batch size, where the source states it.")
    baseline: ModelId | None = Field(
        default=None, description="Registered model of the same table the ratio is taken against, e.g. `resnet152`."
    )
    baseline_value: float | None = Field(
        default=None, gt=0, description="For a printed time: the baseline's printed time, in the claim's unit."
    )


class Claim(Strict):
    id: Slug = Field(description="Identifier of the claim, unique within its paper, e.g. `flops-vs-resnet50`.")
    text: Paragraph = Field(description="What is claimed, in plain words.")
    quote: Paragraph | None = Field(default=None, description="The sentence as printed, when it matters.")
    kind: ClaimKind = Field(
        description="`absolute`: a value of one model; `ratio`: model / compared_to (in % or x); `reduction`: "
        '1 − model / compared_to in %, or compared_to / model in x ("11x fewer"); `increase`: model / '
        "compared_to − 1 in % (or model / compared_to in x); `range`: the factor compared_to / model over `models` "
        "spans `value`…`value_high`; `distribution`: a mean (`value`) ± standard deviation (`value_std`) over "
        "random instances, held against the mean and spread over the seed models in `models` (see "
        "tools/distribution.py); `finding`: a qualitative statement with no number (always cited)."
    )
    quantity: Quantity = Field(description="What is measured. params, macs and activations are recomputed here.")
    model: ModelId | None = Field(default=None, description="The registered model the claim is about.")
    models: list[ModelId] = Field(
        default_factory=list,
        max_length=50,
        description="For `range`: the models. For `distribution`: the seed models (at least two), one per random "
        "instance.",
    )
    model_label: ShortText | None = Field(default=None, description="The model as the source names it.")
    compared_to: ModelId | None = Field(default=None, description="The registered model it is compared with.")
    compared_label: ShortText | None = Field(default=None, description="The compared model as the source names it.")
    printed: ShortText | None = Field(
        default=None, description="The value exactly as printed, e.g. `4.1B`, `69%`, `3X to 8X` (not for findings)."
    )
    value: float | None = Field(
        default=None, description="The printed value as a number in `unit` (e.g. 4.1 for `4.1B`; not for findings)."
    )
    value_high: float | None = Field(default=None, description="Upper end, for `range` claims.")
    value_std: float | None = Field(
        default=None,
        gt=0,
        description="For `distribution`: the printed standard deviation, in `unit`. Omit it when the source prints "
        "the mean only; the mean is then held against our seeds' own spread.",
    )
    unit: Unit = Field(
        default="",
        description="Scale or unit of `value`: K/M/G/B (=G), %, pp, x, ms, s or empty; the one `printed` shows "
        "(25.7 with M for `25.7M`). It must fit the quantity: counts in K/M/G/B (params also written out, empty), "
        "accuracies in % or pp, latency in ms or s, changes in %, x or pp.",
    )
    convention: Convention | None = Field(
        default=None,
        description="For macs: what the source counts. `unspecified`: the source does not say, so the reading "
        "chosen for its table applies (conv + linear, conv + linear + BatchNorm once, or fvcore's total, "
        "whichever reproduces most rows of the table); `flops_2x`: two FLOPs per multiply-add of that reading; "
        "`macs_conv_linear`, `macs_conv_linear_bn`, `fvcore_total`: the source says what it counts (give "
        "`convention_reason`).",
    )
    convention_reason: Paragraph | None = Field(
        default=None,
        description="For a fixed reading: what in the source says so (e.g. torchvision's `_ops` count only the "
        "multiplications of convolutions and linear layers). Shown as an override of the table's reading.",
    )
    stage: ShortText | None = Field(
        default=None,
        description="Compare one part of the network (a row of the per-stage breakdown, e.g. "
        "`stage3`) instead of the whole model.",
    )
    entries: Entries | None = Field(
        default=None,
        description="For a ratio, reduction or increase computed from two rounded table entries: "
        "those entries as printed. The claim's interval then comes from interval arithmetic over them.",
    )
    consistency: Consistency | None = Field(
        default=None, description="For kind `consistency`: the arithmetic on the source's own printed numbers."
    )
    could_mean: list[ModelId] = Field(
        default_factory=list,
        max_length=5,
        description="Other models the source itself defines that its text could refer to (e.g. the note's "
        '"69 %" and Res2Net-50-L). A refuted claim\'s diagnosis considers only these other models.',
    )
    resolution: int | None = Field(default=None, ge=8, le=4096, description="Input resolution the value refers to.")
    source: Source = Field(description="Where the number is printed.")
    origin: Literal["paper", "note", "official-code", "third-party"] = Field(
        description="`paper`: printed in the paper; `note`: the original reading note's own claim; "
        "`official-code`: the authors' repository; `third-party`: a re-implementation or review."
    )
    confidence: Literal["A", "B", "C", "D"] = Field(
        description="A: read in the primary source; B: the paper's text via a faithful copy; C: second-hand; "
        "D: derived by arithmetic. Unverified numbers are not recorded as claims."
    )
    tolerance: Tolerance | None = Field(default=None, description="Override of the printed-precision tolerance.")
    acknowledged: Paragraph | None = Field(
        default=None, description="For a refuted claim: why it is kept as printed. The site still shows it refuted."
    )
    uncheckable: Paragraph | None = Field(
        default=None, description="For a claim nothing here can check: the specific reason (shown with `cited`)."
    )
    unconfirmed: Paragraph | None = Field(
        default=None,
        description="Why the registered model, or the released weights evaluated, may not be the ones the source "
        "describes (e.g. its numbers disagree with every released version and it gives no other layout). The "
        "verdict is then `inconclusive` with this reason, whatever the gap; the measurement is still shown.",
    )
    weights: WeightsId | None = Field(
        default=None,
        description="For accuracy: the released weights the number is about, as `evaluations.yaml` names them, "
        "e.g. `res2net-official/res2net50_26w_8s`. Independent evaluations of these weights judge the claim.",
    )
    dataset: Dataset | None = Field(
        default=None, description="For accuracy: the evaluation set (`imagenet-1k-val`, `cifar10-test`, ...)."
    )
    test_crops: int | None = Field(
        default=None,
        ge=1,
        le=144,
        description="For accuracy: the test protocol of the printed number, as crops averaged per image (1: a "
        "single centre crop; 10: the 10-crop protocol). Independent evaluations of the same weights under another "
        "protocol are shown and make the claim `inconclusive`; omit it when the source does not say.",
    )
    timing: Timing | None = Field(default=None, description="For latency and speedup: device class and baseline.")

    @model_validator(mode="after")
    def _evidence_fields(self) -> Claim:
        accuracy = self.quantity in ACCURACY_QUANTITIES
        if (self.weights is not None or self.dataset is not None or self.test_crops is not None) and not accuracy:
            raise ValueError(
                "`weights`, `dataset` and `test_crops` are only for accuracy claims (top1/top5 accuracy or error)"
            )
        if self.timing is not None:
            if self.quantity not in ("latency", "speedup"):
                raise ValueError("`timing` is only for latency and speedup claims")
            has_baseline = self.quantity == "latency" and self.timing.baseline is not None
            if (self.timing.baseline_value is not None) != has_baseline:
                raise ValueError(
                    "a latency claim with a `timing.baseline` gives its printed `baseline_value` (and only then)"
                )
        return self

    @model_validator(mode="after")
    def _shape(self) -> Claim:
        if self.kind == "consistency":
            if self.consistency is None or self.value is None or self.printed is None:
                raise ValueError(
                    "a `consistency` claim gives `consistency` (operation, operands, where), `value` and `printed`"
                )
            return self
        if self.consistency is not None:
            raise ValueError("`consistency` is only for kind `consistency`")
        if self.convention in FIXED_READINGS and self.convention_reason is None:
            raise ValueError(
                f"convention `{self.convention}` overrides the table's reading: give "
                "`convention_reason`, quoting what the source says it counts"
            )
        if self.entries is not None and self.kind not in ("ratio", "reduction", "increase"):
            raise ValueError("`entries` is only for ratio, reduction and increase claims")
        if self.kind == "finding":
            if self.quantity in ("params", "macs", "activations"):
                raise ValueError("a params/macs/activations claim has a value; `finding` is for statements without one")
            if self.value is not None or self.value_high is not None:
                raise ValueError("a `finding` has no `value`; use kind `absolute` for a number")
            return self
        if self.value is None or self.printed is None:
            raise ValueError(
                f"a `{self.kind}` claim needs `value` and `printed` (use kind `finding` for a statement "
                "without a number)"
            )
        if self.kind == "range":
            if self.value_high is None:
                raise ValueError("a `range` claim needs `value_high`")
            if self.value_high < self.value:
                raise ValueError("`value_high` must not be below `value`")
            if not self.models:
                raise ValueError("a `range` claim lists its `models`")
        elif self.value_high is not None:
            raise ValueError("`value_high` is only for `range` claims")
        if self.kind == "distribution":
            self._check_distribution()
        elif self.value_std is not None:
            raise ValueError("`value_std` is only for `distribution` claims")
        if self.kind in ("ratio", "reduction", "increase", "range") and self.compared_to is None:
            raise ValueError(f"a `{self.kind}` claim needs `compared_to`")
        counted = self.quantity in ("params", "macs", "activations")
        if self.kind not in ("range", "distribution") and self.model is None and counted:
            raise ValueError("a params/macs/activations claim names its `model`")
        if self.quantity == "macs" and self.convention is None:
            raise ValueError(
                "a macs claim states its `convention` (unspecified, flops_2x, macs_conv_linear, "
                "macs_conv_linear_bn or fvcore_total)"
            )
        if self.value < 0 and self.kind in ("absolute", "distribution") and counted:
            raise ValueError("a count cannot be negative")
        return self

    def _check_distribution(self) -> None:
        if len(self.models) < 2:
            raise ValueError(
                "a `distribution` claim lists its seed models in `models` (at least two, one per random instance)"
            )
        if len(set(self.models)) != len(self.models):
            raise ValueError("a `distribution` claim lists each seed model once in `models`")
        if self.model is not None or self.compared_to is not None:
            raise ValueError("a `distribution` claim names its seed models in `models`, not `model` or `compared_to`")


class Paper(Strict):
    id: PaperId = Field(
        description="Slug used in URLs and file names, e.g. `res2net`. Lowercase letters, digits and hyphens; not a "
        "device name Windows reserves (con, prn, aux, nul, com0-com9, lpt0-lpt9)."
    )
    title: Title = Field(description="Title as published (no zero-width characters).")
    authors: list[ShortText] = Field(min_length=1, max_length=MAX_AUTHORS, description="Authors, in order.")
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="Year of the version cited.")
    venue: ShortText = Field(description="Venue, e.g. `CVPR 2019`, `IEEE TPAMI 2021`, `arXiv preprint`.")
    arxiv: Arxiv | None = Field(default=None, description="arXiv id and the version the notes refer to.")
    doi: str | None = Field(
        default=None, pattern=DOI_PATTERN, max_length=MAX_DOI, description="DOI, e.g. `10.1109/...`."
    )
    links: Links = Field(default_factory=Links, description="Links to the PDF and code (http/https only).")
    tags: list[Tag] = Field(  # type: ignore[valid-type]  # Tag is a Literal built from tags.py
        default_factory=list, max_length=12, description="Tags from the allowed list."
    )
    status: Literal[STATUSES] = Field(description="Reading status.")  # type: ignore[valid-type]  # see Tag
    added: dt.date = Field(description="Date the paper was added to the catalogue (YYYY-MM-DD).")
    tldr: Paragraph | None = Field(default=None, description="One-paragraph summary (Markdown).")
    notes: Notes = Field(default_factory=Notes, description="Reading notes per language.")
    strengths: list[Paragraph] = Field(default_factory=list, max_length=30, description="Strengths, one per item.")
    weaknesses: list[Paragraph] = Field(default_factory=list, max_length=30, description="Weaknesses, one per item.")
    related: list[Slug] = Field(default_factory=list, max_length=50, description="Ids of related papers here.")
    bibtex: Bibtex | None = Field(default=None, description="BibTeX entry type, key and extra fields.")
    models: list[ModelRef] = Field(default_factory=list, max_length=50, description="Models the paper defines.")
    claims: list[Claim] = Field(default_factory=list, max_length=200, description="Quantitative claims and findings.")


class Catalogue(Strict):
    papers: list[Paper] = Field(description="Every paper in the catalogue.", max_length=20_000)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of papers.yaml, for editors (yaml-language-server)."""
    schema = Catalogue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "papers.yaml"
    return schema
