"""The site: real `mkdocs build --strict` runs into temporary folders, and the generator on its own.

Fixture catalogues live in tests/fixtures/site/: `catalogue.yaml` (three papers, every verdict),
`hostile.yaml` (HTML, script and javascript: links in every text field), `invalid.yaml` (an unknown tag on
line 8), and `measurements.json` (measurements in the documented shape; one model failed, one is missing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError, load_catalogue
from tools.site.search_index import read_fragments

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "site"
FIXTURE_CATALOGUE = FIXTURES / "catalogue.yaml"
HOSTILE_CATALOGUE = FIXTURES / "hostile.yaml"
INVALID_CATALOGUE = FIXTURES / "invalid.yaml"
FIXTURE_MEASUREMENTS = FIXTURES / "measurements.json"
MKDOCS = Path(sys.executable).with_name("mkdocs")


def run_mkdocs(
    site_dir: Path, catalogue: Path, measurements: Path | None = FIXTURE_MEASUREMENTS
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERS_CATALOGUE": str(catalogue), "NO_MKDOCS_2_WARNING": "1"}
    if measurements is not None:
        env["PAPERS_MEASUREMENTS"] = str(measurements)
    else:
        env.pop("PAPERS_MEASUREMENTS", None)
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(REPO_ROOT / "mkdocs.yml"), "--site-dir", str(site_dir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def build_ok(site_dir: Path, catalogue: Path, measurements: Path | None = FIXTURE_MEASUREMENTS) -> Path:
    result = run_mkdocs(site_dir, catalogue, measurements)
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    return site_dir


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ok(tmp_path_factory.mktemp("fixture") / "site", FIXTURE_CATALOGUE)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ok(tmp_path_factory.mktemp("hostile") / "site", HOSTILE_CATALOGUE)


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Elements(HTMLParser):
    """Every start tag of a document with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse(path_or_html: Path | str) -> _Elements:
    parser = _Elements()
    parser.feed(path_or_html.read_text(encoding="utf-8") if isinstance(path_or_html, Path) else path_or_html)
    return parser


def article(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    start, end = html.index("<article"), html.index("</article>")
    return html[start:end]


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", "".join(parse(html).text))


REFUTATION_MARKER = re.compile(r" ?⚠ refuted: see claim [a-z0-9-]+")


def note_on_page(text: str) -> str:
    """A page's visible text without the markers added to sentences that a claim refutes."""
    return REFUTATION_MARKER.sub("", text)


def note_text(markdown: str) -> str:
    """What a reader sees of a Markdown note: its rendering, as visible text."""
    from tools.site.sanitize import render_markdown

    return visible_text(render_markdown(markdown)).strip()


# ---------------------------------------------------------------------------------------------------------------
# Content


def test_every_paper_has_a_page_with_both_notes_in_tabs(fixture_site: Path) -> None:
    catalogue = load_catalogue(FIXTURE_CATALOGUE)
    for paper in catalogue.papers:
        page = fixture_site / "papers" / paper.id / "index.html"
        assert page.is_file(), f"no page for {paper.id}"
        body = article(page)
        text = visible_text(body)
        assert 'class="tabbed-set tabbed-alternate"' in body
        assert re.search(r"<label[^>]*>English</label><label[^>]*>中文</label>", body)
        for note, placeholder in ((paper.notes.zh, "尚无中文笔记"), (paper.notes.en, "No English note yet")):
            if note is None:
                assert placeholder in text
                continue
            assert note_text(note) in text, f"{paper.id}: note missing"
            assert re.split(r"[*`\[\]<>_#$\n]", note.strip())[0].strip() in text  # independent of the renderer
    en = article(fixture_site / "papers" / "resnet" / "index.html")
    assert "<strong>degradation problem</strong>" in en  # Markdown in notes renders
    assert "<li>Bottleneck blocks <code>1x1-3x3-1x1</code></li>" in en
    assert '<a href="../res2net/#notes" rel="noopener noreferrer nofollow">Res2Net</a>' in en  # paper links work
    math = re.findall(r'<span class="arithmatex">(.*?)</span>', en)  # kept as written (Markdown specials as &#NN;)
    assert "$y = F(x) + x$" in [unescape(m) for m in math]


def test_paper_page_leads_with_its_numbers(fixture_site: Path) -> None:
    body = article(fixture_site / "papers" / "resnet" / "index.html")
    stats = body[body.index('class="cat-stats"') : body.index('id="tldr"')]
    # The headline model's exact parameters and conv + linear GMACs (fixture measurements), its fidelity, the
    # printed top-1 linked to its claim, and the verdict tally linked to the claims.
    assert "25,557,032" in stats and "4.089" in stats and "conv + linear MACs" in stats
    assert 'href="#model-resnet50"' in stats and "official" in stats
    assert re.search(r'<a href="#claim-top1">\d+\.\d\d %</a>', stats)
    assert re.search(r'<a href="#claims">\d+ claims: 1 refuted, 1 verified, 1 cited</a>', stats), stats
    assert body.index('class="cat-stats"') < body.index('id="notes"')


def test_paper_page_merges_models_and_cost_and_loads_details_on_demand(fixture_site: Path) -> None:
    body = article(fixture_site / "papers" / "resnet" / "index.html")
    row = re.search(r'<tr id="model-resnet50">.*?</tr>', body, re.S).group(0)
    for cell in ("25,557,032", "4.089", "4.112", "3×224×224", "official"):
        assert cell in row, (cell, row)
    assert "BN included" not in body
    assert "torch " in body and "measured 2026-11-28" in body  # provenance line
    # Per-stage tables, claim details and source listings are not in the page; they load from JSON / files.
    assert 'data-src="data/details/resnet.json"' in body
    assert '<details class="cat-lazy" data-key="model-resnet50">' in body
    assert '<details class="cat-lazy" data-code="code/reference_impls/resnet.py">' in body
    assert "def forward" not in body
    details = json.loads((fixture_site / "data" / "details" / "resnet.json").read_text(encoding="utf-8"))
    assert "<td>stage1</td>" in details["model-resnet50"]
    assert "Acknowledged:" in "".join(details.values())
    assert (fixture_site / "code" / "reference_impls" / "resnet.py").read_bytes() == (
        REPO_ROOT / "reference_impls" / "resnet.py"
    ).read_bytes()
    # Claim rows: an anchor, a verdict badge and one line; the rest behind a collapsed detail.
    # Refuted claims are in the page; verified and cited ones are one group per verdict whose rows load from the
    # same JSON, with an empty anchor left in the page for links to them.
    for claim_id, verdict in (("resnet50-params", "verified"), ("resnet50-flops", "refuted"), ("top1", "cited")):
        grouped = verdict in ("verified", "cited")
        where = details[f"{verdict}-claims"] if grouped else body
        attribute = "data-claim" if grouped else "id"
        assert f'<div {attribute}="claim-{claim_id}" class="cat-claim cat-claim--{verdict}">' in where, claim_id
        row = re.search(rf'<div {attribute}="claim-{claim_id}" .*?</div>', where, re.S).group(0)
        assert '<details class="cat-lazy"><summary>Details' in row and f"claim-{claim_id}" in details
        if grouped:
            assert f'<i id="claim-{claim_id}" data-group="{verdict}-claims"></i>' in body
            assert f'data-key="{verdict}-claims"><summary>1 {verdict} claim:' in body
    assert "`" not in visible_text(body[body.index('id="claims"') :])  # Markdown rendered, no raw backticks
    # BibTeX block (copyable code block) and the download link; navigation back and to the neighbours.
    assert "he2016resnet" in body and 'href="../../papers.bib"' in body
    assert '<a href="../../catalogue/">Catalogue</a>' in body and 'class="cat-pager' in body
    # Models not measured yet or failed are said so, not crashed on.
    assert "not measured yet" in article(fixture_site / "papers" / "mobilenetv2" / "index.html")
    assert "measurement failed" in article(fixture_site / "papers" / "res2net" / "index.html")


def test_index_tags_queue_claims_and_bib(fixture_site: Path) -> None:
    catalogue = load_catalogue(FIXTURE_CATALOGUE)
    index = article(fixture_site / "catalogue" / "index.html")
    assert 'class="cat-table" data-kind="papers"' in index
    data = json.loads((fixture_site / "data" / "papers.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in data["rows"]) == sorted(p.id for p in catalogue.papers)
    assert all(r["url"] == f"papers/{r['id']}/" for r in data["rows"])
    for tag in {t for p in catalogue.papers for t in p.tags}:
        assert (fixture_site / "tags" / tag / "index.html").is_file()
    queue = visible_text(article(fixture_site / "queue" / "index.html"))
    assert "Res2Net" in queue and "MobileNetV2" in queue and "Deep Residual" not in queue
    claims = json.loads((fixture_site / "data" / "claims.json").read_text(encoding="utf-8"))
    assert {r["verdict"] for r in claims["rows"]} >= {"verified", "refuted", "cited"}
    for field in ("text", "summary"):  # what a reader sees, not Markdown: the table script writes textContent
        assert not any("`" in r[field] or "**" in r[field] for r in claims["rows"]), field
    home = article(fixture_site / "index.html")
    assert "catalogue:" not in home  # markers expanded
    assert 'href="papers/mobilenetv2/"' in home  # recently added
    assert 'href="papers.bib"' in home
    from tools.bibtex_export import export_bibtex

    assert (fixture_site / "papers.bib").read_text(encoding="utf-8") == export_bibtex(catalogue)


def test_paper_pages_stay_out_of_the_navigation(fixture_site: Path) -> None:
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>', (fixture_site / "index.html").read_text(), re.S)
    assert nav is not None and "papers/resnet/" not in nav.group(0)


def test_paper_pages_are_small(fixture_site: Path) -> None:
    for page in (fixture_site / "papers").rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        assert len(html.encode()) <= 60_000, page


# ---------------------------------------------------------------------------------------------------------------
# Search, offline, failure


def test_search_index_holds_segmented_chinese(fixture_site: Path) -> None:
    # Pagefind's index (tools/site/search_index.py), built by the post-build hook; Material's lunr plugin is off.
    assert not (fixture_site / "search" / "search_index.json").exists()
    records = read_fragments(fixture_site / "pagefind")
    record = records["/papers/resnet/"]
    words = set(record["content"].split())
    assert {"残差", "网络", "退化", "恒等"} <= words, sorted(words)[:40]  # jieba's words, split by real spaces
    assert "\u200b" not in record["content"]
    # Bulky generated sections are kept out of the index; notes, titles, claim texts and authors are in it.
    assert record["meta"]["title"].startswith("Deep Residual Learning")
    assert "Kaiming He" in record["content"]
    assert "ResNet-50" in record["content"]  # claim texts are searchable
    papers = [r for url, r in records.items() if url.startswith("/papers/")]
    assert len(papers) == len(load_catalogue(FIXTURE_CATALOGUE).papers)
    assert not any(
        "--8<--" in r["content"] or "def forward" in r["content"] or "@inproceedings" in r["content"] for r in papers
    )  # source listings and BibTeX (hand-written pages may quote the syntax)


def test_no_page_loads_fonts_or_scripts_from_another_host(fixture_site: Path) -> None:
    external = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
    loaded_by = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}
    for page in html_files(fixture_site):
        for tag, attrs in parse(page).tags:
            name = loaded_by.get(tag)
            if name is not None:
                value = attrs.get(name) or ""
                assert not external.match(value), f"{page}: <{tag} {name}={value!r}> loads from another host"
        assert "fonts.googleapis" not in page.read_text(encoding="utf-8")
    for css in fixture_site.rglob("*.css"):
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:|fonts\.g", css.read_text(encoding="utf-8")), css


def test_invalid_catalogue_fails_the_build_with_file_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = run_mkdocs(site, INVALID_CATALOGUE)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "tests/fixtures/site/invalid.yaml:8:22: papers[0].tags[1]: unknown tag 'not-a-tag'" in output, output
    assert "Traceback" not in output
    assert not (site / "index.html").exists()


# ---------------------------------------------------------------------------------------------------------------
# Hostile input (issue 6)

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "img",
    "svg",
    "object",
    "embed",
    "frame",
    "frameset",
    "form",
    "base",
    "meta",
    "style",
}


def _url_is_script(value: str) -> bool:
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
    return squeezed.startswith(("javascript:", "data:", "vbscript:"))


def _is_own_chart(page: Path, site: Path, tag: str, attrs: dict[str, str | None]) -> bool:
    """An insight page's own chart (<img class="cat-chart"> of a generated SVG next to the page), or the home
    page's thumbnail of one (<img class="cat-thumb" src="insights/...">)."""
    if tag != "img":
        return False
    src = attrs.get("src") or ""
    if page.relative_to(site).as_posix() == "index.html":
        chart = r"insights/[a-z0-9-]+-(light|dark)\.svg#only-(light|dark)"
        return attrs.get("class") == "cat-thumb" and re.fullmatch(chart, src) is not None
    return (
        page.relative_to(site).parts[0] == "insights"
        and attrs.get("class") == "cat-chart"
        and re.fullmatch(r"\.\./[a-z0-9-]+-(light|dark)\.svg#only-(light|dark)", src) is not None
    )


def test_hostile_catalogue_renders_inert(hostile_site: Path) -> None:
    pages = html_files(hostile_site)
    assert (hostile_site / "papers" / "hostile" / "index.html") in pages
    for page in pages:
        doc = parse(page)
        for tag, attrs in doc.tags:
            for name, value in attrs.items():
                assert not name.startswith("on"), f"{page}: <{tag} {name}=...>"
                if name in ("href", "src", "action", "formaction", "xlink:href", "data"):
                    assert not _url_is_script(value or ""), f"{page}: <{tag} {name}={value!r}>"
        assert not any("alert(" in script for script in doc.scripts), f"{page}: catalogue text inside <script>"
        html = page.read_text(encoding="utf-8")
        assert "SNIPPET-CANARY" not in html, f"{page}: a catalogue value included a file"
        if "<article" in html:
            for tag, attrs in parse(article(page)).tags:
                if _is_own_chart(page, hostile_site, tag, attrs):
                    continue
                assert tag not in DANGEROUS_TAGS, f"{page}: <{tag}> inside the content"
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title is None or "<" not in title.group(1), f"{page}: markup in <title>"
    # The collapsed details are inserted into the page as HTML when opened: they must be as inert.
    details = sorted((hostile_site / "data" / "details").glob("*.json"))
    assert details
    for file in details:
        for key, fragment in json.loads(file.read_text(encoding="utf-8")).items():
            doc = parse(fragment)
            assert not doc.scripts and "alert(" not in "".join(doc.scripts), (file, key)
            for tag, attrs in doc.tags:
                assert tag not in DANGEROUS_TAGS, (file, key, tag)
                for name, value in attrs.items():
                    assert not name.startswith("on") and not _url_is_script(value or ""), (file, key, tag, name)


# Text the renderer unescapes (`\\[x\\](javascript:...)` -> `[x](javascript:...)`) and text that only MkDocs' own
# Markdown reads (`{: onclick=... }` of attr_list, `![](...)`), from every field that lands in a generated page.
ESCAPED_PAYLOADS = {
    "index.html": ["Refuted [clickme](javascript:alert(31)) and *y*{: onclick=alert(32) }"],
    "claims/index.html": [
        # The image itself is Markdown the sanitizer drops on the first pass; the text around it stays.
        "Refuted [clickme](javascript:alert(31)) and *y*{: onclick=alert(32) }"
        ' x {: onclick="alert(33)" style="color:red" }',
        "[9999M](javascript:alert(42)) *p*{: onclick=alert(44) }",
        "Because [x](javascript:alert(41)) *x*{: onclick=alert(43) } ![u](https://evil.example/u.png)",
    ],
    "papers/hostile/index.html": [
        "[tldr-esc](javascript:alert(25)) *t*{: onclick=alert(26) }",
        "[strength-esc](javascript:alert(21)) *s*{: onclick=alert(22) }",
        'weakness-esc [w](javascript:alert(23)) {: onclick="alert(24)" style="color:red" }',
    ],
}


def test_markdown_escapes_in_catalogue_text_are_not_read_twice(hostile_site: Path) -> None:
    for page in html_files(hostile_site):
        doc = parse(page)
        for tag, attrs in doc.tags:
            assert not (tag == "img" and "evil.example" in (attrs.get("src") or "")), f"{page}: <img {attrs}>"
            assert not any(name.startswith("on") for name in attrs), f"{page}: <{tag} {attrs}>"
            assert "color:red" not in (attrs.get("style") or ""), f"{page}: <{tag} {attrs}>"
            assert not _url_is_script(attrs.get("href") or ""), f"{page}: <{tag} {attrs}>"
    for name, payloads in ESCAPED_PAYLOADS.items():
        text = visible_text((hostile_site / name).read_text(encoding="utf-8"))
        for payload in payloads:
            assert payload in text, f"{name}: {payload!r} is not shown as written"


HOSTILE_CLAIM = "evil-claim"


def test_hostile_catalogue_keeps_ordinary_markdown(hostile_site: Path) -> None:
    body = article(hostile_site / "papers" / "hostile" / "index.html")
    assert "<strong>english-bold</strong>" in body
    assert "<em>emphasis</em>" in body
    assert "<code>english-code</code>" in body
    assert "<li>first item</li>" in body
    assert '<a href="https://example.com/en" rel="noopener noreferrer nofollow">a good link</a>' in body
    assert "<strong>中文粗体</strong>" in body and "<code>中文代码</code>" in body
    assert "<strong>strength-bold</strong>" in body and "<code>weakness-code</code>" in body
    rows = json.loads((hostile_site / "data" / "claims.json").read_text(encoding="utf-8"))["rows"]
    text = next(r["text"] for r in rows if r["claim"] == HOSTILE_CLAIM)  # for textContent: plain, no Markdown
    assert "claim-bold" in text and "**" not in text and "<script>" not in text
    details = (hostile_site / "data" / "details" / "hostile.json").read_text(encoding="utf-8")
    assert "<strong>claim-bold</strong>" in body and "<em>ack-em</em>" in json.loads(details)["claim-" + HOSTILE_CLAIM]
    # Short fields show the text literally (escaped), never as markup.
    text = visible_text(body)
    assert "<script>alert('title')</script>" in text
    assert "<img src=x onerror=alert('author')>" in text
    # A fenced block inside a note stays inside the note; a `--8<--` line is shown, not executed.
    assert '--8&lt;-- "tests/fixtures/site/hostile.yaml"' in body


# ---------------------------------------------------------------------------------------------------------------
# The generator on its own (fast)


def _inputs(catalogue: Path = FIXTURE_CATALOGUE):
    from tools.site.pipeline import load_site_inputs

    return load_site_inputs(catalogue, FIXTURE_MEASUREMENTS)


def test_generation_is_deterministic() -> None:
    import dataclasses

    from tools.site.pipeline import build_site

    inputs = _inputs()
    first = build_site(inputs, repo_root=REPO_ROOT)
    shuffled = dict(reversed(list(inputs.measurements.items())))
    second = build_site(dataclasses.replace(inputs, measurements=shuffled), repo_root=REPO_ROOT)
    assert first == second
    assert list(first.pages) == sorted(first.pages) and list(first.assets) == sorted(first.assets)


def _synthetic(count: int):
    from tools.catalogue import Catalogue

    papers = [
        {
            "id": f"paper-{i:04d}",
            "title": f"Synthetic paper {i}",
            "authors": ["A. Author"],
            "year": 2000 + i % 20,
            "venue": "CVPR",
            "tags": ["backbone"],
            "status": ["read", "reading", "to-read"][i % 3],
            "added": f"2026-01-{1 + i % 28:02d}",
            "notes": {"zh": f"中文笔记 {i}", "en": f"English note {i}"},
            "related": [f"paper-{(i + 1) % count:04d}"] if count > 1 else [],
        }
        for i in range(count)
    ]
    return Catalogue.model_validate({"papers": papers}, strict=False)


def test_table_pages_render_one_page_statically_and_page_the_rest_from_json() -> None:
    from tools.site.pipeline import SiteInputs, build_site
    from tools.site.tables import STATIC_ROWS

    bundle = build_site(SiteInputs(_synthetic(130), {}, []), repo_root=REPO_ROOT)
    catalogue_rows = [line for line in bundle.pages["catalogue.md"].splitlines() if line.startswith("| [")]
    assert len(catalogue_rows) == STATIC_ROWS
    assert len(json.loads(bundle.assets["data/papers.json"])["rows"]) == 130
    tag_rows = [line for line in bundle.pages["tags/backbone.md"].splitlines() if line.startswith("| [")]
    assert len(tag_rows) == STATIC_ROWS


def test_paper_page_does_not_grow_with_the_catalogue() -> None:
    from tools.site.pipeline import SiteInputs, build_site

    small = build_site(SiteInputs(_synthetic(3), {}, []), repo_root=REPO_ROOT).pages["papers/paper-0001.md"]
    large = build_site(SiteInputs(_synthetic(400), {}, []), repo_root=REPO_ROOT).pages["papers/paper-0001.md"]
    pager = re.compile(r'<nav class="cat-pager".*?</nav>', re.S)  # the neighbours' titles differ in length
    assert len(pager.sub("", large)) == len(pager.sub("", small))


def test_long_form_notes_are_pulled_in_and_sanitized(tmp_path: Path) -> None:
    from tools.site.pipeline import build_site

    notes = tmp_path / "docs" / "notes"
    notes.mkdir(parents=True)
    (notes / "resnet.md").write_text(
        "# Derivation\n\nThe **identity** shortcut.<script>alert(1)</script>\n", encoding="utf-8"
    )
    inputs = _inputs()
    bundle = build_site(inputs, repo_root=tmp_path)
    page = bundle.pages["papers/resnet.md"]
    assert "## Long-form notes" in page and "<h3>Derivation</h3>" in page and "<strong>identity</strong>" in page
    assert "<script>" not in page
    assert "## Long-form notes" not in bundle.pages["papers/res2net.md"]


def test_unknown_or_malformed_markers_fail() -> None:
    from tools.site.generate import MarkerError, expand_markers

    catalogue = load_catalogue(FIXTURE_CATALOGUE)
    good = expand_markers("# Home\n\n<!-- catalogue:recent n=2 -->\n", page_path="index.md", catalogue=catalogue)
    assert "papers/mobilenetv2.md" in good and "papers/resnet.md" not in good
    nested = expand_markers("<!-- catalogue:recent -->\n", page_path="guide/start.md", catalogue=catalogue)
    assert "../papers/resnet.md" in nested
    with pytest.raises(MarkerError, match=r"docs/index.md:3: unknown marker `catalogue:nope`"):
        expand_markers(
            "# Home\n\n<!-- catalogue:nope -->\n", page_path="index.md", catalogue=catalogue, source="docs/index.md"
        )
    with pytest.raises(MarkerError, match=r"index.md:2: malformed"):
        expand_markers("x\n<!-- catalogue:recent\n", page_path="index.md", catalogue=catalogue)
    with pytest.raises(MarkerError, match="unknown argument"):
        expand_markers("<!-- catalogue:recent m=3 -->\n", page_path="index.md", catalogue=catalogue)


def test_hook_turns_marker_and_catalogue_errors_into_plugin_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError

    from tools.site import mkdocs_hook

    monkeypatch.setenv("PAPERS_CATALOGUE", str(FIXTURE_CATALOGUE))
    monkeypatch.setenv("PAPERS_MEASUREMENTS", str(FIXTURE_MEASUREMENTS))
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    mkdocs_hook.on_config(config)
    assert config.mdx_configs["pymdownx.snippets"]["base_path"] == [str(REPO_ROOT / "reference_impls")]  # issue 13
    page = SimpleNamespace(file=SimpleNamespace(generated_by=None, src_uri="index.md"))
    with pytest.raises(PluginError, match="unknown marker"):
        mkdocs_hook.on_page_markdown("<!-- catalogue:bogus -->\n", page=page, config=config, files=None)

    class Server:
        def __init__(self) -> None:
            self.watched: list[tuple[str, bool]] = []

        def watch(self, path: str, recursive: bool = True) -> None:
            self.watched.append((path, recursive))

    server = Server()
    mkdocs_hook.on_serve(server, config=config, builder=None)
    watched = {Path(p) for p, recursive in server.watched if not recursive}
    assert len(watched) == len(server.watched)
    assert {FIXTURE_CATALOGUE, FIXTURE_MEASUREMENTS, REPO_ROOT / "reference_impls" / "__init__.py"} <= watched
    assert all(path.is_file() for path in watched)  # files, not folders: a log or __pycache__ never rebuilds

    monkeypatch.setenv("PAPERS_CATALOGUE", str(INVALID_CATALOGUE))
    with pytest.raises(PluginError, match=r"invalid\.yaml:8:22: papers\[0\]\.tags\[1\]"):
        mkdocs_hook.on_config(load_config(str(REPO_ROOT / "mkdocs.yml")))


def test_cli_writes_pages_for_another_engine(tmp_path: Path) -> None:
    out = tmp_path / "pages"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.site.generate",
            "--out",
            str(out),
            "--catalogue",
            str(FIXTURE_CATALOGUE),
            "--measurements",
            str(FIXTURE_MEASUREMENTS),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "papers" / "resnet.md").is_file() and (out / "papers.bib").is_file()
    home = (out / "index.md").read_text(encoding="utf-8")
    assert "<!-- catalogue:" not in home and "papers/mobilenetv2.md" in home
    refused = subprocess.run(
        [sys.executable, "-m", "tools.site.generate", "--out", str(REPO_ROOT / "docs" / "generated")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2 and not (REPO_ROOT / "docs" / "generated").exists()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_table_script_parses() -> None:
    result = subprocess.run(
        ["node", "--check", str(REPO_ROOT / "docs" / "assets" / "javascripts" / "tables.js")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------------------------
# The real catalogue


def _real_catalogue_or_skip():
    if not DEFAULT_CATALOGUE.is_file():
        pytest.skip("papers.yaml does not exist yet")
    try:
        return load_catalogue(DEFAULT_CATALOGUE)
    except CatalogueError as exc:  # the catalogue tests report this; here it only means there is nothing to build
        pytest.skip(f"papers.yaml is not valid yet:\n{exc.report()}")


@pytest.mark.slow
def test_real_catalogue_builds(tmp_path: Path) -> None:
    catalogue = _real_catalogue_or_skip()
    site = build_ok(tmp_path / "site", DEFAULT_CATALOGUE, measurements=None)
    for paper in catalogue.papers:
        page = site / "papers" / paper.id / "index.html"
        assert page.is_file(), paper.id
        # Page weight at load: details, stage tables and source listings come from JSON when opened.
        html = page.read_text(encoding="utf-8")
        assert len(html.encode()) <= 60_000, (paper.id, len(html.encode()))
        assert len(parse(html).tags) <= 1_500, (paper.id, len(parse(html).tags))
        body = article(page)
        assert re.search(r"<label[^>]*>English</label><label[^>]*>中文</label>", body)
        text = visible_text(body)
        for note in (paper.notes.zh, paper.notes.en):
            if note:
                assert note_text(note) in note_on_page(text), f"{paper.id}: note missing"
    records = read_fragments(site / "pagefind")
    assert all(f"/papers/{paper.id}/" in records for paper in catalogue.papers)


# ---------------------------------------------------------------------------------------------------------------
# Pieces of the pipeline on their own


def test_nested_lists_render_as_github_renders_them() -> None:
    from tools.site.sanitize import render_markdown

    # Two-space nesting under "- ", three-space nesting under "1. ", a lazy continuation line.
    assert render_markdown("- outer\n  - inner\n- next") == (
        "<ul>&#10;<li>outer<ul>&#10;<li>inner</li>&#10;</ul>&#10;</li>&#10;<li>next</li>&#10;</ul>"
    )
    assert render_markdown("1. one\n   - sub\n2. two") == (
        "<ol>&#10;<li>one<ul>&#10;<li>sub</li>&#10;</ul>&#10;</li>&#10;<li>two</li>&#10;</ol>"
    )
    nested = render_markdown("- a note,\nwrapped\n\n  - [a link](https://example.com/x)\n")
    assert nested.count("<ul>") == 2 and "<li>&#10;<p>a note,&#10;wrapped</p>&#10;<ul>" in nested
    assert render_markdown("```\n  - kept\n```") == "<pre><code>  - kept&#10;</code></pre>"


def claim_view(**fields: Any) -> Any:
    """A `ClaimView` with empty text fields, a verified verdict from a paper, and `fields` over them."""
    from tools.site.views import ClaimView

    blank: dict[str, Any] = {
        "text": "", "quote": "", "subject": "", "verdict": "verified", "summary": "", "basis": "", "claimed": "",
        "measured": "", "printed": "", "computation": "", "rule": "", "table_rule": "", "diagnosis": (),
        "readings": (), "acknowledged": "", "source": None, "source_text": "", "origin": "paper",
        "confidence": "A", "models": (),
    }  # fmt: skip
    return ClaimView(**{**blank, **fields})


def test_refuted_note_sentences_get_a_marker_in_either_language() -> None:
    from tools.site.notes import mark_refuted_sentences

    claim = claim_view(
        id="note-69", quote="比如A相比B，误差降低0.93%，而FLOPs降低69%。", verdict="refuted", origin="note"
    )
    zh = "第一句。比如A相比B，误差降低0.93%，\n而FLOPs降低69%。最后一句。"
    en = "First. A lowers the error by 0.93 % while its FLOPs drop by 69 %. Last."
    marker = " [⚠ refuted: see claim `note-69`](#claim-note-69)"
    assert mark_refuted_sentences(zh, [claim]) == (
        "第一句。比如A相比B，误差降低0.93%，\n而FLOPs降低69%。" + marker + "最后一句。"
    )
    assert mark_refuted_sentences(en, [claim]) == (
        "First. A lowers the error by 0.93 % while its FLOPs drop by 69 %." + marker + " Last."
    )
    verified = claim_view(**{**claim.__dict__, "verdict": "verified"})
    assert mark_refuted_sentences(en, [verified]) == en  # only refutations are marked


def test_code_links_are_named_by_repository() -> None:
    from tools.site.views import repository_name

    assert repository_name("https://github.com/Res2Net/Res2Net-PretrainedModels") == (
        "GitHub: Res2Net/Res2Net-PretrainedModels"
    )
    assert repository_name("https://github.com/a/b.git/tree/main") == "GitHub: a/b"
    assert repository_name("https://gitee.com/x/y") == "Gitee: x/y"
    assert repository_name("https://example.org/code") == "example.org"
    # The label names the host a browser visits, not a user name that looks like one.
    assert repository_name("https://github.com@evil.example/a/b") == "evil.example"
    assert repository_name("https://user:pw@Example.ORG:8443/x") == "example.org"


def test_home_page_finding_is_the_largest_refutation() -> None:
    from tools.site.markers import expand_markers

    inputs = _inputs()
    text = expand_markers(
        "<!-- catalogue:finding -->\n",
        page_path="index.md",
        catalogue=inputs.catalogue,
        claim_results=inputs.claim_results,
    )
    assert text.startswith('!!! failure "Refuted: Res2Net: A New Multi-scale Backbone Architecture"'), text
    # The diagnosis follows the two numbers; the summary would only repeat them.
    assert "Printed: **69%**. Recomputed: **4.4 % more**. No possible cause found among the other readings" in text
    assert "(papers/res2net.md#claim-flops-vs-resnet50)" in text
    with pytest.raises(Exception, match=re.escape("index.md:1: `catalogue:finding` takes no arguments")):
        expand_markers("<!-- catalogue:finding n=2 -->\n", page_path="index.md", catalogue=inputs.catalogue)


def test_stats_block_reads_latency_and_independent_top1() -> None:
    from tools.site.views import Evaluation, ModelRow, stats_of

    claim = claim_view(
        id="top1",
        models=("m",),
        evidence=(Evaluation(22.5, "timm", True), Evaluation(22.0, "the authors", False)),
    )
    model = ModelRow(id="m", name="M", table="", fidelity="official", cost=None, stale=False)
    cited = SimpleNamespace(
        value=78.0, claim=SimpleNamespace(id="top1", quantity="top1_error", test_crops=None, origin="paper")
    )
    machine = SimpleNamespace(cpu_model="Test CPU", torch="2.13.0")
    timings = (SimpleNamespace(threads=2, median_ms=5.0), SimpleNamespace(threads=1, median_ms=9.25))
    latency = SimpleNamespace(machine=machine, models={"m": SimpleNamespace(timings=timings)})
    stats = stats_of([model], [claim], {"m": [cited]}, latency)
    assert stats.latency_ms == 9.25 and stats.latency_machine == "Test CPU, torch 2.13.0"
    # The printed error is shown as an accuracy, and so is the independent evaluation (100 − 22.5); the authors'
    # own evaluation is not independent.
    top1 = [(t.value, [(e.value, e.evaluator) for e in t.independent]) for t in stats.top1]
    assert top1 == [(78.0, [(77.5, "timm")])]
    assert stats_of([model], [claim], {"m": [cited]}, None).latency_ms is None


def test_the_headline_top1_is_a_single_crop_number_the_paper_prints() -> None:
    """DenseNet-121: the paper's single-crop 74.98 %, not beside it the 10-crop figure or the README's; timm's
    evaluation of the weights once."""
    from tools.site.views import Evaluation, ModelRow, stats_of

    model = ModelRow(id="m", name="M", table="", fidelity="official", cost=None, stale=False)
    timm = (Evaluation(25.25, "timm", True),)
    rows = {
        "one-crop": ("paper", 1, 25.02),
        "ten-crop": ("paper", 10, 23.61),
        "readme": ("official-code", 1, 25.0),
    }
    claims = [claim_view(id=name, models=("m",), evidence=timm) for name in rows]
    cited = [
        SimpleNamespace(
            value=100 - error,
            claim=SimpleNamespace(id=name, quantity="top1_error", test_crops=crops, origin=origin),
        )
        for name, (origin, crops, error) in rows.items()
    ]
    stats = stats_of([model], claims, {"m": cited})
    assert [t.claim_id for t in stats.top1] == ["one-crop"] and stats.top1_by == "the paper"
    assert [(e.value, e.evaluator) for e in stats.top1_evaluations] == [(74.75, "timm")]
    readme_only = stats_of([model], claims, {"m": cited[2:]})
    assert [t.claim_id for t in readme_only.top1] == ["readme"] and readme_only.top1_by == "the authors' code"


def test_a_model_whose_trace_drops_unused_layers_is_pointed_out() -> None:
    """The official Res2Net-DLA-60 runs projections it discards: fvcore's total falls below conv + linear."""
    from tools.site.views import ModelRow

    def row(conv: int, fvcore: int) -> ModelRow:
        cost = SimpleNamespace(ok=True, macs_conv_linear=conv, fvcore_total=fvcore)
        return ModelRow(id="m", name="M", table="", fidelity="official", cost=cost, stale=False)  # type: ignore[arg-type]

    assert row(4_200, 4_147).traces_less_than_it_runs
    assert not row(4_147, 4_200).traces_less_than_it_runs
    assert not ModelRow(
        id="m", name="M", table="", fidelity="official", cost=None, stale=False
    ).traces_less_than_it_runs


def test_relative_links_are_what_relpath_gives() -> None:
    """views.rel computes links from the two paths alone; it must give posixpath.relpath's answer for every pair
    of docs-relative paths, odd ones included (`.`, `..`, repeated folders)."""
    import posixpath
    import random

    from tools.site.views import rel

    rng = random.Random(20261202)
    names = ["a", "b", "papers", "tags", "x.md", "index.md", ".", "..", "data", "c.json"]
    for _ in range(20_000):
        page = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        target = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        assert rel(page, target) == posixpath.relpath(target, posixpath.dirname(page) or "."), (page, target)
    assert rel("papers/resnet.md", "tags/backbone.md") == "../tags/backbone.md"
    assert rel("catalogue.md", "papers/resnet.md") == "papers/resnet.md"
