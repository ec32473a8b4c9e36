"""One paper's page: its view (`views.PaperView`) and the JSON its collapsed details load on demand."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .notes import render_note
from .notes_files import read_note_file
from .records import ModelCost
from .render import Markup, PaperLinks, environment, json_text, md, render
from .sanitize import markdown_inert, meta_title
from .views import (
    Implementation,
    Link,
    ModelRow,
    PaperView,
    claim_view,
    code_links,
    paper_path,
    rel,
    stats_of,
    timings_of,
)

VERIFY_COMMAND = "python tools/verify_claims.py --update"
# Claims whose rows a paper page loads on demand, as one group per verdict (what the group's summary says of them).
# Refuted, inconclusive and error claims, the ones that need a reader's attention, are always in the page.
GROUPED = {
    "verified": "the measurement agrees with the printed number",
    "cited": "recorded with their source, not recomputed",
}


def details_path(paper_id: str) -> str:
    """Site-root path of the JSON holding a paper page's collapsed details (HTML by anchor)."""
    return f"data/details/{paper_id}.json"


class PaperPages:
    """Builds every paper page from the shared inputs (one instance per site build)."""

    def __init__(
        self,
        papers: Sequence[Any],
        costs: Mapping[str, ModelCost],
        results: Mapping[tuple[str, str], Any],
        *,
        stale: Mapping[str, str],
        top1: Mapping[str, Sequence[Any]],
        bibtex: Mapping[str, str],
        repo_root: Path,
        repo_url: str | None,
        source_files: Any,  # model id -> repo-relative source files
        conventions_url: str,  # the conventions page's URL relative to a paper page's URL
        directory_urls: bool,
        latency: Any = None,  # tools.latency.LatencyRecord or None
    ) -> None:
        self.papers = list(papers)
        self.by_id = {p.id: p for p in self.papers}
        self.costs, self.results, self.stale, self.top1 = costs, results, stale, top1
        self.bibtex, self.repo_root, self.repo_url = bibtex, repo_root, repo_url
        self.source_files = source_files
        self.conventions_url = conventions_url
        self.relink = PaperLinks(self.by_id, directory_urls)
        self.latency = latency
        self._shared_digest: str | None = None
        self._model_digests: dict[str, str] = {}
        self._notes: frozenset[str] | None = None

    def view(self, paper: Any, previous: Any | None, following: Any | None) -> PaperView:
        from reference_impls import REGISTRY

        path = paper_path(paper.id)
        models = tuple(
            ModelRow(
                id=ref.id,
                name=ref.name,
                table=ref.table or "",
                fidelity=REGISTRY[ref.id].fidelity if ref.id in REGISTRY else "not registered",
                cost=self.costs.get(ref.id),
                stale=self.stale.get(ref.id) == "stale",
                latency=timings_of(self.latency, ref.id),
            )
            for ref in paper.models
        )
        claims = tuple(claim_view(c, self.results.get((paper.id, c.id))) for c in paper.claims)
        model_ids = [m.id for m in models]
        long_form = read_note_file(self.repo_root, paper.id)  # refuses links, files outside docs/notes/, huge files
        entry = self.bibtex.get(paper.id, "")
        return PaperView(
            paper=paper,
            links=code_links(paper),
            note_zh=render_note(paper.notes.zh, claims, model_ids, self.relink),
            note_en=render_note(paper.notes.en, claims, model_ids, self.relink),
            long_form=markdown_inert(self.relink(str(md(long_form, 2)))) if long_form else "",
            related=tuple(
                (self.by_id[r], Link(self.by_id[r].title, f"{r}.md")) for r in paper.related if r in self.by_id
            ),
            models=models,
            implementations=self.implementations(paper, path),
            claims=claims,
            stats=stats_of(models, claims, self.top1, self.latency),
            provenance=self.provenance(models),
            bibtex=entry.rstrip("\n"),
            fence="`" * max(3, max((len(m) for m in re.findall(r"`+", entry)), default=0) + 1),
            previous=Link(previous.title, f"{previous.id}.md") if previous else None,
            next=Link(following.title, f"{following.id}.md") if following else None,
        )

    def implementations(self, paper: Any, path: str) -> tuple[Implementation, ...]:
        from reference_impls import REGISTRY

        families: dict[str, list[str]] = {}
        for ref in paper.models:
            if ref.id in REGISTRY:
                families.setdefault(REGISTRY[ref.id].module, []).append(ref.id)
        out = []
        for module in sorted(families):
            source = f"reference_impls/{module}.py"
            extra = sorted({f for m in families[module] for f in self.source_files(m)} - {source})
            out.append(
                Implementation(
                    source=source,
                    models=tuple(families[module]),
                    download=rel(path, f"code/{source}"),
                    repo_link=f"{self.repo_url}/blob/main/{source}" if self.repo_url else None,
                    extra_files=tuple(Link(f, rel(path, f"code/{f}")) for f in extra),
                )
            )
        return tuple(out)

    def provenance(self, models: Iterable[ModelRow]) -> tuple[str, ...]:
        """One plain line per (versions, date) group, then what to run for stale or missing models."""
        groups: dict[str, list[str]] = {}
        rows = list(models)
        for m in rows:
            if m.cost is None:
                continue
            v = m.cost.versions
            conditions = " · ".join(
                part
                for part in (
                    f"torch {v['torch']}" if v.get("torch") else "",
                    f"fvcore {v['fvcore']}" if v.get("fvcore") else "",
                    f"Python {v['python']}" if v.get("python") else "",
                    f"measured {m.cost.measured_on}" if m.cost.measured_on else "",
                )
                if part
            )
            groups.setdefault(conditions or "unknown conditions", []).append(m.id + (" (stale)" if m.stale else ""))
        lines = [f"{conditions}: {', '.join(ids)}" for conditions, ids in sorted(groups.items())]
        if any(m.stale for m in rows):
            lines.append(
                f"Stale: a model's source or the counting code changed since it was measured; run {VERIFY_COMMAND}."
            )
        if any(m.cost is None for m in rows):
            lines.append(f"Models not measured yet are measured by {VERIFY_COMMAND}.")
        return tuple(lines)

    def page(self, view: PaperView) -> str:
        paper = view.paper
        return render(
            "paper.md.j2",
            v=view,
            p=paper,
            meta_title=Markup(json.dumps(meta_title(paper.title), ensure_ascii=False)),
            details=details_path(paper.id),
            relink=self.relink,
            GROUPED=GROUPED,
            cores=self.latency.machine.cores if self.latency is not None else 0,
            conventions_url=self.conventions_url,
            latency_machine=self.latency.machine.describe() if self.latency is not None else "",
        )

    def details(self, view: PaperView) -> dict[str, str]:
        """The HTML of every collapsed detail of a paper page, by the anchor the page names it with."""
        macros: Any = environment().get_template("details.html.j2").module  # its macros are attributes made at run time
        out = {c.anchor: str(macros.claim_detail(c, self.conventions_url)).strip() for c in view.claims}
        for verdict in GROUPED:  # rows that need no attention load as a group, keeping the page small
            rows = [str(macros.claim_row(c, True)) for c in view.claims if c.verdict == verdict]
            if rows:
                out[f"{verdict}-claims"] = "\n".join(rows)
        for m in view.models:
            if m.cost is not None and m.cost.ok:
                out[f"model-{m.id}"] = str(macros.model_detail(m.cost)).strip()
        return out

    def build(self, order: Sequence[Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Every paper page (by docs-relative path) and its details as JSON text (by site-root path), `order`
        kept.

        With a site cache active, a page whose inputs (`inputs_digest`) are those of a page an earlier build
        made is that page again, byte for byte, and is not rendered (`build_cache.py`, "pages")."""
        from . import build_cache

        cache = build_cache.active()
        pages, details = {}, {}
        for i, paper in enumerate(order):
            previous = order[i - 1] if i > 0 else None
            following = order[i + 1] if i + 1 < len(order) else None
            key = self.inputs_digest(paper, previous, following, cache) if cache is not None else ""
            made = build_cache.unpack_page(cache.pages.get(key), self.relink.ids) if cache is not None else None
            if made is None:
                self.relink.asked.clear()
                view = self.view(paper, previous, following)
                made = self.page(view), json_text(self.details(view))
                if cache is not None:  # which named papers exist decides the links, so the entry keeps that
                    cache.pages.put(key, build_cache.pack_page(*made, self.relink.asked, self.relink.ids))
            pages[paper_path(paper.id)], details[details_path(paper.id)] = made
        return pages, details

    def inputs_digest(self, paper: Any, previous: Any | None, following: Any | None, cache: Any) -> str:
        """Hash of everything `view`, `page` and `details` read for `paper`, except which papers its links name
        exist (the cached entry records those ids; `build_cache.unpack_page` checks them).

        Keep it complete: a value these methods read that is missing here would let a page go stale. The tests
        in tests/test_page_cache.py change each input in turn and compare with a build without the cache."""
        from . import build_cache

        if self._shared_digest is None:
            machine = self.latency.machine if self.latency is not None else None
            self._shared_digest = build_cache.digest(
                "paper pages",
                cache.code_digest(),  # tools/ (templates, measurements and latency included) and reference_impls/
                *cache.library_versions(),
                repr((self.repo_url, self.conventions_url, self.relink.directory_urls, machine)),
            )
        related = [(r, *((o.title, o.venue, o.year) if (o := self.by_id.get(r)) else ())) for r in paper.related]
        return build_cache.digest(
            self._shared_digest,
            cache.entry_json(paper),
            repr([self.results.get((paper.id, c.id)) for c in paper.claims]),
            *(self._model_digest(ref.id) for ref in paper.models),
            (read_note_file(self.repo_root, paper.id) or "") if paper.id in self._note_files() else "",
            self.bibtex.get(paper.id, ""),
            repr((related, *((n.id, n.title) if n else None for n in (previous, following)))),
        )

    def _note_files(self) -> frozenset[str]:
        """Ids of the papers with a file in docs/notes/ (listed once: a missing note costs no file-system call;
        `read_note_file` still checks every file that is there)."""
        if self._notes is None:
            try:
                names = os.listdir(self.repo_root / "docs" / "notes")
            except OSError:
                names = []
            self._notes = frozenset(name.removesuffix(".md") for name in names if name.endswith(".md"))
        return self._notes

    def _model_digest(self, model_id: str) -> str:
        """Hash of what a page reads about one of its models (computed once per model and build)."""
        if model_id not in self._model_digests:
            from reference_impls import REGISTRY

            cited = [(c.value, c.paper.id, c.claim) for c in self.top1.get(model_id, ())]  # the headline's top-1
            latency = self.latency.models.get(model_id) if self.latency is not None else None
            spec = REGISTRY.get(model_id)
            self._model_digests[model_id] = repr(
                (spec, self.costs.get(model_id), self.stale.get(model_id), latency, self.source_files(model_id), cited)
            )
        return self._model_digests[model_id]


__all__ = ["PaperPages", "details_path"]
