"""CPU latency of every registered model, measured under one protocol, and verdicts on speed claims.

    python tools/verify_claims.py --update-latency     # times every model; rewrites tools/latency.json

The protocol (docs/conventions.md, "CPU latency"): `torch.utils.benchmark`, eval mode, `no_grad`, batch 1, the
paper's input size, fixed thread counts (1 and all cores), warm-up, then the median and IQR over repeated runs.
The models of a ratio claim (e.g. EfficientNet-B1 and ResNet-152) are timed interleaved in one run, and the ratio
is the median of the per-round ratios, so a slow moment of a busy machine hits both models alike.

`tools/latency.json` is bound to the machine it was measured on (stamped with CPU, cores, torch build, threads
and date); `--check` says where it was measured and flags entries whose model source changed, but never fails
because CI runs elsewhere. Reading the file and judging claims import no torch; only measuring does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reference_impls import PACKAGE_DIR, REGISTRY, get_spec

from .catalogue import Catalogue, Claim
from .catalogue.errors import format_path
from .files import GENERATED_FILE_LIMIT, ReadError, read_limited
from .measurements import source_files

TOOLS_DIR = Path(__file__).resolve().parent
LATENCY_FILE = TOOLS_DIR / "latency.json"
FORMAT_VERSION: Literal[1] = 1

# A speed ratio printed for one CPU and library is judged against ours within ±20 %. Two models with different
# kernels (depthwise and dense 3×3 convolutions, squeeze-excitation) are not sped up alike by another CPU
# generation or library, so a ratio does not transfer exactly; 20 % is four times our own run-to-run target (5 %).
RATIO_SLACK = 0.20

SpeedVerdict = Literal["verified", "refuted", "inconclusive"]
SpeedBasis = Literal["CPU proxy", "computation", ""]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Machine(_Record):
    """Where the file was measured."""

    cpu_model: str = Field(min_length=1)
    cores: int = Field(ge=1, description="CPUs this process may run on (the 'all cores' thread count).")
    torch: str = Field(min_length=1)
    torch_build: str = Field(min_length=1, description="oneDNN and MKL versions, parallel backend.")
    python: str = Field(min_length=1)
    platform: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")

    def describe(self) -> str:
        return f"{self.cpu_model}, {self.cores} cores, torch {self.torch} ({self.torch_build}), {self.date}"


class Protocol(_Record):
    """The timing protocol's parameters (docs/conventions.md, "CPU latency")."""

    warmup_runs: int = Field(ge=1)
    min_runs: int = Field(ge=3)
    min_ratio_runs: int = Field(
        ge=3,
        description=(
            "At least this many rounds for a group of models timed interleaved for a ratio claim, so that one "
            "disturbed round moves the median of the per-round ratios less."
        ),
    )
    max_runs: int = Field(ge=3)
    target_seconds: float = Field(gt=0, description="Timed seconds per group and thread count, before the bounds.")
    min_sample_seconds: float = Field(gt=0, description="A sample repeats the call until it lasts at least this.")
    rewarm_below_seconds: float = Field(
        ge=0,
        description=(
            "A sample of a model whose call is faster than this starts with one untimed call, since the model timed "
            "before it may have evicted its weights from the caches; a slower model's working set exceeds them anyway."
        ),
    )


DEFAULT_PROTOCOL = Protocol(
    warmup_runs=1,
    min_runs=5,
    min_ratio_runs=11,
    max_runs=15,
    target_seconds=1.0,
    min_sample_seconds=0.01,
    rewarm_below_seconds=0.1,
)


class Stats(_Record):
    threads: int = Field(ge=1)
    median_ms: float = Field(gt=0)
    iqr_ms: float = Field(ge=0)
    runs: int = Field(ge=1)
    calls_per_run: int = Field(ge=1)


class ModelLatency(_Record):
    key: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the model's source and registry row.")
    input_size: tuple[int, int, int]
    timings: tuple[Stats, ...] = Field(min_length=1)

    def at(self, threads: int) -> Stats | None:
        return next((t for t in self.timings if t.threads == threads), None)


class RatioLatency(_Record):
    """Two models timed interleaved: the median and IQR of the per-round time ratios model / baseline."""

    model: str
    baseline: str
    threads: int = Field(ge=1)
    ratio_median: float = Field(gt=0)
    ratio_iqr: float = Field(ge=0)
    runs: int = Field(ge=1)


class LatencyRecord(_Record):
    format: Literal[1]
    machine: Machine
    protocol: Protocol
    elapsed_seconds: float = Field(ge=0)
    models: dict[str, ModelLatency]
    ratios: tuple[RatioLatency, ...]

    def ratio(self, model: str, baseline: str, threads: int) -> RatioLatency | None:
        return next((r for r in self.ratios if (r.model, r.baseline, r.threads) == (model, baseline, threads)), None)


class LatencyFileError(Exception):
    """The latency file exists but is not a valid record."""


def read_latency(path: Path = LATENCY_FILE) -> LatencyRecord | None:
    """The committed latency record, validated; None if it has not been measured yet."""
    if not path.exists():
        return None
    regenerate = "regenerate it with `python tools/verify_claims.py --update-latency`"
    try:
        return LatencyRecord.model_validate_json(read_limited(path, GENERATED_FILE_LIMIT))
    except ReadError as exc:
        raise LatencyFileError(f"{path.name}: cannot be read ({exc.what}) — {regenerate}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = format_path(tuple(first["loc"])) or "the top level"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LatencyFileError(f"{path.name}: {where}: {first['msg']}{more} — {regenerate}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LatencyFileError(f"{path.name}: cannot be read ({exc}) — {regenerate}") from None


def latency_key(model_id: str) -> str:
    """Hash of what a model's latency depends on in this repository: its registry row and its source files."""
    spec = get_spec(model_id)
    inputs = {
        "spec": {k: v for k, v in asdict(spec).items() if k not in ("fidelity", "family", "sweep_resolutions")},
        "sources": {
            str(p.relative_to(PACKAGE_DIR.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in source_files(model_id)
        },
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Which models are timed together


def ratio_pairs(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(model, baseline) of every speed claim whose two models are registered, sorted and without repeats."""
    pairs = {
        (claim.model, claim.timing.baseline)
        for paper in catalogue.papers
        for claim in paper.claims
        if claim.timing is not None and claim.model in REGISTRY and claim.timing.baseline in REGISTRY
    }
    return sorted(pairs)


def timing_groups(model_ids: Iterable[str], pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Models that are timed interleaved: connected components of the ratio pairs; every other model alone."""
    wanted = sorted(set(model_ids))
    parent = {m: m for m in wanted}

    def root(m: str) -> str:
        while parent[m] != m:
            m = parent[m]
        return m

    for a, b in pairs:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for m in wanted:
        groups.setdefault(root(m), []).append(m)
    return sorted(groups.values())


# --------------------------------------------------------------------------------------------------------------
# Statistics over samples (pure)


def median_iqr(samples: Sequence[float]) -> tuple[float, float]:
    """Median and interquartile range (inclusive quartiles) of at least one sample."""
    if len(samples) == 1:
        return samples[0], 0.0
    q1, q2, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q2, q3 - q1


def round_ratios(model: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-round ratios model / baseline of two interleaved sample series."""
    if len(model) != len(baseline):
        raise ValueError("interleaved series have one sample per round each")
    return [m / b for m, b in zip(model, baseline, strict=True)]


# --------------------------------------------------------------------------------------------------------------
# Measuring (imports torch)


def machine_stamp(today: dt.date | None = None) -> Machine:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    config = torch.__config__.show()
    onednn = next((ln.strip(" -") for ln in config.splitlines() if "MKL-DNN" in ln or "oneDNN" in ln), "no oneDNN")
    mkl = "MKL" if torch.backends.mkl.is_available() else "no MKL"  # type: ignore[no-untyped-call]  # unannotated in torch
    backend = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in torch.__config__.parallel_info().splitlines()
            if ln.startswith("ATen parallel backend")
        ),
        "unknown backend",
    )
    return Machine(
        cpu_model=cpu,
        cores=all_cores(),
        torch=torch.__version__,
        torch_build=f"{onednn.split(' (Git')[0]}, {mkl}, {backend}",
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        date=(today or dt.date.today()).isoformat(),
    )


def all_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def time_group(
    model_ids: Sequence[str],
    thread_counts: Sequence[int],
    protocol: Protocol = DEFAULT_PROTOCOL,
) -> dict[int, dict[str, tuple[list[float], int]]]:
    """threads -> model -> (seconds per call of each round, calls per round), the models timed interleaved.

    Each model is built once (random weights, eval mode) with a batch-1 input of its paper size. Per thread
    count: `warmup_runs` untimed rounds, then rounds in which every model is timed once, in an order that rotates
    each round. A round's sample repeats the call until it lasts `min_sample_seconds`, so tiny models are not
    timer-bound; the number of rounds fills `target_seconds`, at most `max_runs`, and at least `min_runs` for a
    model alone or `min_ratio_runs` for models timed interleaved.
    """
    import torch
    from torch.utils import benchmark

    from reference_impls import create_model, input_size

    models = {m: create_model(m).eval() for m in model_ids}
    inputs = {m: torch.randn(1, *input_size(m)) for m in model_ids}
    out: dict[int, dict[str, tuple[list[float], int]]] = {}
    with torch.no_grad():
        for threads in thread_counts:
            torch.set_num_threads(threads)
            timers = {
                m: benchmark.Timer(
                    stmt="model(x)", globals={"model": models[m], "x": inputs[m]}, num_threads=threads, label=m
                )
                for m in model_ids
            }
            first: dict[str, float] = {}
            for _ in range(protocol.warmup_runs):
                for m in model_ids:
                    first[m] = timers[m].timeit(1).times[0]
            calls = {m: max(1, math.ceil(protocol.min_sample_seconds / first[m])) for m in model_ids}
            round_seconds = sum(first[m] * calls[m] for m in model_ids)
            fewest = protocol.min_ratio_runs if len(model_ids) > 1 else protocol.min_runs
            runs = max(fewest, min(protocol.max_runs, math.ceil(protocol.target_seconds / round_seconds)))
            samples: dict[str, list[float]] = {m: [] for m in model_ids}
            for index in range(runs):
                shift = index % len(model_ids)
                for m in [*model_ids[shift:], *model_ids[:shift]]:
                    if first[m] < protocol.rewarm_below_seconds:
                        timers[m]._timeit(1)
                    # `Timer.timeit(n)` runs max(n // 100, 2) untimed calls before each sample, which tripled the
                    # run for large models; `_timeit(n)` is its timed part alone (torch is pinned; the tiny-model
                    # protocol test in tests/test_latency.py runs it).
                    samples[m].append(timers[m]._timeit(calls[m]) / calls[m])
            out[threads] = {m: (samples[m], calls[m]) for m in model_ids}
    return out


def measure(
    model_ids: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    protocol: Protocol = DEFAULT_PROTOCOL,
    thread_counts: Sequence[int] | None = None,
    log: Callable[[str], None] | None = None,
) -> LatencyRecord:
    """Time `model_ids` (groups of ratio pairs interleaved) at every thread count; a full record."""
    counts = sorted(set(thread_counts or (1, all_cores())))
    start = time.perf_counter()
    models: dict[str, ModelLatency] = {}
    ratios: list[RatioLatency] = []
    for group in timing_groups(model_ids, pairs):
        began = time.perf_counter()
        try:
            result = time_group(group, counts, protocol)
        except Exception as exc:
            raise RuntimeError(f"{', '.join(group)}: {exc}") from exc
        for m in group:
            stats = []
            for threads in counts:
                series, calls = result[threads][m]
                median, iqr = median_iqr(series)
                stats.append(
                    Stats(
                        threads=threads,
                        median_ms=round(median * 1e3, 4),
                        iqr_ms=round(iqr * 1e3, 4),
                        runs=len(series),
                        calls_per_run=calls,
                    )
                )
            models[m] = ModelLatency(key=latency_key(m), input_size=get_spec(m).input_size, timings=tuple(stats))
        for model, baseline in pairs:
            if model in group and baseline in group:
                for threads in counts:
                    per_round = round_ratios(result[threads][model][0], result[threads][baseline][0])
                    median, iqr = median_iqr(per_round)
                    ratios.append(
                        RatioLatency(
                            model=model,
                            baseline=baseline,
                            threads=threads,
                            ratio_median=round(median, 5),
                            ratio_iqr=round(iqr, 5),
                            runs=len(per_round),
                        )
                    )
        if log:
            log(f"  {', '.join(group)}: {time.perf_counter() - began:.1f} s")
    return LatencyRecord(
        format=FORMAT_VERSION,
        machine=machine_stamp(),
        protocol=protocol,
        elapsed_seconds=round(time.perf_counter() - start, 1),
        models=dict(sorted(models.items())),
        ratios=tuple(ratios),
    )


def write_latency(record: LatencyRecord, path: Path = LATENCY_FILE) -> None:
    """Replace the file atomically with the record's deterministic JSON text."""
    text = json.dumps(record.model_dump(mode="json"), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def update_latency(
    catalogue: Catalogue,
    path: Path = LATENCY_FILE,
    model_ids: Sequence[str] | None = None,
    protocol: Protocol = DEFAULT_PROTOCOL,
) -> LatencyRecord:
    """Time every registered model (or `model_ids`) and the catalogue's ratio pairs; rewrite `path`."""
    wanted = sorted(model_ids if model_ids is not None else REGISTRY)
    pairs = [p for p in ratio_pairs(catalogue) if p[0] in wanted and p[1] in wanted]

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    log(f"timing {len(wanted)} model(s) at 1 and {all_cores()} thread(s); {len(pairs)} ratio pair(s) interleaved")
    try:
        record = measure(wanted, pairs, protocol, log=log)
    except Exception as exc:  # a model that cannot be built or run: say which, write nothing
        raise SystemExit(f"latency: timing failed ({type(exc).__name__}: {exc}); {path.name} was not changed") from None
    write_latency(record, path)
    log(f"latency: {len(record.models)} model(s) in {record.elapsed_seconds:.0f} s, written to {path.name}")
    return record


def check_lines(record: LatencyRecord | None) -> list[str]:
    """What `--check` prints about latency: where it was measured and which entries are out of date. Never fails."""
    if record is None:
        return ["latency: not measured yet (run `python tools/verify_claims.py --update-latency` on a quiet machine)"]
    lines = [
        f"latency: measured on {record.machine.describe()}; {len(record.models)} model(s), "
        f"{len(record.ratios)} interleaved ratio(s)"
    ]
    changed = sorted(m for m, entry in record.models.items() if m in REGISTRY and entry.key != latency_key(m))
    missing = sorted(set(REGISTRY) - set(record.models))
    if changed:
        lines.append(
            f"latency: model source changed since it was timed: {', '.join(changed)} "
            "(re-run `--update-latency` on the same machine)"
        )
    if missing:
        lines.append(f"latency: not timed yet: {', '.join(missing)}")
    return lines


# --------------------------------------------------------------------------------------------------------------
# Verdicts on speed claims (pure)


@dataclass(frozen=True)
class SpeedEvidence:
    """What our CPU timing says about one speed claim, with the device class made explicit."""

    verdict: SpeedVerdict
    basis: SpeedBasis
    summary: str
    rule: str
    device: str
    printed_low: float | None  # the printed ratio's interval, in the claim's terms (time ratio or speedup)
    printed_high: float | None
    measured: Mapping[int, tuple[float, float]]  # threads -> (median, IQR) of our ratio, in the claim's terms
    machine: str | None
    latency_ms: Mapping[int, float]  # threads -> our median time of the claim's model (shown, never judged)

    def as_json(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["measured"] = {str(k): list(v) for k, v in self.measured.items()}
        out["latency_ms"] = {str(k): v for k, v in self.latency_ms.items()}
        return out


def _decimals(value: float) -> int:
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def printed_ratio(claim: Claim, half_unit: float) -> tuple[float, float] | None:
    """Interval of the ratio the claim prints, in its own terms, from the rounding of the printed entries.

    A time claim with a baseline: (value ± half_unit) / (baseline_value ± its half unit), the time ratio
    model / baseline. A speedup claim (`5.7x`): 5.7 ± half_unit, the speedup baseline / model.
    """
    timing = claim.timing
    if timing is None or timing.baseline is None or claim.value is None:
        return None
    if claim.quantity == "speedup" and claim.kind == "absolute":
        return claim.value - half_unit, claim.value + half_unit
    if claim.quantity == "latency" and timing.baseline_value is not None:
        base_half = 0.5 * 10 ** -_decimals(timing.baseline_value)
        return (
            (claim.value - half_unit) / (timing.baseline_value + base_half),
            (claim.value + half_unit) / (timing.baseline_value - base_half),
        )
    return None


def _fmt(claim: Claim, ratio: float) -> str:
    return f"{ratio:.2f}×" if claim.quantity == "speedup" else f"{ratio:.3f}"


def threads_read(device: str, cores: int) -> tuple[int, ...]:
    """The thread counts whose ratio a speed claim of this device class reads: for its verdict (one CPU core: 1;
    a CPU with unstated threads: 1 and all cores) or for the CPU proxy it shows (GPU, phone: 1)."""
    return tuple(sorted({1, cores})) if device == "cpu" else (1,)


def judge_speed(claim: Claim, record: LatencyRecord | None, *, half_unit: float) -> SpeedEvidence | None:
    """Verdict on a latency or speedup claim from our CPU timing; None if `claim` has no `timing`.

    Same device class (one CPU core, or a CPU with unstated threads): `verified` or `refuted` on the ratio within
    ±RATIO_SLACK (basis "computation"); a CPU with unstated threads must hold at 1 thread and at all cores, and
    is `inconclusive` when the two disagree. Another class (GPU, phone): `inconclusive`, with our 1-thread CPU
    ratio labelled as a proxy. Absolute times from another machine are shown, never judged.
    """
    timing = claim.timing
    if timing is None or claim.quantity not in ("latency", "speedup"):
        return None
    device = f"{timing.device} ({timing.device_name})"
    rule = (
        f"the printed ratio's rounding interval widened by ±{RATIO_SLACK:.0%} (another CPU and library do not "
        "speed two architectures up alike); absolute times from another machine are not judged"
    )
    machine = record.machine.describe() if record else None
    model, baseline = claim.model, timing.baseline
    own = record.models.get(model) if (record and model) else None
    latency_ms = {t.threads: t.median_ms for t in own.timings} if own else {}
    interval = printed_ratio(claim, half_unit)

    def result(
        verdict: SpeedVerdict,
        basis: SpeedBasis,
        summary: str,
        measured: Mapping[int, tuple[float, float]] | None = None,
    ) -> SpeedEvidence:
        low, high = interval if interval else (None, None)
        return SpeedEvidence(verdict, basis, summary, rule, device, low, high, measured or {}, machine, latency_ms)

    if model is None or model not in REGISTRY:
        return result(
            "inconclusive", "", "the source does not say which registered model was timed, so nothing here can time it"
        )
    if baseline is None or interval is None:
        shown = f"; ours: {latency_ms[1]:.1f} ms at 1 thread (shown, not judged)" if 1 in latency_ms else ""
        if claim.quantity == "speedup":
            compared = f" ({claim.compared_label})" if claim.compared_label else ""
            why = f"the model it is compared with{compared} is not registered, so no ratio can be timed"
        else:
            why = (
                f"an absolute time on {timing.device_name} is not comparable across machines, and no model of "
                "the same table is named to take a ratio against"
            )
        return result("inconclusive", "CPU proxy" if shown else "", why + shown)
    if record is None:
        return result(
            "inconclusive",
            "",
            f"`{model}` and `{baseline}` have not been timed yet; run `python tools/verify_claims.py --update-latency`",
        )
    thread_counts = sorted({1, record.machine.cores})
    measured: dict[int, tuple[float, float]] = {}
    for threads in thread_counts:
        entry = record.ratio(model, baseline, threads)
        if entry is None:
            continue
        if claim.quantity == "speedup":  # speedup = baseline / model; IQR carried through to first order
            median = 1.0 / entry.ratio_median
            measured[threads] = (median, entry.ratio_iqr * median * median)
        else:
            measured[threads] = (entry.ratio_median, entry.ratio_iqr)
    if 1 not in measured:
        return result(
            "inconclusive",
            "",
            f"`{model}` and `{baseline}` were not timed together; run `python tools/verify_claims.py --update-latency`",
        )
    low, high = interval[0] * (1 - RATIO_SLACK), interval[1] * (1 + RATIO_SLACK)
    ours = measured[1][0]
    what = (
        f"speedup of `{model}` over `{baseline}`"
        if claim.quantity == "speedup"
        else f"time ratio `{model}` / `{baseline}`"
    )
    if timing.device in ("gpu", "phone"):
        return result(
            "inconclusive",
            "CPU proxy",
            f"timed on {timing.device_name}, another device class; our CPU {what} at 1 thread is "
            f"{_fmt(claim, ours)} against the printed {_fmt(claim, interval[0])}…{_fmt(claim, interval[1])} "
            "(a proxy, not a verdict)",
            measured,
        )
    judged = [t for t in threads_read(timing.device, record.machine.cores) if t in measured]
    inside = {t: low <= measured[t][0] <= high for t in judged}
    where = ", ".join(f"{_fmt(claim, measured[t][0])} at {t} thread{'s' if t > 1 else ''}" for t in judged)
    span = f"{_fmt(claim, low)}…{_fmt(claim, high)}"
    if all(inside.values()):
        return result("verified", "computation", f"our {what}, {where}, lies within {span}", measured)
    if not any(inside.values()):
        gap = (ours / (interval[0] if ours < interval[0] else interval[1]) - 1) * 100
        return result(
            "refuted",
            "computation",
            f"our {what}, {where}, lies outside {span} ({gap:+.0f} % from the printed interval)",
            measured,
        )
    return result(
        "inconclusive",
        "computation",
        f"the source does not state its threads and our {what}, {where}, lies within {span} at some thread counts only",
        measured,
    )
