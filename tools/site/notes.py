"""Reading notes that say when they are wrong, and that link the claims and models they name.

A claim whose `origin` is `note` quotes a sentence of the reading note. When its verdict is `refuted`, the
sentence gets an inline marker linking to that claim, in the 中文 tab (where the quote was taken) and in the
English tab (the sentence carrying the same percentages and decimals). Claim ids and model ids written as
`code` in a note link to their anchors on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from .render import md
from .sanitize import markdown_inert
from .views import ClaimView

# Numbers that identify a sentence across languages: decimals and percentages ("0.93%", "69 %").
_KEY_NUMBER = re.compile(r"\d+\.\d+|\d+(?=\s*%)")
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])(?=\s)")


def _key_numbers(quote: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_KEY_NUMBER.findall(quote)))


def _marker(claim: ClaimView) -> str:
    """Markdown of the inline marker (the note is Markdown; the link is relative, so sanitizing keeps it)."""
    return f" [⚠ {claim.verdict}: see claim `{claim.id}`](#{claim.anchor})"


def mark_refuted_sentences(note: str, claims: Iterable[ClaimView]) -> str:
    """`note` (Markdown) with a marker after the first sentence each refuted note claim quotes."""
    for claim in claims:
        if claim.verdict != "refuted" or claim.origin != "note" or not claim.quote:
            continue
        keys = _key_numbers(claim.quote)
        if not keys:
            continue
        start = 0
        for end in [m.start() for m in _SENTENCE_END.finditer(note)] + [len(note)]:
            sentence = re.sub(r"\s+", "", note[start:end])
            if end > start and all(key in sentence for key in keys):
                note = note[:end] + _marker(claim) + note[end:]
                break
            start = end
    return note


def link_ids(html: str, claim_ids: Sequence[str], model_ids: Sequence[str]) -> str:
    """`<code>id</code>` of a claim or model on this page -> a link to its anchor (not inside a link)."""
    targets = {cid: f"claim-{cid}" for cid in claim_ids} | {mid: f"model-{mid}" for mid in model_ids}
    if not targets:
        return html
    pattern = re.compile(r"(<a\b[^>]*>.*?</a>)|<code>([A-Za-z0-9_.-]+)</code>")

    def replace(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2) not in targets:
            return match.group(0)
        return f'<a href="#{targets[match.group(2)]}"><code>{match.group(2)}</code></a>'

    return pattern.sub(replace, html)


def render_note(
    note: str | None, claims: Sequence[ClaimView], model_ids: Sequence[str], relink: Callable[[str], str]
) -> str:
    """A note as sanitized HTML, with refutation markers, linked ids and links to other papers' pages, inert to a
    second Markdown pass (`markdown_inert`) like every catalogue fragment of a page."""
    if not note:
        return ""
    html = relink(str(md(mark_refuted_sentences(note, claims))))
    return markdown_inert(link_ids(html, [c.id for c in claims], model_ids))
