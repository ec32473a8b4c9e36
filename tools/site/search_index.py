"""The site's search index: Pagefind over the built pages, with Chinese pre-split by jieba.

Pagefind splits its index into small chunks, so a query fetches a few of them instead of one file holding the whole
site (docs/performance.md, "Search"). It reads HTML, but not the pages as they are:

* **Chinese.** Pagefind segments Chinese only on pages whose `<html lang>` is `zh` (ours are `en`, and a `zh` page
  would go to a separate index without English stemming), and text split with U+200B, lunr's separator, is not
  found. So every run of Chinese characters is handed to Pagefind split by jieba with real spaces (excerpts stay
  readable: the search box joins the words again). The browser splits a query with `Intl.Segmenter`, not jieba,
  and cuts technical words finer (模块 → 模|块): every prefix and suffix of jieba's words is indexed too, as
  metadata that is matched but never shown (`word_pieces`), so each piece of the browser's cut is an indexed word.
* **What is indexed.** What people wrote: the title (a metadata field, ranked first), the TL;DR (weighted next),
  notes, strengths, weaknesses, hand-written pages, and the text of every claim, those a paper page loads on
  request from its details file included; each claim under a heading whose id is its row's anchor, so that a hit
  in it leads to the row. Left out: sections marked `data-search-exclude` (measured costs, source listings,
  BibTeX, the headline numbers), related papers (other pages' titles), placeholders, labels, verdict lines and
  the marks that link a note's sentence to the claim refuting it.
* **Index chunks** of INDEX_CHUNK_LOCATIONS word locations, not Pagefind's 20,000: a query fetches one chunk per
  word, so smaller chunks keep a query under 200 KB at 5,000 papers.

The page files are not changed: each page is reduced to a search document (title, weighted TL;DR, text blocks,
claims) that only Pagefind sees, under the page's own URL. Engine-agnostic: it reads any site whose pages put their
content in `<article>` (Material for MkDocs, ProperDocs and Zensical do).

    python -m tools.site.search_index build/site      # writes build/site/pagefind/
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .search_text import split_chinese, word_pieces

BUNDLE_DIR = "pagefind"
FRAGMENT_SIGNATURE = b"pagefind_dcd"
WEIGHTED_SECTIONS = {"tldr": 5.0}  # heading id -> weight of the section's text (Pagefind's default weight is 1)
# Left out: sections whose heading has `data-search-exclude` (the attribute Material's own search honours) and
# elements that carry it; and, by heading id and class, the same parts of a paper page, for a build whose engine
# strips the attribute (Material's search plugin does). Related papers are other pages' titles: a page would match
# its neighbours' words.
EXCLUDED_SECTIONS = frozenset({"models", "implementation", "bibtex", "related-papers"})
# On a paper page (one with the byline below), only the claim rows of the claims section are read (their texts, not
# the tally or the verdict lines), and these sections keep only what people wrote (`cat-user`): not the generator's
# placeholders ("No summary yet."), the tab labels or the admonition titles.
PAPER_BYLINE_CLASS = "cat-paper-meta"
CLAIMS_SECTION = "claims"
USER_SECTIONS = frozenset({"tldr", "notes", "long-form-notes", "strengths-and-weaknesses"})
USER_CLASS = "cat-user"
CLAIM_CLASS = "cat-claim"  # a claim row: `id` (or `data-claim` in a group loaded on request) is its anchor
CLAIM_GROUP_CLASS = "cat-claims__group"  # a group of claim rows the page loads from its details file (`data-src`)
SKIPPED_CLASSES = frozenset(
    {"headerlink", "cat-table", "md-source-file", "cat-lazy", "cat-anchors", "cat-stats", "tabbed-labels"}
)
SKIPPED_TAGS = frozenset({"script", "style", "svg", "template", "noscript", "button", "nav", "summary"})
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
# Pagefind's ranking: the title (a metadata field, weighted 5 by default) outranks any body text.
TITLE_FIELD = "title"
PIECES_FIELD = "pieces"  # word_pieces(), as metadata: matched but never shown in an excerpt
# Word locations per index chunk (Pagefind's default is 20,000; PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE in Pagefind 1.5.2).
# A query fetches the chunk of each of its words, so smaller chunks mean fewer bytes per query, at the price of a
# larger metadata file (one entry per chunk) fetched once. At 5,000 papers, 20,000 -> 2,500 takes the chunks of a
# query from 22-113 KB to 1-47 KB and the metadata from 39 to 48.5 KB (docs/performance.md, "Search").
INDEX_CHUNK_LOCATIONS = 2500

_HEADING = re.compile(r"h([1-6])")
_ARTICLE = re.compile(r"<article\b[^>]*>", re.I)
REFUTED_MARKER = "⚠"  # a note's link to the claim that refutes a sentence (tools/site/notes.py): a mark, not text
_VERDICT_CLASS = re.compile(r"cat-claim--([a-z-]+)")


class SearchIndexError(Exception):
    """The index cannot be built (no pages, or Pagefind failed); the message says why."""


# ---------------------------------------------------------------------------------------------------------------
# A page -> its search document


@dataclass(frozen=True)
class SearchClaim:
    """One claim as search sees it: the anchor of its row on the paper page, its verdict and its text."""

    anchor: str
    verdict: str
    text: str


@dataclass
class SearchDocument:
    """What Pagefind indexes for one page: the title, weighted text blocks in page order, then the page's claims."""

    url: str
    title: str
    blocks: list[tuple[float, str]] = field(default_factory=list)  # (weight, text); weight 1 is Pagefind's default
    claims: list[SearchClaim] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every text searched: the title, the blocks and the claim texts."""
        return [self.title, *(text for _, text in self.blocks), *(claim.text for claim in self.claims)]

    def html(self) -> str:
        """The document as the minimal HTML page handed to Pagefind (Chinese pre-split).

        The title is a metadata field, not body text: Pagefind ranks title matches first and shows the title
        anyway, so the excerpt never repeats it. Each claim follows its own heading whose id is the claim's anchor
        on the paper page: Pagefind then reports the hit as a sub-result at `page#claim-...`, the heading's text
        (the verdict) as its title."""
        pieces = " ".join(word_pieces(" ".join(self.texts())))
        parts = [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title>",
            _meta(TITLE_FIELD, split_chinese(self.title)),
            _meta(PIECES_FIELD, pieces) if pieces else "",
            "</head><body>",
        ]
        for weight, text in self.blocks:
            attr = "" if weight == 1.0 else f' data-pagefind-weight="{weight:g}"'
            parts.append(f"<p{attr}>{html.escape(split_chinese(text))}</p>")
        for claim in self.claims:
            parts.append(f'<h2 id="{html.escape(claim.anchor)}">{html.escape(claim.verdict)}</h2>')
            parts.append(f"<p>{html.escape(split_chinese(claim.text))}</p>")
        parts.append("</body></html>")
        return "".join(parts)


def _meta(name: str, value: str) -> str:
    return f'<meta data-pagefind-meta="{name}[content]" content="{html.escape(value)}">'


def _collapse(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", "".join(parts)).strip()


@dataclass
class _Open:
    tag: str
    skipped: bool
    user: bool = False  # inside a `cat-user` element
    claim_link: bool = False  # a link to a claim's row: a refutation marker when its text starts with the marker
    data_src: str | None = None  # the details file (`data-src`) of this element or an enclosing one


class _ArticleReader(HTMLParser):
    """Reads the text of an `<article>` into blocks, claim rows and the claim groups loaded on request.

    `claims_only`: a claim group's HTML from the page's details file, where only the claim rows count."""

    def __init__(self, *, claims_only: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.claims_only = claims_only
        self.title: str | None = None
        self.blocks: list[tuple[float, str]] = []
        self.claims: list[SearchClaim] = []
        self.groups: list[tuple[str, str]] = []  # (details file, group key), in page order
        self._stack: list[_Open] = []
        self._weight, self._weighted_level, self._excluded_level, self._claims_level = 1.0, 0, 0, 0
        self._paper_page, self._user_level = False, 0
        self._text: list[str] = []
        self._title: list[str] | None = None
        self._claim: tuple[int, str, str] | None = None  # (depth, anchor, verdict) of the open claim row
        self._claim_text: list[str] = []
        self._claim_paragraphs = 0

    # -- element events

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = set(values.get("class", "").split())
        parent = self._stack[-1] if self._stack else None
        skipped = parent is not None and parent.skipped
        heading = _HEADING.fullmatch(tag)
        if tag in BLOCK_TAGS:
            self._flush()
        if heading and not skipped:
            self._open_section(int(heading.group(1)), values)
        excluded = "data-search-exclude" in values and not heading
        skip = skipped or excluded or tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)
        if CLAIM_GROUP_CLASS in classes and not skipped:
            src = values.get("data-src") or (parent.data_src if parent else None)
            if src and values.get("data-key"):
                self.groups.append((src, values["data-key"]))
        if self._claim is not None and tag == "p" and not skipped:
            self._claim_paragraphs += 1
            skip = skip or self._claim_paragraphs == 1  # the row's first paragraph: verdict badge and its reason
        if PAPER_BYLINE_CLASS in classes:
            self._paper_page = True
        if tag in VOID_TAGS:
            return
        data_src = values.get("data-src") or (parent.data_src if parent else None)
        user = USER_CLASS in classes or (parent is not None and parent.user)
        claim_link = tag == "a" and values.get("href", "").startswith("#claim-")
        self._stack.append(_Open(tag, skip, user, claim_link, data_src))
        if CLAIM_CLASS in classes and not skip and self._claim is None:
            anchor = values.get("id") or values.get("data-claim") or ""
            verdict = _VERDICT_CLASS.search(values.get("class", ""))
            self._claim = (len(self._stack), anchor, verdict.group(1) if verdict else "claim")
            self._claim_text, self._claim_paragraphs = [], 0
        if tag == "h1" and self.title is None and self._title is None and not skip:
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if not any(open_.tag == tag for open_ in self._stack):
            return  # a stray end tag
        while self._stack:
            open_ = self._stack.pop()
            if self._claim is not None and len(self._stack) < self._claim[0]:
                self._close_claim()
            if open_.tag == tag:
                break
        if tag == "h1" and self._title is not None:
            self.title, self._title = _collapse(self._title), None
            self._text.clear()
            return
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        top = self._stack[-1] if self._stack else None
        if top is not None and top.claim_link and data.lstrip().startswith(REFUTED_MARKER):
            top.skipped = True  # and so is the claim id inside it
        if (top is not None and top.skipped) or self._excluded_level:
            return
        if self._user_level and not (top is not None and top.user):
            return
        if self._title is not None:
            self._title.append(data)
        elif self._claim is not None:
            self._claim_text.append(data)
        elif not (self._claims_level or self.claims_only):
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    # -- sections, blocks and claims

    def _open_section(self, level: int, values: dict[str, str]) -> None:
        """A heading ends the sections it closes (same or higher level) and opens its own."""
        self._flush()
        section = values.get("id", "")
        if self._excluded_level and level <= self._excluded_level:
            self._excluded_level = 0
        if self._claims_level and level <= self._claims_level:
            self._claims_level = 0
        if self._user_level and level <= self._user_level:
            self._user_level = 0
        if self._weighted_level and level <= self._weighted_level:
            self._weighted_level, self._weight = 0, 1.0
        if self._excluded_level:
            return
        if "data-search-exclude" in values or section in EXCLUDED_SECTIONS:
            self._excluded_level = level
        elif section == CLAIMS_SECTION and self._paper_page:
            self._claims_level = level
        elif section in USER_SECTIONS and self._paper_page:
            self._user_level = level
        if section in WEIGHTED_SECTIONS and not self._excluded_level:
            self._weighted_level, self._weight = level, WEIGHTED_SECTIONS[section]

    def _flush(self) -> None:
        text = _collapse(self._text)
        self._text.clear()
        if text:
            self.blocks.append((self._weight, text))

    def _close_claim(self) -> None:
        assert self._claim is not None
        _, anchor, verdict = self._claim
        text = _collapse(self._claim_text)
        if anchor and text:
            self.claims.append(SearchClaim(anchor, verdict, text))
        self._claim, self._claim_text = None, []


def _article(page_html: str) -> str | None:
    start = _ARTICLE.search(page_html)
    end = page_html.rfind("</article>")
    if start is None or end < start.end():
        return None
    return page_html[start.end() : end]


DetailsLoader = Callable[[str], dict[str, str]]  # a page's `data-src` -> its details file (anchor -> HTML)


def search_document(page_html: str, url: str, details: DetailsLoader | None = None) -> SearchDocument | None:
    """The search document of one built page, or None for a page without an `<article>` (404, redirects).

    `details` reads the file a paper page loads its claim groups from; without it those claims are left out."""
    article = _article(page_html)
    if article is None:
        return None
    reader = _ArticleReader()
    reader.feed(article)
    reader.close()
    claims = list(reader.claims)
    for src, key in reader.groups:
        group = details(src).get(key) if details is not None else None
        if group:
            group_reader = _ArticleReader(claims_only=True)
            group_reader.feed(group)
            group_reader.close()
            claims += group_reader.claims
    blocks = reader.blocks
    title = reader.title
    if title is None:  # a page without an <h1>: its first text stands for the title
        if not blocks:
            return None
        (_, title), *blocks = blocks
    if not (blocks or claims or title):
        return None
    return SearchDocument(url=url, title=title, blocks=blocks, claims=claims)


def site_details(site_dir: Path) -> DetailsLoader:
    """Reads a page's details file (`data-src`, relative to the site root) once; a missing or broken file is an
    error that names it (the page would fail to load it in the browser too)."""
    cache: dict[str, dict[str, str]] = {}

    def load(src: str) -> dict[str, str]:
        if src not in cache:
            path = site_dir / src.lstrip("/")
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise SearchIndexError(
                    f"{path}: the details file a page loads its claims from is unreadable ({exc})"
                ) from None
            if not isinstance(data, dict):
                raise SearchIndexError(
                    f"{path}: a details file must map anchors to HTML, not hold a {type(data).__name__}"
                )
            cache[src] = {str(k): v for k, v in data.items() if isinstance(v, str)}
        return cache[src]

    return load


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
    details = site_details(site_dir)
    for path in site_pages(site_dir):
        document = search_document(path.read_text(encoding="utf-8"), page_url(path, site_dir), details)
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
        env = {**os.environ, "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE": str(INDEX_CHUNK_LOCATIONS)}
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
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
    "SearchClaim",
    "SearchDocument",
    "SearchIndexError",
    "build_search_index",
    "main",
    "page_url",
    "pagefind_binary",
    "read_fragments",
    "search_document",
    "search_documents",
    "site_details",
    "site_pages",
    "split_chinese",
    "word_pieces",
]

if __name__ == "__main__":
    sys.exit(main())
