"""The site's pipeline: load the inputs once, collect the views, render every page and asset.

    >>> inputs = load_site_inputs(Path("papers.yaml"))          # catalogue, measurements, verdicts
    >>> bundle = build_site(inputs, repo_root=REPO_ROOT)
    >>> bundle.pages["papers/res2net.md"]                       # Markdown (Material / pymdown flavour)
    >>> bundle.assets["data/models/res2net50_26w_4s.json"]      # what a collapsed detail loads on demand

The MkDocs hook (`mkdocs_hook.py`) and the CLI (`generate.py`) both call these two functions. The site reads
verdicts only through the public `tools.claims.evaluate_claims` / `ClaimResult` API. Nothing here imports torch
or writes into `docs/`; the output depends only on the inputs (everything sorted, no clock read).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paper_page import PaperPages
from .records import ModelCost, costs
from .render import json_text
from .sanitize import safe_url
from .tables import Lists, papers_sorted
from .views import claim_view


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
    measurements: Mapping[str, Any]
    claim_results: Sequence[Any]  # tools.claims.ClaimResult
    stale: Mapping[str, str] = field(default_factory=dict)  # model id -> "missing" | "stale"
    latency: Any = None  # tools.latency.LatencyRecord, None until `verify_claims.py --update-latency` has run


def load_site_inputs(
    catalogue_path: Path, measurements_path: Path | None = None, *, display_name: str | None = None
) -> SiteInputs:
    """Validate the catalogue, read the measurements (no torch) and evaluate the claims.

    Inside `build_cache.build_cache`, the catalogue entries unchanged since an earlier build are taken from the
    site cache (`tools.catalogue.entry_cache`), with the same result and the same errors, and so are the claim
    verdicts while nothing they are judged from changed (`claim_cache`).

    Raises `tools.catalogue.CatalogueError` for an invalid catalogue,
    `tools.measurements.MeasurementsFileError` for an unreadable measurements file and
    `tools.latency.LatencyFileError` for an invalid latency file (an absent one is fine).
    """
    from tools.catalogue.entry_cache import load_catalogue_reusing
    from tools.measurements import MEASUREMENTS_FILE, read_measurements, stale_models

    from . import build_cache
    from .claim_cache import claim_results

    cache = build_cache.active()  # with one, entries parsed by an earlier build are not parsed again
    catalogue = load_catalogue_reusing(catalogue_path, display_name, cache.catalogue if cache is not None else None)
    measurements = read_measurements(measurements_path or MEASUREMENTS_FILE)
    results, latency = claim_results(catalogue, measurements)  # reused while what they are judged from stays
    used = sorted({ref.id for paper in catalogue.papers for ref in paper.models})
    stale = stale_models(measurements, used) if used else {}
    return SiteInputs(catalogue, measurements, results, stale, latency)


def page_url(path: str, directory_urls: bool) -> str:
    """Site-root-relative URL of a docs-relative Markdown page, as MkDocs writes it."""
    stem = path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/" if directory_urls else f"{stem}.html"


def json_bytes(data: Any) -> bytes:
    return json_text(data).encode("utf-8")


class _SourceFiles:
    """Repo-relative source files a model is built from (its family file and what that imports), cached."""

    def __init__(self, repo_root: Path) -> None:
        self.root = repo_root.resolve()
        self.cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, model_id: str) -> tuple[str, ...]:
        if model_id not in self.cache:
            from reference_impls import REGISTRY
            from tools.measurements import source_files

            files = []
            for file in source_files(model_id) if model_id in REGISTRY else ():
                try:
                    files.append(file.resolve().relative_to(self.root).as_posix())
                except ValueError:
                    continue
            self.cache[model_id] = tuple(sorted(files))
        return self.cache[model_id]


def build_site(
    inputs: SiteInputs, *, repo_root: Path, repo_url: str | None = None, directory_urls: bool = True
) -> SiteBundle:
    """Every generated page (`{docs-relative path: Markdown}`) and asset (`{path: bytes}`) of the site.

    `repo_url`, if given, adds "in the repository" links to `<repo_url>/blob/main/<file>`; `directory_urls`
    says whether pages are served as `papers/<id>/` (MkDocs' default) or `papers/<id>.html` (used for the
    URLs inside the JSON data).
    """
    from tools.bibtex_export import HEADER

    from . import build_cache
    from .insights import build_insights, imagenet_top1

    catalogue = inputs.catalogue
    papers = list(catalogue.papers)
    measured: dict[str, ModelCost] = costs(inputs.measurements)
    results = {(r.paper, r.claim_id): r for r in inputs.claim_results}
    claims = {p.id: tuple(claim_view(c, results.get((p.id, c.id))) for c in p.claims) for p in papers}
    from reference_impls import REGISTRY

    top1 = imagenet_top1(catalogue, REGISTRY)
    bibtex = build_cache.bibtex_entries(build_cache.active(), catalogue)
    source_files = _SourceFiles(repo_root)
    url_of = lambda path: page_url(path, directory_urls)  # noqa: E731

    lists = Lists(papers, measured, claims, top1, url_of=url_of)
    pages: dict[str, str] = {
        "catalogue.md": lists.catalogue(),
        "queue.md": lists.queue(),
        "claims.md": lists.claims_page(),
    }
    pages.update(lists.tags())
    paper_pages = PaperPages(
        papers,
        measured,
        results,
        stale=inputs.stale,
        top1=top1,
        bibtex=bibtex,
        repo_root=repo_root,
        repo_url=safe_url(repo_url.rstrip("/")) if repo_url else None,
        source_files=source_files,
        conventions_url="../../conventions/" if directory_urls else "../conventions.html",
        directory_urls=directory_urls,
        latency=inputs.latency,
    )
    paper_texts, details = paper_pages.build(papers_sorted(papers))
    pages.update(paper_texts)

    assets: dict[str, bytes] = {
        "papers.bib": (HEADER + "".join(bibtex[p.id] for p in papers)).encode("utf-8"),
        "data/papers.json": json_bytes(lists.papers_json()),
        "data/claims.json": lists.claims_file(),
    }
    assets.update((path, text.encode("utf-8")) for path, text in details.items())
    for model_id in sorted({ref.id for p in papers for ref in p.models}):
        for rel in source_files(model_id):
            assets[posixpath.join("code", rel)] = (repo_root / rel).read_bytes()
    insight_pages, insight_assets = build_insights(
        catalogue, inputs.measurements, directory_urls=directory_urls, latency=inputs.latency
    )
    pages.update(insight_pages)
    assets.update(insight_assets)
    return SiteBundle(pages=dict(sorted(pages.items())), assets=dict(sorted(assets.items())))


__all__ = ["SiteBundle", "SiteInputs", "build_site", "json_bytes", "load_site_inputs", "page_url"]
