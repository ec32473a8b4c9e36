"""Make catalogue text safe to put on a page.

Every text field of `papers.yaml` comes from a pull request by a stranger, so it is treated as hostile:

* Long fields (notes, TL;DR, strengths, weaknesses, claim text) are Markdown. `render_markdown` turns one into
  HTML with Python-Markdown, then cleans the HTML with nh3 (ammonia), keeping only ordinary tags and http(s) or
  relative links (a target starting with `//` or `\\`, which browsers read as another host, is dropped). A page
  may place the result where MkDocs parses Markdown again (a table cell, an admonition), so `markdown_inert` then
  writes every Markdown special character of its text and attribute values as a numeric character reference: a
  second pass yields the same HTML (the renderer turns `\\[x\\](javascript:...)` into the text
  `[x](javascript:...)`, which a second pass would otherwise make a live link).
* Short fields (titles, authors, venues, labels) are plain text. `md_text` writes every Markdown or HTML
  special character as a numeric character reference, so the text shows literally wherever it lands: a
  heading, a table cell, link text or a raw HTML block.
* Links built from catalogue values go through `safe_url`, which accepts http(s) only.
"""

from __future__ import annotations

import functools
import html
import re
from urllib.parse import quote, urlsplit

import markdown
import nh3

from tools.catalogue.markdown_limits import markdown_cost_problem, plain_paragraphs

from . import build_cache

# Tags a rendered note may keep; everything else is stripped (its text stays, escaped).
ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "div", "em", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre",
        "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "td": {"align"}, "th": {"align"}}
ALLOWED_CLASSES = {"span": {"arithmatex"}, "div": {"arithmatex"}}
URL_SCHEMES = frozenset({"http", "https"})

# Control characters other than tab and newline (and the private stash markers \x02 \x03 Python-Markdown uses).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CJK = "\u2e80-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\r?\\n[ \\t]*(?=[{_CJK}])")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_OTHER_HOST = re.compile(r"^[/\\]{2}")  # `//host/...` or `\\host\...`: another host, scheme-relative
# Characters that mean something to inline Markdown or HTML anywhere in a line. Written as &#NN; they are
# inert in every context the generator uses (headings, table cells, list items, link text, raw HTML).
_MD_SPECIAL = frozenset("\\`*_{}[]()<>|~$&\"'")
# Characters that only matter at the start of a block (list markers, headings, quotes, setext underlines).
_MD_LEADING = re.compile(r"^([-+#>=.!:?/;]|\d+[.)])")


# Characters a second Markdown pass (MkDocs with the extensions of mkdocs.yml) could act on inside sanitized HTML:
# emphasis, code, links and images, attr_list `{: ...}`, escapes, table cells, `<`/`>` that would end a tag early,
# and `~` `$` (strike-through and math, should those extensions be added). `&` and `#` stay: they start the
# character references of the fragment, which Markdown leaves alone.
_INERT = {ord(ch): f"&#{ord(ch)};" for ch in "\\`*_{}[]()<>|~$!"}
# A tag of nh3's output: its attribute values are always double-quoted, with `"` written as &quot;.
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')
_ATTRIBUTE_VALUE = re.compile(r'"[^"]*"')


def markdown_inert(fragment: str) -> str:
    """Sanitized HTML (`render_markdown`, or escaped text with tags of our own) -> the same HTML, with every
    character that Markdown reads written as &#NN;, in text and in attribute values alike.

    Python-Markdown keeps a whole tag as raw HTML and leaves character references alone, so MkDocs can place the
    result in any inline context (a table cell, a paragraph of an admonition) and the reader sees the same text:
    no link, image, emphasis or `{: onclick=... }` attribute can appear. Tag and attribute names are left as
    they are (nh3 allows only a few, and none contains a special character).
    """
    parts = _TAG.split(fragment)
    for i, part in enumerate(parts):
        if i % 2:  # a tag: escape inside its quoted attribute values only
            parts[i] = _ATTRIBUTE_VALUE.sub(lambda m: m.group(0).translate(_INERT), part)
        elif part:
            parts[i] = part.translate(_INERT)
    return "".join(parts)


class _FragmentRenderer:
    """One reusable Python-Markdown instance: catalogue Markdown to (unsanitized) HTML."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists", "pymdownx.tilde", "pymdownx.arithmatex"],
            extension_configs={
                # Keep $...$ exactly as written (no MathJax is loaded); the span stops Markdown from
                # reading `a_i` or `*` inside math as emphasis.
                "pymdownx.arithmatex": {
                    "generic": True,
                    "tex_inline_wrap": ["$", "$"],
                    "tex_block_wrap": ["$$", "$$"],
                },
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )

    def convert(self, text: str) -> str:
        self._md.reset()
        return self._md.convert(text)


_renderer: _FragmentRenderer | None = None


def clean_text(text: str) -> str:
    """Drop control characters (keeps tab and newline)."""
    return _CONTROL.sub("", text)


# Text without any of these characters renders to one escaped paragraph; no parser is needed.
_PLAIN = re.compile(r"^[^\\`*_{}\[\]()<>#+\-.!|~^=:$&\"'%\n\r0-9]*$")
# One line of prose, single-spaced, that no inline rule of the renderer acts on (no \ ` * _ [ ] < > & ~ $ | { } ^,
# no control character, no-break or other unusual space) and that does not start like a block (heading, list,
# quote, table, fence, number): Python-Markdown makes it `<p>` + the same text + `</p>` and nh3 keeps it as is.
# Claim texts, strengths and weaknesses are mostly like this; skipping the parser for them saves a quarter of the
# rendering time of a large catalogue (bench/scale.py).
_PROSE_CHAR = r"[^\s\\`*_\[\]<>&~$|{}^\x00-\x1f\x7f]"
_PROSE = re.compile(rf"(?![\d#>+\-=:!]){_PROSE_CHAR}+(?: {_PROSE_CHAR}+)*")


def render_markdown(text: str | None, *, heading_offset: int = 3) -> str:
    """Catalogue Markdown -> sanitized HTML. Headings are pushed down by `heading_offset` (# -> h4 by default).

    The result contains no script, no event handler, no style, no iframe/img/object, only http(s) or relative
    link targets (not `//host`), no `<!--`, and no line break: it is a single line of HTML. Fragments of earlier
    builds are reused from the site cache (`build_cache.py`) when one is active and cleaning them again changes
    nothing. A text the parser cannot render (over the bounds of `markdown_limits`, or failing inside it) is shown
    as escaped plain paragraphs.
    """
    if not text:
        return ""
    if _PLAIN.match(text):
        return f"<p>{html.escape(_WHITESPACE.sub(' ', clean_text(text)).strip(), quote=False)}</p>"
    if _PROSE.fullmatch(text):
        return f"<p>{text}</p>"
    cache = build_cache.active()  # sanitized fragments of earlier builds, by hash of the text (build_cache.py)
    key = build_cache.fragment_key(text, heading_offset) if cache is not None else ""
    if cache is not None:
        stored = cache.fragments.get(key)
        # The cache folder is a file anyone with the checkout can write: a fragment is used only if cleaning it
        # again changes nothing, i.e. if it holds no markup the cleaner would not have let through.
        if isinstance(stored, str) and _one_line(_clean(stored)) == stored:
            return stored
    rendered = _render(text, heading_offset)
    if cache is not None:
        cache.fragments.put(key, rendered)
    return rendered


@functools.lru_cache(maxsize=65536)
def _render(text: str, heading_offset: int) -> str:
    """`render_markdown` without the shortcuts and the site cache: Python-Markdown, then nh3."""
    global _renderer
    if _renderer is None:
        _renderer = _FragmentRenderer()
    source = clean_text(text)
    if markdown_cost_problem(source):  # bounded rendering time whatever the text (see markdown_limits)
        return plain_paragraphs(source)
    source = github_list_indent(source)  # nesting as GitHub reads it (2-space indents)
    if "```" not in source and "~~~" not in source:
        # A line break between two CJK characters is not a space in Chinese: join hard-wrapped lines.
        source = _CJK_BREAK.sub("", source)
    try:
        raw = _renderer.convert(source)
    except Exception:
        # A parser failure on hostile text must not end the build (RecursionError past the nesting bound of
        # markdown_limits, say). The instance may be left half-reset, so the next text gets a new one; this
        # text is shown as escaped plain paragraphs.
        _renderer = None
        return plain_paragraphs(clean_text(text))
    if heading_offset:
        raw = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + heading_offset)}", raw)
    return _one_line(_clean(raw))


def _clean(raw: str) -> str:
    """nh3 with the settings of this module: only ALLOWED_TAGS, their attributes, http(s) or relative links."""
    global _cleaner
    if _cleaner is None:  # built once: a Cleaner cleans three times faster than nh3.clean with the same settings
        _cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "textarea", "title"},
            attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
            allowed_classes={k: set(v) for k, v in ALLOWED_CLASSES.items()},
            url_schemes=set(URL_SCHEMES),
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
            attribute_filter=_filter_attribute,
        )
    return _cleaner.clean(raw)


_cleaner: nh3.Cleaner | None = None


def _one_line(cleaned: str) -> str:
    """One line: no line of the page can then start inside catalogue text, so no line-based preprocessor
    (snippets `--8<--`, code fences, blocks `///`) can fire on it. In <pre> the reference is a newline."""
    return cleaned.strip().replace("\r", "").replace("\n", "&#10;")


_LIST_ITEM = re.compile(r"^( *)([-+*]|\d{1,9}[.)])( +)(?=\S)")
_FENCE = re.compile(r"^ *(```|~~~)")


def github_list_indent(text: str) -> str:
    """Re-indent nested lists the way GitHub reads them, for Python-Markdown (which wants 4 spaces per level).

    On GitHub (CommonMark) an item is nested when it is indented to its parent's content column ("- a" then
    "  - b"); Python-Markdown needs four spaces. Each list line is re-indented to four spaces per level of
    nesting, so `  - b` under `- a` stays nested. Lines in fenced code are left alone.
    """
    if "\n " not in text:
        return text
    out: list[str] = []
    columns: list[int] = []  # content column of each open list item, outermost first
    fenced = blank = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or not line.strip():
            out.append(line)
            blank = not fenced
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = _LIST_ITEM.match(line)
        if indent == 0 and not item:
            if blank:
                columns = []  # a paragraph after a blank line ends the list
            out.append(line)  # otherwise a lazy continuation line
            blank = False
            continue
        while columns and indent < columns[-1]:
            columns.pop()
        out.append(" " * (4 * len(columns)) + line.lstrip(" ") if columns or item else line)
        if item:
            columns.append(indent + len(item.group(2)) + len(item.group(3)))
        blank = False
    return "\n".join(out)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Second check on link targets: browsers drop tabs and newlines inside URLs (`java\tscript:`), and read a
    target that starts with two slashes or backslashes in any order (`//host`, `\\\\host`, `/\\host`) as a link
    to another host, which nh3 takes for a relative path. Such a target is dropped (the text stays, unlinked):
    a link to another site must say `https://`."""
    if attribute in ("href", "src"):
        squeezed = _URL_IGNORED.sub("", value)
        match = _SCHEME.match(squeezed)
        if match and match.group(1).lower() not in URL_SCHEMES:
            return None
        if _OTHER_HOST.match(squeezed):
            return None
    return value


def md_text(text: object) -> str:
    """Plain text -> Markdown that shows exactly this text (one line, every special character as &#NN;)."""
    value = _WHITESPACE.sub(" ", clean_text(str(text))).strip()
    escaped = "".join(f"&#{ord(ch)};" if ch in _MD_SPECIAL else ch for ch in value)
    leading = _MD_LEADING.match(escaped)
    if leading:
        mark = leading.group(1)[-1]
        escaped = escaped[: len(leading.group(1)) - 1] + f"&#{ord(mark)};" + escaped[len(leading.group(1)) :]
    return escaped


def html_text(text: object) -> str:
    """Plain text -> HTML text or attribute value, on one line (for raw HTML blocks, which Markdown never
    parses; one line, so no line-based preprocessor can see it)."""
    return html.escape(_WHITESPACE.sub(" ", clean_text(str(text))).strip(), quote=True)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe for a Markdown link destination or an HTML attribute; None if not http(s)."""
    if not url:
        return None
    url = _WHITESPACE.sub("", clean_text(url))
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in URL_SCHEMES:
        return None
    # Percent-encode everything that could end the destination or the attribute, keep the rest as written.
    return quote(url, safe="/:?#@!$&+,;=%~*.-_")


def meta_title(text: str) -> str:
    """A page title for front matter: HTML-escaped, because the theme prints `page.meta.title` unescaped."""
    return html.escape(_WHITESPACE.sub(" ", clean_text(text)).strip(), quote=True)


__all__ = [
    "clean_text",
    "github_list_indent",
    "html_text",
    "markdown_inert",
    "md_text",
    "meta_title",
    "render_markdown",
    "safe_url",
]
