"""Turn the catalogue, the measurements and the claim verdicts into the site's pages. Engine-agnostic.

    >>> bundle = build_site_pages(catalogue, measurements, claim_results, repo_root=REPO_ROOT)
    >>> bundle.pages["papers/res2net.md"]      # Markdown (Material for MkDocs / pymdown-extensions flavour)
    >>> bundle.assets["papers.bib"]            # bytes: BibTeX, JSON data for the tables, model source files
    >>> bundle.pages["insights/hetconv.md"]    # insight pages and their SVG charts (`insights.py`)

MkDocs feeds these to its build as virtual files (`tools/site/mkdocs_hook.py`); `python -m tools.site.generate
--out DIR` writes the same pages, plus the hand-written pages of `docs/` with their markers expanded, to a folder
for another engine. Nothing here imports torch or writes into `docs/`.

Every catalogue string is untrusted: long fields go through `sanitize.render_markdown` (Markdown -> cleaned
HTML, embedded as raw HTML blocks that no engine parses again), short fields through `sanitize.md_text`.
The output depends only on the inputs: everything is sorted, no clock is read.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from tools.terminal import say

from .notes_files import NotesFileError, docs_folder_problems, read_note_file
from .output_dir import OutputDirError, check_output_dir, prepare_output_dir
from .sanitize import html_text, md_text, meta_title, render_markdown, safe_url
from .snippets import snippet_path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_ROWS = 50  # rows rendered into a table page's HTML; the rest is paged in from the JSON data by JS
RECENT_DEFAULT = 8
VERDICTS = ("error", "refuted", "inconclusive", "verified", "cited")  # display order: what needs attention first
STATUS_LABEL = {"read": "read", "reading": "reading", "to-read": "to read"}
MARKER = re.compile(r"^<!--\s*catalogue:(?P<name>[A-Za-z0-9_-]*)(?P<args>[^>]*?)\s*-->[ \t]*$", re.MULTILINE)
MARKER_START = re.compile(r"^[ \t]*<!--\s*catalogue:", re.MULTILINE)
GMACS_HEADER = "GMACs, fvcore total (BatchNorm 2 per element, pooling; timm's count)"
CROSSCHECK_HEADER = "GMACs, conv + linear (torchvision's count; FlopCounterMode agrees)"
VERIFY_COMMAND = "python tools/verify_claims.py --update"


class MarkerError(ValueError):
    """A hand-written page holds an unknown or malformed `<!-- catalogue:... -->` marker."""


@dataclass(frozen=True)
class SiteBundle:
    """What the generator produces: Markdown pages and binary assets, by docs-relative path (sorted)."""

    pages: dict[str, str]
    assets: dict[str, bytes]
    not_in_nav: tuple[str, ...] = ("papers/", "tags/")


@dataclass(frozen=True)
class SiteInputs:
    """Everything the site is built from, loaded and validated once."""

    catalogue: Any  # tools.catalogue.Catalogue
    measurements: Mapping[str, Mapping[str, Any]]
    claim_results: Sequence[Any]  # tools.claims.ClaimResult
    stale: Mapping[str, str] = field(default_factory=dict)  # model id -> "missing" | "stale"


# --------------------------------------------------------------------------------------------------------------
# Loading (the hook and the CLI share this; the catalogue error propagates with its file:line report)


def load_site_inputs(
    catalogue_path: Path, measurements_path: Path | None = None, *, display_name: str | None = None
) -> SiteInputs:
    """Validate the catalogue, read the measurements (no torch) and evaluate the claims.

    Raises `tools.catalogue.CatalogueError` for an invalid catalogue and
    `tools.measurements.MeasurementsFileError` for an unreadable measurements file.
    """
    from tools.catalogue import load_catalogue
    from tools.claims import evaluate_claims
    from tools.measurements import MEASUREMENTS_FILE, read_measurements, stale_models

    catalogue = load_catalogue(catalogue_path, display_name=display_name)
    measurements = read_measurements(measurements_path or MEASUREMENTS_FILE)
    claim_results = evaluate_claims(catalogue, measurements)
    used = sorted({ref.id for paper in catalogue.papers for ref in paper.models})
    stale = stale_models(measurements, used) if used else {}
    return SiteInputs(catalogue, site_view(measurements), claim_results, stale)


def site_view(measurements: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The measurement records as the page builders read them: `flops` is fvcore's total and
    `crosscheck_macs` the conv + linear count (labelled as such on every page)."""
    out: dict[str, dict[str, Any]] = {}
    for model_id, record in measurements.items():
        m = record.model_dump() if hasattr(record, "model_dump") else dict(record)
        if "fvcore_total" in m:
            m["flops"] = m["fvcore_total"]
            m["crosscheck_macs"] = m["macs_conv_linear"]
            m["flops_by_operator"] = m.get("fvcore_by_operator", {})
            m["stages"] = [{**st, "flops": st["fvcore_total"]} for st in m.get("stages", [])]
            m["sweep"] = [{**sw, "crosscheck_macs": sw["flopcounter_macs"]} for sw in m.get("sweep", [])]
        out[model_id] = m
    return out


# --------------------------------------------------------------------------------------------------------------
# Small formatting helpers (numbers are ours, never catalogue text)


def _int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _giga(value: int | float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value / 1e9:.{digits}f}"


def _mega(value: int | float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value / 1e6:.{digits}f}"


def _shape(shape: Iterable[int] | None) -> str:
    shape = list(shape or [])
    return "×".join(str(int(s)) for s in shape) if shape else "—"


def _rel(from_page: str, target: str) -> str:
    """Relative link from one docs-relative page to another docs-relative file."""
    start = posixpath.dirname(from_page) or "."
    return posixpath.relpath(target, start)


def _url(path: str, directory_urls: bool) -> str:
    """Site-root-relative URL of a docs-relative Markdown page, as MkDocs writes it."""
    stem = path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/" if directory_urls else f"{stem}.html"


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def _sort_key_title(title: str) -> str:
    return title.casefold()


# --------------------------------------------------------------------------------------------------------------
# The generator


class _Generator:
    def __init__(
        self,
        inputs: SiteInputs,
        *,
        repo_root: Path,
        repo_url: str | None,
        directory_urls: bool,
    ) -> None:
        self.catalogue = inputs.catalogue
        self.papers = list(self.catalogue.papers)
        self.by_id = {p.id: p for p in self.papers}
        self.measurements = inputs.measurements
        self.stale = inputs.stale
        self.repo_root = repo_root
        self.repo_url = safe_url(repo_url.rstrip("/")) if repo_url else None
        self.directory_urls = directory_urls
        self._source_cache: dict[str, list[str]] = {}
        self.claims_by_paper: dict[str, dict[str, Any]] = defaultdict(dict)
        for result in inputs.claim_results:
            self.claims_by_paper[result.paper][result.claim_id] = result
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=False,  # templates emit Markdown; every value is escaped explicitly below
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["md"] = md_text
        from tools.bibtex_export import bibtex_entries

        self.bibtex = bibtex_entries(self.catalogue)

    # ---- shared pieces -------------------------------------------------------------------------------------

    def paper_page(self, paper_id: str) -> str:
        return f"papers/{paper_id}.md"

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def rich(self, text: str | None, heading_offset: int = 3) -> str:
        """Sanitized HTML of a catalogue Markdown field; links to `<paper-id>.md` point at that paper's page."""
        out = render_markdown(text, heading_offset=heading_offset)

        def relink(match: re.Match[str]) -> str:
            paper_id, anchor = match.group(1), match.group(2) or ""
            if paper_id not in self.by_id:
                return match.group(0)
            target = paper_id + "/" if self.directory_urls else paper_id + ".html"
            return f'href="{"../" if self.directory_urls else ""}{target}{anchor}"'

        return re.sub(r'href="([a-z0-9]+(?:-[a-z0-9]+)*)\.md(#[A-Za-z0-9_-]*)?"', relink, out)

    def paper_row(self, paper: Any) -> dict[str, Any]:
        """One row of `data/papers.json` (plain text; the table script renders it with textContent)."""
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
            "url": _url(self.paper_page(paper.id), self.directory_urls),
        }

    def paper_cells(self, paper: Any, from_page: str) -> dict[str, str]:
        """Markdown cells of a paper's row in a statically rendered table."""
        tags = ", ".join(
            f"[{md_text(tag)}]({_rel(from_page, f'tags/{tag}.md')})" for tag in sorted(paper.tags)
        )
        models = ", ".join(f"`{ref.id}`" for ref in paper.models)
        return {
            "title": f"[{md_text(paper.title)}]({_rel(from_page, self.paper_page(paper.id))})",
            "year": str(paper.year),
            "venue": md_text(paper.venue),
            "tags": tags or "—",
            "status": _status_badge(paper.status),
            "models": models or "—",
            "added": paper.added.isoformat(),
        }

    def papers_sorted(self, papers: Iterable[Any]) -> list[Any]:
        """Default order of paper tables: newest year first, then title."""
        return sorted(papers, key=lambda p: (-p.year, _sort_key_title(p.title), p.id))

    def paper_table(self, papers: Sequence[Any], from_page: str, *, filters: Mapping[str, str], sort: str) -> str:
        rows = [self.paper_cells(p, from_page) for p in papers[:STATIC_ROWS]]
        return self.render(
            "paper_table.md.j2",
            rows=rows,
            total=len(papers),
            shown=len(rows),
            data_link=_rel(from_page, "data/papers.json"),
            filters=dict(sorted(filters.items())),
            sort=sort,
            page_size=STATIC_ROWS,
        )

    # ---- pages -------------------------------------------------------------------------------------------------

    def catalogue_page(self) -> str:
        papers = self.papers_sorted(self.papers)
        statuses = Counter(p.status for p in self.papers)
        return self.render(
            "catalogue.md.j2",
            total=len(papers),
            statuses={k: statuses.get(k, 0) for k in ("read", "reading", "to-read")},
            table=self.paper_table(papers, "catalogue.md", filters={}, sort="year:desc"),
        )

    def queue_page(self) -> str:
        sections = []
        for status, heading in (("reading", "Reading now"), ("to-read", "To read")):
            papers = sorted(
                (p for p in self.papers if p.status == status),
                key=lambda p: (-p.added.toordinal(), _sort_key_title(p.title), p.id),
            )
            sections.append(
                {
                    "heading": heading,
                    "count": len(papers),
                    "table": self.paper_table(papers, "queue.md", filters={"status": status}, sort="added:desc")
                    if papers
                    else "",
                }
            )
        return self.render("queue.md.j2", sections=sections)

    def tag_pages(self) -> dict[str, str]:
        from tools.catalogue import ALLOWED_TAGS

        by_tag: dict[str, list[Any]] = {tag: [] for tag in ALLOWED_TAGS}
        for paper in self.papers:
            for tag in paper.tags:
                by_tag.setdefault(tag, []).append(paper)
        pages: dict[str, str] = {}
        index_rows = []
        for tag in sorted(by_tag):
            papers = self.papers_sorted(by_tag[tag])
            path = f"tags/{tag}.md"
            description = ALLOWED_TAGS.get(tag, "")
            index_rows.append(
                {"link": f"[{md_text(tag)}]({tag}.md)", "count": len(papers), "description": md_text(description)}
            )
            pages[path] = self.render(
                "tag.md.j2",
                tag=md_text(tag),
                title=json.dumps(meta_title(f"Tag: {tag}"), ensure_ascii=False),
                description=md_text(description),
                count=len(papers),
                table=self.paper_table(papers, path, filters={"tag": tag}, sort="year:desc") if papers else "",
            )
        pages["tags/index.md"] = self.render("tags_index.md.j2", rows=index_rows)
        return pages

    def claims_page(self) -> tuple[str, list[dict[str, Any]]]:
        rows = []
        for paper in self.papers:
            results = self.claims_by_paper.get(paper.id, {})
            for claim in paper.claims:
                result = results.get(claim.id)
                verdict = result.verdict if result else "error"
                rows.append(
                    {
                        "paper": paper.id,
                        "paper_title": paper.title,
                        "claim": claim.id,
                        "text": claim.text,
                        "verdict": verdict,
                        "claimed": result.claimed if result else claim.printed,
                        "measured": (result.measured if result else None) or "",
                        "diagnosis": " · ".join(result.diagnosis) if result else "no verdict was computed",
                        "acknowledged": bool(claim.acknowledged),
                        "url": _url(self.paper_page(paper.id), self.directory_urls) + f"#claim-{claim.id}",
                    }
                )
        rank = {v: i for i, v in enumerate(VERDICTS)}
        rows.sort(key=lambda r: (rank.get(r["verdict"], 99), _sort_key_title(r["paper_title"]), r["paper"], r["claim"]))
        counts = Counter(r["verdict"] for r in rows)
        static = []
        for r in rows[:STATIC_ROWS]:
            link = _rel("claims.md", self.paper_page(r["paper"])) + f"#claim-{r['claim']}"
            static.append(
                {
                    "paper": f"[{md_text(r['paper_title'])}]({link})",
                    "claim": md_text(r["text"]),
                    "verdict": _verdict_badge(r["verdict"]) + (" (acknowledged)" if r["acknowledged"] else ""),
                    "claimed": _md_code(r["claimed"]),
                    "measured": _md_code(r["measured"]) if r["measured"] else "—",
                    "diagnosis": _md_code(r["diagnosis"]) if r["diagnosis"] else "",
                }
            )
        page = self.render(
            "claims.md.j2",
            total=len(rows),
            counts=[(v, counts.get(v, 0)) for v in VERDICTS],
            badges={v: _verdict_badge(v) for v in VERDICTS},
            rows=static,
            shown=len(static),
            data_link=_rel("claims.md", "data/claims.json"),
            page_size=STATIC_ROWS,
        )
        return page, rows

    # ---- one paper ---------------------------------------------------------------------------------------------

    def paper_body(self, paper: Any) -> str:
        path = self.paper_page(paper.id)
        links = []
        if paper.arxiv:
            version = f"v{paper.arxiv.version}" if paper.arxiv.version else ""
            links.append(f"[arXiv:{md_text(paper.arxiv.id + version)}](https://arxiv.org/abs/{paper.arxiv.id}{version})")
        for label, url in (("PDF", paper.links.pdf), ("Official code", paper.links.official_code)):
            if safe_url(url):
                links.append(f"[{label}]({safe_url(url)})")
        for number, url in enumerate(paper.links.other_code, start=1):
            if safe_url(url):
                links.append(f"[Other code {number}]({safe_url(url)})")
        if safe_url(paper.links.project):
            links.append(f"[Project page]({safe_url(paper.links.project)})")
        if paper.doi:
            doi_url = safe_url("https://doi.org/" + paper.doi)
            if doi_url:
                links.append(f"[DOI {md_text(paper.doi)}]({doi_url})")

        related = []
        for other_id in paper.related:
            other = self.by_id.get(other_id)
            if other is None:
                related.append(md_text(other_id))
            else:
                when = other.venue if str(other.year) in other.venue else f"{other.venue}, {other.year}"
                related.append(f"[{md_text(other.title)}]({other.id}.md) — {md_text(when)}")

        long_form = read_note_file(self.repo_root, paper.id)  # refuses links, files outside docs/notes/, huge files
        long_form_html = self.rich(long_form, heading_offset=2) if long_form else ""

        models = self.models_context(paper, path)
        claims = self.claims_context(paper)
        entry = self.bibtex.get(paper.id, "")
        fence = "`" * max(3, _longest_backtick_run(entry) + 1)
        return self.render(
            "paper.md.j2",
            meta_title=json.dumps(meta_title(paper.title), ensure_ascii=False),
            tags=sorted(paper.tags),
            title=md_text(paper.title),
            authors=", ".join(md_text(a) for a in paper.authors),
            venue=md_text(paper.venue),
            year=paper.year,
            added=paper.added.isoformat(),
            status=_status_badge(paper.status),
            tag_links=" ".join(
                f"[{md_text(tag)}](../tags/{tag}.md){{ .cat-badge .cat-badge--tag }}" for tag in sorted(paper.tags)
            ),
            links=" · ".join(links),
            tldr=self.rich(paper.tldr),
            note_zh=self.rich(paper.notes.zh),
            note_en=self.rich(paper.notes.en),
            long_form=long_form_html,
            strengths=[self.rich(s) for s in paper.strengths],
            weaknesses=[self.rich(w) for w in paper.weaknesses],
            related=related,
            models=models,
            claims=claims,
            bibtex=entry.rstrip("\n"),
            fence=fence,
            bib_link="../papers.bib",
            gmacs_header=GMACS_HEADER,
            crosscheck_header=CROSSCHECK_HEADER,
        )

    def models_context(self, paper: Any, path: str) -> dict[str, Any]:
        from reference_impls import REGISTRY

        rows, measured, families = [], [], {}
        for ref in paper.models:
            spec = REGISTRY.get(ref.id)
            size = _shape(spec.input_size) if spec else "not registered"
            rows.append(
                {
                    "name": md_text(ref.name),
                    "id": ref.id,
                    "table": md_text(ref.table) if ref.table else "—",
                    "input": size,
                }
            )
            measured.append(self.measurement_context(ref.id, size))
            if spec is not None:
                families.setdefault(spec.module, []).append(ref.id)
        implementations = []
        for module in sorted(families):
            source = f"reference_impls/{module}.py"
            implementations.append(
                {
                    "source": source,
                    "snippet": snippet_path(source),
                    "models": ", ".join(f"`{m}`" for m in families[module]),
                    "download": _rel(path, f"code/{source}"),
                    "repo_link": f"{self.repo_url}/blob/main/{source}" if self.repo_url else None,
                    "extra_files": [
                        {"name": f, "download": _rel(path, f"code/{f}")}
                        for f in self.model_source_files(families[module])
                        if f != source
                    ],
                }
            )
        return {
            "rows": rows,
            "measured": measured,
            "implementations": implementations,
            "provenance": self.provenance_lines(measured),
        }

    def provenance_lines(self, measured: list[dict[str, Any]]) -> list[str]:
        """One line per (versions, date) group: what measured these numbers, and the key of each model."""
        groups: dict[str, list[str]] = {}
        for m in measured:
            if m["state"] == "missing":
                continue
            entry = f"<code>{m['id']}</code> {m['key']}" + (" (**stale**)" if m["stale"] else "")
            groups.setdefault(m["conditions"], []).append(entry)
        lines = [f"**Provenance:** {conditions} · key {', '.join(entries)}" for conditions, entries in sorted(groups.items())]
        if any(m["stale"] for m in measured):
            lines.append(
                "**Stale:** a model's source or the counting code changed since it was measured; "
                f"run `{VERIFY_COMMAND}`."
            )
        if any(m["state"] == "missing" for m in measured):
            lines.append(f"Models marked *not measured yet* are measured by `{VERIFY_COMMAND}`.")
        return lines

    def model_source_files(self, model_ids: Iterable[str]) -> list[str]:
        """Repo-relative source files the models are built from (family file and what it imports)."""
        found: set[str] = set()
        for model_id in model_ids:
            if model_id not in self._source_cache:
                from tools.measurements import source_files

                files = []
                for file in source_files(model_id):
                    try:
                        files.append(file.resolve().relative_to(self.repo_root.resolve()).as_posix())
                    except ValueError:
                        continue
                self._source_cache[model_id] = files
            found.update(self._source_cache[model_id])
        return sorted(found)

    def measurement_context(self, model_id: str, size: str) -> dict[str, Any]:
        m = self.measurements.get(model_id)
        base: dict[str, Any] = {"id": model_id, "input": size, "state": "missing", "stale": False}
        if m is None:
            return base
        base["stale"] = self.stale.get(model_id) == "stale"
        versions = m.get("versions") or {}
        base["conditions"] = " · ".join(
            part
            for part in (
                f"torch {md_text(versions['torch'])}" if versions.get("torch") else "",
                f"fvcore {md_text(versions['fvcore'])}" if versions.get("fvcore") else "",
                f"Python {md_text(versions['python'])}" if versions.get("python") else "",
                f"measured {md_text(m['measured_on'])}" if m.get("measured_on") else "",
            )
            if part
        ) or "unknown conditions"
        base["key"] = f"<code>{md_text(str(m.get('key') or '')[:12])}</code>"
        base["input"] = _shape(m.get("input_size")) if m.get("input_size") else size
        if m.get("error"):
            base.update(state="error", error=md_text(m["error"]))
            return base
        flops, cross = m.get("flops"), m.get("crosscheck_macs")
        unsupported = m.get("unsupported_ops") or {}
        by_operator = m.get("flops_by_operator") or {}
        # What fvcore counts on top of conv + linear: the difference to the cross-check.
        extra_ops = [
            (op, count)
            for op, count in sorted(by_operator.items())
            if not any(key in op for key in ("conv", "linear", "matmul", "addmm", "bmm", "einsum", "mm"))
        ]
        stages = []
        for stage in m.get("stages") or []:
            share = (stage.get("flops") or 0) / flops * 100 if flops else None
            stages.append(
                {
                    "name": md_text(stage.get("name", "")),
                    "output": _shape(stage.get("output_shape")),
                    "params": _int(stage.get("params")),
                    "gmacs": _giga(stage.get("flops")),
                    "share": "—" if share is None else f"{share:.1f} %",
                }
            )
        base.update(
            state="ok",
            params=_int(m.get("params")),
            params_m=_mega(m.get("params")),
            gmacs=_giga(flops),
            activations=_mega(m.get("activations")),
            crosscheck=_giga(cross),
            coverage=(
                "all operators counted"
                if not unsupported
                else f"{len(unsupported)} operator type{'s' if len(unsupported) != 1 else ''} not counted"
            ),
            unsupported=[(md_text(op), int(n)) for op, n in sorted(unsupported.items())],
            difference=None if flops is None or cross is None else _giga(flops - cross, 4),
            extra_ops=[(md_text(op), _giga(v, 4)) for op, v in extra_ops],
            by_operator=[(md_text(op), _giga(v, 4)) for op, v in sorted(by_operator.items())],
            stages=stages,
            sweep=[
                {"resolution": int(s.get("resolution", 0)), "crosscheck": _giga(s.get("crosscheck_macs"))}
                for s in (m.get("sweep") or [])
            ],
        )
        return base

    def claims_context(self, paper: Any) -> dict[str, Any]:
        results = self.claims_by_paper.get(paper.id, {})
        rows = []
        counts: Counter[str] = Counter()
        for claim in paper.claims:
            result = results.get(claim.id)
            verdict = result.verdict if result else "error"
            counts[verdict] += 1
            source = claim.source
            source_text = f"{_h(source.version)}, {_h(source.location)}"
            source_url = safe_url(source.url)
            if source_url:
                source_text += f' (<a href="{_h_attr(source_url)}" rel="noopener noreferrer nofollow">link</a>)'
            subject = " vs ".join(
                _h(label)
                for label in (
                    claim.model_label or claim.model or ", ".join(claim.models),
                    claim.compared_label or claim.compared_to,
                )
                if label
            )
            rows.append(
                {
                    "anchor": f"claim-{claim.id}",
                    "id": _h(claim.id),
                    "text": self.rich(claim.text),
                    "quote": _h(claim.quote) if claim.quote else "",
                    "subject": subject,
                    "quantity": _h(claim.quantity.replace("_", " ")),
                    "verdict": verdict,
                    "badge": _verdict_badge(verdict),
                    "claimed": _h_code(result.claimed if result else claim.printed),
                    "printed": _h(claim.printed),
                    "measured": _h_code(result.measured) if result and result.measured else "—",
                    "computation": _h_code(result.computation) if result else "",
                    "tolerance": _h_code(result.tolerance) if result else "",
                    "diagnosis": [_h_code(d) for d in (result.diagnosis if result else ("no verdict was computed",))],
                    "acknowledged": self.rich(claim.acknowledged) if claim.acknowledged else "",
                    "source": source_text,
                    "origin": _h(claim.origin),
                    "confidence": _h(claim.confidence),
                    "resolution": claim.resolution,
                    "convention": _h(claim.convention) if claim.convention else "",
                }
            )
        return {"rows": rows, "counts": [(v, counts[v], _verdict_badge(v)) for v in VERDICTS if counts[v]]}

    # ---- everything --------------------------------------------------------------------------------------------

    def build(self) -> SiteBundle:
        pages: dict[str, str] = {}
        assets: dict[str, bytes] = {}
        pages["catalogue.md"] = self.catalogue_page()
        pages["queue.md"] = self.queue_page()
        pages.update(self.tag_pages())
        claims_page, claim_rows = self.claims_page()
        pages["claims.md"] = claims_page
        code_files: set[str] = set()
        for paper in self.papers:
            pages[self.paper_page(paper.id)] = self.paper_body(paper)
            for ref in paper.models:
                code_files.update(self.model_source_files([ref.id]) if _registered(ref.id) else [])

        from tools.bibtex_export import HEADER

        assets["papers.bib"] = (HEADER + "".join(self.bibtex[p.id] for p in self.papers)).encode("utf-8")
        used_tags = sorted({tag for p in self.papers for tag in p.tags})
        assets["data/papers.json"] = _json_bytes(
            {
                "rows": [self.paper_row(p) for p in self.papers_sorted(self.papers)],
                "tag_urls": {tag: _url(f"tags/{tag}.md", self.directory_urls) for tag in used_tags},
            }
        )
        assets["data/claims.json"] = _json_bytes({"rows": claim_rows})
        for rel in sorted(code_files):
            assets[f"code/{rel}"] = (self.repo_root / rel).read_bytes()
        from .insights import build_insights  # charts (matplotlib SVG) and the compare view's data

        insight_pages, insight_assets = build_insights(
            self.catalogue, self.measurements, directory_urls=self.directory_urls
        )
        pages.update(insight_pages)
        assets.update(insight_assets)
        return SiteBundle(pages=dict(sorted(pages.items())), assets=dict(sorted(assets.items())))


def _registered(model_id: str) -> bool:
    from reference_impls import REGISTRY

    return model_id in REGISTRY


def _h(text: object) -> str:
    """Catalogue or measurement text inside our raw HTML blocks."""
    return html_text(text)


def _h_code(text: object) -> str:
    """Like `_h`, and `backtick spans` (used by tools/claims.py for model ids) become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html_text(text))


def _md_code(text: object) -> str:
    """Like `md_text` for Markdown table cells, and `backtick spans` become <code>."""
    return re.sub(r"&#96;(.+?)&#96;", r"<code>\1</code>", md_text(text))


def _h_attr(url: str) -> str:
    return url.replace("&", "&amp;").replace('"', "&quot;")


def _status_badge(status: str) -> str:
    return f'<span class="cat-badge cat-badge--{status}">{STATUS_LABEL.get(status, md_text(status))}</span>'


def _verdict_badge(verdict: str) -> str:
    return f'<span class="cat-verdict cat-verdict--{verdict}">{md_text(verdict)}</span>'


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def build_site_pages(
    catalogue: Any,
    measurements: Mapping[str, Mapping[str, Any]],
    claim_results: Sequence[Any],
    *,
    repo_root: Path,
    stale: Mapping[str, str] | None = None,
    repo_url: str | None = None,
    directory_urls: bool = True,
) -> SiteBundle:
    """Every generated page (`{docs-relative path: Markdown}`) and asset (`{path: bytes}`) of the site.

    Args:
        catalogue: a validated `tools.catalogue.Catalogue`.
        measurements: `tools.measurements.read_measurements()` (model id -> measurement dict); models that are
            absent are shown as "not measured yet".
        claim_results: `tools.claims.evaluate_claims(catalogue, measurements)`.
        repo_root: the repository root (model source files are copied from here; `docs/notes/<id>.md` is read).
        stale: model id -> "stale" | "missing" from `tools.measurements.stale_models`, to flag stale numbers.
        repo_url: if given, implementation blocks also link to `<repo_url>/blob/main/<file>`.
        directory_urls: whether pages are served as `papers/<id>/` (MkDocs' default) or `papers/<id>.html`;
            used only for the URLs inside the JSON data and inside sanitized HTML.
    """
    inputs = SiteInputs(catalogue, site_view(measurements), claim_results, dict(stale or {}))
    return _Generator(inputs, repo_root=repo_root, repo_url=repo_url, directory_urls=directory_urls).build()


# --------------------------------------------------------------------------------------------------------------
# Markers in hand-written pages (STYLE rule 20)


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

    Markers: `recent` (the most recently added papers; `n=8` by default), `stats` (counts of papers, models
    and claim verdicts).
    """
    where = source or page_path

    def line_of(offset: int) -> int:
        return markdown.count("\n", 0, offset) + 1

    for start in MARKER_START.finditer(markdown):
        full = MARKER.match(markdown, start.start() + (len(start.group(0)) - len(start.group(0).lstrip())))
        if full is None:
            raise MarkerError(
                f"{where}:{line_of(start.start())}: malformed catalogue marker — write it on its own line as "
                "`<!-- catalogue:NAME -->` (known: recent, stats, tolerances)"
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
        if name in ("stats", "tolerances"):
            if options:
                raise MarkerError(f"{where}:{line_of(match.start())}: `catalogue:{name}` takes no arguments")
            if name == "tolerances":
                return _tolerance_list(catalogue, page_path)
            return _stats_line(catalogue, claim_results, page_path)
        raise MarkerError(
            f"{where}:{line_of(match.start())}: unknown marker `catalogue:{name}` (known: recent, stats, tolerances)"
        )

    return MARKER.sub(replace, markdown)


def _recent_list(catalogue: Any, page_path: str, count: int) -> str:
    papers = sorted(catalogue.papers, key=lambda p: (-p.added.toordinal(), p.id))[: max(0, count)]
    if not papers:
        return "*No papers yet.*"
    lines = []
    for p in papers:
        link = _rel(page_path, f"papers/{p.id}.md")
        lines.append(
            f"- {p.added.isoformat()} · [{md_text(p.title)}]({link}) — {md_text(p.venue)}, {p.year} "
            f"{_status_badge(p.status)}"
        )
    return "\n".join(lines)


def _tolerance_list(catalogue: Any, page_path: str) -> str:
    """Every claim that declares its own tolerance, with the reason and, when wider than the rule, the source."""
    from tools.tolerance import declared_interval, wider_than_rule

    rows = []
    for paper in catalogue.papers:
        for claim in paper.claims:
            declared = declared_interval(claim)
            if declared is None or claim.tolerance is None:
                continue
            link = _rel(page_path, f"papers/{paper.id}.md") + f"#claim-{claim.id}"
            wider = "wider than the rule" if wider_than_rule(claim) else "within the rule"
            source = f" The source: {md_text(claim.tolerance.source)}." if claim.tolerance.source else ""
            rows.append(f"- [{md_text(paper.title)}: `{claim.id}`]({link}) — {md_text(claim.printed or '')}, "
                        f"{declared.low:g} … {declared.high:g} ({wider}): {md_text(claim.tolerance.reason)}{source}")
    return "\n".join(rows) if rows else "*No claim declares its own tolerance: the rule sets every interval.*"


def _stats_line(catalogue: Any, claim_results: Sequence[Any], page_path: str) -> str:
    from tools.claims import VERDICTS

    papers = catalogue.papers
    models = {ref.id for p in papers for ref in p.models}
    verdicts = Counter(r.verdict for r in claim_results)
    parts = ", ".join(f"{verdicts.get(v, 0)} {v}" for v in VERDICTS)
    claims_link = _rel(page_path, "claims.md")
    catalogue_link = _rel(page_path, "catalogue.md")
    return (
        f"[{len(papers)} papers]({catalogue_link}), {len(models)} reference models, "
        f"[{len(claim_results)} claims]({claims_link}) ({parts})."
    )


# --------------------------------------------------------------------------------------------------------------
# CLI: write the pages to a folder for another engine


def write_docs_folder(bundle: SiteBundle, inputs: SiteInputs, *, docs_dir: Path, out: Path) -> list[str]:
    """Copy `docs/` (markers expanded) and the generated pages and assets into `out`. Returns written paths."""
    written: list[str] = []
    prepare_output_dir(out, docs_dir.parent)  # refuses .git, tools/, any folder this tool did not create
    for src in sorted(docs_dir.rglob("*")):
        if not src.is_file():
            continue
        rel = src.relative_to(docs_dir).as_posix()
        if rel.startswith("notes/"):
            continue  # pulled into the paper pages
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".md":
            text = expand_markers(
                src.read_text(encoding="utf-8"),
                page_path=rel,
                catalogue=inputs.catalogue,
                claim_results=inputs.claim_results,
                source=f"docs/{rel}",
            )
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(src, target)
        written.append(rel)
    for rel, text in bundle.pages.items():
        if (docs_dir / rel).exists():
            raise FileExistsError(f"docs/{rel} is hand-written but the generator also makes {rel}; rename one")
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(rel)
    for rel, data in bundle.assets.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(rel)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError
    from tools.measurements import MEASUREMENTS_FILE, MeasurementsFileError

    parser = argparse.ArgumentParser(
        prog="python -m tools.site.generate",
        description="Write the site's pages (hand-written ones with markers expanded, plus every generated page "
        "and asset) to a folder, for a static-site engine other than MkDocs.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder (replaced)")
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--measurements", type=Path, default=MEASUREMENTS_FILE)
    parser.add_argument("--file-urls", action="store_true", help="pages are served as papers/<id>.html")
    args = parser.parse_args(argv)
    docs_dir = REPO_ROOT / "docs"
    try:
        out = check_output_dir(args.out, REPO_ROOT)
    except OutputDirError as exc:
        say(str(exc), file=sys.stderr)
        return 2
    refused = docs_folder_problems(docs_dir)
    if refused:
        say("\n".join(refused), file=sys.stderr)
        return 2
    try:
        inputs = load_site_inputs(args.catalogue, args.measurements, display_name=_display(args.catalogue))
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return 2
    except MeasurementsFileError as exc:
        say(str(exc), file=sys.stderr)
        return 2
    try:
        bundle = build_site_pages(
            inputs.catalogue,
            inputs.measurements,
            inputs.claim_results,
            repo_root=REPO_ROOT,
            stale=inputs.stale,
            directory_urls=not args.file_urls,
        )
        written = write_docs_folder(bundle, inputs, docs_dir=docs_dir, out=out)
    except (MarkerError, FileExistsError, NotesFileError, OutputDirError) as exc:
        say(str(exc), file=sys.stderr)
        return 2
    say(f"wrote {len(written)} files to {out}")
    return 0


def _display(path: Path) -> str:
    """How a catalogue path appears in error messages: relative to the current directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = [
    "MarkerError",
    "SiteBundle",
    "SiteInputs",
    "build_site_pages",
    "expand_markers",
    "load_site_inputs",
    "main",
    "write_docs_folder",
]

if __name__ == "__main__":
    sys.exit(main())
