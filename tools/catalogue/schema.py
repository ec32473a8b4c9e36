"""The schema of `papers.yaml`: pydantic v2 models, strict, with a description on every field.

The JSON Schema exported from these models (`python -m tools.catalogue schema`) is committed as
`tools/catalogue/papers.schema.json` and referenced from the first line of `papers.yaml`, so editors
with the YAML language server autocomplete fields and underline mistakes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .tags import ALLOWED_TAGS
from .markdown_limits import check_markdown
from .text_rules import check_text, check_title

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MODEL_ID_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
# New-style arXiv ids (YYMM.NNNNN) and old-style ids (archive/YYMMNNN).
ARXIV_ID_PATTERN = r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})$"
DOI_PATTERN = r"^10\.\d{4,9}/[^\s]+$"
HTTP_URL_RE = re.compile(r"^https?://[^\s<>\"'`\\]+$")

MAX_SHORT = 300
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


def _check_http_url(value: str) -> str:
    if not HTTP_URL_RE.match(value):
        raise ValueError("only http:// and https:// links without spaces or quotes are allowed")
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
ModelId = Annotated[str, StringConstraints(pattern=MODEL_ID_PATTERN, max_length=64)]
HttpUrl = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(_check_http_url)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT), AfterValidator(check_text)]
Paragraph = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PARAGRAPH), AfterValidator(check_text),
    AfterValidator(check_markdown),
]
Title = Annotated[ShortText, AfterValidator(check_title)]
NoteText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NOTE), AfterValidator(check_text), AfterValidator(check_markdown)
]

Tag = Literal[tuple(ALLOWED_TAGS)]  # type: ignore[valid-type]  # the allowed list lives in tags.py


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
        default=None, ge=1, le=99, description="The arXiv version (vN) the notes refer to, e.g. 1 for v1."
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
    type: Literal["article", "inproceedings", "misc", "techreport", "phdthesis", "book", "incollection"] = Field(
        description="BibTeX entry type."
    )
    key: str = Field(pattern=r"^[A-Za-z0-9_:\-]{1,64}$", description="Citation key, e.g. `gao2021res2net`.")
    fields: dict[Literal[BIBTEX_FIELD_NAMES], ShortText] = Field(  # type: ignore[valid-type]
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


class Tolerance(Strict):
    abs: float | None = Field(default=None, ge=0, description="Absolute tolerance in the claim's own unit.")
    rel: float | None = Field(
        default=None, ge=0, le=MAX_REL_TOLERANCE, description="Relative tolerance (0.05 = 5 %), at most 0.2."
    )
    reason: Paragraph = Field(description="Why the printed precision is not the right tolerance here.")

    @model_validator(mode="after")
    def _one_of(self) -> Tolerance:
        if (self.abs is None) == (self.rel is None):
            raise ValueError("give exactly one of `abs` or `rel`")
        return self


ClaimKind = Literal["absolute", "ratio", "reduction", "increase", "range", "finding"]
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
Convention = Literal["macs", "macs_conv_fc", "macs_with_bn", "flops_2x", "unspecified"]


class Claim(Strict):
    id: Slug = Field(description="Identifier of the claim, unique within its paper, e.g. `flops-vs-resnet50`.")
    text: Paragraph = Field(description="What is claimed, in plain words.")
    quote: Paragraph | None = Field(default=None, description="The sentence as printed, when it matters.")
    kind: ClaimKind = Field(
        description="`absolute`: a value of one model; `ratio`: model / compared_to (in % or x); `reduction`: "
        "1 − model / compared_to in %, or compared_to / model in x (\"11x fewer\"); `increase`: model / "
        "compared_to − 1 in % (or model / compared_to in x); `range`: the factor compared_to / model over `models` "
        "spans `value`…`value_high`; `finding`: a qualitative statement with no number (always cited)."
    )
    quantity: Quantity = Field(description="What is measured. params, macs and activations are recomputed here.")
    model: ModelId | None = Field(default=None, description="The registered model the claim is about.")
    models: list[ModelId] = Field(default_factory=list, max_length=50, description="For `range`: the models.")
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
    unit: Unit = Field(default="", description="Scale or unit of `value`: K/M/G/B (=G), %, pp, x, ms, s or empty.")
    convention: Convention | None = Field(
        default=None,
        description="For macs: what the source counts. `macs`: multiply-adds, not saying whether BatchNorm and "
        "pooling are included (matches either count); `macs_conv_fc`: multiply-adds of conv and linear layers "
        "only; `macs_with_bn`: multiply-adds including BatchNorm and pooling (fvcore's count); `flops_2x`: two "
        "FLOPs per multiply-add; `unspecified`: the source does not say which (any of the above).",
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

    @model_validator(mode="after")
    def _shape(self) -> Claim:
        if self.kind == "finding":
            if self.quantity in ("params", "macs", "activations"):
                raise ValueError("a params/macs/activations claim has a value; `finding` is for statements without one")
            if self.value is not None or self.value_high is not None:
                raise ValueError("a `finding` has no `value`; use kind `absolute` for a number")
            return self
        if self.value is None or self.printed is None:
            raise ValueError(f"a `{self.kind}` claim needs `value` and `printed` (use kind `finding` for a statement "
                             "without a number)")
        if self.kind == "range":
            if self.value_high is None:
                raise ValueError("a `range` claim needs `value_high`")
            if self.value_high < self.value:
                raise ValueError("`value_high` must not be below `value`")
            if not self.models:
                raise ValueError("a `range` claim lists its `models`")
        elif self.value_high is not None:
            raise ValueError("`value_high` is only for `range` claims")
        if self.kind in ("ratio", "reduction", "increase", "range") and self.compared_to is None:
            raise ValueError(f"a `{self.kind}` claim needs `compared_to`")
        if self.kind != "range" and self.model is None and self.quantity in ("params", "macs", "activations"):
            raise ValueError("a params/macs/activations claim names its `model`")
        if self.quantity == "macs" and self.convention is None:
            raise ValueError("a macs claim states its `convention` (macs, macs_conv_fc, macs_with_bn, flops_2x or unspecified)")
        if self.value < 0 and self.kind == "absolute" and self.quantity in ("params", "macs", "activations"):
            raise ValueError("a count cannot be negative")
        return self


class Paper(Strict):
    id: Slug = Field(description="Slug used in URLs, e.g. `res2net`. Lowercase letters, digits and hyphens.")
    title: Title = Field(description="Title as published (no zero-width characters).")
    authors: list[ShortText] = Field(min_length=1, max_length=100, description="Authors, in order.")
    year: int = Field(ge=1950, le=2100, description="Year of the version cited.")
    venue: ShortText = Field(description="Venue, e.g. `CVPR 2019`, `IEEE TPAMI 2021`, `arXiv preprint`.")
    arxiv: Arxiv | None = Field(default=None, description="arXiv id and the version the notes refer to.")
    doi: str | None = Field(default=None, pattern=DOI_PATTERN, max_length=200, description="DOI, e.g. `10.1109/...`.")
    links: Links = Field(default_factory=Links, description="Links to the PDF and code (http/https only).")
    tags: list[Tag] = Field(default_factory=list, max_length=12, description="Tags from the allowed list.")  # type: ignore[valid-type]
    status: Literal["read", "reading", "to-read"] = Field(description="Reading status.")
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


def json_schema() -> dict:
    """The JSON Schema of papers.yaml, for editors (yaml-language-server)."""
    schema = Catalogue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "papers.yaml"
    return schema
