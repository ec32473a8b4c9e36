"""Markers in hand-written pages (STYLE rule 20): `<!-- catalogue:NAME [n=K] -->` lines expanded at build time.

Markers: `recent` (the most recently added papers; `n=8` by default), `stats` (counts of papers, models and
claim verdicts), `finding` (the most striking refutation: the refuted claim whose claimed value is furthest
from the measured one) and `tolerances` (every claim that declares its own tolerance, with the reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .render import render
from .views import Tally, paper_path, rel

RECENT_DEFAULT = 8
MARKER = re.compile(r"^<!--\s*catalogue:(?P<name>[A-Za-z0-9_-]*)(?P<args>[^>]*?)\s*-->[ \t]*$", re.MULTILINE)
MARKER_START = re.compile(r"^[ \t]*<!--\s*catalogue:", re.MULTILINE)
KNOWN = "recent, stats, finding, tolerances"


class MarkerError(ValueError):
    """A hand-written page holds an unknown or malformed `<!-- catalogue:... -->` marker."""


def expand_markers(
    markdown: str,
    *,
    page_path: str,
    catalogue: Any,
    claim_results: Sequence[Any] = (),
    source: str | None = None,
) -> str:
    """Replace `<!-- catalogue:NAME [n=K] -->` lines in a hand-written page. Unknown or malformed markers raise
    `MarkerError` naming `source:line`.

    The markers are listed in this module's docstring.
    """
    where = source or page_path

    def line_of(offset: int) -> int:
        return markdown.count("\n", 0, offset) + 1

    for start in MARKER_START.finditer(markdown):
        full = MARKER.match(markdown, start.start() + (len(start.group(0)) - len(start.group(0).lstrip())))
        if full is None:
            raise MarkerError(
                f"{where}:{line_of(start.start())}: malformed catalogue marker — write it on its own line as "
                f"`<!-- catalogue:NAME -->` (known: {KNOWN})"
            )

    def replace(match: re.Match[str]) -> str:
        name, args = match.group("name"), match.group("args").strip()
        options: dict[str, str] = {}
        for token in args.split():
            key, eq, value = token.partition("=")
            if not eq or not key:
                raise MarkerError(f"{where}:{line_of(match.start())}: marker argument {token!r} is not KEY=VALUE")
            options[key] = value
        if name == "recent":
            unknown = set(options) - {"n"}
            if unknown:
                raise MarkerError(
                    f"{where}:{line_of(match.start())}: unknown argument(s) {', '.join(sorted(unknown))} for "
                    "`catalogue:recent` (allowed: n)"
                )
            try:
                count = int(options.get("n", RECENT_DEFAULT))
            except ValueError:
                raise MarkerError(f"{where}:{line_of(match.start())}: `n` must be a whole number") from None
            return _recent_list(catalogue, page_path, count)
        if name == "finding":
            if options:
                raise MarkerError(f"{where}:{line_of(match.start())}: `catalogue:finding` takes no arguments")
            return _finding(catalogue, claim_results, page_path)
        if name in ("stats", "tolerances"):
            if options:
                raise MarkerError(f"{where}:{line_of(match.start())}: `catalogue:{name}` takes no arguments")
            if name == "tolerances":
                return _tolerance_list(catalogue, page_path)
            return _stats_line(catalogue, claim_results, page_path)
        raise MarkerError(f"{where}:{line_of(match.start())}: unknown marker `catalogue:{name}` (known: {KNOWN})")

    return MARKER.sub(replace, markdown)


def _recent_list(catalogue: Any, page_path: str, count: int) -> str:
    papers = sorted(catalogue.papers, key=lambda p: (-p.added.toordinal(), p.id))[: max(0, count)]
    return render("marker_recent.md.j2", rows=[(p, rel(page_path, paper_path(p.id))) for p in papers]).rstrip("\n")


def _stats_line(catalogue: Any, claim_results: Sequence[Any], page_path: str) -> str:
    return render(
        "marker_stats.md.j2",
        papers=len(catalogue.papers),
        models=len({ref.id for p in catalogue.papers for ref in p.models}),
        tally=Tally.of([r.verdict for r in claim_results]),
        claims_link=rel(page_path, "claims.md"),
        catalogue_link=rel(page_path, "catalogue.md"),
    ).rstrip("\n")


def _tolerance_list(catalogue: Any, page_path: str) -> str:
    """Every claim that declares its own tolerance: the interval, whether it is wider than the rule, the reason."""
    from tools.tolerance import declared_interval, wider_than_rule

    rows = []
    for paper in catalogue.papers:
        for claim in paper.claims:
            declared = declared_interval(claim)
            if declared is None or claim.tolerance is None:
                continue
            link = rel(page_path, paper_path(paper.id)) + f"#claim-{claim.id}"
            rows.append((paper, claim, link, declared, wider_than_rule(claim)))
    return render("marker_tolerances.md.j2", rows=rows).rstrip("\n")


_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def _gap(claim: Any, result: Any) -> float:
    """How far the printed value is from the measured one, relative to the larger of the two (0 = equal)."""
    found = _NUMBER.search(result.measured or "")
    if claim.value is None or found is None:
        return 0.0
    measured = float(found.group(0).replace(",", ""))
    printed: float = claim.value
    return abs(printed - measured) / max(abs(printed), abs(measured), 1e-12)


def _finding(catalogue: Any, claim_results: Sequence[Any], page_path: str) -> str:
    """The refuted claim whose printed value is furthest from the measured one."""
    claims = {(p.id, c.id): (p, c) for p in catalogue.papers for c in p.claims}
    refuted = [r for r in claim_results if r.verdict == "refuted" and (r.paper, r.claim_id) in claims]
    if not refuted:
        return "*No claim has been refuted yet.*"
    best = max(refuted, key=lambda r: (_gap(claims[(r.paper, r.claim_id)][1], r), r.paper, r.claim_id))
    paper, claim = claims[(best.paper, best.claim_id)]
    return render(
        "marker_finding.md.j2",
        paper=paper,
        claim=claim,
        result=best,
        # The diagnosis says why the numbers differ; the summary would only repeat the two numbers shown.
        why=(best.diagnosis[0][:1].upper() + best.diagnosis[0][1:]) if best.diagnosis else "",
        link=rel(page_path, paper_path(paper.id)) + f"#claim-{claim.id}",
    ).rstrip("\n")
