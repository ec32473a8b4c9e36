"""`verify_claims.py --audit [--base REF]`: re-measure what a change touched and compare it with the file.

`tools/measurements.json` is committed, so a pull request can edit its numbers (triple ResNet-50's activations,
halve EfficientNet-B7's multiply-adds) in canonical form, and `--check` would still pass: it only asks whether
each entry's key matches the code. The audit re-measures

* every model whose entry differs from the entry at REF (the pull request's base; default `HEAD`), and
* a few other models drawn at random (`--audit-sample`, default 3), so that an edit cannot hide by also
  changing the base,

and compares every number of each record (params, each multiply-add reading, activations, per-stage costs and
shapes, sweeps, operator counts: every numeric field, found by walking the record) with what the code gives
now. It exits 1 on any mismatch, on an entry whose key is stale (its numbers cannot be confirmed), or on a
measurement that now fails; 0 when everything matches. It writes nothing.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.measurements import Measurement, MeasurementsFileError, dumps_measurements, read_measurements, stale_models
from tools.terminal import say

DEFAULT_SAMPLE = 3
IGNORED_FIELDS = frozenset({"key", "measured_on", "versions", "id"})  # describe the run, not the model


@dataclass
class AuditResult:
    changed: list[str]
    sampled: list[str]
    mismatches: dict[str, list[str]] = field(default_factory=dict)  # model id -> differences
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.stale


def numeric_fields(record: Any, prefix: str = "") -> Iterator[tuple[str, float | int | None]]:
    """(path, number) for every numeric leaf of a record (booleans and the run-describing fields excluded).

    A null where a number could be (a failed measurement's `params: null`) is reported as None.
    """
    if isinstance(record, Mapping):
        for name in sorted(record):
            if not prefix and name in IGNORED_FIELDS:
                continue
            yield from numeric_fields(record[name], f"{prefix}.{name}" if prefix else str(name))
    elif isinstance(record, list):
        for index, item in enumerate(record):
            yield from numeric_fields(item, f"{prefix}[{index}]")
    elif record is None or (isinstance(record, (int, float)) and not isinstance(record, bool)):
        yield prefix, record


def canonical(model_id: str, entry: Measurement | Mapping[str, Any]) -> dict[str, Any]:
    """The entry as the file stores it: plain JSON data, floats rounded as `dumps_measurements` writes them."""
    stored: dict[str, Any] = json.loads(dumps_measurements({model_id: entry}))["models"][model_id]
    return stored


def differences(recorded: Mapping[str, Any], measured: Mapping[str, Any]) -> list[str]:
    """Numeric fields that differ between the recorded entry and a new measurement, as readable lines."""
    old, new = dict(numeric_fields(recorded)), dict(numeric_fields(measured))
    lines = [
        f"{name}: recorded {old.get(name)!r}, measured {new.get(name)!r}"
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]
    if bool(recorded.get("error")) != bool(measured.get("error")):
        lines.append(f"error: recorded {recorded.get('error')!r}, measured {measured.get('error')!r}")
    return lines


def base_measurements(path: Path, ref: str) -> dict[str, Any]:
    """The measurements file as it is at git `ref` ({} if it does not exist there)."""
    root = Path(
        subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    shown = subprocess.run(["git", "show", f"{ref}:{relative}"], cwd=root, capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        if "does not exist" in shown.stderr or "exists on disk, but not in" in shown.stderr:
            return {}
        raise ValueError(f"cannot read {relative} at {ref!r}: {shown.stderr.strip()}")
    document = json.loads(shown.stdout)
    models = document.get("models") if isinstance(document, dict) else None
    return dict(models) if isinstance(models, dict) else {}


def changed_models(current: Mapping[str, Measurement], base: Mapping[str, Any]) -> list[str]:
    """Models whose entry (as the file stores it) is not the same at the base (`base` holds the base's JSON)."""
    return sorted(m for m in current if canonical(m, current[m]) != base.get(m))


def audit(
    path: Path,
    *,
    base: str = "HEAD",
    models: list[str] | None = None,
    sample: int = DEFAULT_SAMPLE,
    seed: int | None = None,
    workers: int | None = None,
    timeout: float | None = None,
) -> AuditResult:
    """Re-measure the changed models and a random sample of the others; compare every numeric field."""
    from tools.update_measurements import measure_models

    current = read_measurements(path)
    scope = sorted(m for m in current if models is None or m in models)
    changed = [m for m in changed_models(current, base_measurements(path, base)) if m in scope]
    others = [m for m in scope if m not in changed]
    sampled = sorted(random.Random(seed).sample(others, min(sample, len(others))))
    result = AuditResult(changed=changed, sampled=sampled)
    todo = changed + sampled
    result.stale = sorted(stale_models(current, todo))
    fresh = [m for m in todo if m not in result.stale]

    def compare(model_id: str, entry: Measurement) -> None:
        found = differences(canonical(model_id, current[model_id]), canonical(model_id, entry))
        if found:
            result.mismatches[model_id] = found

    measure_models(fresh, compare, previous=current, workers=workers, progress=False, timeout=timeout)
    return result


def run_audit(
    path: Path, *, base: str, models: list[str] | None, sample: int, workers: int | None, timeout: float | None
) -> int:
    """The `--audit` command: print what was re-measured and every mismatch; 0 if all match, else 1 (2: unusable)."""
    try:
        result = audit(path, base=base, models=models, sample=sample, workers=workers, timeout=timeout)
    except (MeasurementsFileError, ValueError, subprocess.CalledProcessError, json.JSONDecodeError) as exc:
        say(f"error: the audit cannot run: {exc}", file=sys.stderr)
        return 2
    say(
        f"audit against {base}: {len(result.changed)} changed model(s) "
        f"({', '.join(result.changed) or 'none'}), {len(result.sampled)} sampled "
        f"({', '.join(result.sampled) or 'none'})"
    )
    for model_id in result.stale:
        say(f"model {model_id}: stale (its key does not match the code); run `python tools/verify_claims.py --update`")
    for model_id, lines in sorted(result.mismatches.items()):
        say(f"model {model_id}: the file does not match a new measurement:")
        for line in lines[:20]:
            say(f"  {line}")
        if len(lines) > 20:
            say(f"  ... and {len(lines) - 20} more field(s)")
    if result.ok:
        say("audit: every re-measured number matches the file")
        return 0
    say(
        "audit failed: regenerate the entries with `python tools/verify_claims.py --update`; never edit the file "
        "by hand"
    )
    return 1


__all__ = ["AuditResult", "audit", "base_measurements", "changed_models", "differences", "numeric_fields", "run_audit"]
