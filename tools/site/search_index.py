"""The site's search index: Pagefind over the built pages, with Chinese pre-split by jieba.

Pagefind splits its index into small chunks, so a query fetches a few of them instead of one file holding the whole
site (docs/performance.md, "Search"). It reads HTML, but not the pages as they are:

* **Chinese.** Pagefind segments Chinese only on pages whose `<html lang>` is `zh` (ours are `en`, and a `zh` page
  would go to a separate index without English stemming), and text split with U+200B, lunr's separator, is not
  found. So every run of Chinese characters is handed to Pagefind split by jieba with real spaces (excerpts stay
  readable: the search box joins the words again). The browser splits a query with `Intl.Segmenter`, not jieba,
  and cuts technical words finer (模块 → 模|块); a query word matches any indexed word it begins, and every
  suffix of jieba's words is indexed too (模块 → 块), so each piece of the browser's cut begins an indexed word.
* **What is indexed.** Only the article of each page: the title, the TL;DR (weighted first after the title), notes,
  strengths, weaknesses, hand-written pages and the texts of claims. The measured-cost tables, source listings,
  BibTeX and the numeric columns of the claim tables are left out, as they are left out of lunr's index.

The page files are not changed: each page is reduced to a search document (title, weighted TL;DR, text blocks)
that only Pagefind sees, under the page's own URL. Engine-agnostic: it reads any site whose pages put their
content in `<article>` (Material for MkDocs, ProperDocs and Zensical do).

    python -m tools.site.search_index build/site      # writes build/site/pagefind/
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUNDLE_DIR = "pagefind"
FRAGMENT_SIGNATURE = b"pagefind_dcd"
TITLE_WEIGHT = 10.0  # Pagefind weighs an <h1> 7 by default; the title must outrank any body text
WEIGHTED_SECTIONS = {"tldr": 5.0}  # heading id -> weight of the section's text
# Sections (by heading id) whose content is numbers, code or BibTeX; only `KEEP_CLASS` text inside them is kept.
EXCLUDED_SECTIONS = frozenset({"measured-cost", "implementation", "claims", "bibtex"})
KEEP_CLASS = "cat-user"  # text written by people (claim texts inside the claims table)
SKIPPED_CLASSES = frozenset({"headerlink", "cat-table", "md-source-file", "cat-claim__meta"})
SKIPPED_TAGS = frozenset({"script", "style", "svg", "template", "noscript", "button", "nav"})
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "blockquote",
        "pre",
        "br",
        "dd",
        "dt",
        "section",
        "details",
        "summary",
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "label",
    }
)
VOID_TAGS = frozenset({"br", "img", "input", "hr", "meta", "link", "wbr", "source", "col", "area", "base"})

CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
_TOKEN = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|([^<]+)|<", re.S)
_ARTICLE = re.compile(r"<article\b[^>]*>", re.I)
_HEADING = re.compile(r"h([1-6])")
_ATTR_ID = re.compile(r"""\bid\s*=\s*["']([^"']*)["']""")
_ATTR_CLASS = re.compile(r"""\bclass\s*=\s*["']([^"']*)["']""")


class SearchIndexError(Exception):
    """The index cannot be built (no pages, or Pagefind failed); the message says why."""


# ---------------------------------------------------------------------------------------------------------------
# Chinese: jieba, real spaces


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(60)  # no "Building prefix dict" chatter in the build log
    return jieba


def split_chinese(text: str) -> str:
    """`text` with every run of Chinese characters replaced by its jieba words, separated by real spaces.

    >>> split_chinese("FLOPs降低69%")
    'FLOPs 降低 69%'
    """
    if not CJK_RUN.search(text):
        return text
    jieba = _jieba()

    def words(match: re.Match[str]) -> str:
        return " " + " ".join(w for w in jieba.cut(match.group(0)) if w.strip()) + " "  # type: ignore[attr-defined]

    # Pagefind does not split words at Chinese punctuation: "。Ghost" would be indexed as one word.
    text = CJK_PUNCTUATION.sub(lambda m: f" {m.group(0)} ", CJK_RUN.sub(words, text))
    return re.sub(r"\s{2,}", " ", text).strip()


def word_suffixes(text: str) -> list[str]:
    """Every proper suffix of the Chinese words jieba finds in `text` (残差 -> 差, 南开大学 -> 开大学 大学 学), in order
    of first appearance.

    Pagefind matches a query word against the indexed words it begins. The browser's segmenter often cuts a phrase
    finer than jieba does (模块 -> 模|块, 倒残差 -> 倒|残|差), and each of its pieces begins inside one of jieba's
    words; with every suffix indexed, each piece is the beginning of an indexed word, so the page is found.
    """
    jieba = _jieba()
    seen: dict[str, None] = {}
    for run in CJK_RUN.findall(text):
        for word in jieba.cut(run):  # type: ignore[attr-defined]
            for start in range(1, len(word)):
                seen.setdefault(word[start:], None)
    return list(seen)


# ---------------------------------------------------------------------------------------------------------------
# A page -> its search document


@dataclass
class SearchDocument:
    """What Pagefind indexes for one page: the title, weighted text blocks, in page order."""

    url: str
    title: str
    blocks: list[tuple[float, str]] = field(default_factory=list)  # (weight, text); weight 1 is Pagefind's default

    def html(self) -> str:
        """The document as the minimal HTML page handed to Pagefind (Chinese pre-split)."""
        parts = [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title></head><body>",
            f'<h1 data-pagefind-weight="{TITLE_WEIGHT:g}">{html.escape(split_chinese(self.title))}</h1>',
        ]
        for weight, text in self.blocks:
            attr = "" if weight == 1.0 else f' data-pagefind-weight="{weight:g}"'
            parts.append(f"<p{attr}>{html.escape(split_chinese(text))}</p>")
        suffixes = word_suffixes(" ".join([self.title, *(text for _, text in self.blocks)]))
        if suffixes:
            parts.append(f"<p>{html.escape(' '.join(suffixes))}</p>")
        parts.append("</body></html>")
        return "".join(parts)


def _classes(attrs: str) -> set[str]:
    match = _ATTR_CLASS.search(attrs)
    return set(match.group(1).split()) if match else set()


def _article(page_html: str) -> str | None:
    start = _ARTICLE.search(page_html)
    end = page_html.rfind("</article>")
    if start is None or end < start.end():
        return None
    return page_html[start.end() : end]


def _walk(article: str) -> Iterator[tuple[float, bool, str]]:
    """(weight, is_block_break, text) events of the article's readable text, exclusions applied."""
    stack: list[tuple[str, bool]] = []  # open elements: (tag, skipped)
    section_weight, excluded_level, weighted_level = 1.0, 0, 0
    keep_depth = 0  # >0 inside a KEEP_CLASS element of an excluded section
    for match in _TOKEN.finditer(article):
        closing, tag, attrs, text = match.group(1), match.group(2), match.group(3), match.group(4)
        skipped = any(s for _, s in stack)
        if text is not None:
            if not skipped and (not excluded_level or keep_depth):
                yield section_weight, False, html.unescape(text)
            continue
        if tag is None:
            continue  # a comment or a stray "<"
        tag = tag.lower()
        if closing:
            while stack:
                name, _ = stack.pop()
                if name == tag:
                    break
            if keep_depth and len(stack) < keep_depth:
                keep_depth = 0
            if tag in BLOCK_TAGS:
                yield section_weight, True, ""
            continue
        heading = _HEADING.fullmatch(tag)
        if heading and not skipped:
            level = int(heading.group(1))
            id_match = _ATTR_ID.search(attrs)
            section = id_match.group(1) if id_match else ""
            if excluded_level and level <= excluded_level:
                excluded_level = 0
            if weighted_level and level <= weighted_level:
                weighted_level, section_weight = 0, 1.0
            if section in EXCLUDED_SECTIONS and not excluded_level:
                excluded_level = level
            elif section in WEIGHTED_SECTIONS:
                weighted_level, section_weight = level, WEIGHTED_SECTIONS[section]
        if tag in VOID_TAGS or attrs.rstrip().endswith("/"):
            if tag in BLOCK_TAGS:
                yield section_weight, True, ""
            continue
        classes = _classes(attrs)
        stack.append((tag, tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)))
        if excluded_level and not keep_depth and KEEP_CLASS in classes:
            keep_depth = len(stack)
        if tag in BLOCK_TAGS:
            yield section_weight, True, ""


def search_document(page_html: str, url: str) -> SearchDocument | None:
    """The search document of one built page, or None for a page without an `<article>` (404, redirects)."""
    article = _article(page_html)
    if article is None:
        return None
    blocks: list[tuple[float, str]] = []
    current: list[str] = []
    weight = 1.0

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(current)).strip()
        current.clear()
        if text:
            blocks.append((weight, text))

    for event_weight, is_break, text in _walk(article):
        if is_break or event_weight != weight:
            flush()
            weight = event_weight
        if text:
            current.append(text)
    flush()
    if not blocks:
        return None
    title, *rest = blocks  # the article opens with the page's <h1>
    return SearchDocument(url=url, title=title[1], blocks=rest)


def page_url(html_file: Path, site_dir: Path) -> str:
    """`papers/res2net/index.html` -> `/papers/res2net/` (the URL Pagefind returns, relative to the site root)."""
    rel = html_file.relative_to(site_dir).as_posix()
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def site_pages(site_dir: Path) -> list[Path]:
    """The built pages to index: every HTML file but the 404 page and Pagefind's own bundle."""
    return sorted(
        p for p in site_dir.rglob("*.html") if p.name != "404.html" and p.relative_to(site_dir).parts[0] != BUNDLE_DIR
    )


def search_documents(site_dir: Path) -> Iterator[SearchDocument]:
    for path in site_pages(site_dir):
        document = search_document(path.read_text(encoding="utf-8"), page_url(path, site_dir))
        if document is not None:
            yield document


# ---------------------------------------------------------------------------------------------------------------
# Pagefind


def pagefind_binary() -> Path:
    """The Pagefind binary shipped in the `pagefind_bin_extended` wheel (requirements.txt)."""
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-untyped]  # the wheel ships no types
    except ImportError:
        raise SearchIndexError(
            "Pagefind is not installed — run `make setup` (requirements.txt pins pagefind[extended])"
        ) from None
    return Path(get_executable())


def _write_documents(documents: Iterable[SearchDocument], folder: Path) -> int:
    """Each document as `folder/<page path>/index.html`, so that Pagefind gives it the page's own URL."""
    count = 0
    for document in documents:
        rel = document.url.lstrip("/")
        target = folder / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(document.html(), encoding="utf-8")
        count += 1
    return count


def build_search_index(site_dir: Path) -> int:
    """Write `<site_dir>/pagefind/` (replacing it) from the built pages. Returns the number of pages indexed."""
    site_dir = site_dir.resolve()
    if not site_dir.is_dir():
        raise SearchIndexError(f"{site_dir}: no built site there — run `mkdocs build` first")
    bundle = site_dir / BUNDLE_DIR
    if bundle.exists():
        shutil.rmtree(bundle)
    with tempfile.TemporaryDirectory(prefix="search-documents-") as folder:
        count = _write_documents(search_documents(site_dir), Path(folder))
        if count == 0:
            raise SearchIndexError(f"{site_dir}: no page with an <article> to index")
        # The command-line binary rather than Pagefind's Python API, whose client waits 0.1 s for every answer
        # (100 s at 1,000 pages). One index in English: Chinese arrives pre-split, English keeps its stemming.
        command = [str(pagefind_binary()), "--site", folder, "--output-path", str(bundle), "--force-language", "en"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SearchIndexError(
            f"Pagefind failed while indexing {site_dir} (exit {result.returncode}):\n"
            f"{(result.stdout + result.stderr).strip()[-2000:]}"
        )
    return count


def read_fragments(bundle: Path) -> dict[str, dict[str, Any]]:
    """URL -> Pagefind's stored record of the page (`content`, `meta`, ...): each fragment file is gzip holding
    the signature `pagefind_dcd` and the record as JSON. For tests and for checking what a page was indexed as."""
    records = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(FRAGMENT_SIGNATURE):
            raise SearchIndexError(f"{path}: not a Pagefind fragment (no {FRAGMENT_SIGNATURE.decode()} signature)")
        record = json.loads(data[len(FRAGMENT_SIGNATURE) :])
        records[record["url"]] = record
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.site.search_index", description="Build the Pagefind search index of a built site."
    )
    parser.add_argument("site_dir", type=Path, help="the built site (e.g. build/site)")
    args = parser.parse_args(argv)
    try:
        count = build_search_index(args.site_dir)
    except SearchIndexError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"indexed {count} pages into {args.site_dir / BUNDLE_DIR}")
    return 0


__all__ = [
    "BUNDLE_DIR",
    "SearchDocument",
    "SearchIndexError",
    "build_search_index",
    "main",
    "page_url",
    "pagefind_binary",
    "read_fragments",
    "search_document",
    "search_documents",
    "site_pages",
    "split_chinese",
    "word_suffixes",
]

if __name__ == "__main__":
    sys.exit(main())
