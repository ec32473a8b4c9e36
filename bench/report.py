"""Write benchmark results into a marked section of a docs page (the rest of the page is hand-written)."""

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
