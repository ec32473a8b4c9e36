"""View objects: what a page shows, collected from the inputs before anything is rendered.

Templates receive these dataclasses; escaping and number formatting happen there, through the filters of
`render.py`. Catalogue Markdown stays Markdown here (rendered by the `md` filter), except the notes, whose
claim references and refutation markers are added in `notes.py` first.
"""

from __future__ import annotations

import functools
import posixpath
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tools.formatting import READING_LABELS

from .records import HEADLINE_READING, ModelCost
from .sanitize import safe_url

VERDICTS = ("error", "refuted", "inconclusive", "verified", "cited")  # display order: attention first
CONVENTIONS = "conventions.md"


@functools.lru_cache(maxsize=65536)
def rel(from_page: str, target: str) -> str:
    """Relative link from one docs-relative page to another docs-relative file (`posixpath.relpath` of the two,
    computed from the paths alone: relpath asks the file system for the working directory on every call)."""
    start, path = posixpath.normpath(posixpath.dirname(from_page) or "."), posixpath.normpath(target)
    if start.startswith(("/", "..")) or path.startswith(("/", "..")):
        return posixpath.relpath(target, posixpath.dirname(from_page) or ".")
    start_parts = [] if start == "." else start.split("/")
    path_parts = [] if path == "." else path.split("/")
    common = 0
    while common < min(len(start_parts), len(path_parts)) and start_parts[common] == path_parts[common]:
        common += 1
    parts = [".."] * (len(start_parts) - common) + path_parts[common:]
    return "/".join(parts) or "."


def paper_path(paper_id: str) -> str:
    return f"papers/{paper_id}.md"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Tally:
    """How many claims got each verdict, in display order."""

    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @classmethod
    def of(cls, verdicts: Sequence[str]) -> Tally:
        seen = Counter(verdicts)
        return cls(tuple((v, seen[v]) for v in VERDICTS if seen[v]))


@dataclass(frozen=True)
class Timing:
    """A model's CPU latency at one thread count (tools/latency.json): median and IQR of batch-1 calls, in ms."""

    threads: int
    median_ms: float
    iqr_ms: float


@dataclass(frozen=True)
class ModelRow:
    """One row of a paper's model table: what the paper calls it and what we measured."""

    id: str
    name: str
    table: str
    fidelity: str
    cost: ModelCost | None
    stale: bool
    latency: tuple[Timing, ...] = ()  # 1 thread, then all cores; empty when not timed

    def timing(self, threads: int) -> Timing | None:
        return next((t for t in self.latency if t.threads == threads), None)

    @property
    def state(self) -> str:
        return "missing" if self.cost is None else ("ok" if self.cost.ok else "error")

    @property
    def traces_less_than_it_runs(self) -> bool:
        """fvcore's total is below the executed conv + linear count: its trace dropped layers whose result is unused."""
        cost = self.cost
        return bool(cost and cost.ok and (cost.fvcore_total or 0) < (cost.macs_conv_linear or 0))


@dataclass(frozen=True)
class Implementation:
    source: str  # reference_impls/<family>.py
    models: tuple[str, ...]
    download: str
    repo_link: str | None
    extra_files: tuple[Link, ...]


@dataclass(frozen=True)
class Reading:
    label: str
    measured: str
    used: bool
    within: bool | None


@dataclass(frozen=True)
class Evaluation:
    """An evaluation of released weights (`ClaimResult.evidence`): its value, who ran it and how."""

    value: float
    evaluator: str
    independent: bool


@dataclass(frozen=True)
class ClaimView:
    id: str
    text: str  # Markdown
    quote: str
    subject: str
    verdict: str
    summary: str
    basis: str
    claimed: str
    measured: str
    printed: str
    computation: str
    rule: str
    table_rule: str  # e.g. "SENet Table 2: conv + linear reproduces 3 of 5 rows"
    diagnosis: tuple[str, ...]
    readings: tuple[Reading, ...]
    acknowledged: str  # Markdown
    source: Link | None
    source_text: str
    origin: str
    confidence: str
    models: tuple[str, ...]
    evidence: tuple[Evaluation, ...] = ()

    @property
    def anchor(self) -> str:
        return f"claim-{self.id}"

    @property
    def summary_line(self) -> str:
        """The summary without a leading "Refuted: " that the badge next to it already says."""
        head, sep, rest = self.summary.partition(": ")
        return rest[:1].upper() + rest[1:] if sep and head.casefold() == self.verdict and rest else self.summary


@dataclass(frozen=True)
class Top1:
    value: float
    claim_id: str
    independent: tuple[Evaluation, ...] = ()  # evaluations of the same weights by someone else


@dataclass(frozen=True)
class Stats:
    """The block at the top of a paper page: the headline model's numbers and the verdict tally."""

    model: ModelRow | None
    reading: str  # label of the MACs reading shown
    macs: int | None
    top1: tuple[Top1, ...]
    tally: Tally
    latency_ms: float | None = None  # median 1-thread CPU latency (tools/latency.json), when measured
    latency_machine: str = ""
    top1_by: str = "the paper"  # who prints the top-1 shown: the paper, or the authors' code when the paper does not

    @property
    def top1_evaluations(self) -> tuple[Evaluation, ...]:
        """The independent evaluations of the printed top-1s, each once."""
        return tuple(dict.fromkeys(e for t in self.top1 for e in t.independent))


@dataclass(frozen=True)
class PaperView:
    paper: Any  # tools.catalogue.Paper: the template reads titles and dates from it directly
    links: tuple[Link, ...]
    note_zh: str  # sanitized HTML (notes.py)
    note_en: str
    long_form: str
    related: tuple[tuple[Any, Link], ...]
    models: tuple[ModelRow, ...]
    implementations: tuple[Implementation, ...]
    claims: tuple[ClaimView, ...]
    stats: Stats
    provenance: tuple[str, ...]
    bibtex: str
    fence: str
    previous: Link | None
    next: Link | None


# --------------------------------------------------------------------------------------------------------------
# Builders


def code_links(paper: Any) -> tuple[Link, ...]:
    """The paper's links, code named by repository ("GitHub: Res2Net/Res2Net-PretrainedModels")."""
    links = []
    if paper.arxiv:
        version = f"v{paper.arxiv.version}" if paper.arxiv.version else ""
        links.append(Link(f"arXiv:{paper.arxiv.id}{version}", f"https://arxiv.org/abs/{paper.arxiv.id}{version}"))
    if safe_url(str(paper.links.pdf or "")):
        links.append(Link("PDF", safe_url(str(paper.links.pdf)) or ""))
    if safe_url(str(paper.links.official_code or "")):
        url = safe_url(str(paper.links.official_code)) or ""
        links.append(Link(f"Official code ({repository_name(url)})", url))
    for other in paper.links.other_code:
        other_url = safe_url(str(other))
        if other_url:
            links.append(Link(repository_name(other_url), other_url))
    if safe_url(str(paper.links.project or "")):
        links.append(Link("Project page", safe_url(str(paper.links.project)) or ""))
    if paper.doi and safe_url("https://doi.org/" + paper.doi):
        links.append(Link(f"DOI {paper.doi}", safe_url("https://doi.org/" + paper.doi) or ""))
    return tuple(links)


def repository_name(url: str) -> str:
    """ "GitHub: owner/name" for a GitHub, GitLab or Gitee URL; the host otherwise."""
    parts = urlsplit(url)
    # The host the browser will visit: `https://github.com@evil.example/...` goes to evil.example, not GitHub.
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    forge = {"github.com": "GitHub", "gitlab.com": "GitLab", "gitee.com": "Gitee"}.get(host)
    if forge and len(segments) >= 2:
        return f"{forge}: {segments[0]}/{segments[1].removesuffix('.git')}"
    return host or url


def claim_view(claim: Any, result: Any | None) -> ClaimView:
    """One claim with its verdict; `result` is its `tools.claims.ClaimResult` (None: nothing was computed)."""
    subject = " vs ".join(
        label
        for label in (
            claim.model_label or claim.model or ", ".join(claim.models),
            claim.compared_label or claim.compared_to,
        )
        if label
    )
    verdict = result.verdict if result else "error"
    diagnosis = tuple(result.diagnosis) if result else ("no verdict was computed",)
    summary = (result.summary if result else "") or (diagnosis[0] if diagnosis else "")
    readings = tuple(Reading(r.label, r.measured, r.used, r.within) for r in result.readings) if result else ()
    source_url = safe_url(str(claim.source.url or ""))
    return ClaimView(
        id=claim.id,
        text=claim.text,
        quote=claim.quote or "",
        subject=subject,
        verdict=verdict,
        summary=summary,
        basis=result.basis if result else "",
        claimed=(result.claimed if result else "") or "",
        measured=(result.measured if result else "") or "",
        printed=claim.printed or "",
        computation=result.computation if result else "",
        rule=(result.tolerance if result.tolerance not in ("", "—") else result.rule) if result else "",
        table_rule=(result.table_rule or "") if result else "",
        diagnosis=diagnosis[1:] if summary == (diagnosis[0] if diagnosis else None) else diagnosis,
        readings=readings,
        acknowledged=claim.acknowledged or "",
        source=Link(claim.source.location, source_url) if source_url else None,
        source_text=f"{claim.source.version}, {claim.source.location}",
        origin=claim.origin,
        confidence=claim.confidence,
        models=tuple(result.models) if result else (),
        evidence=tuple(
            Evaluation(float(e["value"]), str(e.get("evaluator", "")), bool(e.get("independent")))
            for e in (result.evidence if result else ())
            if e.get("same_weights") and e.get("value") is not None
        ),
    )


def timings_of(latency: Any, model_id: str) -> tuple[Timing, ...]:
    """1-thread and all-core timings of a model from a `tools.latency.LatencyRecord` (None: nothing timed)."""
    entry = latency.models.get(model_id) if latency is not None else None
    if entry is None:
        return ()
    found = (entry.at(n) for n in sorted({1, latency.machine.cores}))
    return tuple(Timing(t.threads, t.median_ms, t.iqr_ms) for t in found if t is not None)


def stats_of(
    models: Sequence[ModelRow], claims: Sequence[ClaimView], top1: Mapping[str, Sequence[Any]], latency: Any = None
) -> Stats:
    """The headline model is the paper's first model; its MACs are the conv + linear reading. `latency` is the
    `tools.latency.LatencyRecord` (None until measured): its 1-thread median for the headline model."""
    headline = models[0] if models else None
    macs = headline.cost.reading(HEADLINE_READING) if headline and headline.cost and headline.cost.ok else None
    by_id = {c.id: c for c in claims}

    def independent(cited: Any) -> tuple[Evaluation, ...]:
        """Independent evaluations of the same weights, as accuracies like the printed value (100 − error)."""
        view = by_id.get(cited.claim.id)
        complement = cited.claim.quantity == "top1_error"

        def as_accuracy(value: float) -> float:
            return 100.0 - value if complement else value

        return tuple(
            Evaluation(as_accuracy(e.value), e.evaluator, True)
            for e in (view.evidence if view else ())
            if e.independent
        )

    # The headline top-1 is a single-crop figure the paper prints (the authors' README only when the paper prints
    # none): a 10-crop number and a README number beside it would read as three measurements of one thing.
    printed = [c for c in (top1.get(headline.id, ()) if headline else ()) if c.claim.test_crops in (None, 1)]
    from_paper = [c for c in printed if c.claim.origin == "paper"]
    cited = tuple(Top1(c.value, c.claim.id, independent(c)) for c in (from_paper or printed))
    timed = latency.models.get(headline.id) if latency is not None and headline else None
    one_thread = next((t for t in timed.timings if t.threads == 1), None) if timed else None
    return Stats(
        headline,
        READING_LABELS[HEADLINE_READING],
        macs,
        cited,
        Tally.of([c.verdict for c in claims]),
        latency_ms=one_thread.median_ms if one_thread else None,
        latency_machine=f"{latency.machine.cpu_model}, torch {latency.machine.torch}" if one_thread else "",
        top1_by="the paper" if from_paper or not printed else "the authors' code",
    )
