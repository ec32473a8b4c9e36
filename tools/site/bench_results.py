"""Benchmark sections of hand-written pages, rendered at build time from `bench/results/*.json`.

A page marks where a benchmark's figures go with a pair of lines:

    <!-- bench:scale -->
    <!-- /bench:scale -->

and the build replaces what lies between them with `templates/bench/scale.md.j2` rendered from
`bench/results/scale.json` (validated by `tools.bench_results`). The page in git holds only the markers and the
prose around them; no benchmark script writes into `docs/`. Numbers are formatted by `tools/formatting.py`.

A missing or malformed results file, an unknown benchmark name or an unclosed marker raises `BenchMarkerError`
naming the page and line, the results file and the field.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from tools.bench_results import BENCHMARKS, BenchResultError, ScaleResult, SearchResult, read_result, result_path
from tools.formatting import format_count, format_percent, format_value

TEMPLATES = Path(__file__).resolve().parent / "templates" / "bench"
_OPEN = re.compile(r"^<!--\s*bench:(?P<name>[A-Za-z0-9_-]*)\s*-->[ \t]*$", re.MULTILINE)
_CLOSE = re.compile(r"^<!--\s*/bench:(?P<name>[A-Za-z0-9_-]*)\s*-->[ \t]*$", re.MULTILINE)
_ANY = re.compile(r"^[ \t]*<!--\s*/?bench:", re.MULTILINE)


class BenchMarkerError(ValueError):
    """A `<!-- bench:NAME -->` section cannot be rendered; the message names the page, the file and the field."""


def _n(value: float, decimals: int | None = None) -> str:
    """Thousands separators: 1000 -> '1,000'; with decimals, that many digits after the point."""
    return format_count(value, "", decimals if decimals is not None else (None if float(value).is_integer() else 1))


def _fixed(value: float, decimals: int) -> str:
    return format_value(value, "", decimals)


def _seconds(value: float, decimals: int) -> str:
    return format_value(value, "s", decimals)


def _pct(value: float, decimals: int = 1, signed: bool = False, spaced: bool = True) -> str:
    return format_percent(value, decimals, signed=signed, spaced=spaced)


def _recall(value: float | None) -> str:
    return "–" if value is None else format_percent(value, 0, spaced=False)


def _step(step: tuple[int, int, float]) -> str:
    """One step of the per-added-paper cost: '1,000→2,000: 13.8 ms'."""
    return f"{_n(step[0])}→{_n(step[1])}: {_fixed(step[2], 1)} ms"


def _spread(runs: list[float]) -> str:
    """Median (minimum–maximum) of repeated runs: '12.31 s (12.10–12.92)'."""
    return f"{_seconds(statistics.median(runs), 2)} ({_fixed(min(runs), 2)}–{_fixed(max(runs), 2)})"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        n=_n, fixed=_fixed, seconds=_seconds, pct=_pct, recall=_recall, spread=_spread, step=_step, verdict=_verdict
    )
    return env


KINDS = ("baseline", "cold", "warm")  # hook builds without caches, with an empty cache, with a warm one


def _scale_context(result: ScaleResult) -> dict[str, Any]:
    rows = sorted(result.results, key=lambda r: r.papers)
    marginal = [
        (a.papers, b.papers, (b.build_hook_cpu_s - a.build_hook_cpu_s) / (b.papers - a.papers) * 1000)
        for a, b in itertools.pairwise(rows)
    ]
    cache_rows = []
    for row in result.results:
        if row.build_cold_cache is None or row.build_without_caches is None:
            continue
        times = {
            "baseline": row.build_without_caches.cpu_s,
            "cold": row.build_cold_cache.cpu_s,
            "warm": row.build_hook_runs_cpu_s,
            "plain": row.build_plain_runs_cpu_s,
        }
        plain = statistics.median(times["plain"])
        cache_rows.append(
            {
                "papers": row.papers,
                "load": " / ".join(_fixed(x, 1) for x in row.load_average) if row.load_average else "—",
                **times,
                **{f"{kind}_overhead": statistics.median(times[kind]) / plain - 1 for kind in KINDS},
            }
        )
    return {"marginal": marginal, "cache_rows": cache_rows}


def _search_context(result: SearchResult) -> dict[str, Any]:
    """Queries in the order they were asked, each with its row per catalogue size (when every size asked it)."""
    order = [q.query for q in result.results[0].queries]
    by_query = []
    for query in order:
        cells = [next((q for q in row.queries if q.query == query), None) for row in result.results]
        if all(cell is not None for cell in cells):
            by_query.append((query, cells))
    return {"by_query": by_query}


_CONTEXT: dict[str, Callable[[Any], dict[str, Any]]] = {"scale": _scale_context, "search": _search_context}


def render_section(name: str, results_dir: Path | None = None) -> str:
    """The Markdown of benchmark `name`'s section (without the markers). Raises BenchResultError.

    In a site build the section is taken from the site cache while its results file and the code are those it
    was rendered from (a file that rendered once is valid)."""
    from . import build_cache

    cache = build_cache.active()
    if cache is not None and name in BENCHMARKS:
        try:
            results = result_path(name, results_dir).read_bytes()
        except OSError:
            results = None  # rendered below, which says what is wrong with the file
        if results is not None:
            key = build_cache.digest("bench section", cache.code_digest(), *cache.library_versions(), name, results)
            return cache.tables.text(key, lambda: _render_section(name, results_dir))
    return _render_section(name, results_dir)


def _render_section(name: str, results_dir: Path | None) -> str:
    result = read_result(name, results_dir)
    extra = _CONTEXT[name](result) if name in _CONTEXT else {}
    text = _environment().get_template(f"{name}.md.j2").render(r=result, **extra)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def rendered_names() -> list[str]:
    """The benchmarks that have a section template."""
    return sorted(path.name.removesuffix(".md.j2") for path in TEMPLATES.glob("*.md.j2"))


def expand_bench_markers(markdown: str, *, source: str, results_dir: Path | None = None) -> str:
    """Fill every `<!-- bench:NAME -->` ... `<!-- /bench:NAME -->` section of a page (`source` names it in
    errors). Whatever lies between the markers is replaced."""
    if "bench:" not in markdown:
        return markdown

    def line_of(offset: int) -> int:
        return markdown.count("\n", 0, offset) + 1

    for marker in _ANY.finditer(markdown):
        end = markdown.find("\n", marker.start())
        line = markdown[marker.start() : len(markdown) if end < 0 else end]
        if not (_OPEN.fullmatch(line) or _CLOSE.fullmatch(line)):
            raise BenchMarkerError(
                f"{source}:{line_of(marker.start())}: malformed benchmark marker {line.strip()!r} — write "
                "`<!-- bench:NAME -->` and `<!-- /bench:NAME -->` on lines of their own"
            )
    known = rendered_names()
    out: list[str] = []
    paired: set[int] = set()
    position = 0
    for opening in _OPEN.finditer(markdown):
        name, where = opening.group("name"), f"{source}:{line_of(opening.start())}"
        if opening.start() < position:
            raise BenchMarkerError(f"{where}: `bench:{name}` opens inside another benchmark section")
        if name not in known or name not in BENCHMARKS:
            raise BenchMarkerError(f"{where}: unknown benchmark section `bench:{name}` (known: {', '.join(known)})")
        closing = next((c for c in _CLOSE.finditer(markdown, opening.end()) if c.group("name") == name), None)
        if closing is None:
            raise BenchMarkerError(f"{where}: `<!-- bench:{name} -->` has no closing `<!-- /bench:{name} -->` line")
        try:
            body = render_section(name, results_dir)
        except BenchResultError as exc:
            raise BenchMarkerError(f"{where}: the section `bench:{name}` cannot be rendered:\n{exc}") from None
        out += [markdown[position : opening.end()], "\n", body, "\n"]
        position = closing.start()
        paired.add(closing.start())
    for closing in _CLOSE.finditer(markdown):
        if closing.start() not in paired:
            raise BenchMarkerError(
                f"{source}:{line_of(closing.start())}: `<!-- /bench:{closing.group('name')} -->` closes no section"
            )
    out.append(markdown[position:])
    return "".join(out)


__all__ = ["BenchMarkerError", "expand_bench_markers", "render_section", "rendered_names"]
