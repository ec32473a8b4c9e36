"""Compare two builds of the site: which pages each has, and whether each page's article says the same thing.

Used by `tests/test_engines.py` (MkDocs with the hooks against MkDocs on the `python -m tools.site build` tree) and
by the CI jobs that build the tree with ProperDocs and Zensical, which print what differs:

    python -m tools.site.compare_sites build/site build/site-zensical [--report FILE.md]

Text is compared after whitespace is collapsed, with the title and the article of each page (the part of the page
that is ours: navigation, header and footer are the engine's). Also reported: whether each site's own search
index holds the Chinese of the Res2Net notes as words (Material's lunr index, Zensical's search.json).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .search_index import BUNDLE_DIR, search_document, site_pages

CHINESE_PROBE = ("南开大学", "提出")  # two words of the Res2Net note: does the engine's own index split them?
SEARCH_INDEX_FILES = ("search/search_index.json", "search.json")


@dataclass
class SiteDifference:
    missing: list[str] = field(default_factory=list)  # pages of the first site the second lacks
    extra: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)  # page -> first differing words

    @property
    def same(self) -> bool:
        return not (self.missing or self.extra or self.changed)


def page_texts(site: Path) -> dict[str, str]:
    """Site-relative page path -> its title and article text, whitespace collapsed (pages without an article: "")."""
    texts = {}
    for path in site_pages(site):
        rel = path.relative_to(site).as_posix()
        document = search_document(path.read_text(encoding="utf-8"), "/" + rel)
        text = "" if document is None else " ".join([document.title, *(t for _, t in document.blocks)])
        texts[rel] = re.sub(r"\s+", " ", text).strip()
    return texts


def _first_difference(a: str, b: str, context: int = 60) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"…{a[max(0, at - 20) : at + context]}… ≠ …{b[max(0, at - 20) : at + context]}…"


def compare_sites(first: Path, second: Path) -> SiteDifference:
    a, b = page_texts(first), page_texts(second)
    difference = SiteDifference(missing=sorted(set(a) - set(b)), extra=sorted(set(b) - set(a)))
    for page in sorted(set(a) & set(b)):
        if a[page] != b[page]:
            difference.changed[page] = _first_difference(a[page], b[page])
    return difference


def chinese_in_search_index(site: Path) -> str:
    """What the engine's own search index does with the probe word (not Pagefind's, which is ours)."""
    for name in SEARCH_INDEX_FILES:
        path = site / name
        if path.is_file():
            text = json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)
            first, second = CHINESE_PROBE
            if f"{first}\u200b{second}" in text:
                return f"{name}: Chinese split into words with U+200B (jieba): {first}|{second}"
            if first + second in text:
                return f"{name}: Chinese not split into words: {first + second} is one run"
            return f"{name}: the Res2Net note's {first + second} not found"
    return "no search index of its own"


def report(first: Path, second: Path, difference: SiteDifference) -> str:
    lines = [f"## {second} against {first}", ""]
    lines.append(f"- pages: {len(page_texts(first))} against {len(page_texts(second))}")
    lines.append(f"- missing ({len(difference.missing)}): {', '.join(difference.missing[:20]) or 'none'}")
    lines.append(f"- extra ({len(difference.extra)}): {', '.join(difference.extra[:20]) or 'none'}")
    lines.append(f"- pages whose text differs: {len(difference.changed)}")
    for page, where in list(difference.changed.items())[:10]:
        lines.append(f"  - {page}: {where}")
    lines.append(f"- Pagefind bundle: {'present' if (second / BUNDLE_DIR).is_dir() else 'absent'}")
    lines.append(f"- own search index: {chinese_in_search_index(second)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site.compare_sites", description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="the reference build (MkDocs with the hooks)")
    parser.add_argument("second", type=Path, help="the build to compare")
    parser.add_argument("--report", type=Path, help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    for site in (args.first, args.second):
        if not (site / "index.html").is_file():
            print(f"{site}: not a built site (no index.html)", file=sys.stderr)
            return 2
    difference = compare_sites(args.first, args.second)
    text = report(args.first, args.second, difference)
    print(text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    return 0 if difference.same else 1


if __name__ == "__main__":
    sys.exit(main())
