"""Search benchmark (issue 14 §1): Pagefind against Material's lunr search on synthetic catalogues.

For each size N (default 1,000 and 5,000 papers, `bench/synthetic.py`, seed 0):

* the site is built once: `python -m tools.site.generate --out` and a plain `mkdocs build` of that tree (lunr's
  index included, no hooks), then the Pagefind index step (`python -m tools.site.search_index`) alone, timed with
  its peak memory (the largest process: Python or the Pagefind binary);
* in headless Chromium, each query of `QUERIES` from a fresh page with an empty cache, through the search box's
  own query preprocessing and Pagefind options (`search-pagefind.js`): the bytes of every Pagefind file the query
  fetched, loading the results the search box shows first (the HTTP server counts them). Reported as served here
  and as a static host serving `.js`/`.json` gzipped sends them (Pagefind's index chunks, fragments, metadata and
  WebAssembly are gzip files already), in total and by kind: runtime (script and WebAssembly), metadata, index
  chunks, fragments;
* recall of each query for both engines: the right answers are the paper pages whose text (title, TL;DR, notes,
  strengths, weaknesses and every claim text, those the page loads on request included: what
  `tools/site/search_index.py` reads) contains every term of the query (a Chinese term anywhere, a Latin one as a
  word or its plural), and recall is the share of them each engine returns among all its results. lunr ORs the
  words of a query, so its result lists are longer; recall ignores that.

Targets: ≤ 200 KB fetched per query at 5,000 papers; no query that lunr answers is lost.
Results: bench/results/search.json (the script writes nothing else; it prints a summary).

    python bench/search_scale.py [--sizes 1000 5000] [--keep DIR]
    python bench/search_scale.py --report-only      # print the summary of the recorded results
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scale import timed  # noqa: E402
from bench.synthetic import synthetic_catalogue  # noqa: E402

RESULTS = REPO / "bench" / "results" / "search.json"
TARGET_QUERY_KB = 200
# (query, kind, terms a paper's text must all contain to be a right answer; Latin terms compared case-insensitively)
QUERIES: list[tuple[str, str, list[str]]] = [
    ("南开大学", "zh", ["南开大学"]),
    ("知识蒸馏", "zh", ["知识蒸馏"]),
    ("倒残差结构", "zh", ["倒残差结构"]),
    ("降低计算量", "zh", ["降低", "计算量"]),
    ("大学", "zh", ["大学"]),
    ("Nankai University", "en", ["nankai", "university"]),
    ("knowledge distillation", "en", ["knowledge", "distillation"]),
    ("deformable convolutions", "en", ["deformable", "convolution"]),
    ("SenseTime", "en", ["sensetime"]),
    ("FLOPs降低", "mixed", ["flops", "降低"]),
    ("CutMix训练", "mixed", ["cutmix", "训练"]),
    ("Ghost模块", "mixed", ["ghost", "模块"]),
    ("SenseTime 知识蒸馏", "mixed", ["sensetime", "知识蒸馏"]),
]
# Material's search plugin (lunr) exactly as mkdocs.yml configured it before Pagefind replaced it (commit 0e64cc7):
# the search compared against.
LUNR_PLUGIN = {
    "search": {
        "lang": ["en", "zh"],
        "separator": (
            r"[\s\u200b\u3000\-、。，．？！；]+|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])"
        ),
    }
}
CJK = re.compile(r"[\u3400-\u9fff]")
_COMPRESSED_ALREADY = (".pf_index", ".pf_fragment", ".pf_meta", ".pagefind", ".pf_filter")
FILE_KINDS = ("runtime", "metadata", "index", "fragments")


def lunr_config(docs: Path, path: Path) -> Path:
    """The docs tree's config (mkdocs.yml without hooks, tools/site/engines.py) with lunr's search plugin in it."""
    from tools.site.engines import dump_config, tree_config

    config = tree_config(REPO, os.path.relpath(docs, path.parent))
    plugins = [p for p in config.get("plugins") or [] if not (p == "search" or (isinstance(p, dict) and "search" in p))]
    config["plugins"] = [LUNR_PLUGIN, *plugins]
    path.write_text(dump_config(config), encoding="utf-8")
    return path


def paper_texts(site: Path) -> dict[str, str]:
    """Paper page URL -> the lower-cased text a reader can search it by: title, TL;DR, notes, strengths,
    weaknesses and every claim, those the page loads on request included (lunr sees only the claims on the page)."""
    from tools.site.search_index import search_document, site_details

    details = site_details(site)
    texts = {}
    for page in sorted((site / "papers").glob("*/index.html")):
        url = f"/papers/{page.parent.name}/"
        document = search_document(page.read_text(encoding="utf-8"), url, details)
        if document is not None:
            texts[url] = " ".join(document.texts()).lower()
    return texts


def _contains(text: str, term: str) -> bool:
    """A Chinese term anywhere; a Latin term as a word (or its plural): "ghost" is not in "ghostformer"."""
    if CJK.search(term):
        return term in text
    return re.search(rf"(?<![a-z0-9]){re.escape(term.lower())}(?:s|es)?(?![a-z0-9])", text) is not None


def expected(texts: dict[str, str], terms: list[str]) -> set[str]:
    return {url for url, text in texts.items() if all(_contains(text, term) for term in terms)}


def file_kind(path: str) -> str:
    """What a Pagefind file is for: runtime (script, WebAssembly), metadata (entry, page list), index, fragment."""
    name = path.rsplit("/", 1)[-1]
    if "/index/" in path:
        return "index"
    if "/fragment/" in path:
        return "fragments"
    if name.endswith(".pf_meta") or name == "pagefind-entry.json":
        return "metadata"
    return "runtime"


def transfer_bytes(files: list[list[Any]], site: Path) -> int:
    """Bytes a static host sends for these files when it gzips text (.js, .json) and sends the rest as they are."""
    total = 0
    for path, size in files:
        if path.endswith(_COMPRESSED_ALREADY):
            total += size
        else:
            total += len(gzip.compress((site / path.lstrip("/")).read_bytes(), 6))
    return total


def recall(found: list[str], right: set[str]) -> float | None:
    return round(len(right & set(found)) / len(right), 4) if right else None


def measure(n: int, work: Path) -> dict[str, Any]:
    from bench.search_browser import SearchBrowser, served

    print(f"--- {n} papers", flush=True)
    catalogue = work / f"papers-{n}.yaml"
    catalogue.write_text(synthetic_catalogue(n, 0), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PAPERS_CATALOGUE": str(catalogue)}
    env.pop("PAPERS_MEASUREMENTS", None)
    docs, site = work / f"docs-{n}", work / f"site-{n}"
    timed(
        [sys.executable, "-m", "tools.site.generate", "--catalogue", str(catalogue), "--out", str(docs)],
        work / f"generate-{n}.log",
        env=env,
    )
    build = timed(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--quiet",
            "--config-file",
            str(lunr_config(docs, work / f"lunr-{n}.yml")),
            "--site-dir",
            str(site),
        ],
        work / f"build-{n}.log",
        env=env,
    )
    index = timed([sys.executable, "-m", "tools.site.search_index", str(site)], work / f"index-{n}.log", env=env)
    bundle = site / "pagefind"
    lunr_index = (site / "search" / "search_index.json").read_bytes()
    texts = paper_texts(site)
    print(
        f"    built in {build['wall']:.0f} s, Pagefind index {index['wall']:.1f} s, {index['maxrss_mb']:.0f} MB",
        flush=True,
    )

    rows = []
    with served(site) as base:
        browser = SearchBrowser(base)
        try:
            lunr = browser.lunr([q for q, _, _ in QUERIES])
            for (query, kind, terms), lunr_answer in zip(QUERIES, lunr, strict=True):
                shown = browser.pagefind(query)
                everything = browser.pagefind(query, all_results=True)
                right = expected(texts, terms)
                later = [f for f in shown["files"] if file_kind(f[0]) in ("index", "fragments")]
                kinds = {kind: [f for f in shown["files"] if file_kind(f[0]) == kind] for kind in FILE_KINDS}
                rows.append(
                    {
                        "query": query,
                        "kind": kind,
                        "segmented": shown["segmented"],
                        "expected": len(right),
                        "pagefind_results": everything["total"],
                        "lunr_results": lunr_answer["total"],
                        "pagefind_recall": recall([u for u in everything["urls"] if u.startswith("/papers/")], right),
                        "lunr_recall": recall(lunr_answer["urls"], right),
                        "bytes_served": shown["bytes"],
                        "bytes_transfer": transfer_bytes(shown["files"], site),
                        "bytes_later_query": sum(size for _, size in later),
                        "bytes_by_kind": {kind: transfer_bytes(files, site) for kind, files in kinds.items()},
                        "results_loaded": shown["shown"],
                        "files": len(shown["files"]),
                    }
                )
                r = rows[-1]
                print(
                    f"    {query}: {r['expected']} expected; Pagefind {r['pagefind_recall']} "
                    f"({r['bytes_transfer'] / 1024:.0f} KB), lunr {r['lunr_recall']}",
                    flush=True,
                )
        finally:
            browser.close()
    return {
        "papers": n,
        "pages_indexed": len(list((bundle / "fragment").iterdir())),
        "index_build_s": round(index["wall"], 2),
        "index_build_cpu_s": round(index["cpu"], 2),
        "index_peak_memory_mb": round(index["maxrss_mb"]),
        "pagefind_bundle_mb": round(sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) / 2**20, 2),
        "pagefind_index_chunks": len(list((bundle / "index").iterdir())),
        "lunr_index_mb": round(len(lunr_index) / 2**20, 2),
        "lunr_index_gzip_mb": round(len(gzip.compress(lunr_index, 6)) / 2**20, 2),
        "site_build_s": round(build["wall"], 1),
        "queries": rows,
    }


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    largest = max(results, key=lambda r: r["papers"])
    worst_kb = max(q["bytes_transfer"] for q in largest["queries"]) / 1024
    lost = [
        f"{r['papers']}: {q['query']}"
        for r in results
        for q in r["queries"]
        if q["lunr_recall"] is not None and (q["pagefind_recall"] or 0) < q["lunr_recall"]
    ]
    return {
        "bytes_per_query": {
            "papers": largest["papers"],
            "max_kb": round(worst_kb, 1),
            "target_kb": TARGET_QUERY_KB,
            "met": worst_kb <= TARGET_QUERY_KB,
        },
        "no_query_lost": {"lost": lost, "met": not lost},
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def report(data: dict[str, Any]) -> str:
    lines = [
        "| papers | Pagefind index: build / peak memory | Pagefind bundle (chunks) | lunr index (gzip) | "
        "fetched per query, first / later (gzip where a host compresses) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        firsts = [q["bytes_transfer"] / 1024 for q in r["queries"]]
        laters = [q["bytes_later_query"] / 1024 for q in r["queries"]]
        lines.append(
            f"| {r['papers']:,} | {r['index_build_s']:.1f} s / {r['index_peak_memory_mb']:,} MB | "
            f"{r['pagefind_bundle_mb']:.1f} MB ({r['pagefind_index_chunks']}) | {r['lunr_index_mb']:.1f} MB "
            f"({r['lunr_index_gzip_mb']:.1f} MB) | {min(firsts):.0f}–{max(firsts):.0f} KB / "
            f"{min(laters):.0f}–{max(laters):.0f} KB |"
        )
    sizes = [r["papers"] for r in data["results"]]
    lines += [
        "",
        "| query | kind | right answers | " + " | ".join(f"recall at {n:,}: Pagefind / lunr" for n in sizes) + " |",
        "|---|---|---:|" + "---:|" * len(sizes),
    ]
    by_query = {
        q: [next(x for x in r["queries"] if x["query"] == q) for r in data["results"]]
        for q, _, _ in QUERIES
        if all(any(x["query"] == q for x in r["queries"]) for r in data["results"])
    }
    for query, cells in by_query.items():
        lines.append(
            f"| {query} | {cells[0]['kind']} | "
            + " / ".join(f"{c['expected']:,}" for c in cells)
            + " | "
            + " | ".join(f"{_pct(c['pagefind_recall'])} / {_pct(c['lunr_recall'])}" for c in cells)
            + " |"
        )
    s = data["summary"]
    lines += [
        "",
        "| target | result | |",
        "|---|---|---|",
        f"| ≤ {s['bytes_per_query']['target_kb']} KB fetched per query at {s['bytes_per_query']['papers']:,} papers "
        f"| at most {s['bytes_per_query']['max_kb']:.0f} KB (first query, runtime included) | "
        f"{'met' if s['bytes_per_query']['met'] else '**missed**'} |",
        f"| no query lost against lunr | {', '.join(s['no_query_lost']['lost']) or 'none lost'}"
        f" | {'met' if s['no_query_lost']['met'] else '**missed**'} |",
        "",
        f"Measured on {data['measured_on']}: {data['machine']}; Pagefind 1.5.2, one run per size. "
        "Reproduce with `python bench/search_scale.py`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--keep", type=Path, help="keep the catalogues and sites in this folder")
    parser.add_argument("--report-only", action="store_true", help="print the summary of the recorded results")
    args = parser.parse_args(argv)
    if not args.report_only:
        work = (args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))).resolve()
        work.mkdir(parents=True, exist_ok=True)
        try:
            started = time.strftime("%Y-%m-%d", time.gmtime())
            results = [measure(n, work) for n in args.sizes]
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        from tools.site.search_index import INDEX_CHUNK_LOCATIONS

        data = {
            "measured_on": started,
            "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
            "index_chunk_locations": INDEX_CHUNK_LOCATIONS,
            "results": results,
        }
        data["summary"] = summary(results)
        RESULTS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    data = json.loads(RESULTS.read_text(encoding="utf-8"))
    print(report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
