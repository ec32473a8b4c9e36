"""Benchmark of the CPU latency step: its running time and its repeatability (issue: latency).

Runs `python tools/verify_claims.py --update-latency` twice, one after the other, and reports:

1. the wall time of each run for all registered models (target ≤ 10 min on 2 cores);
2. the spread between the two runs of every interleaved ratio: |r₁ − r₂| / mean(r₁, r₂). The target (≤ 5 %)
   applies to the ratios a speed claim reads, at the thread counts it reads them (`tools.latency.threads_read`:
   its verdict, or the CPU proxy it shows); the largest spread of any timed ratio is reported beside it, with
   every paired model's median times in each run, which show where a spread comes from, and the verdict of every
   ratio claim on each run.

The second run's tools/latency.json stays in place (commit it). The result goes to bench/results/latency.json
(`tools.bench_results.LatencyResult`); the site renders the `<!-- bench:latency -->` section of
docs/performance.md from it. Run it on a quiet machine: other load moves the times.

    python bench/measure_latency.py
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.bench_results import LatencyResult, Machine, write_result  # noqa: E402
from tools.catalogue import DEFAULT_CATALOGUE, Claim, load_catalogue  # noqa: E402
from tools.claims import speed_evidence  # noqa: E402
from tools.latency import LATENCY_FILE, LatencyRecord, read_latency, threads_read  # noqa: E402

TARGET_SECONDS = 600.0
TARGET_SPREAD = 0.05


class RatioClaim(NamedTuple):
    name: str  # paper:claim
    claim: Claim
    model: str
    baseline: str
    device: str


def run_step() -> tuple[float, LatencyRecord]:
    """One `--update-latency` run: its wall time and the record it wrote."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "tools/verify_claims.py", "--update-latency"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
        check=False,
    )
    seconds = time.perf_counter() - start
    if completed.returncode == 2:
        raise SystemExit("verify_claims.py --update-latency failed (invalid catalogue or usage)")
    record = read_latency(LATENCY_FILE)
    if record is None:
        raise SystemExit("the latency step wrote no file")
    return seconds, record


@functools.cache
def ratio_claims() -> tuple[RatioClaim, ...]:
    """Every speed claim taken as a ratio to a baseline (the catalogue is read once)."""
    return tuple(
        RatioClaim(f"{paper.id}:{claim.id}", claim, claim.model, claim.timing.baseline, claim.timing.device)
        for paper in load_catalogue(DEFAULT_CATALOGUE).papers
        for claim in paper.claims
        if claim.timing is not None and claim.timing.baseline is not None and claim.model is not None
    )


def readers(cores: int) -> dict[tuple[str, str, int], list[str]]:
    """(model, baseline, threads) -> the speed claims (paper:claim) that read that ratio."""
    read: dict[tuple[str, str, int], list[str]] = {}
    for c in ratio_claims():
        for threads in threads_read(c.device, cores):
            read.setdefault((c.model, c.baseline, threads), []).append(c.name)
    return read


def verdicts(first: LatencyRecord, second: LatencyRecord) -> list[dict[str, str]]:
    """Each ratio claim's verdict on each run's record."""
    rows = []
    for c in ratio_claims():
        one, two = speed_evidence(c.claim, first), speed_evidence(c.claim, second)
        if one is not None and two is not None:
            rows.append({"claim": c.name, "run_1": one.verdict, "run_2": two.verdict})
    return rows


def spreads(first: LatencyRecord, second: LatencyRecord) -> list[dict[str, Any]]:
    read = readers(second.machine.cores)
    rows = []
    for a in first.ratios:
        b = second.ratio(a.model, a.baseline, a.threads)
        if b is None:
            continue
        spread = abs(a.ratio_median - b.ratio_median) / ((a.ratio_median + b.ratio_median) / 2)
        rows.append(
            {
                "model": a.model,
                "baseline": a.baseline,
                "threads": a.threads,
                "run_1": a.ratio_median,
                "run_2": b.ratio_median,
                "spread": round(spread, 5),
                "read_by": sorted(read.get((a.model, a.baseline, a.threads), [])),
            }
        )
    return rows


def paired(first: LatencyRecord, second: LatencyRecord) -> list[dict[str, Any]]:
    """Each model of a ratio pair: its median time in each run, at 1 thread and at all cores."""
    cores = second.machine.cores
    rows = []
    for model in sorted({m for r in second.ratios for m in (r.model, r.baseline)}):
        times = {}
        for threads in (1, cores):
            stats = [record.models[model].at(threads) for record in (first, second)]
            if None in stats:
                break
            times[threads] = [s.median_ms for s in stats if s is not None]
        else:
            rows.append({"model": model, "one_thread_ms": times[1], "all_cores_ms": times[cores]})
    return rows


def main() -> int:
    current = read_latency(LATENCY_FILE)
    if current is not None:  # the analysis runs once on the committed file first, so it cannot fail after the runs
        spreads(current, current)
        paired(current, current)
        verdicts(current, current)
    seconds_1, first = run_step()
    seconds_2, second = run_step()
    rows = spreads(first, second)
    machine = second.machine
    result = LatencyResult.model_validate(
        {
            "machine": Machine(
                cores=machine.cores,
                python=machine.python,
                platform=machine.platform,
                cpu_model=machine.cpu_model,
                torch=machine.torch,
                torch_build=machine.torch_build,
            ),
            "date": machine.date,
            "models": len(second.models),
            "wall_seconds": [round(seconds_1, 1), round(seconds_2, 1)],
            "target_seconds": TARGET_SECONDS,
            "ratios": rows,
            "worst_spread": max((r["spread"] for r in rows if r["read_by"]), default=0.0),
            "worst_spread_any": max((r["spread"] for r in rows), default=0.0),
            "target_spread": TARGET_SPREAD,
            "paired": paired(first, second),
            "verdicts": verdicts(first, second),
        }
    )
    path = write_result("latency", result)
    longest = max(seconds_1, seconds_2)
    print(
        f"{path.relative_to(REPO)}: {len(second.models)} models in {seconds_1:.0f} s and {seconds_2:.0f} s "
        f"(target {TARGET_SECONDS:.0f} s: {'met' if longest <= TARGET_SECONDS else 'missed'}); largest spread "
        f"{100 * result.worst_spread:.1f} % over the ratios claims read (target {100 * TARGET_SPREAD:.0f} %), "
        f"{100 * result.worst_spread_any:.1f} % over every timed ratio"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
