"""Benchmark of tools/verify_claims.py against the obvious alternatives (issue: measurements).

Measures, in one run:

1. a warm `verify_claims.py --check` (every measurement fresh, so no torch; nothing changed since the previous run,
   so the report comes from .cache/verify_claims/) vs `python -c "import torch"`, and the same run without the
   cache (VERIFY_CLAIMS_CACHE=0) for comparison;
2. a cold `verify_claims.py --update` of every model (into an empty temporary file) vs a plain serial loop of
   fvcore `FlopCountAnalysis(model, x).total()` over the same models.

Targets: warm ≤ 0.15 × the torch import; cold ≤ 0.5 × the plain loop. Results go to bench/results/speed.json and
into the marked section of docs/performance.md.

    python bench/measure_speed.py [--repeat 5] [--warm-only]

--warm-only measures part 1 only and keeps the cold figures already in bench/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.report import write_section  # noqa: E402

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
    out = REPO / "bench" / "results" / "speed.json"
    warm = {
        "warm_check_s": round(statistics.median(check), 3),
        "warm_uncached_check_s": round(statistics.median(uncached), 3),
        "torch_import_s": round(statistics.median(torch_import), 3),
        "warm_ratio": round(statistics.median(check) / statistics.median(torch_import), 3),
        "warm_uncached_ratio": round(statistics.median(uncached) / statistics.median(torch_import), 3),
        "warm_target": 0.15,
        "repeat": args.repeat,
    }
    if args.warm_only:
        previous = json.loads(out.read_text()) if out.exists() else {}
        _publish({**previous, **warm, "warm_date": time.strftime("%Y-%m-%d")}, out)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "measurements.json"
        cold = wall([*verify, "--update", "--measurements", str(empty)], 1)
        measured = json.loads(empty.read_text())["models"]
    plain = wall([python, "-c", PLAIN_LOOP], 1)

    cold_ratio = cold[0] / plain[0]
    results = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "models": len(measured),
        **warm,
        "cold_update_s": round(cold[0], 2),
        "plain_fvcore_loop_s": round(plain[0], 2),
        "cold_ratio": round(cold_ratio, 3),
        "cold_target": 0.5,
        "date": time.strftime("%Y-%m-%d"),
        "warm_date": time.strftime("%Y-%m-%d"),
    }
    _publish(results, out)
    return 0


def _publish(results: dict, out: Path) -> None:
    """Write bench/results/speed.json and the speed section of docs/performance.md."""
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    warm_date = results.get("warm_date", results["date"])
    table = "\n".join([
        "| what | time | ratio | target |",
        "|---|---|---|---|",
        f"| warm `verify_claims.py --check` (median of {results['repeat']}) | {results['warm_check_s']:.3f} s | "
        f"{results['warm_ratio']:.3f} × `import torch` ({results['torch_import_s']:.3f} s) | ≤ 0.15 × |",
        f"| the same without the report cache (`VERIFY_CLAIMS_CACHE=0`) | {results['warm_uncached_check_s']:.3f} s | "
        f"{results['warm_uncached_ratio']:.3f} × | — |",
        f"| cold `verify_claims.py --update`, {results['models']} models | {results['cold_update_s']:.1f} s | "
        f"{results['cold_ratio']:.3f} × the plain fvcore loop ({results['plain_fvcore_loop_s']:.1f} s) | ≤ 0.5 × |",
        "",
        f"Warm figures measured on {warm_date}, cold ones on {results['date']}: {results['machine']['cores']} cores, "
        f"Python {results['machine']['python']}. Reproduce with `python bench/measure_speed.py` "
        "(`--warm-only` for the first two rows).",
    ])
    write_section(REPO / "docs" / "performance.md", "speed", table)
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
