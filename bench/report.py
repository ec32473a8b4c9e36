"""Write benchmark results into a marked section of a docs page: the old way, kept only for bench/search_scale.py.

Every other script writes only its results file under bench/results/, and the site renders the page's
`<!-- bench:NAME -->` sections from those files at build time (tools/site/bench_results.py renders
bench/results/search.json as it is). Delete this module together with search_scale.py's call to it.
"""

from __future__ import annotations

from pathlib import Path


def write_section(page: Path, name: str, body: str) -> None:
    """Replace the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in `page` with `body`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = page.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"{page}: add the markers {start} and {end} where the results belong")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    page.write_text(f"{before}{start}\n{body.strip()}\n{end}{after}", encoding="utf-8")
