"""Scale benchmark of the site (issue 6, "Scale"): synthetic catalogues of 100 to 5,000 papers.

Measured in one run, for each size N:

* validation: `tools.catalogue.load_catalogue` (YAML, schema, cross-references), best of three, in process;
* generation alone: `python -m tools.site.generate --out DIR` (load, claims, pages written as Markdown files);
* the site build with our catalogue hook (env PAPERS_CATALOGUE) against a plain build of the pages that
  `generate --out` wrote, with mkdocs.yml minus the hooks. The difference is what our generation adds to mkdocs'
  own build. Neither build runs the Pagefind step (`search_hook.py`, timed by bench/search_scale.py): the hook
  build loads mkdocs.yml with `hooks` set to the catalogue hook alone. The two builds must make the same pages
  saying the same things (checked with `tools.site.compare_sites`), or the run stops. Four kinds of build
  alternate, `--repeat` runs of each (median, minimum and maximum kept):
  - *without caches*: SITE_CACHE=0 and SITE_GC_FREEZE=0, the hook as it was before the site cache
    (`tools/site/build_cache.py`) and the collector pause existed;
  - *empty cache*: a first build (every fragment rendered, every chart drawn);
  - *warm cache*: with the cache a build of the same catalogue left behind after one paper's TL;DR was edited
    (the usual case: a change to one paper), restored before each run; the built site must be byte for byte the
    site built without caches. The cache is that of the first build of the catalogue before the edit (from an
    empty cache); `compileall` gives the project's modules their bytecode first, as an installed package has;
  - *plain*.
  CPU time and wall time are recorded; the targets use CPU time, which on a shared machine is the build's own
  time (mkdocs builds on one core);
* where the hook's own time goes without caches (imports, validation, claim verdicts, Markdown rendering, charts,
  the rest);
* time per page as N grows (is it linear?);
* peak memory of each build (`ru_maxrss` of the build process);
* sizes: the search index (plain and gzipped), the catalogue page, its JSON data file, and the paper pages
  (largest and median; also without the collapsible source listing that pages of papers with models embed).

Targets: generation adds ≤ 10 % to mkdocs' own build at 1,000 papers; time grows linearly to 5,000; a paper page
≤ 60 KB of HTML; the catalogue page renders one page of rows and loads the rest from a JSON file.
The result goes to bench/results/scale.json (`tools.bench_results.ScaleResult`), from which the site renders the
`<!-- bench:scale -->` section of docs/performance.md.

    python bench/scale.py [--sizes 100 1000 2000 5000] [--repeat 3] [--big-repeat 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import compileall
import filecmp
import gzip
import json
import os
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

from bench.synthetic import synthetic_catalogue  # noqa: E402
from tools.bench_results import Machine, ScaleResult, today, write_result  # noqa: E402

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
# One MkDocs build: config file, site folder, and optionally the hooks that replace mkdocs.yml's (absolute paths).
# The config file stays where it is, so the hook finds the repository next to it.
_BUILD = r"""
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
overrides = {"site_dir": sys.argv[2], **({"hooks": sys.argv[3:]} if sys.argv[3:] else {})}
build(load_config(sys.argv[1], **overrides))
"""
CATALOGUE_HOOK = REPO / "tools" / "site" / "mkdocs_hook.py"
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
sanitize._render.cache_clear()
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
        [sys.executable, "-c", _WRAPPER, str(log), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
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
    search: dict[str, object] = {"search_engine": None}  # neither build indexes with Pagefind (search_scale.py does)
    if lunr.is_file():  # Material's lunr index (before Pagefind replaced it)
        index = lunr.read_bytes()
        search = {
            "search_engine": "lunr",
            "search_index_mb": round(len(index) / 2**20, 2),
            "search_index_gzip_mb": round(len(gzip.compress(index, 6)) / 2**20, 2),
            "search_index_docs": len(json.loads(index)["docs"]),
        }
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


def build(config: Path, site: Path, log: Path, env: dict[str, str], *hooks: Path) -> dict:
    """One timed MkDocs build of `config` into `site` (with `hooks` instead of the config's own, if given)."""
    return timed([sys.executable, "-c", _BUILD, str(config), str(site), *map(str, hooks)], log, env=env)


def edited(catalogue_text: str) -> str:
    """The catalogue with the first paper's TL;DR changed: what a build of the day before left in the cache."""
    marker = '    tldr: "'
    if marker not in catalogue_text:
        raise SystemExit("the synthetic catalogue has no TL;DR to edit")
    return catalogue_text.replace(marker, marker + "Edited since the last build. ", 1)


def same_files(first: Path, second: Path) -> list[str]:
    """Relative paths of the files that differ between two built sites (or exist in one only)."""
    a = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    b = {p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()}
    return sorted((a ^ b) | {rel for rel in a & b if not filecmp.cmp(first / rel, second / rel, shallow=False)})


def wait_for_load(most: float, patience_s: float = 900) -> None:
    """Sleep until the 1-minute load average is at most `most` (other work on the machine inflates CPU time)."""
    deadline = time.monotonic() + patience_s
    while os.getloadavg()[0] > most and time.monotonic() < deadline:
        print(f"load {os.getloadavg()[0]:.1f} > {most}: waiting", flush=True)
        time.sleep(30)


def _times(runs: list[dict]) -> dict:
    return {
        "cpu_s": [round(r["cpu"], 2) for r in runs],
        "wall_s": [round(r["wall"], 2) for r in runs],
        "peak_memory_mb": round(max(r["maxrss_mb"] for r in runs)),
    }


def measure(n: int, work: Path, repeat: int, seed: int) -> dict:
    from tools.site.compare_sites import compare_sites

    print(f"--- {n} papers ({repeat} build{'s' if repeat != 1 else ''} of each kind)", flush=True)
    load_before = os.getloadavg()[0]
    catalogue, before_edit = work / f"papers-{n}.yaml", work / f"papers-{n}-before-edit.yaml"
    text = synthetic_catalogue(n, seed)
    catalogue.write_text(text, encoding="utf-8")
    before_edit.write_text(edited(text), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PAPERS_CATALOGUE": str(catalogue)}
    env.pop("PAPERS_MEASUREMENTS", None)  # the committed measurements, as in a real build
    for name in ("SITE_CACHE", "SITE_CACHE_DIR", "SITE_GC_FREEZE"):
        env.pop(name, None)
    uncached = {**env, "SITE_CACHE": "0", "SITE_GC_FREEZE": "0"}

    validation = validation_seconds(catalogue)
    docs = work / f"docs-{n}"
    generate = timed(
        [sys.executable, "-m", "tools.site.generate", "--catalogue", str(catalogue), "--out", str(docs)],
        work / f"generate-{n}.log",
        env=uncached,
    )
    breakdown = json.loads(
        subprocess.run(
            [sys.executable, "-c", _BREAKDOWN, str(catalogue)],
            cwd=REPO,
            env=uncached,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    config, repo_config = plain_config(docs, work / f"plain-{n}.yml"), REPO / "mkdocs.yml"
    sites = {kind: work / f"site-{kind}-{n}" for kind in ("baseline", "cold", "warm", "plain")}
    primed = work / f"cache-primed-{n}"  # the cache a build of the catalogue before the edit leaves behind
    shutil.rmtree(primed, ignore_errors=True)
    build(
        repo_config,
        work / f"site-primer-{n}",
        work / f"primer-{n}.log",
        {**env, "SITE_CACHE_DIR": str(primed), "PAPERS_CATALOGUE": str(before_edit)},
        CATALOGUE_HOOK,
    )
    runs: dict[str, list[dict]] = {kind: [] for kind in sites}
    for _ in range(repeat):
        cold, warm = work / f"cache-cold-{n}", work / f"cache-warm-{n}"
        for folder in (cold, warm):
            shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(primed, warm)
        for kind, kind_env in (
            ("baseline", uncached),
            ("cold", {**env, "SITE_CACHE_DIR": str(cold)}),
            ("warm", {**env, "SITE_CACHE_DIR": str(warm)}),
        ):
            runs[kind].append(build(repo_config, sites[kind], work / f"{kind}-{n}.log", kind_env, CATALOGUE_HOOK))
        runs["plain"].append(build(config, sites["plain"], work / f"plain-{n}.log", env))
    changed = same_files(sites["baseline"], sites["warm"]) + same_files(sites["baseline"], sites["cold"])
    if changed:
        raise SystemExit(f"{n}: the cached builds differ from the build without caches: {', '.join(changed[:10])}")
    difference = compare_sites(sites["warm"], sites["plain"])
    if not difference.same:
        raise SystemExit(
            f"{n}: the hook and plain builds differ: missing {difference.missing[:5]}, extra "
            f"{difference.extra[:5]}, changed {list(difference.changed.items())[:3]}"
        )
    pages = len(html_pages(sites["warm"]))
    hook_runs, plain_runs = runs["warm"], runs["plain"]
    hook = statistics.median(r["wall"] for r in hook_runs)
    plain = statistics.median(r["wall"] for r in plain_runs)
    # mkdocs builds on one core, so CPU time is the build time without the noise of other work on the machine.
    hook_cpu = statistics.median(r["cpu"] for r in hook_runs)
    plain_cpu = statistics.median(r["cpu"] for r in plain_runs)
    result = {
        "papers": n,
        "catalogue_mb": round(catalogue.stat().st_size / 2**20, 2),
        "pages": pages,
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
        "build_cold_cache": _times(runs["cold"]),
        "build_without_caches": _times(runs["baseline"]),
        "overhead": round(hook_cpu / plain_cpu - 1, 4),
        "overhead_wall": round(hook / plain - 1, 4),
        "hook_ms_per_page": round(hook_cpu / pages * 1000, 2),
        "plain_ms_per_page": round(plain_cpu / pages * 1000, 2),
        "peak_memory_hook_mb": round(max(r["maxrss_mb"] for r in hook_runs)),
        "peak_memory_plain_mb": round(max(r["maxrss_mb"] for r in plain_runs)),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **sizes(sites["warm"]),
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
                "per_page_ratio": round(ratio, 3),
                "from": REFERENCE_N,
                "to": largest,
                "target": f"within ±{TARGET_LINEAR:.0%}",
                "met": abs(ratio - 1) <= TARGET_LINEAR,
            }
    page = max(r["paper_page_max_kb"] for r in results)
    page_plain = max(r["paper_page_max_without_code_kb"] for r in results)
    no_models = max(r["paper_page_max_no_models_kb"] for r in results)
    verdict["paper_page"] = {
        "max_kb": page,
        "max_without_code_kb": page_plain,
        "max_no_models_kb": no_models,
        "median_kb": by_n[largest]["paper_page_median_kb"],
        "target_kb": TARGET_PAGE_KB,
        "met": page_plain <= TARGET_PAGE_KB,
    }
    verdict["index"] = {
        "static_rows": by_n[largest]["catalogue_static_rows"],
        "papers": largest,
        "catalogue_page_kb": by_n[largest]["catalogue_page_kb"],
        "papers_json_gzip_kb": by_n[largest]["papers_json_gzip_kb"],
        "met": by_n[largest]["catalogue_static_rows"] < largest,
    }
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help=f"builds of each kind up to {REFERENCE_N:,} papers")
    parser.add_argument("--big-repeat", type=int, default=2, help=f"builds of each kind above {REFERENCE_N:,}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument(
        "--max-load",
        type=float,
        help="before each size, wait (up to 15 minutes) for a 1-minute load average at most this",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; do not write bench/results/scale.json")
    args = parser.parse_args(argv)

    import material
    import mkdocs

    work = (args.keep or Path(tempfile.mkdtemp(prefix="scale-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # Bytecode for the project's modules, as an installed package or a first run has it: with
    # PYTHONDONTWRITEBYTECODE set (as on the benchmark machine), every build would compile them again, a cost of
    # that setting and not of the generation (MkDocs' own modules were compiled when pip installed them).
    compileall.compile_dir(REPO / "tools", quiet=1)
    compileall.compile_dir(REPO / "reference_impls", quiet=1)
    try:
        results = []
        for n in sorted(set(args.sizes)):
            if args.max_load is not None:
                wait_for_load(args.max_load)
            results.append(measure(n, work, args.repeat if n <= REFERENCE_N else args.big_repeat, args.seed))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    result = ScaleResult.model_validate(
        {
            "machine": Machine.here(mkdocs=mkdocs.__version__, material=getattr(material, "__version__", "?")),
            "date": today(),
            "repeat": args.repeat,
            "big_repeat": args.big_repeat,
            "seed": args.seed,
            "results": results,
            "verdict": assess(results),
        }
    )
    print(result.verdict.model_dump_json(indent=2, by_alias=True))
    if not args.no_write:
        print(f"wrote {write_result('scale', result).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
