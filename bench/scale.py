"""Scale benchmark of the site (issue 6, "Scale"): synthetic catalogues of 100 to 5,000 papers.

Measured in one run, for each size N:

* validation: `tools.catalogue.load_catalogue` (YAML, schema, cross-references), best of three, in process;
* generation alone: `python -m tools.site.generate --out DIR` (load, claims, pages written as Markdown files);
* the site build with our hook (`mkdocs build`, env PAPERS_CATALOGUE) against a plain `mkdocs build` of the
  pages that `generate --out` wrote, with a copy of mkdocs.yml minus the hook. The difference is what our
  generation adds to mkdocs' own build. Hook and plain builds alternate; the median of `--repeat` runs is kept.
  Both CPU time and wall time are recorded; the targets use CPU time, which on a shared machine is the build's
  own time (mkdocs builds on one core);
* where the hook's own time goes (imports, validation, claim verdicts, Markdown rendering, charts, the rest);
* time per page as N grows (is it linear?);
* peak memory of each build (`ru_maxrss` of the build process);
* sizes: the search index (plain and gzipped), the catalogue page, its JSON data file, and the paper pages
  (largest and median; also without the collapsible source listing that pages of papers with models embed).

Targets: generation adds ≤ 10 % to mkdocs' own build at 1,000 papers; time grows linearly to 5,000; a paper page
≤ 60 KB of HTML; the catalogue page renders one page of rows and loads the rest from a JSON file.
Results: bench/results/scale.json and the `<!-- bench:scale -->` section of docs/performance.md.

    python bench/scale.py [--sizes 100 1000 2000 5000] [--repeat 3] [--big-repeat 2] [--keep DIR]
    python bench/scale.py --report-only     # rewrite the docs section from bench/results/scale.json
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.report import write_section  # noqa: E402
from bench.synthetic import synthetic_catalogue  # noqa: E402

TARGET_OVERHEAD = 0.10  # generation adds at most 10 % at 1,000 papers
TARGET_LINEAR = 0.20  # per-page build time at the largest N within 20 % of the time at 1,000
TARGET_PAGE_KB = 60
REFERENCE_N = 1000

# Runs a command and reports its wall time and the peak resident memory of the process it started.
_WRAPPER = r"""
import json, resource, subprocess, sys, time
log = open(sys.argv[1], "wb")
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}))
"""
# Where the hook's time goes, measured in a fresh process (cold caches) in the order the hook does the work.
_BREAKDOWN = r"""
import json, sys, time
from pathlib import Path
t = time.perf_counter()
from tools.catalogue import REPO_ROOT, load_catalogue
from tools.claims import evaluate_claims
from tools.measurements import MEASUREMENTS_FILE, read_measurements
from tools.site import insights, pipeline, sanitize
import matplotlib.figure, matplotlib.backends.backend_svg, bibtexparser, markdown, nh3
out = {"imports": time.perf_counter() - t}
t = time.perf_counter(); catalogue = load_catalogue(Path(sys.argv[1])); out["validation"] = time.perf_counter() - t
t = time.perf_counter(); measurements = read_measurements(MEASUREMENTS_FILE)
results = evaluate_claims(catalogue, measurements); out["claims"] = time.perf_counter() - t
texts = [x for p in catalogue.papers for x in (p.tldr, p.notes.zh, p.notes.en, *p.strengths, *p.weaknesses,
                                               *(c.text for c in p.claims), *(c.acknowledged for c in p.claims)) if x]
t = time.perf_counter()
for x in texts:
    sanitize.render_markdown(x)
out["markdown"] = time.perf_counter() - t
t = time.perf_counter(); insights.build_insights(catalogue, measurements); out["insights"] = time.perf_counter() - t
sanitize.render_markdown.cache_clear()
t = time.perf_counter()
pipeline.build_site(pipeline.SiteInputs(catalogue, measurements, results), repo_root=REPO_ROOT)
out["generation"] = time.perf_counter() - t
out["other_generation"] = out["generation"] - out["markdown"] - out["insights"]
print(json.dumps(out))
"""
_CODE_LISTING = re.compile(r'<details class="example"[^>]*>.*?</details>', re.DOTALL)


def timed(command: list[str], log: Path, *, env: dict[str, str] | None = None) -> dict:
    """Run `command` (cwd = the repository); return wall and CPU seconds and peak memory (MB). Fails loudly."""
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(log), *command], cwd=REPO, env=env, capture_output=True, text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"failed ({result['rc']}): {' '.join(command)}\n{log.read_text(errors='replace')[-4000:]}")
    return {"wall": result["wall"], "cpu": result["cpu"], "maxrss_mb": result["maxrss_kb"] / 1024}


def plain_config(docs_dir: Path, path: Path) -> Path:
    """mkdocs.yml minus the hooks, building `docs_dir` (tools/site/engines.py: `!ENV` kept, snippets from
    reference_impls/)."""
    from tools.site.engines import dump_config, tree_config

    path.write_text(dump_config(tree_config(REPO, os.path.relpath(docs_dir, path.parent))), encoding="utf-8")
    return path


def validation_seconds(catalogue: Path, runs: int = 3) -> float:
    from tools.catalogue import load_catalogue

    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        load_catalogue(catalogue)
        best = min(best, time.perf_counter() - start)
    return best


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def sizes(site: Path) -> dict:
    def kb(n: int) -> float:
        return round(n / 1024, 1)

    lunr = site / "search" / "search_index.json"
    if lunr.is_file():  # Material's lunr index (before Pagefind replaced it)
        index = lunr.read_bytes()
        search = {"search_engine": "lunr", "search_index_mb": round(len(index) / 2**20, 2),
                  "search_index_gzip_mb": round(len(gzip.compress(index, 6)) / 2**20, 2),
                  "search_index_docs": len(json.loads(index)["docs"])}
    else:  # Pagefind: index chunks and fragments are gzip files already, fetched a few at a time
        files = [p for p in (site / "pagefind").rglob("*") if p.suffix in (".pf_index", ".pf_fragment", ".pf_meta")]
        total = sum(p.stat().st_size for p in files)
        search = {"search_engine": "pagefind", "search_index_mb": round(total / 2**20, 2),
                  "search_index_gzip_mb": round(total / 2**20, 2),
                  "search_index_docs": len(list((site / "pagefind" / "fragment").iterdir()))}
    catalogue = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
    papers_json = (site / "data" / "papers.json").read_bytes()
    claims_json = (site / "data" / "claims.json").read_bytes()
    paper_sizes, without_code, no_models = [], [], []
    for page in (site / "papers").glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        paper_sizes.append(len(html.encode("utf-8")))
        without_code.append(len(_CODE_LISTING.sub("", html).encode("utf-8")))
        if 'id="measured-cost"' not in html:  # a paper that defines no model: text, claims, BibTeX
            no_models.append(paper_sizes[-1])
    table = catalogue.split('class="cat-table"', 1)[-1]
    return {
        **search,
        "catalogue_page_kb": kb(len(catalogue.encode("utf-8"))),
        "catalogue_static_rows": table.count("<tr>") - 1,  # minus the header row
        "papers_json_kb": kb(len(papers_json)),
        "papers_json_gzip_kb": kb(len(gzip.compress(papers_json, 6))),
        "claims_json_kb": kb(len(claims_json)),
        "claims_json_gzip_kb": kb(len(gzip.compress(claims_json, 6))),
        "paper_page_max_kb": kb(max(paper_sizes)),
        "paper_page_median_kb": kb(int(statistics.median(paper_sizes))),
        "paper_page_max_without_code_kb": kb(max(without_code)),
        "paper_page_median_without_code_kb": kb(int(statistics.median(without_code))),
        "paper_page_max_no_models_kb": kb(max(no_models)),
        "paper_page_median_no_models_kb": kb(int(statistics.median(no_models))),
        "pages_with_code_listing": sum(1 for a, b in zip(paper_sizes, without_code, strict=True) if a != b),
        "site_mb": round(sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 2**20, 1),
    }


def measure(n: int, work: Path, repeat: int, seed: int) -> dict:
    print(f"--- {n} papers ({repeat} build{'s' if repeat != 1 else ''} of each kind)", flush=True)
    catalogue = work / f"papers-{n}.yaml"
    catalogue.write_text(synthetic_catalogue(n, seed), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PAPERS_CATALOGUE": str(catalogue)}
    env.pop("PAPERS_MEASUREMENTS", None)  # the committed measurements, as in a real build

    validation = validation_seconds(catalogue)
    docs = work / f"docs-{n}"
    generate = timed([sys.executable, "-m", "tools.site.generate", "--catalogue", str(catalogue), "--out", str(docs)],
                     work / f"generate-{n}.log", env=env)
    breakdown = json.loads(subprocess.run([sys.executable, "-c", _BREAKDOWN, str(catalogue)], cwd=REPO, env=env,
                                          capture_output=True, text=True, check=True).stdout)
    config = plain_config(docs, work / f"plain-{n}.yml")
    hook_site, plain_site = work / f"site-hook-{n}", work / f"site-plain-{n}"
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
    hook_runs, plain_runs = [], []
    for _ in range(repeat):
        hook_runs.append(timed([*mkdocs, "--config-file", str(REPO / "mkdocs.yml"), "--site-dir", str(hook_site)],
                               work / f"hook-{n}.log", env=env))
        plain_runs.append(timed([*mkdocs, "--config-file", str(config), "--site-dir", str(plain_site)],
                                work / f"plain-{n}.log", env=env))
    hook_pages = [p.relative_to(hook_site).as_posix() for p in html_pages(hook_site)]
    plain_pages = [p.relative_to(plain_site).as_posix() for p in html_pages(plain_site)]
    if hook_pages != plain_pages:
        raise SystemExit(f"{n}: the hook and plain builds made different pages")
    hook = statistics.median(r["wall"] for r in hook_runs)
    plain = statistics.median(r["wall"] for r in plain_runs)
    # mkdocs builds on one core, so CPU time is the build time without the noise of other work on the machine.
    hook_cpu = statistics.median(r["cpu"] for r in hook_runs)
    plain_cpu = statistics.median(r["cpu"] for r in plain_runs)
    result = {
        "papers": n,
        "catalogue_mb": round(catalogue.stat().st_size / 2**20, 2),
        "pages": len(hook_pages),
        "validation_s": round(validation, 3),
        "generate_cli_s": round(generate["wall"], 2),
        "hook_work_s": {k: round(v, 3) for k, v in breakdown.items()},
        "build_hook_s": round(hook, 2),
        "build_plain_s": round(plain, 2),
        "build_hook_cpu_s": round(hook_cpu, 2),
        "build_plain_cpu_s": round(plain_cpu, 2),
        "build_hook_runs_s": [round(r["wall"], 2) for r in hook_runs],
        "build_plain_runs_s": [round(r["wall"], 2) for r in plain_runs],
        "build_hook_runs_cpu_s": [round(r["cpu"], 2) for r in hook_runs],
        "build_plain_runs_cpu_s": [round(r["cpu"], 2) for r in plain_runs],
        "overhead": round(hook_cpu / plain_cpu - 1, 4),
        "overhead_wall": round(hook / plain - 1, 4),
        "hook_ms_per_page": round(hook_cpu / len(hook_pages) * 1000, 2),
        "plain_ms_per_page": round(plain_cpu / len(hook_pages) * 1000, 2),
        "peak_memory_hook_mb": round(max(r["maxrss_mb"] for r in hook_runs)),
        "peak_memory_plain_mb": round(max(r["maxrss_mb"] for r in plain_runs)),
        **sizes(hook_site),
    }
    print(json.dumps(result, indent=1), flush=True)
    return result


def assess(results: list[dict]) -> dict:
    by_n = {r["papers"]: r for r in results}
    largest = max(by_n)
    verdict: dict = {}
    if REFERENCE_N in by_n:
        overhead = by_n[REFERENCE_N]["overhead"]
        verdict["overhead_at_1000"] = {"value": overhead, "target": TARGET_OVERHEAD, "met": overhead <= TARGET_OVERHEAD}
        if largest > REFERENCE_N:
            ratio = by_n[largest]["hook_ms_per_page"] / by_n[REFERENCE_N]["hook_ms_per_page"]
            verdict["linearity"] = {
                "per_page_ratio": round(ratio, 3), "from": REFERENCE_N, "to": largest,
                "target": f"within ±{TARGET_LINEAR:.0%}", "met": abs(ratio - 1) <= TARGET_LINEAR,
            }
    page = max(r["paper_page_max_kb"] for r in results)
    page_plain = max(r["paper_page_max_without_code_kb"] for r in results)
    no_models = max(r["paper_page_max_no_models_kb"] for r in results)
    verdict["paper_page"] = {"max_kb": page, "max_without_code_kb": page_plain, "max_no_models_kb": no_models,
                             "median_kb": by_n[largest]["paper_page_median_kb"], "target_kb": TARGET_PAGE_KB,
                             "met": page_plain <= TARGET_PAGE_KB}
    verdict["index"] = {"static_rows": by_n[largest]["catalogue_static_rows"], "papers": largest,
                        "catalogue_page_kb": by_n[largest]["catalogue_page_kb"],
                        "papers_json_gzip_kb": by_n[largest]["papers_json_gzip_kb"],
                        "met": by_n[largest]["catalogue_static_rows"] < largest}
    return verdict


def marginal(results: list[dict]) -> list[tuple[int, int, float]]:
    """CPU ms per added paper between consecutive sizes (hook build)."""
    rows = sorted(results, key=lambda r: r["papers"])
    return [
        (a["papers"], b["papers"], (b["build_hook_cpu_s"] - a["build_hook_cpu_s"]) / (b["papers"] - a["papers"]) * 1000)
        for a, b in itertools.pairwise(rows)
    ]


def table(data: dict) -> str:
    results, verdict = data["results"], data["verdict"]
    yes = {True: "met", False: "**missed**"}
    lines = [
        "| papers | pages | validation | generate --out | build with hook (CPU / wall) | plain build (CPU / wall) | "
        "added by generation (CPU / wall) | CPU ms per page (hook) | peak memory (hook / plain) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['papers']:,} | {r['pages']:,} | {r['validation_s']:.2f} s | {r['generate_cli_s']:.1f} s | "
            f"{r['build_hook_cpu_s']:.1f} / {r['build_hook_s']:.1f} s | {r['build_plain_cpu_s']:.1f} / "
            f"{r['build_plain_s']:.1f} s | {r['overhead']:+.1%} / {r['overhead_wall']:+.1%} | "
            f"{r['hook_ms_per_page']:.1f} | {r['peak_memory_hook_mb']:,} / {r['peak_memory_plain_mb']:,} MB |"
        )
    lines += [
        "",
        "| papers | search index (gzip) | catalogue page | rows in its HTML | papers.json (gzip) | "
        "claims.json (gzip) | paper page: median / largest | largest without code listing | whole site |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['papers']:,} | {r['search_index_mb']:.1f} MB ({r['search_index_gzip_mb']:.1f} MB) | "
            f"{r['catalogue_page_kb']:.0f} KB | {r['catalogue_static_rows']} | "
            f"{r['papers_json_kb']:,.0f} KB ({r['papers_json_gzip_kb']:,.0f} KB) | "
            f"{r['claims_json_kb']:,.0f} KB ({r['claims_json_gzip_kb']:,.0f} KB) | "
            f"{r['paper_page_median_kb']:.0f} / {r['paper_page_max_kb']:.0f} KB | "
            f"{r['paper_page_max_without_code_kb']:.0f} KB | {r['site_mb']:,.0f} MB |"
        )
    lines += [
        "",
        "Where the added time goes (the hook's work timed step by step in a fresh process; the last column is the "
        "measured CPU difference between the two builds):",
        "",
        "| papers | imports | validation | claim verdicts | notes and texts: Markdown → sanitized HTML | "
        "insight charts (matplotlib) | rest of the generation | sum | hook − plain build |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        w = r["hook_work_s"]
        total = w["imports"] + w["validation"] + w["claims"] + w["generation"]
        lines.append(
            f"| {r['papers']:,} | {w['imports']:.2f} s | {w['validation']:.2f} s | {w['claims']:.2f} s | "
            f"{w['markdown']:.2f} s | {w['insights']:.2f} s | {w['other_generation']:.2f} s | {total:.2f} s | "
            f"{r['build_hook_cpu_s'] - r['build_plain_cpu_s']:.2f} s |"
        )
    lines += ["", "| target | result | |", "|---|---|---|"]
    if "overhead_at_1000" in verdict:
        v = verdict["overhead_at_1000"]
        lines.append(f"| generation adds ≤ 10 % at 1,000 papers | {v['value']:+.1%} (CPU time) | {yes[v['met']]} |")
    if "linearity" in verdict:
        v = verdict["linearity"]
        lines.append(
            f"| linear to {v['to']:,} papers (ms per page within ±20 % of the figure at {v['from']:,}) | "
            f"× {v['per_page_ratio']:.2f} | {yes[v['met']]} |"
        )
    v = verdict["paper_page"]
    lines.append(
        f"| a paper page ≤ 60 KB of HTML | median {v['median_kb']:.0f} KB; papers without models at most "
        f"{v['max_no_models_kb']:.0f} KB; largest page of a paper with models {v['max_without_code_kb']:.0f} KB "
        f"without its source listing ({v['max_kb']:.0f} KB with it) | {yes[v['met']]} |"
    )
    v = verdict["index"]
    lines.append(
        f"| the index stays usable at {v['papers']:,} rows | {v['static_rows']} rows in "
        f"{v['catalogue_page_kb']:.0f} KB of HTML, the rest paged from {v['papers_json_gzip_kb']:,.0f} KB of "
        f"gzipped JSON | {yes[v['met']]} |"
    )
    steps = ", ".join(f"{a:,}→{b:,}: {ms:.1f} ms" for a, b, ms in marginal(results))
    machine = data["machine"]
    lines += [
        "",
        f"CPU time per added paper (hook build): {steps}.",
        "",
        f"Measured on {data['date']}: {machine['cores']} cores, Python {machine['python']}, mkdocs "
        f"{machine['mkdocs']}, Material {machine['material']}; median of {data['repeat']} builds up to "
        f"{REFERENCE_N:,} papers, {data['big_repeat']} above. Reproduce with `python bench/scale.py`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help=f"builds of each kind up to {REFERENCE_N:,} papers")
    parser.add_argument("--big-repeat", type=int, default=2, help=f"builds of each kind above {REFERENCE_N:,}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write results or docs")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite the docs section from bench/results/scale.json")
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads((REPO / "bench" / "results" / "scale.json").read_text(encoding="utf-8"))
        write_section(REPO / "docs" / "performance.md", "scale", table(data))
        return 0

    import material
    import mkdocs

    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = [
            measure(n, work, args.repeat if n <= REFERENCE_N else args.big_repeat, args.seed)
            for n in sorted(set(args.sizes))
        ]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    data = {
        "machine": {
            "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "mkdocs": mkdocs.__version__, "material": getattr(material, "__version__", "?"),
        },
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
        "big_repeat": args.big_repeat,
        "seed": args.seed,
        "results": results,
        "verdict": assess(results),
    }
    print(json.dumps(data["verdict"], indent=2))
    print(table(data))
    if not args.no_write:
        out = REPO / "bench" / "results" / "scale.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        write_section(REPO / "docs" / "performance.md", "scale", table(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
