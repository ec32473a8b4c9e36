"""The list pages: catalogue, reading queue, tag pages and the claims page, plus the JSON they page in from.

Each page renders its first `STATIC_ROWS` rows into the HTML (readable without JavaScript); `tables.js` pages
the rest in from `data/papers.json` or `data/claims.json`, and sorts every column by its value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .records import HEADLINE_READING, ModelCost
from .render import json_text, plain, plain_codes, render
from .views import VERDICTS, ClaimView, Tally, paper_path, rel

STATIC_ROWS = 50


@dataclass(frozen=True)
class PaperRow:
    """One paper in a list: its metadata and the headline model's numbers."""

    paper: Any
    link: str  # relative to the page the row is on
    tag_links: tuple[tuple[str, str], ...]
    params: int | None
    macs: int | None
    top1: float | None
    tally: Tally


def _what_a_row_shows(row: PaperRow) -> tuple[Any, ...]:
    """What paper_table.md.j2 reads of a row (the table cache's key; tests/test_page_cache.py checks it)."""
    paper = row.paper
    shown_of_paper = (paper.title, paper.year, paper.venue, paper.status)
    return (*shown_of_paper, row.link, row.tag_links, row.params, row.macs, row.top1, row.tally)


def papers_sorted(papers: Iterable[Any]) -> list[Any]:
    """Default order of paper lists: newest year first, then title."""
    return sorted(papers, key=lambda p: (-p.year, p.title.casefold(), p.id))


class Lists:
    """Builds the list pages from the shared inputs."""

    def __init__(
        self,
        papers: Sequence[Any],
        costs: Mapping[str, ModelCost],
        claims: Mapping[str, Sequence[ClaimView]],
        top1: Mapping[str, Sequence[Any]],
        *,
        url_of: Any,  # docs-relative page -> site-root URL
    ) -> None:
        self.papers, self.costs, self.claims, self.top1, self.url_of = list(papers), costs, claims, top1, url_of

    def headline(self, paper: Any) -> tuple[int | None, int | None, float | None]:
        if not paper.models:
            return None, None, None
        model_id = paper.models[0].id
        cost = self.costs.get(model_id)
        cited = self.top1.get(model_id) or ()
        if cost is None or not cost.ok:
            return None, None, cited[0].value if cited else None
        return cost.params, cost.reading(HEADLINE_READING), cited[0].value if cited else None

    def row(self, paper: Any, from_page: str) -> PaperRow:
        params, macs, top1 = self.headline(paper)
        return PaperRow(
            paper=paper,
            link=rel(from_page, paper_path(paper.id)),
            tag_links=tuple((t, rel(from_page, f"tags/{t}.md")) for t in sorted(paper.tags)),
            params=params,
            macs=macs,
            top1=top1,
            tally=Tally.of([c.verdict for c in self.claims.get(paper.id, ())]),
        )

    def json_row(self, paper: Any) -> dict[str, Any]:
        params, macs, top1 = self.headline(paper)
        tally = Tally.of([c.verdict for c in self.claims.get(paper.id, ())])
        return {
            "id": paper.id,
            "title": paper.title,
            "authors": ", ".join(paper.authors),
            "year": paper.year,
            "venue": paper.venue,
            "tags": sorted(paper.tags),
            "status": paper.status,
            "added": paper.added.isoformat(),
            "models": [ref.id for ref in paper.models],
            "params": params,
            "macs": macs,
            "top1": top1,
            "verdicts": dict(tally.counts),
            "refuted": dict(tally.counts).get("refuted", 0),
            "url": self.url_of(paper_path(paper.id)),
        }

    def table(self, papers: Sequence[Any], from_page: str, *, filters: Mapping[str, str], sort: str) -> str:
        """The first STATIC_ROWS rows as a Markdown table; the rest load from data/papers.json."""
        from . import build_cache

        rows = [self.row(p, from_page) for p in papers[:STATIC_ROWS]]
        context = {
            "rows": rows,
            "total": len(papers),
            "data_link": rel(from_page, "data/papers.json"),
            "filters": dict(sorted(filters.items())),
            "sort": sort,
            "page_size": STATIC_ROWS,
        }
        cache = build_cache.active()
        if cache is None:
            return render("paper_table.md.j2", **context)
        read = [_what_a_row_shows(r) for r in rows]
        rest = {name: value for name, value in context.items() if name != "rows"}
        key = build_cache.digest("paper table", cache.code_digest(), *cache.library_versions(), repr((read, rest)))
        return cache.tables.text(key, lambda: render("paper_table.md.j2", **context))

    def catalogue(self) -> str:
        papers = papers_sorted(self.papers)
        statuses = Counter(p.status for p in self.papers)
        return render(
            "catalogue.md.j2",
            total=len(papers),
            statuses={k: statuses.get(k, 0) for k in ("read", "reading", "to-read")},
            table=self.table(papers, "catalogue.md", filters={}, sort="year:desc"),
        )

    def queue(self) -> str:
        sections = []
        for status, heading in (("reading", "Reading now"), ("to-read", "To read")):
            papers = sorted(
                (p for p in self.papers if p.status == status),
                key=lambda p: (-p.added.toordinal(), p.title.casefold(), p.id),
            )
            table = self.table(papers, "queue.md", filters={"status": status}, sort="added:desc") if papers else ""
            sections.append({"heading": heading, "count": len(papers), "table": table})
        return render("queue.md.j2", sections=sections)

    def tags(self) -> dict[str, str]:
        from tools.catalogue import ALLOWED_TAGS

        by_tag: dict[str, list[Any]] = {tag: [] for tag in ALLOWED_TAGS}
        for paper in self.papers:
            for tag in paper.tags:
                by_tag.setdefault(tag, []).append(paper)
        pages = {}
        for tag in sorted(by_tag):
            path = f"tags/{tag}.md"
            papers = papers_sorted(by_tag[tag])
            table = self.table(papers, path, filters={"tag": tag}, sort="year:desc") if papers else ""
            pages[path] = render(
                "tag.md.j2", tag=tag, description=ALLOWED_TAGS.get(tag, ""), count=len(papers), table=table
            )
        rows = [(tag, len(by_tag[tag]), ALLOWED_TAGS.get(tag, "")) for tag in sorted(by_tag)]
        pages["tags/index.md"] = render("tags_index.md.j2", rows=rows)
        return pages

    def claim_rows(self) -> list[tuple[Any, ClaimView]]:
        rank = {v: i for i, v in enumerate(VERDICTS)}
        rows = [(p, c) for p in self.papers for c in self.claims.get(p.id, ())]
        rows.sort(key=lambda r: (rank.get(r[1].verdict, 99), r[0].title.casefold(), r[0].id, r[1].id))
        return rows

    def claims_page(self) -> str:
        rows = self.claim_rows()
        return render(
            "claims.md.j2",
            total=len(rows),
            tally=Tally.of([c.verdict for _, c in rows]),
            rows=[(p, c, rel("claims.md", paper_path(p.id)) + f"#{c.anchor}") for p, c in rows[:STATIC_ROWS]],
            data_link=rel("claims.md", "data/claims.json"),
            page_size=STATIC_ROWS,
        )

    def claims_json(self) -> dict[str, Any]:
        return {
            "rows": [
                {
                    "paper": p.id,
                    "paper_title": p.title,
                    "claim": c.id,
                    "text": plain(c.text),
                    "verdict": c.verdict,
                    "summary": plain_codes(c.summary_line),
                    "claimed": c.claimed,
                    "measured": c.measured,
                    "acknowledged": bool(c.acknowledged),
                    "url": self.url_of(paper_path(p.id)) + f"#{c.anchor}",
                }
                for p, c in self.claim_rows()
            ]
        }

    def claims_file(self) -> bytes:
        """data/claims.json: `claims_json` as the site's JSON, from the site cache while no row changed (the
        rows' plain texts are the costly part)."""
        from . import build_cache

        cache = build_cache.active()
        if cache is None:
            return json_text(self.claims_json()).encode("utf-8")
        shown = [
            (p.id, p.title, c.id, c.text, c.verdict, c.summary_line, c.claimed, c.measured, c.acknowledged, c.anchor)
            for p, c in self.claim_rows()
        ]
        urls = self.url_of(paper_path("x"))  # the URL style
        key = build_cache.digest("claims file", cache.code_digest(), *cache.library_versions(), urls, repr(shown))
        return cache.tables.text(key, lambda: json_text(self.claims_json())).encode("utf-8")

    def papers_json(self) -> dict[str, Any]:
        used = sorted({tag for p in self.papers for tag in p.tags})
        return {
            "rows": [self.json_row(p) for p in papers_sorted(self.papers)],
            "tag_urls": {tag: self.url_of(f"tags/{tag}.md") for tag in used},
        }


__all__ = ["STATIC_ROWS", "Lists", "PaperRow", "papers_sorted"]
