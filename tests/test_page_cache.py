"""Incremental generation (tools/site/build_cache.py: pages, bibtex, tables): a page whose inputs did not change
is the page an earlier build made, and a change to anything a page is made from renders it afresh.

Every test compares against a build without the cache: a cached build must be byte for byte the uncached one,
and must really have come from the cache (the number of pages rendered is counted).
"""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path
from typing import Any

import pytest

from tools.claims import evaluate_claims
from tools.site import build_cache, paper_page, sanitize, signed_store
from tools.site.pipeline import SiteBundle, SiteInputs, build_site, load_site_inputs
from tools.site.tables import PaperRow, papers_sorted

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site-cache"
    monkeypatch.setenv("SITE_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("SITE_CACHE", raising=False)
    sanitize._render.cache_clear()
    return folder


@pytest.fixture(scope="module")
def inputs() -> SiteInputs:
    return load_site_inputs(REPO_ROOT / "papers.yaml")


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the paper pages rendered (not taken from the cache), in order."""
    ids: list[str] = []
    view = paper_page.PaperPages.view

    def counting(self: Any, paper: Any, previous: Any, following: Any) -> Any:
        ids.append(paper.id)
        return view(self, paper, previous, following)

    monkeypatch.setattr(paper_page.PaperPages, "view", counting)
    return ids


def _uncached(inputs: SiteInputs, monkeypatch: pytest.MonkeyPatch) -> SiteBundle:
    with monkeypatch.context() as patch:
        patch.setenv("SITE_CACHE", "0")
        sanitize._render.cache_clear()
        return build_site(inputs, repo_root=REPO_ROOT)


def _cached(inputs: SiteInputs) -> SiteBundle:
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        return build_site(inputs, repo_root=REPO_ROOT)


def _rebuilt(inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Build `inputs` with the cache, check it against the uncached build, and return the pages it rendered."""
    rendered.clear()
    bundle = _cached(inputs)
    made = list(rendered)
    assert bundle == _uncached(inputs, monkeypatch)
    return made


def _with_paper(inputs: SiteInputs, paper_id: str, **update: Any) -> SiteInputs:
    """`inputs` with one paper changed (and the verdicts evaluated again, as a real build would)."""
    papers = [p.model_copy(update=update) if p.id == paper_id else p for p in inputs.catalogue.papers]
    catalogue = inputs.catalogue.model_copy(update={"papers": papers})
    results = evaluate_claims(catalogue, inputs.measurements)
    return dataclasses.replace(inputs, catalogue=catalogue, claim_results=results)


def _changed_pages(first: SiteBundle, second: SiteBundle) -> set[str]:
    return {path for path, text in second.pages.items() if first.pages.get(path) != text}


def test_a_warm_build_renders_no_page_and_is_the_uncached_build(
    inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached = _uncached(inputs, monkeypatch)
    rendered.clear()
    assert _cached(inputs) == uncached  # cold: every page rendered, then stored
    assert len(rendered) == len(inputs.catalogue.papers)
    rendered.clear()
    assert _cached(inputs) == uncached  # warm: every page from the cache
    assert rendered == []


def test_an_edited_paper_renders_its_own_page_and_neighbours_only(
    inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _cached(inputs)
    paper = next(p for p in inputs.catalogue.papers if p.tldr)
    edited = _with_paper(inputs, paper.id, tldr="Edited since the last build. " + paper.tldr)
    assert _rebuilt(edited, rendered, monkeypatch) == [paper.id]  # a TL;DR shows on its own page only

    retitled = _with_paper(edited, paper.id, title=paper.title + " (revised)")
    made = _rebuilt(retitled, rendered, monkeypatch)
    # Its page, the pages before and after it in the list (their "previous"/"next") and those relating to it.
    related_to_it = {p.id for p in inputs.catalogue.papers if paper.id in p.related}
    assert paper.id in made and related_to_it <= set(made)
    assert len(made) <= 3 + len(related_to_it)


@pytest.mark.parametrize("change", ["measurement", "stale", "latency", "claim verdict", "note file", "bibtex key"])
def test_each_input_of_a_page_renders_it_afresh(
    change: str, inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _cached(inputs)
    paper = next(p for p in inputs.catalogue.papers if p.id == "resnet")
    model = paper.models[0].id
    changed = inputs
    if change == "measurement":
        record = inputs.measurements[model]
        changed = dataclasses.replace(
            inputs, measurements={**inputs.measurements, model: record.model_copy(update={"params": 1})}
        )
    elif change == "stale":
        changed = dataclasses.replace(inputs, stale={**inputs.stale, model: "stale"})
    elif change == "latency":
        assert inputs.latency is not None and model in inputs.latency.models
        models = {k: v for k, v in inputs.latency.models.items() if k != model}
        changed = dataclasses.replace(inputs, latency=inputs.latency.model_copy(update={"models": models}))
    elif change == "claim verdict":
        claim = paper.claims[0]
        results = [
            dataclasses.replace(r, summary=r.summary + " Changed.")
            if (r.paper, r.claim_id) == (paper.id, claim.id)
            else r
            for r in inputs.claim_results
        ]
        changed = dataclasses.replace(inputs, claim_results=results)
    elif change == "note file":  # a file docs/notes/<id>.md appears
        original, listed = paper_page.read_note_file, paper_page.PaperPages._note_files
        monkeypatch.setattr(paper_page.PaperPages, "_note_files", lambda self: listed(self) | {paper.id})
        monkeypatch.setattr(
            paper_page,
            "read_note_file",
            lambda root, paper_id: (
                "A long-form note written since." if paper_id == paper.id else original(root, paper_id)
            ),
        )
    elif change == "bibtex key":  # another paper takes its citation key first: its key gets a suffix
        first = inputs.catalogue.papers[0]
        assert first.bibtex is not None and paper.bibtex is not None and first.id != paper.id
        changed = _with_paper(inputs, first.id, bibtex=first.bibtex.model_copy(update={"key": paper.bibtex.key}))
    assert paper.id in _rebuilt(changed, rendered, monkeypatch)


def test_a_cited_top1_of_another_paper_renders_the_page_it_heads(
    inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's headline top-1 is cited from whichever paper prints it for the page's first model."""
    from reference_impls import REGISTRY
    from tools.site.insights import imagenet_top1

    model, (cited, *_) = next(iter(imagenet_top1(inputs.catalogue, REGISTRY).items()))
    heading = next(p for p in inputs.catalogue.papers if p.id != cited.paper.id and p.models)
    ref = cited.paper.models[[r.id for r in cited.paper.models].index(model)]
    headed = _with_paper(inputs, heading.id, models=[ref, *heading.models])  # its first model is `model` now
    _cached(headed)
    claims = [c.model_copy(update={"value": 12.34}) if c is cited.claim else c for c in cited.paper.claims]
    recited = _with_paper(headed, cited.paper.id, claims=claims)
    assert heading.id in _rebuilt(recited, rendered, monkeypatch)


def test_a_link_to_a_paper_that_comes_or_goes_is_rendered_afresh(
    inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note's link `[x](<id>.md)` becomes that paper's URL only if the paper exists: adding or removing the
    paper it names changes the page, though nothing of the page's own entry changed."""
    order = [p.id for p in papers_sorted(inputs.catalogue.papers)]
    linking = inputs.catalogue.papers[0]
    at = order.index(linking.id)
    # A paper the linking one neither relates to nor sits next to: only the link ties the two pages together.
    target = next(p for p in inputs.catalogue.papers if p.id not in (*linking.related, *order[max(at - 1, 0) : at + 2]))
    note = f"See [the other paper]({target.id}.md#method)."
    with_link = _with_paper(inputs, linking.id, notes=linking.notes.model_copy(update={"en": note}))
    without_target = dataclasses.replace(
        with_link,
        catalogue=with_link.catalogue.model_copy(
            update={"papers": [p for p in with_link.catalogue.papers if p.id != target.id]}
        ),
    )
    without_target = dataclasses.replace(
        without_target, claim_results=[r for r in with_link.claim_results if r.paper != target.id]
    )
    linked_page = f"papers/{linking.id}.md"
    first = _cached(with_link)
    assert f'href="../{target.id}/#method"' in first.pages[linked_page]
    assert linking.id in _rebuilt(without_target, rendered, monkeypatch)
    assert f'href="{target.id}.md#method"' in _cached(without_target).pages[linked_page]
    assert linking.id in _rebuilt(with_link, rendered, monkeypatch)


def test_random_edits_never_serve_a_stale_page(
    inputs: SiteInputs, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several rounds of random edits to titles, venues, years, statuses, tags, related papers and TL;DRs of
    random papers: each cached build equals the uncached build of the same inputs."""
    rng = random.Random(20261202)
    current = inputs
    _cached(current)
    ids = [p.id for p in inputs.catalogue.papers]
    for _ in range(4):
        for paper_id in rng.sample(ids, 3):
            paper = next(p for p in current.catalogue.papers if p.id == paper_id)
            field = rng.choice(["title", "venue", "year", "status", "tags", "related", "tldr"])
            value: Any = {
                "title": paper.title + " II",
                "venue": paper.venue + " Workshop",
                "year": paper.year - 1,
                "status": "to-read" if paper.status != "to-read" else "read",
                "tags": sorted(set(paper.tags) ^ {"efficiency"}) or ["efficiency"],
                "related": [i for i in rng.sample(ids, 2) if i != paper_id],
                "tldr": f"Changed {rng.random():.6f}.",
            }[field]
            current = _with_paper(current, paper_id, **{field: value})
        assert len(_rebuilt(current, rendered, monkeypatch)) < len(ids)  # the cache was used


def test_the_table_template_reads_only_what_the_table_key_holds() -> None:
    """tables.Lists.table keys a table on each row's title, year, venue and status and its other fields: a
    template reading another field of the paper would be served stale when that field changes. Key it first."""
    template = (REPO_ROOT / "tools" / "site" / "templates" / "paper_table.md.j2").read_text(encoding="utf-8")
    assert set(re.findall(r"\br\.paper\.(\w+)", template)) == {"title", "year", "venue", "status"}
    assert {f.name for f in dataclasses.fields(PaperRow)} == {
        "paper", "link", "tag_links", "params", "macs", "top1", "tally"
    }  # fmt: skip


def test_a_stored_page_that_is_not_one_is_ignored() -> None:
    assert build_cache.unpack_page({"page": "x", "details": "{}", "links": {}}, set()) == ("x", "{}")
    for entry in (
        None,
        "page",
        {"page": 1, "details": "{}", "links": {}},
        {"page": "x", "details": {"a": "b"}, "links": {}},
        {"page": "x", "details": "{}", "links": {"b": "yes"}},
        {"page": "x", "details": "{}"},
    ):
        assert build_cache.unpack_page(entry, set()) is None
    # A paper a link named has come (or gone) since the page was stored.
    assert build_cache.unpack_page({"page": "x", "details": "{}", "links": {"b": False}}, {"b"}) is None
    assert build_cache.unpack_page({"page": "x", "details": "{}", "links": {"b": True}}, set()) is None


# ---- the claim verdicts, the claims table file and the compiled templates ---------------------------------------


def test_the_verdicts_read_only_the_judged_fields_of_a_paper() -> None:
    """claim_cache keys the verdicts on each paper's id, models and claims. Judging code that read another field
    of a paper (a title, a note) would serve stale verdicts when that field changes: key it first."""
    import ast

    from tools.catalogue.schema import Paper

    JUDGED_FIELDS = build_cache.JUDGED_FIELDS

    judging = ["claims.py", "evidence.py", "tolerance.py", "distribution.py", "latency.py", "evaluations.py"]
    read = set()
    for name in judging:
        tree = ast.parse((REPO_ROOT / "tools" / name).read_text(encoding="utf-8"))
        read |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert read & set(Paper.model_fields) <= JUDGED_FIELDS
    assert set(Paper.model_fields) >= JUDGED_FIELDS


def test_bibtex_entries_are_written_from_the_keyed_fields_only() -> None:
    """build_cache.bibtex_entries keys an entry on BIBTEX_FIELDS of its paper: the export reading another field
    would keep a stale entry when that field changes. Key it first."""
    import ast

    from tools.catalogue.schema import Paper

    tree = ast.parse((REPO_ROOT / "tools" / "bibtex_export.py").read_text(encoding="utf-8"))
    read = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & set(Paper.model_fields)
    assert read <= build_cache.BIBTEX_FIELDS <= set(Paper.model_fields)
    assert {"title", "authors", "year", "bibtex"} <= read  # the check sees the fields the export does read


def test_verdicts_are_reused_across_a_note_edit_and_judged_again_when_a_claim_changes(
    inputs: SiteInputs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tools.site import claim_cache

    judged: list[int] = []
    evaluate = claim_cache.evaluate_claims

    def counting(*args: Any) -> Any:
        judged.append(1)
        return evaluate(*args)

    monkeypatch.setattr(claim_cache, "evaluate_claims", counting)
    catalogue, measurements = inputs.catalogue, inputs.measurements
    with build_cache.build_cache(REPO_ROOT):
        first, _ = claim_cache.claim_results(catalogue, measurements)
    assert first == inputs.claim_results and len(judged) == 1
    paper = catalogue.papers[0]
    edited = _with_paper(inputs, paper.id, tldr="Edited.", title=paper.title + " II").catalogue
    with build_cache.build_cache(REPO_ROOT):
        reused, latency = claim_cache.claim_results(edited, measurements)
    assert reused == first and len(judged) == 1  # from the cache, equal field by field
    assert latency == inputs.latency
    claim = paper.claims[0]
    changed = _with_paper(inputs, paper.id, claims=[claim.model_copy(update={"text": "Changed."}), *paper.claims[1:]])
    with build_cache.build_cache(REPO_ROOT):
        again, _ = claim_cache.claim_results(changed.catalogue, measurements)
    assert again == changed.claim_results and len(judged) == 2
    # Another evaluations.yaml (an evaluation added) is another key.
    import tools.evaluations

    with build_cache.build_cache(REPO_ROOT) as cache:
        assert cache is not None
        before = claim_cache._key(cache, catalogue, measurements)
        copy = tmp_path / "evaluations.yaml"
        copy.write_bytes(tools.evaluations.EVALUATIONS_FILE.read_bytes() + b"\n# one more line\n")
        monkeypatch.setattr(tools.evaluations, "EVALUATIONS_FILE", copy)
        assert claim_cache._key(cache, catalogue, measurements) != before


def test_the_claims_file_reads_only_what_its_key_holds() -> None:
    """tables.Lists.claims_file keys data/claims.json on these fields of each row; claims_json must read no other."""
    import inspect

    from tools.site.tables import Lists

    source = inspect.getsource(Lists.claims_json)
    assert set(re.findall(r"\bp\.(\w+)", source)) <= {"id", "title"}
    assert set(re.findall(r"\bc\.(\w+)", source)) <= {
        "id", "text", "verdict", "summary_line", "claimed", "measured", "acknowledged", "anchor"
    }  # fmt: skip


def test_compiled_templates_are_reused_and_compiled_again_when_their_source_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinja2

    from tools.site.render import _SiteBytecodeCache

    (tmp_path / "page.j2").write_text("Hello {{ name }}.", encoding="utf-8")
    compiled: list[str] = []
    compile_source = jinja2.Environment._compile

    def counting(self: Any, source: str, filename: str) -> Any:
        compiled.append(filename)
        return compile_source(self, source, filename)

    monkeypatch.setattr(jinja2.Environment, "_compile", counting)

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), bytecode_cache=_SiteBytecodeCache())
        return env.get_template("page.j2").render(name="you")

    for _ in range(2):
        with build_cache.build_cache(REPO_ROOT):
            assert render() == "Hello you."
    assert len(compiled) == 1  # the second build loaded the first one's code
    (tmp_path / "page.j2").write_text("Goodbye {{ name }}.", encoding="utf-8")
    with build_cache.build_cache(REPO_ROOT):
        assert render() == "Goodbye you."  # Jinja's checksum of the source: compiled afresh
    assert len(compiled) == 2
    # A stored entry that is not compiled code is compiled afresh, not loaded.
    with build_cache.build_cache(REPO_ROOT) as cache:
        assert cache is not None
        (key,) = list(signed_store.Store(cache.templates.path, signed_store.signing_key())._records)
        cache.templates.put(key, "bm90IGNvZGU=")
    with build_cache.build_cache(REPO_ROOT):
        assert render() == "Goodbye you."
    assert len(compiled) == 3
    # Other code (the environment's settings live in render.py) is another key: compiled afresh too.
    monkeypatch.setattr(build_cache.BuildCache, "code_digest", lambda self: "other code")
    with build_cache.build_cache(REPO_ROOT):
        assert render() == "Goodbye you."
    assert len(compiled) == 4
