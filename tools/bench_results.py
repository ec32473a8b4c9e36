"""The benchmark results in `bench/results/*.json`: one pydantic model per benchmark, written and read here.

Each script under `bench/` measures, then writes its typed result with `write_result` (stamped with the machine
and the date); no script edits a docs page. The site renders every `<!-- bench:NAME -->` section of
`docs/performance.md` from `bench/results/NAME.json` (`tools/site/bench_results.py`). `read_result` turns a
missing, unreadable or malformed file into a `BenchResultError` that names the file, the field and the script
that writes it.

    >>> speed = read_result("speed")            # SpeedResult
    >>> write_result("speed", speed)            # bench/results/speed.json, atomically
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"


class BenchResultError(ValueError):
    """A results file is missing, is not JSON, or does not match its benchmark's model."""


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Machine(_Result):
    """Where a benchmark ran. The optional fields are the versions that benchmark depends on."""

    cores: int = Field(ge=1)
    python: str | None = Field(default=None, min_length=1, description="None: not recorded (older results)")
    platform: str | None = Field(default=None, min_length=1, description="None: not recorded (older results)")
    cpu_model: str | None = None
    torch: str | None = None
    torch_build: str | None = None
    mkdocs: str | None = None
    material: str | None = None
    lighthouse: str | None = None

    @classmethod
    def here(cls, **versions: str) -> Machine:
        """This machine: usable cores, Python, platform, and the given versions."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return cls(cores=cores, python=platform.python_version(), platform=platform.platform(), **versions)


def today() -> dt.date:
    """The date a result is stamped with (UTC)."""
    return dt.datetime.now(dt.UTC).date()


# ---- bench/measure_speed.py ------------------------------------------------------------------------------------


class SpeedResult(_Result):
    """Warm `verify_claims.py --check` against `import torch`; cold `--update` against a plain fvcore loop."""

    machine: Machine
    date: dt.date = Field(description="When the cold figures were measured.")
    warm_date: dt.date = Field(description="When the warm figures were measured (`--warm-only` runs).")
    repeat: int = Field(ge=1, description="Runs of each warm command; the median is kept.")
    models: int = Field(ge=1)
    warm_check_s: float = Field(gt=0)
    warm_uncached_check_s: float = Field(gt=0)
    torch_import_s: float = Field(gt=0)
    warm_ratio: float = Field(gt=0)
    warm_uncached_ratio: float = Field(gt=0)
    warm_target: float = Field(gt=0)
    cold_update_s: float = Field(gt=0)
    plain_fvcore_loop_s: float = Field(gt=0)
    cold_ratio: float = Field(gt=0)
    cold_target: float = Field(gt=0)


# ---- bench/lighthouse.py ---------------------------------------------------------------------------------------


class LighthouseScores(_Result):
    performance: int = Field(ge=0, le=100)
    accessibility: int = Field(ge=0, le=100)
    best_practices: int = Field(ge=0, le=100, alias="best-practices")
    seo: int = Field(ge=0, le=100)


class LighthouseMetrics(_Result):
    """Lighthouse's own display values ("1.1 s", "170 ms", "0.055")."""

    FCP: str = Field(min_length=1)
    LCP: str = Field(min_length=1)
    TBT: str = Field(min_length=1)
    CLS: str = Field(min_length=1)


class LighthouseRun(_Result):
    page: str = Field(description="Site-relative path, '' for the home page.")
    form: Literal["mobile", "desktop"]
    scores: LighthouseScores
    metrics: LighthouseMetrics
    transfer_kb: int = Field(ge=0)
    dom_elements: int = Field(ge=0)


class LighthouseResult(_Result):
    machine: Machine
    date: dt.date
    runs: list[LighthouseRun] = Field(min_length=1)


# ---- bench/measure_latency.py ----------------------------------------------------------------------------------


class LatencySpread(_Result):
    model: str
    baseline: str
    threads: int = Field(ge=1)
    run_1: float = Field(gt=0)
    run_2: float = Field(gt=0)
    spread: float = Field(ge=0, description="|r1 - r2| / mean(r1, r2)")
    read_by: list[str] = Field(
        description="Speed claims (paper:claim) whose verdict or CPU proxy reads this ratio at these threads."
    )


class PairedModel(_Result):
    """A model of a ratio pair: its median time per call in each run, at 1 thread and at all cores (ms)."""

    model: str
    one_thread_ms: list[float] = Field(min_length=2, max_length=2)
    all_cores_ms: list[float] = Field(min_length=2, max_length=2)

    def at(self, threads: int) -> list[float]:
        return self.one_thread_ms if threads == 1 else self.all_cores_ms


class SpeedVerdicts(_Result):
    """A speed claim's verdict on each run's record."""

    claim: str = Field(description="paper:claim")
    run_1: str
    run_2: str


class LatencyResult(_Result):
    machine: Machine
    date: dt.date
    models: int = Field(ge=1)
    wall_seconds: list[float] = Field(min_length=2, max_length=2)
    target_seconds: float = Field(gt=0)
    ratios: list[LatencySpread]
    worst_spread: float = Field(ge=0, description="Largest spread of a ratio that a speed claim reads.")
    worst_spread_any: float = Field(ge=0, description="Largest spread of any timed ratio, read by a claim or not.")
    target_spread: float = Field(gt=0)
    paired: list[PairedModel] = Field(description="Every model of a ratio pair.")
    verdicts: list[SpeedVerdicts] = Field(description="Every speed claim that names a baseline.")

    def verdicts_changed(self) -> list[SpeedVerdicts]:
        return [v for v in self.verdicts if v.run_1 != v.run_2]

    def worst_unread(self) -> LatencySpread | None:
        """The ratio no claim reads with the largest spread, if it exceeds every ratio that claims read."""
        unread = [r for r in self.ratios if not r.read_by]
        worst = max(unread, key=lambda r: r.spread, default=None)
        return worst if worst is not None and worst.spread > self.worst_spread else None

    def worst_read(self) -> LatencySpread | None:
        return max((r for r in self.ratios if r.read_by), key=lambda r: r.spread, default=None)

    def paired_model(self, model: str) -> PairedModel | None:
        return next((m for m in self.paired if m.model == model), None)


# ---- bench/scale.py --------------------------------------------------------------------------------------------


class HookWork(_Result):
    """Where the hook's own time goes, step by step in a fresh process (seconds)."""

    imports: float
    validation: float
    claims: float
    markdown: float
    insights: float
    generation: float
    other_generation: float


class BuildTimes(_Result):
    """Repeated builds of one kind: every run's CPU and wall seconds and peak memory."""

    cpu_s: list[float] = Field(min_length=1)
    wall_s: list[float] = Field(min_length=1)
    peak_memory_mb: int = Field(ge=0)


class ScaleRow(_Result):
    papers: int = Field(ge=1)
    pages: int = Field(ge=1)
    catalogue_mb: float
    validation_s: float
    generate_cli_s: float
    hook_work_s: HookWork
    build_hook_s: float
    build_plain_s: float
    build_hook_cpu_s: float
    build_plain_cpu_s: float
    build_hook_runs_s: list[float]
    build_plain_runs_s: list[float]
    build_hook_runs_cpu_s: list[float]
    build_plain_runs_cpu_s: list[float]
    overhead: float = Field(description="CPU time of the hook build / the plain build, minus 1 (medians).")
    overhead_wall: float
    hook_ms_per_page: float
    plain_ms_per_page: float | None = None
    peak_memory_hook_mb: int
    peak_memory_plain_mb: int
    build_cold_cache: BuildTimes | None = Field(
        default=None, description="Hook builds with an empty site cache (every fragment rendered, every chart drawn)."
    )
    build_without_caches: BuildTimes | None = Field(
        default=None, description="Hook builds with SITE_CACHE=0 and SITE_GC_FREEZE=0: the hook before the cache."
    )
    load_average: list[float] | None = Field(
        default=None, description="1-minute load average before and after this size's builds (2 cores: 2 is busy)."
    )
    search_engine: Literal["lunr", "pagefind"] | None = Field(
        default=None, description="The search index the measured build wrote (None: none; Pagefind is timed apart)."
    )
    search_index_mb: float | None = None
    search_index_gzip_mb: float | None = None
    search_index_docs: int | None = None
    catalogue_page_kb: float
    catalogue_static_rows: int
    papers_json_kb: float
    papers_json_gzip_kb: float
    claims_json_kb: float
    claims_json_gzip_kb: float
    paper_page_max_kb: float
    paper_page_median_kb: float
    paper_page_max_without_code_kb: float
    paper_page_median_without_code_kb: float
    paper_page_max_no_models_kb: float
    paper_page_median_no_models_kb: float
    pages_with_code_listing: int
    site_mb: float


class OverheadVerdict(_Result):
    value: float
    target: float
    met: bool


class LinearityVerdict(_Result):
    per_page_ratio: float
    from_papers: int = Field(alias="from")
    to_papers: int = Field(alias="to")
    target: str
    met: bool


class PaperPageVerdict(_Result):
    max_kb: float
    max_without_code_kb: float
    max_no_models_kb: float
    median_kb: float
    target_kb: float
    met: bool


class IndexVerdict(_Result):
    static_rows: int
    papers: int
    catalogue_page_kb: float
    papers_json_gzip_kb: float
    met: bool


class ScaleVerdict(_Result):
    overhead_at_1000: OverheadVerdict | None = None
    linearity: LinearityVerdict | None = None
    paper_page: PaperPageVerdict
    index: IndexVerdict


class ScaleResult(_Result):
    machine: Machine
    date: dt.date
    repeat: int = Field(ge=1)
    big_repeat: int = Field(ge=1)
    seed: int
    results: list[ScaleRow] = Field(min_length=1)
    verdict: ScaleVerdict


# ---- bench/search_scale.py (its file as that script writes it) --------------------------------------------------


class _Foreign(BaseModel):
    """A file written by a script that keeps its own layout: unknown fields are allowed and ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class SearchQuery(_Foreign):
    query: str
    kind: str
    expected: int = Field(ge=0)
    pagefind_recall: float | None
    lunr_recall: float | None
    bytes_transfer: int = Field(ge=0)
    bytes_later_query: int = Field(ge=0)


class SearchRow(_Foreign):
    papers: int = Field(ge=1)
    index_build_s: float
    index_peak_memory_mb: int
    pagefind_bundle_mb: float
    pagefind_index_chunks: int
    lunr_index_mb: float
    lunr_index_gzip_mb: float
    queries: list[SearchQuery] = Field(min_length=1)


class BytesPerQuery(_Foreign):
    papers: int
    max_kb: float
    target_kb: float
    met: bool


class NoQueryLost(_Foreign):
    lost: list[str]
    met: bool


class SearchSummary(_Foreign):
    bytes_per_query: BytesPerQuery
    no_query_lost: NoQueryLost


class SearchResult(_Foreign):
    measured_on: dt.date
    machine: str
    results: list[SearchRow] = Field(min_length=1)
    summary: SearchSummary


# ---- bench/test_durations.py -----------------------------------------------------------------------------------


class TestOutcomes(_Result):
    __test__ = False  # not a pytest class

    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    skipped: int = Field(ge=0)


class FileSeconds(_Result):
    file: str
    seconds: float = Field(ge=0)
    share: float = Field(ge=0, le=1)


class TestSeconds(_Result):
    __test__ = False

    test: str
    seconds: float = Field(ge=0)


class TestDurationsResult(_Result):
    __test__ = False

    machine: Machine
    date: dt.date
    command: str
    load_average_1_5_15: dict[str, list[float]]
    wall_s: float | None = None
    tests: TestOutcomes
    test_seconds_total: float = Field(ge=0)
    files: list[FileSeconds]
    slowest_tests: list[TestSeconds]
    note: str | None = None


# ---- reading and writing ---------------------------------------------------------------------------------------

# Results file name (without .json) -> its model and the command that writes it.
BENCHMARKS: dict[str, tuple[type[BaseModel], str]] = {
    "speed": (SpeedResult, "python bench/measure_speed.py"),
    "lighthouse": (LighthouseResult, "python bench/lighthouse.py"),
    "latency": (LatencyResult, "python bench/measure_latency.py"),
    "scale": (ScaleResult, "python bench/scale.py"),
    "search": (SearchResult, "python bench/search_scale.py"),
    "test_durations": (TestDurationsResult, "python bench/test_durations.py"),
    "test_durations_baseline": (TestDurationsResult, "python bench/test_durations.py --out FILE"),
}


def result_path(name: str, results_dir: Path | None = None) -> Path:
    return (results_dir or RESULTS_DIR) / f"{name}.json"


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _location(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a path: ('results', 1, 'overhead') -> 'results[1].overhead'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the whole file)"


def _value(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def read_result(name: str, results_dir: Path | None = None) -> Any:
    """The validated result of benchmark `name` (see BENCHMARKS). Raises BenchResultError naming the file, the
    field and the command that writes the file."""
    if name not in BENCHMARKS:
        raise BenchResultError(f"unknown benchmark {name!r} (known: {', '.join(sorted(BENCHMARKS))})")
    model, command = BENCHMARKS[name]
    path = result_path(name, results_dir)
    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchResultError(f"{shown}: no such results file — run `{command}` to measure it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchResultError(f"{shown}: cannot read the results file ({exc}) — run `{command}` again") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BenchResultError(
            f"{shown}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}) — run `{command}` again"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{shown}: {_location(error['loc'])}: {error['msg']}"
            + ("" if error["type"] == "missing" else f" (got {_value(error['input'])})")
            for error in exc.errors()
        ]
        shown_problems = problems[:10] + ([f"... and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise BenchResultError(
            "\n".join(shown_problems) + f"\nthe file does not match its benchmark's results — run `{command}` again"
        ) from None


def write_result(name: str, result: BaseModel, results_dir: Path | None = None, *, path: Path | None = None) -> Path:
    """Write `result` to bench/results/NAME.json (or `path`) atomically, sorted keys, two-space indent. Returns
    the path."""
    from tools.files import write_atomic

    model, _ = BENCHMARKS[name]
    if not isinstance(result, model):
        raise TypeError(f"{name}: expected a {model.__name__}, got {type(result).__name__}")
    path = path or result_path(name, results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


__all__ = [
    "BENCHMARKS",
    "RESULTS_DIR",
    "BenchResultError",
    "LatencyResult",
    "LighthouseResult",
    "Machine",
    "ScaleResult",
    "SearchResult",
    "SpeedResult",
    "TestDurationsResult",
    "read_result",
    "result_path",
    "today",
    "write_result",
]
