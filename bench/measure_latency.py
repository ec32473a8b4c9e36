"""Benchmark of the CPU latency step: its running time and its repeatability (issue: latency).

Runs `python tools/verify_claims.py --update-latency` twice, one after the other, and reports:

1. the wall time of each run for all registered models (target ≤ 10 min on 2 cores);
2. the spread between the two runs of every interleaved ratio a speed claim is judged on:
   |r₁ − r₂| / mean(r₁, r₂) (target ≤ 5 %).

The second run's tools/latency.json stays in place (commit it). The result goes to bench/results/latency.json
(`tools.bench_results.LatencyResult`); the site renders the `<!-- bench:latency -->` section of
docs/performance.md from it. Run it on a quiet machine: other load moves the times.

    python bench/measure_latency.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.bench_results import LatencyResult, Machine, write_result  # noqa: E402
from tools.latency import LATENCY_FILE, LatencyRecord, read_latency  # noqa: E402

TARGET_SECONDS = 600.0
TARGET_SPREAD = 0.05


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


def spreads(first: LatencyRecord, second: LatencyRecord) -> list[dict[str, Any]]:
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
            }
        )
    return rows


def main() -> int:
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
            "worst_spread": max((r["spread"] for r in rows), default=0.0),
            "target_spread": TARGET_SPREAD,
        }
    )
    path = write_result("latency", result)
    longest = max(seconds_1, seconds_2)
    print(
        f"{path.relative_to(REPO)}: {len(second.models)} models in {seconds_1:.0f} s and {seconds_2:.0f} s "
        f"(target {TARGET_SECONDS:.0f} s: {'met' if longest <= TARGET_SECONDS else 'missed'}); largest spread "
        f"{100 * result.worst_spread:.1f} % (target {100 * TARGET_SPREAD:.0f} %)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
