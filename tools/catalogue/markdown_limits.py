"""A bound on how long Python-Markdown may take to render one text, and on how deeply it may nest.

Python-Markdown's inline pass costs, per paragraph, about (inline tokens) × (paragraph length): it scans the
rest of the paragraph for the end of every `[`, `![`, `[^`, `<tag` and `](`, and rebuilds the paragraph's text
after every match (entities, emphasis, code). `"[" × 40000` took 516 s to render, and two 15,000-character notes
of that kind made one build take 141 s instead of 6.5 s. Its block pass is quadratic the same way in heading and
rule lines: for each `# x`, setext underline (`-`, `=`) or rule (`---`, `***`) it consumes, the block processors
search the rest of the block (the text up to the next blank line) again. `"a\n-\n" × n` took 5.6 s to render at
36 KB, 21.5 s at 72 KB and 86 s at 144 KB; `"---\n"` 2.4 / 9.3 / 40.9 s, `"# x\n"` 1.7 / 6.7 / 28 s. Lists,
quotes, tables and code stay linear. `markdown_cost` adds up both products over the blocks of a text, a heading
or rule line weighing a tenth of an inline token. At the limit the slowest texts render in 0.2 s: 6,300
characters of setext headings (0.20-0.24 s, 86 s at 144 KB before), of `---` 0.08 s, of `# x` 0.08 s, and
1,000 `[` 0.1 s.

Nesting is bounded apart: every list level is one recursion of the block parser, and about 500 levels
(`"- " × 500`, or one item per line indented two spaces more each time) end in `RecursionError`.
`nesting_depth` counts, per line outside fenced code, the list and quote markers at its start plus its indentation
(two spaces a level, as GitHub nests lists); real notes stay below 4 levels, the limit is `MAX_NESTING`.

* the validator refuses a catalogue text over either bound, with a message that gives the line and says how to fix
  it;
* the renderer shows any text over them that reaches it anyway as escaped plain paragraphs, without the Markdown
  parser (and `docs/notes/` files over them are refused), so the build stays bounded whatever the input.
"""

from __future__ import annotations

import html
import re

MAX_MARKDOWN_COST = 1_000_000  # about 0.2 s of rendering in the slowest case
MAX_NESTING = 32  # list / quote levels (recursion of the block parser); real notes use at most 3
_HEADING_WEIGHT = 10  # a heading or rule line costs a tenth of an inline token (see the module docstring)
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
_INLINE_CHARACTERS = "[<&*_`~$\\!"  # the one-character inline tokens; `](` is the other (neither `]` nor `(` is one)
_INLINE_TOKENS = re.compile(r"\]\(|[" + re.escape(_INLINE_CHARACTERS) + "]")
# A line the block parser reads as a heading, a setext underline or a rule, once quote and list markers are off.
_HEADING_OR_RULE = re.compile(r"^(?:[ \t>]|[-+*][ \t]+|\d{1,9}[.)][ \t]+)*+(?:#|[-=_*][-=_* \t]*$)", re.MULTILINE)
_LINE_START = re.compile(r"([ \t]*)((?:(?:[-+*]|\d{1,9}[.)])[ \t]+|>[ \t]*)*)")
_MARKER = re.compile(r"[-+*>]|\d{1,9}[.)]")
_FENCE = re.compile(r"[ \t]*(```|~~~)")


def _block_costs(text: str) -> tuple[int, int, int, int, int]:
    """(total cost, and for the costliest block: its first line, length, inline tokens, heading or rule lines)."""
    total, worst, worst_cost, line = 0, (1, 0, 0, 0), -1, 1
    position = 0
    for match in [*_BLOCK_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[position:end]
        tokens = len(_INLINE_TOKENS.findall(block))
        headings = len(_HEADING_OR_RULE.findall(block))
        cost = len(block) * tokens + len(block) * headings // _HEADING_WEIGHT
        total += cost
        if cost > worst_cost:
            worst_cost, worst = cost, (line, len(block), tokens, headings)
        if match:
            line += text.count("\n", position, match.end())
            position = match.end()
    return (total, *worst)


def markdown_cost(text: str) -> int:
    """Sum over blocks (text between blank lines) of the block's length × (its inline tokens: `[ < & * _ ` ~ $
    \\ !` and `](`, plus a tenth of its heading, setext-underline and rule lines)."""
    return _block_costs(text)[0]


def nesting_depth(text: str) -> tuple[int, int]:
    """(deepest nesting, its line number): list and quote markers at a line's start plus its indentation (two
    spaces, or half a tab, a level), over the lines outside fenced code."""
    deepest, deepest_line, fenced = 0, 0, False
    for number, line in enumerate(text.split("\n"), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        start = _LINE_START.match(line)
        assert start is not None  # both groups may be empty
        depth = len(start.group(1).expandtabs(4)) // 2 + len(_MARKER.findall(start.group(2)))
        if depth > deepest:
            deepest, deepest_line = depth, number
    return deepest, deepest_line


# The run of indentation and list/quote marker characters at the start of each line: a line's depth is at most
# twice its length (a tab is two levels, every other character at most one).
_LINE_PREFIX = re.compile(r"^[ \t>+*\d.)-]*", re.MULTILINE)


def _surely_within_bounds(text: str) -> bool:
    """A cheap test that passes only texts within both bounds (most texts): the whole text's length × all its
    inline tokens and lines (a heading or rule is a line) bounds the sum over its blocks, and each line's prefix
    bounds its depth."""
    length, lines = len(text), text.count("\n") + 1
    # Tokens and lines are each at most the length: a text of under ~950 characters is within the cost bound.
    if length * length + length * length // _HEADING_WEIGHT > MAX_MARKDOWN_COST:
        tokens = sum(map(text.count, _INLINE_CHARACTERS)) + text.count("](")  # = len(_INLINE_TOKENS.findall(text))
        if length * tokens + length * lines // _HEADING_WEIGHT > MAX_MARKDOWN_COST:
            return False
    if lines == 1:
        prefix = _LINE_PREFIX.match(text)
        return prefix is None or 2 * prefix.end() <= MAX_NESTING
    return 2 * max(map(len, _LINE_PREFIX.findall(text)), default=0) <= MAX_NESTING


def markdown_cost_problem(text: str) -> str | None:
    """Why `text` is too costly to render, or too deeply nested to parse, or None."""
    if _surely_within_bounds(text):
        return None
    depth, depth_line = nesting_depth(text)
    if depth > MAX_NESTING:
        return (
            f"line {depth_line} of this text is nested {depth} levels deep (list or quote markers `- `, `1. `, `>` "
            f"at its start, and two spaces of indentation a level); the limit is {MAX_NESTING} — flatten the list "
            "or remove the repeated markers"
        )
    cost, line, length, tokens, headings = _block_costs(text)
    if cost <= MAX_MARKDOWN_COST:
        return None
    if tokens * _HEADING_WEIGHT >= headings:
        return (
            f"this Markdown would take too long to render: {tokens:,} brackets, `<`, `&` or emphasis marks in the "
            f"{length:,}-character paragraph at line {line} (cost {cost:,}, limit {MAX_MARKDOWN_COST:,}); remove "
            "stray brackets or split the paragraphs"
        )
    return (
        f"this Markdown would take too long to render: {headings:,} heading or rule lines (`#`, `---`, `===`) in "
        f"the {length:,}-character block at line {line}, with no blank line between them (cost {cost:,}, limit "
        f"{MAX_MARKDOWN_COST:,}); put a blank line after each heading and rule, or remove the repeated lines"
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


__all__ = [
    "MAX_MARKDOWN_COST",
    "MAX_NESTING",
    "check_markdown",
    "markdown_cost",
    "markdown_cost_problem",
    "nesting_depth",
    "plain_paragraphs",
]
