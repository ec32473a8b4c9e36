"""The Jinja environment every generated page is rendered with: autoescape on, formatting as filters.

Templates receive view objects (`views.py`), never pre-built HTML. Values are escaped by Jinja unless a filter
says otherwise:

* `md`      catalogue Markdown -> sanitized HTML (`sanitize.render_markdown`), safe to place anywhere;
* `md_inline` the same for one line of prose in a table cell (no surrounding paragraph);
  both write the Markdown special characters of the HTML as &#NN; (`sanitize.markdown_inert`), since a page
  may put it where MkDocs reads Markdown again (a table cell, an admonition);
* `text`    plain text inside Markdown (a heading, a table cell, link text): every Markdown special escaped;
* `badge`   a verdict or reading status as a badge (`<span class="cat-verdict cat-verdict--refuted">`);
* `count`   an exact integer with thousands separators ("25,557,032"), "—" for None;
* `gmacs`   multiply-adds in units of 10⁹ ("4.089"), "—" for None;
* `mega`    a count in millions ("25.56");
* `shape`   a tensor shape ("2048×7×7");
* `codes`   text whose `backtick spans` become <code> (the verdict engine writes model ids that way), as
  inert to a second Markdown pass as `md`.

Numbers are formatted by `tools/formatting.py`, the one formatting module of the project.
"""

from __future__ import annotations

import base64
import html
import json
import pickle
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from markupsafe import Markup, escape

from tools.formatting import format_count, format_gmacs, format_params_m

from .sanitize import html_text, markdown_inert, md_text, render_markdown

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATUS_LABEL = {"read": "read", "reading": "reading", "to-read": "to read"}


def count(value: int | float | None) -> str:
    return "—" if value is None else format_count(value)


def gmacs(value: int | float | None, digits: int = 3) -> str:
    return format_gmacs(value, digits)


def mega(value: int | float | None, digits: int = 2) -> str:
    return format_params_m(value, digits)


def shape(dims: Iterable[int] | None) -> str:
    dims = list(dims or [])
    return "×".join(str(int(d)) for d in dims) if dims else "—"


def md(text: str | None, heading_offset: int = 3) -> Markup:
    """Sanitized HTML for a raw HTML block (the caller may still rewrite its links, then `markdown_inert` it)."""
    return Markup(render_markdown(text, heading_offset=heading_offset))


@jinja2.pass_context
def _md_filter(context: jinja2.runtime.Context, text: str | None, heading_offset: int = 3) -> Markup:
    """`md`, then the page's `relink` (links from one paper's Markdown to another paper's page), if any, then
    `markdown_inert`: the template may place the HTML where MkDocs parses Markdown again."""
    html = render_markdown(text, heading_offset=heading_offset)
    relink = context.get("relink")
    return Markup(markdown_inert(relink(html) if relink else html))


class PaperLinks:
    """Rewrites `href="<paper-id>.md#x"` in sanitized HTML to that paper's page URL, seen from a paper page."""

    _HREF = re.compile(r'href="([a-z0-9]+(?:-[a-z0-9]+)*)\.md(#[A-Za-z0-9_-]*)?"')

    def __init__(self, paper_ids: Iterable[str], directory_urls: bool) -> None:
        self.ids = frozenset(paper_ids)
        self.directory_urls = directory_urls
        self.asked: set[str] = set()  # every id a link named since `asked` was last cleared (the page cache's)

    def __call__(self, html: str) -> str:
        def replace(match: re.Match[str]) -> str:
            paper_id, anchor = match.group(1), match.group(2) or ""
            self.asked.add(paper_id)
            if paper_id not in self.ids:
                return match.group(0)
            target = f"../{paper_id}/" if self.directory_urls else f"{paper_id}.html"
            return f'href="{target}{anchor}"'

        return self._HREF.sub(replace, html)


def md_inline(text: str | None) -> Markup:
    """`md` for one line of prose inside a table cell or a sentence: a single paragraph loses its <p>."""
    html = render_markdown(text, heading_offset=3)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(markdown_inert(html))  # `|` among the rest: a pipe would end a Markdown table cell


def plain(markdown_text: str | None) -> str:
    """What a reader sees of catalogue Markdown, as plain text (for JSON rows the table script writes with
    textContent: no raw backticks or asterisks)."""
    return html.unescape(re.sub(r"<[^>]+>", "", render_markdown(markdown_text))).replace("\n", " ").strip()


def text(value: object) -> Markup:
    return Markup(md_text(value))


_CODE_SPAN = re.compile(r"`([^`]+)`")  # the only markup verdict summaries carry: `model_id`


def codes(value: object) -> Markup:
    return Markup(markdown_inert(_CODE_SPAN.sub(r"<code>\1</code>", html_text(value))))


def plain_codes(value: str) -> str:
    """A verdict summary as plain text, for JSON rows the table script writes with textContent (no backticks)."""
    return _CODE_SPAN.sub(r"\1", value)


def badge(value: str, kind: str = "verdict") -> Markup:
    label = STATUS_LABEL.get(value, value) if kind == "badge" else value
    return Markup('<span class="cat-{0} cat-{0}--{1}">{2}</span>').format(kind, value, label)


def claim_badge(value: str) -> Markup:
    """The verdict badge inside a claim row, coloured by the row's `cat-claim--<verdict>` class (a page of claims
    repeats it dozens of times)."""
    return Markup('<span class="cat-verdict">{0}</span>').format(value)


def status(value: str) -> Markup:
    return badge(value, "badge")


def _one_line(value: object) -> object:
    """Every plain string a template prints is one line: no line of a page can start inside a value, so no
    line-based Markdown preprocessor (snippets `--8<--`, fences, `///` blocks) can fire on catalogue text."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html_text(value)) if "\n" in value or "\r" in value else value
    return value


class _SiteBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept between builds in the site cache's `templates` store (build_cache.py): a build that
    renders one changed paper page does not compile paper.md.j2 again. Jinja checks each entry against the
    template's source (and its own and Python's versions), the key holds the code (these settings among it)
    and the Jinja version, and the store is signed with the user's key like
    every other one, so only code compiled by this user's own builds is loaded (as Python trusts __pycache__)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from . import build_cache

        cache = build_cache.active()
        stored = cache.templates.get(_template_key(cache, bucket)) if cache is not None else None
        if isinstance(stored, str):
            try:
                bucket.bytecode_from_string(base64.b64decode(stored, validate=True))
            except (ValueError, TypeError, EOFError, pickle.UnpicklingError):
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from . import build_cache

        cache = build_cache.active()
        if cache is not None:
            code = base64.b64encode(bucket.bytecode_to_string()).decode("ascii")
            cache.templates.put(_template_key(cache, bucket), code)


def _template_key(cache: Any, bucket: jinja2.bccache.Bucket) -> str:
    """Jinja's key for a template (its name and file) with the code and Jinja version it is compiled under: the
    environment's settings (`environment()`, trim_blocks...) decide the code as much as the source does."""
    from . import build_cache

    return build_cache.digest("template", cache.code_digest(), f"jinja2 {jinja2.__version__}", bucket.key)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        bytecode_cache=_SiteBytecodeCache(),
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_one_line,
    )
    env.filters.update(
        md=_md_filter,
        md_inline=md_inline,
        text=text,
        codes=codes,
        badge=badge,
        claim_badge=claim_badge,
        status=status,
        count=count,
        gmacs=gmacs,
        mega=mega,
        shape=shape,
    )
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def json_text(data: object) -> str:
    """The site's JSON files: compact, keys sorted, Unicode kept, one trailing newline (byte-stable)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


__all__ = [
    "Markup",
    "badge",
    "codes",
    "count",
    "escape",
    "gmacs",
    "json_text",
    "md",
    "mega",
    "render",
    "shape",
    "status",
    "text",
]
