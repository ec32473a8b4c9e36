"""Benchmark of tools/verify_claims.py against the obvious alternatives (issue: measurements).

Measures, in one run:

1. a warm `verify_claims.py --check` (every measurement fresh, so no torch; nothing changed since the previous run,
   so the report comes from .cache/verify_claims/) vs `python -c "import torch"`, and the same run without the
   cache (VERIFY_CLAIMS_CACHE=0) for comparison;
2. a cold `verify_claims.py --update` of every model (into an empty temporary file) vs a plain serial loop of
   fvcore `FlopCountAnalysis(model, x).total()` over the same models.

Targets: warm ≤ 0.15 × the torch import; cold ≤ 0.5 × the plain loop. The result goes to bench/results/speed.json
(`tools.bench_results.SpeedResult`); the site renders the `<!-- bench:speed -->` section of docs/performance.md
from it.

    python bench/measure_speed.py [--repeat 5] [--warm-only]

--warm-only measures part 1 only and keeps the cold figures already in bench/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.bench_results import BenchResultError, Machine, SpeedResult, read_result, today, write_result  # noqa: E402

PLAIN_LOOP = """
import warnings; warnings.filterwarnings("ignore")
import torch
from fvcore.nn import FlopCountAnalysis
from reference_impls import create_model, input_size, list_models
for model_id in list_models():
    model = create_model(model_id)
    FlopCountAnalysis(model, torch.zeros(1, *input_size(model_id))).total()
"""


def wall(command: list[str], repeat: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each fast command (median reported)")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold measurement (keeps its figures)")
    args = parser.parse_args()
    python = sys.executable
    verify = [python, str(REPO / "tools" / "verify_claims.py")]

    wall([*verify, "--check"], 1)  # fills the report cache if the last run was with other inputs
    check = wall([*verify, "--check"], args.repeat)
    uncached = wall([*verify, "--check"], args.repeat, env={**os.environ, "VERIFY_CLAIMS_CACHE": "0"})
    torch_import = wall([python, "-c", "import torch"], args.repeat)
    warm = {
        "warm_check_s": round(statistics.median(check), 3),
        "warm_uncached_check_s": round(statistics.median(uncached), 3),
        "torch_import_s": round(statistics.median(torch_import), 3),
        "warm_ratio": round(statistics.median(check) / statistics.median(torch_import), 3),
        "warm_uncached_ratio": round(statistics.median(uncached) / statistics.median(torch_import), 3),
        "warm_target": 0.15,
        "repeat": args.repeat,
        "warm_date": today(),
    }
    if args.warm_only:
        try:
            previous = read_result("speed")
        except BenchResultError as exc:
            print(
                f"{exc}\n--warm-only keeps the cold figures of the previous run: run without it first", file=sys.stderr
            )
            return 2
        _publish(previous.model_copy(update={**warm, "machine": Machine.here()}))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "measurements.json"
        cold = wall([*verify, "--update", "--measurements", str(empty)], 1)
        measured = json.loads(empty.read_text())["models"]
    plain = wall([python, "-c", PLAIN_LOOP], 1)

    _publish(
        SpeedResult.model_validate(
            {
                "machine": Machine.here(),
                "date": today(),
                "models": len(measured),
                **warm,
                "cold_update_s": round(cold[0], 2),
                "plain_fvcore_loop_s": round(plain[0], 2),
                "cold_ratio": round(cold[0] / plain[0], 3),
                "cold_target": 0.5,
            }
        )
    )
    return 0


def _publish(result: SpeedResult) -> None:
    """Write bench/results/speed.json (the site renders the docs section from it) and print it."""
    path = write_result("speed", SpeedResult.model_validate(result.model_dump()))  # model_copy does not validate
    print(f"{path.relative_to(REPO)}:\n{result.model_dump_json(indent=2)}")


if __name__ == "__main__":
    sys.exit(main())
