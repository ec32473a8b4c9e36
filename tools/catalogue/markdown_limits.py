"""A bound on how long Python-Markdown may take to render one text.

Python-Markdown's inline pass costs, per paragraph, about (inline tokens) × (paragraph length): it scans the
rest of the paragraph for the end of every `[`, `![`, `[^`, `<tag` and `](`, and rebuilds the paragraph's text
after every match (entities, emphasis, code). `"[" × 40000` took 516 s to render, and two 15,000-character notes
of that kind made one build take 141 s instead of 6.5 s. `markdown_cost` adds up that product over the
paragraphs of a text:

* the validator refuses a catalogue text whose cost is above `MAX_MARKDOWN_COST` (real notes stay below a
  twentieth of it), with a message that says so;
* the renderer shows any text above it that reaches it anyway (a `docs/notes/` file, say) as escaped plain
  paragraphs, without the Markdown parser, so the build stays bounded whatever the input.
"""

from __future__ import annotations

import html
import re

MAX_MARKDOWN_COST = 1_000_000  # about 0.2 s of rendering in the slowest case
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
_INLINE_TOKENS = re.compile(r"\]\(|[\[<&*_`~$\\!]")


def markdown_cost(text: str) -> int:
    """Sum over paragraphs of (inline tokens: `[ < & * _ ` ~ $ \\ !` and `](`) × (paragraph length)."""
    return sum(len(_INLINE_TOKENS.findall(block)) * len(block) for block in _BLOCK_BREAK.split(text))


def markdown_cost_problem(text: str) -> str | None:
    """Why `text` is too costly to render, or None."""
    cost = markdown_cost(text)
    if cost <= MAX_MARKDOWN_COST:
        return None
    return (
        f"this Markdown would take too long to render: {len(_INLINE_TOKENS.findall(text)):,} brackets, `<`, "
        f"`&` or emphasis marks in long paragraphs (cost {cost:,}, limit {MAX_MARKDOWN_COST:,}); remove stray "
        "brackets or split the paragraphs"
    )


def check_markdown(value: str) -> str:
    """pydantic AfterValidator for Markdown fields."""
    problem = markdown_cost_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def plain_paragraphs(text: str) -> str:
    """`text` as escaped HTML paragraphs on one line, without Markdown (linear time)."""
    blocks = [" ".join(block.split()) for block in _BLOCK_BREAK.split(text)]
    return "".join(f"<p>{html.escape(block, quote=False)}</p>" for block in blocks if block)


__all__ = ["MAX_MARKDOWN_COST", "check_markdown", "markdown_cost", "markdown_cost_problem", "plain_paragraphs"]
