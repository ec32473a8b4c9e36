"""The Pagefind index step (tools/site/search_index.py): jieba pre-split, the search document of a page, and the
index of a tiny two-page site read back from Pagefind's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.site.search_index import (
    SearchIndexError,
    build_search_index,
    page_url,
    read_fragments,
    search_document,
    split_chinese,
    word_suffixes,
)

PAGE = """<!doctype html><html lang="en"><head><title>X</title><script>var inHead = "skip me";</script></head>
<body><nav class="md-nav">Navigation words</nav>
<article class="md-content__inner md-typeset">
<h1 id="res2net">Res2Net: 多尺度骨干网络<a class="headerlink" href="#res2net">¶</a></h1>
<h2 id="tldr">TL;DR</h2>
<div class="cat-user"><p>Res2Net lowers the error &amp; keeps the cost.</p></div>
<h2 id="notes">Notes</h2>
<div class="cat-user" lang="zh"><p>Res2Net,南开大学提出。FLOPs降低69%。</p></div>
<script>var x = "not indexed";</script>
<h2 id="models">Models</h2>
<p>res2net50_26w_4s</p>
<h3 id="measured-cost">Measured cost</h3>
<table><tr><td>25,557,032</td></tr></table>
<h3 id="implementation">Implementation</h3>
<pre><code>class Bottle2neck(nn.Module): pass</code></pre>
<h2 id="claims">Claims</h2>
<table><tr><td><div class="cat-user">Res2Net-50 needs only 69 % of the FLOPs.</div>
<p class="cat-claim__meta">id-1</p></td>
<td><p>Claimed: 69%</p></td></tr></table>
<h2 id="bibtex">BibTeX</h2>
<pre>@article{gao2021res2net}</pre>
</article><footer>Footer words</footer></body></html>"""


def test_split_chinese_uses_real_spaces_and_leaves_other_text_alone() -> None:
    assert split_chinese("FLOPs降低69%") == "FLOPs 降低 69%"
    assert (
        split_chinese("Res2Net,南开大学提出。Ghost 模块（GhostNet）")
        == "Res2Net, 南开大学 提出 。 Ghost 模块 （ GhostNet ）"
    )
    assert split_chinese("Lower errors, 3×3 convolutions") == "Lower errors, 3×3 convolutions"
    assert "\u200b" not in split_chinese("显著降低计算量")


def test_word_suffixes_let_a_finer_cut_of_the_query_match() -> None:
    # jieba 0.42.1: 南开大学 | 提出, 倒 | 残差 | 结构; Chromium's Intl.Segmenter cuts 倒残差结构 as 倒|残|差|结构.
    assert word_suffixes("南开大学提出") == ["开大学", "大学", "学", "出"]
    assert word_suffixes("倒残差结构") == ["差", "构"]
    assert word_suffixes("FLOPs, 3×3 convolutions") == []


def test_search_document_keeps_texts_people_wrote_and_drops_numbers_code_and_chrome() -> None:
    document = search_document(PAGE, "/papers/res2net/")
    assert document is not None
    assert document.title == "Res2Net: 多尺度骨干网络"  # the headerlink's ¶ is left out
    assert document.blocks == [
        (5.0, "TL;DR"),
        (5.0, "Res2Net lowers the error & keeps the cost."),
        (1.0, "Notes"),
        (1.0, "Res2Net,南开大学提出。FLOPs降低69%。"),
        (1.0, "Models"),
        (1.0, "res2net50_26w_4s"),  # the model list is kept; its measured costs and source are not
        (1.0, "Res2Net-50 needs only 69 % of the FLOPs."),  # the claim's text, not its numbers or id
    ]
    html = document.html()
    assert '<h1 data-pagefind-weight="10">Res2Net: 多 尺度 骨干 网络</h1>' in html
    assert '<p data-pagefind-weight="5">Res2Net lowers the error &amp; keeps the cost.</p>' in html
    assert "<p>Res2Net, 南开大学 提出 。 FLOPs 降低 69% 。</p>" in html  # Pagefind does not split at 。
    assert html.endswith(
        "<p>度 干 络 开大学 大学 学 出 低</p></body></html>"
    )  # suffixes of 尺度 骨干 网络 南开大学 ...
    for absent in ("Navigation", "Footer", "25,557,032", "Bottle2neck", "gao2021res2net", "not indexed", "id-1"):
        assert absent not in html


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
    assert "南开大学 提出 。 FLOPs 降低 69% 。" in record["content"]
    assert (bundle / "pagefind.js").is_file()


def test_index_refuses_a_missing_site(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="no built site there"):
        build_search_index(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SearchIndexError, match="no page with an <article>"):
        build_search_index(tmp_path / "empty")
