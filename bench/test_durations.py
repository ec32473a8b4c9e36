"""Where `make test`'s time goes: the pytest suite as `make test` runs it, broken down by file and by test.

Runs `pytest -n 2 --dist loadfile --durations=30` with a JUnit report (or reads the report of a run already made,
`--junit FILE`), and writes bench/results/test_durations.json: the wall time, the load average before and after
(on a shared machine the figures are inflated by the other work; the load says how busy it was), the time per test
file (setup + call + teardown of its tests, summed: the CPU a worker spends on the file), and the slowest tests,
as a `tools.bench_results.TestDurationsResult` stamped with the machine and the date.

    python bench/test_durations.py                 # run the suite (several minutes on 2 cores)
    python bench/test_durations.py --junit FILE    # summarise an existing `pytest --junitxml=FILE` run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.bench_results import Machine, TestDurationsResult, result_path, today, write_result  # noqa: E402

RESULT = result_path("test_durations")
PYTEST_ARGS = ["-n", "2", "--dist", "loadfile", "--durations=30", "-p", "no:cacheprovider", "-q"]


def run_suite(junit: Path) -> float:
    """Run the suite as `make test` does, writing `junit`; returns the wall time in seconds."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "pytest", *PYTEST_ARGS, f"--junitxml={junit}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(command, cwd=REPO, env=env, check=False)  # a failing test still has a duration
    return time.perf_counter() - start


def read_junit(junit: Path) -> tuple[dict[str, float], list[tuple[str, float]], dict[str, int]]:
    """(seconds per test file, (test id, seconds) for every test, outcome counts) from a JUnit report."""
    per_file: dict[str, float] = defaultdict(float)
    tests: list[tuple[str, float]] = []
    outcomes = {"passed": 0, "failed": 0, "skipped": 0}
    for case in ET.parse(junit).getroot().iter("testcase"):
        seconds = float(case.get("time", "0"))
        module = case.get("classname", "").split(".")
        path = "tests/" + "/".join(module[1:2] if module[:1] == ["tests"] else module[:1]) + ".py"
        per_file[path] += seconds
        tests.append((f"{path}::{case.get('name')}", seconds))
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes["failed"] += 1
        elif case.find("skipped") is not None:
            outcomes["skipped"] += 1
        else:
            outcomes["passed"] += 1
    return dict(per_file), tests, outcomes


def summarise(junit: Path, wall_s: float | None, load: dict[str, list[float]]) -> TestDurationsResult:
    per_file, tests, outcomes = read_junit(junit)
    total = sum(per_file.values())
    files = sorted(per_file.items(), key=lambda item: -item[1])
    slowest = sorted(tests, key=lambda item: -item[1])[:30]
    return TestDurationsResult.model_validate(
        {
            "date": today(),
            "machine": Machine.here(),
            "command": "pytest " + " ".join(PYTEST_ARGS[:-3]),
            "load_average_1_5_15": load,
            "wall_s": None if wall_s is None else round(wall_s, 1),
            "tests": outcomes,
            "test_seconds_total": round(total, 1),
            "files": [{"file": f, "seconds": round(s, 1), "share": round(s / total, 3)} for f, s in files],
            "slowest_tests": [{"test": t, "seconds": round(s, 1)} for t, s in slowest],
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--junit", type=Path, help="summarise this JUnit report instead of running the suite")
    parser.add_argument("--wall", type=float, help="with --junit: the wall time of that run, in seconds")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    load = {"before": [round(x, 2) for x in os.getloadavg()]}
    if args.junit:
        if not args.junit.is_file():
            print(
                f"error: {args.junit}: no such JUnit report (run pytest with --junitxml={args.junit})", file=sys.stderr
            )
            return 2
        junit, wall_s = args.junit, args.wall
    else:
        junit = Path(tempfile.mkdtemp(prefix="test-durations.")) / "junit.xml"
        wall_s = run_suite(junit)
    load["after"] = [round(x, 2) for x in os.getloadavg()]
    result = summarise(junit, wall_s, load)
    write_result("test_durations", result, path=args.out)
    print(f"{args.out}: {result.tests}, wall {result.wall_s} s, tests {result.test_seconds_total} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
