"""The Pagefind index step (tools/site/search_index.py): jieba pre-split, the search document of a page, and the
index of a tiny two-page site read back from Pagefind's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.site.search_index import (
    INDEX_CHUNK_LOCATIONS,
    SearchClaim,
    SearchIndexError,
    build_search_index,
    page_url,
    read_fragments,
    search_document,
    site_details,
    split_chinese,
    word_pieces,
)

PAGE = """<!doctype html><html lang="en"><head><title>X</title><script>var inHead = "skip me";</script></head>
<body><nav class="md-nav">Navigation words</nav>
<article class="md-content__inner md-typeset">
<h1 id="res2net">Res2Net: 多尺度骨干网络<a class="headerlink" href="#res2net">¶</a></h1>
<nav class="cat-crumbs"><p>Catalogue › res2net</p></nav>
<div class="cat-paper-meta"><p>Shang-Hua Gao, Ming-Ming Cheng · TPAMI 2021</p></div>
<section class="cat-stats" data-search-exclude="true"><p>Parameters 25,699,120</p></section>
<h2 id="tldr">TL;DR</h2>
<div class="cat-user"><p>Res2Net lowers the error &amp; keeps the cost.</p></div>
<h2 id="notes">Notes</h2>
<div class="tabbed-set"><div class="tabbed-labels"><label>English</label><label>中文</label></div>
<div class="tabbed-block"><p><em>No English note yet.</em></p></div>
<div class="tabbed-block"><div class="cat-user" lang="zh"><p>Res2Net,南开大学提出。FLOPs降低69%。
<a href="#claim-flops-69">⚠ refuted: see claim <code>flops-69</code></a></p></div></div></div>
<script>var x = "not indexed";</script>
<h2 id="models" data-search-exclude="true">Models and measured cost</h2>
<p>res2net50_26w_4s 25,557,032</p>
<details class="cat-lazy" data-key="model-res2net50_26w_4s"><summary>per-stage breakdown</summary></details>
<h3 id="implementation">Implementation</h3>
<pre><code>class Bottle2neck(nn.Module): pass</code></pre>
<h2 id="claims">Claims</h2>
<p>2 claims: 1 refuted, 1 cited.</p>
<div class="cat-claims" data-src="data/details/res2net.json">
<div id="claim-flops-69" class="cat-claim cat-claim--refuted">
<p><span class="cat-verdict">refuted</span> Measured 4.1 % more against the printed 69%.</p>
<p>Res2Net-50 needs only 69 % of the <code>FLOPs</code>.</p>
<details class="cat-lazy"><summary>Details (acknowledged)</summary></details>
</div>
<details class="cat-lazy cat-claims__group" data-key="cited-claims"><summary>1 cited claim</summary></details>
<p class="cat-anchors"><i id="claim-ssld" data-group="cited-claims"></i></p>
</div>
<h2 id="strengths-and-weaknesses">Strengths and weaknesses</h2>
<div class="admonition success"><p class="admonition-title">Strengths</p>
<div class="cat-user"><ul><li>A drop-in block.</li></ul></div></div>
<div class="admonition warning"><p class="admonition-title">Weaknesses</p><p><em>None recorded yet.</em></p></div>
<h2 id="related-papers">Related papers</h2>
<ul><li><a href="../resnet/">Deep Residual Learning for Image Recognition</a></li></ul>
<h2 id="bibtex">BibTeX</h2>
<pre>@article{gao2021res2net}</pre>
</article><footer>Footer words</footer></body></html>"""
DETAILS = {  # data/details/res2net.json: the claim group the page loads on request, and a claim's detail
    "cited-claims": '<div data-claim="claim-ssld" class="cat-claim cat-claim--cited">'
    '<p><span class="cat-verdict">cited</span> Not registered here.</p>'
    "<p>Res2Net-200 distilled with SSLD in PaddlePaddle reaches 85.13 %.</p>"
    '<details class="cat-lazy"><summary>Details</summary></details></div>',
    "claim-flops-69": "<dl><dt>Measured</dt><dd>4.26 G</dd></dl>",
}


def test_split_chinese_uses_real_spaces_and_leaves_other_text_alone() -> None:
    assert split_chinese("FLOPs降低69%") == "FLOPs 降低 69%"
    assert (
        split_chinese("Res2Net,南开大学提出。Ghost 模块（GhostNet）")
        == "Res2Net, 南开大学 提出 。 Ghost 模块 （ GhostNet ）"
    )
    assert split_chinese("Lower errors, 3×3 convolutions") == "Lower errors, 3×3 convolutions"
    assert "\u200b" not in split_chinese("显著降低计算量")


def test_word_pieces_make_each_piece_of_a_finer_cut_an_indexed_word() -> None:
    # jieba 0.42.1: 南开大学 | 提出, 倒 | 残差 | 结构; Chromium's Intl.Segmenter cuts 倒残差结构 as 倒|残|差|结构.
    assert word_pieces("南开大学提出") == ["南", "开大学", "南开", "大学", "南开大", "学", "提", "出"]
    assert word_pieces("倒残差结构") == ["残", "差", "结", "构"]
    assert word_pieces("模块，模型") == ["模", "块", "型"]  # 模 once
    assert word_pieces("大学和南开大学") == ["大", "学", "南", "开大学", "南开", "南开大"]  # not 大学: a word here
    assert word_pieces("FLOPs, 3×3 convolutions") == []


def test_search_document_keeps_texts_people_wrote_and_drops_numbers_code_and_chrome() -> None:
    document = search_document(PAGE, "/papers/res2net/", {"data/details/res2net.json": DETAILS}.__getitem__)
    assert document is not None
    assert document.title == "Res2Net: 多尺度骨干网络"  # the headerlink's ¶ is left out
    assert document.blocks == [
        (1.0, "Shang-Hua Gao, Ming-Ming Cheng · TPAMI 2021"),
        (5.0, "Res2Net lowers the error & keeps the cost."),
        (1.0, "Res2Net,南开大学提出。FLOPs降低69%。"),  # not the tab labels or the English placeholder
        (1.0, "A drop-in block."),  # not "Strengths", "Weaknesses" or "None recorded yet."
    ]
    assert document.claims == [  # the row's text, not its verdict line or details; the group loaded on request
        SearchClaim("claim-flops-69", "refuted", "Res2Net-50 needs only 69 % of the FLOPs."),
        SearchClaim("claim-ssld", "cited", "Res2Net-200 distilled with SSLD in PaddlePaddle reaches 85.13 %."),
    ]
    html = document.html()
    assert '<meta data-pagefind-meta="title[content]" content="Res2Net: 多 尺度 骨干 网络">' in html
    assert "<h1" not in html  # the title is a metadata field, ranked first and never repeated in an excerpt
    assert '<p data-pagefind-weight="5">Res2Net lowers the error &amp; keeps the cost.</p>' in html
    assert "<p>Res2Net, 南开大学 提出 。 FLOPs 降低 69% 。</p>" in html  # Pagefind does not split at 。
    claim = "<p>Res2Net-200 distilled with SSLD in PaddlePaddle reaches 85.13 %.</p>"
    assert f'<h2 id="claim-ssld">cited</h2>{claim}' in html  # the anchor Pagefind reports the hit under
    # prefixes and suffixes of 多 尺度 骨干 网络 南开大学 提出 降低, as metadata: matched, never shown in an excerpt
    pieces = "尺 度 骨 干 网 络 南 开大学 南开 大学 南开大 学 提 出 降 低"
    assert f'<meta data-pagefind-meta="pieces[content]" content="{pieces}">' in html
    for absent in (
        "Navigation",
        "Footer",
        "Catalogue",
        "25,699,120",
        "25,557,032",
        "Bottle2neck",
        "gao2021res2net",
        "not indexed",
        "Measured",
        "per-stage",
        "Deep Residual",
        "English",
        "yet",
        "2 claims",
        "4.26 G",
        "⚠",
        "see claim",
    ):
        assert absent not in html, absent


def test_without_the_details_file_only_the_claims_on_the_page_are_read() -> None:
    document = search_document(PAGE, "/papers/res2net/")
    assert document is not None
    assert [claim.anchor for claim in document.claims] == ["claim-flops-69"]


def test_an_unreadable_details_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "data" / "details").mkdir(parents=True)
    (tmp_path / "data" / "details" / "res2net.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SearchIndexError, match=r"data/details/res2net\.json: the details file .* is unreadable"):
        search_document(PAGE, "/papers/res2net/", site_details(tmp_path))
    (tmp_path / "data" / "details" / "res2net.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SearchIndexError, match="must map anchors to HTML, not hold a list"):
        search_document(PAGE, "/papers/res2net/", site_details(tmp_path))


def test_a_hand_written_page_keeps_its_headings_and_text() -> None:
    page = """<html><body><article><h1 id="conventions">Conventions</h1><p>What the numbers mean.</p>
    <h2 id="fidelity">Fidelity</h2><p>How closely a model follows its paper.</p>
    <h2 id="claims">Claims</h2><p>Every claim gets a verdict.</p></article></body></html>"""
    document = search_document(page, "/conventions/")
    assert document is not None and document.title == "Conventions" and not document.claims
    # not a paper page: its sections keep all their text, a "claims" heading included
    assert [text for _, text in document.blocks] == [
        "What the numbers mean.",
        "Fidelity",
        "How closely a model follows its paper.",
        "Claims",
        "Every claim gets a verdict.",
    ]


def test_pages_without_an_article_are_not_indexed() -> None:
    assert search_document("<html><body><p>Redirecting…</p></body></html>", "/old/") is None


def test_page_urls() -> None:
    site = Path("/site")
    assert page_url(site / "index.html", site) == "/"
    assert page_url(site / "papers" / "res2net" / "index.html", site) == "/papers/res2net/"
    assert page_url(site / "papers" / "res2net.html", site) == "/papers/res2net.html"


def test_index_of_a_tiny_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "papers" / "res2net").mkdir(parents=True)
    (site / "papers" / "res2net" / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "index.html").write_text(PAGE.replace("Res2Net", "Home"), encoding="utf-8")
    (site / "404.html").write_text(PAGE.replace("Res2Net", "Missing"), encoding="utf-8")
    (site / "data" / "details").mkdir(parents=True)
    (site / "data" / "details" / "res2net.json").write_text(json.dumps(DETAILS), encoding="utf-8")
    (site / "pagefind").mkdir()
    (site / "pagefind" / "stale.txt").write_text("from an earlier build", encoding="utf-8")

    assert build_search_index(site) == 2
    bundle = site / "pagefind"
    assert not (bundle / "stale.txt").exists()
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["en"] and entry["languages"]["en"]["page_count"] == 2
    records = read_fragments(bundle)
    assert sorted(records) == ["/", "/papers/res2net/"]
    record = records["/papers/res2net/"]
    assert record["meta"]["title"] == "Res2Net: 多 尺度 骨干 网络"
    assert record["meta"]["pieces"].startswith("尺 度 骨 干 网 络 南 开大学")
    assert "南开大学 提出 。 FLOPs 降低 69% 。" in record["content"]
    assert "开大学" not in record["content"].split() and "骨干" not in record["content"]  # no pieces, no title
    assert "SSLD in PaddlePaddle" in record["content"]  # the claim the page loads on request
    # Each claim is a sub-result at its row's anchor, titled by its verdict.
    assert [(a["element"], a["id"], a["text"]) for a in record["anchors"]] == [
        ("h2", "claim-flops-69", "refuted"),
        ("h2", "claim-ssld", "cited"),
    ]
    assert (bundle / "pagefind.js").is_file()


def test_index_chunks_hold_index_chunk_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 distinct words, each once: at Pagefind's default of 20,000 locations they are one chunk; with
    # INDEX_CHUNK_LOCATIONS = 2,500 (a location plus one per page and word, for each word) several.
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"w{letters[i // 676]}{letters[i // 26 % 26]}{letters[i % 26]}" for i in range(3000)]
    page = f"<html><body><article><h1>Lexicon</h1><p>{' '.join(words)}</p></article></body></html>"
    (tmp_path / "index.html").write_text(page, encoding="utf-8")

    def chunks() -> int:
        build_search_index(tmp_path)
        return len(list((tmp_path / "pagefind" / "index").glob("*.pf_index")))

    assert INDEX_CHUNK_LOCATIONS == 2500
    assert chunks() >= 3
    monkeypatch.setattr("tools.site.search_index.INDEX_CHUNK_LOCATIONS", 20_000)
    assert chunks() == 1
