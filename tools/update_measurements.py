"""Re-measure models in parallel, one process per model and per core, writing the measurements file after each.

What a run survives:

* Killed at any moment: each write replaces the file atomically (`tools.files.write_atomic`), so the file is the
  previous one or a newer complete one, and the models measured so far are kept.
* Concurrent runs: a run holds the file's lock from start to end (a second run waits, then measures only what is
  still stale), and before each write it re-reads the file and merges its own new entries into it, so no run's
  models are lost. Only temporary files whose owning process is gone are removed.
* A model that kills its process (`os._exit`, out of memory) or hangs: each model runs in its own forked
  process. A process that dies records "the measuring process died" for that model only; one that runs past
  the per-model timeout is killed and records a time-out. Both are transient failures, re-measured by the next
  `--update`. The other models are unaffected.
* The parent killed with `kill -9`: every worker asks the kernel to kill it when its parent dies.
* A full disk or a read-only file system: `WriteError` with a clear message; the file is left as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impls import get_spec

from .files import exclusive_lock, remove_orphaned_temp_files
from .measurements import (
    MEASUREMENTS_FILE,
    Measurement,
    MeasurementsFileError,
    as_record,
    failed_measurement,
    read_measurements,
    stale_models,
    write_measurements,
)

MODEL_TIMEOUT_S = float(os.environ.get("MEASURE_TIMEOUT_S", "1800"))  # the largest model takes about 3 minutes
DIED = "the measuring process died"
TIMED_OUT = "the measurement timed out"
TRANSIENT_ERRORS = (DIED, TIMED_OUT)


def is_transient_failure(entry: Measurement | None) -> bool:
    """An entry whose measurement was cut short (process died, timed out): worth measuring again."""
    error = entry.error if entry is not None else None
    return isinstance(error, str) and error.startswith(TRANSIENT_ERRORS)


def models_to_measure(measurements: Mapping[str, Measurement], model_ids: Iterable[str]) -> dict[str, str]:
    """model id -> why: missing, stale, or a transient failure of an earlier run."""
    ids = sorted(set(model_ids))
    todo = stale_models(measurements, ids)
    for model_id in ids:
        if model_id not in todo and is_transient_failure(measurements.get(model_id)):
            todo[model_id] = "interrupted"
    return todo


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG); elsewhere, poll the parent."""
    parent = os.getppid()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0:  # 1 = PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the request took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _worker(model_id: str, parent_pid: int, connection: Any) -> None:
    """Child process: measure one model and send the entry back."""
    _die_with_parent()
    if os.getppid() != parent_pid:
        os._exit(1)
    import warnings

    import torch

    torch.set_num_threads(1)  # one model per core; avoid oversubscribing the cores
    warnings.filterwarnings("ignore")
    connection.send(_measure(model_id))
    connection.close()


def _measure(model_id: str) -> Measurement:
    from .counting import measure_model

    try:
        return as_record(measure_model(model_id))
    except Exception as exc:  # a broken model must not stop the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return failed_measurement(model_id, message)


def _expected_cost(model_id: str, previous: Mapping[str, Measurement]) -> float:
    entry = previous.get(model_id)
    if entry is not None and entry.fvcore_total:
        return float(entry.fvcore_total)
    return float(get_spec(model_id).resolution ** 2)


@dataclass
class _Running:
    model_id: str
    process: Any
    connection: Any
    deadline: float


def _start(context: Any, model_id: str, timeout: float) -> _Running:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker, args=(model_id, os.getpid(), sender), daemon=True, name=f"measure-{model_id}"
    )
    process.start()
    sender.close()
    return _Running(model_id, process, receiver, time.monotonic() + timeout)


def _receive(job: _Running) -> Measurement | None:
    if not job.connection.poll():
        return None
    try:
        record = job.connection.recv()
    except (EOFError, OSError):  # the process closed the pipe without sending (it died)
        return None
    if not isinstance(record, Measurement):  # the child sends exactly one, `_measure`'s result
        raise TypeError(f"{job.model_id}: the measuring process sent a {type(record).__name__}, not a measurement")
    return record


def _finish(job: _Running, timeout: float) -> Measurement | None:
    """The entry of a finished job, a failure entry for a dead or late one, or None while it runs."""
    alive = job.process.is_alive()  # asked first: a result sent before the exit is read below
    entry = _receive(job)
    if entry is not None:
        job.process.join(5)
        return entry
    if not alive:
        job.process.join()
        code = job.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        return failed_measurement(job.model_id, f"{DIED} ({how}); `--update` measures it again")
    if time.monotonic() > job.deadline:
        job.process.kill()
        job.process.join()
        return failed_measurement(
            job.model_id, f"{TIMED_OUT} after {timeout:g} s and its process was killed; `--update` measures it again"
        )
    return None


def _merge_and_write(own: Mapping[str, Measurement], path: Path) -> dict[str, Measurement]:
    """Re-read the file (another writer may have added models), put our entries over it, write it."""
    try:
        current = read_measurements(path)
    except MeasurementsFileError:
        current = {}
    current.update(own)
    write_measurements(current, path)
    return current


def update(
    model_ids: Iterable[str],
    measurements: Mapping[str, Measurement],
    *,
    path: Path = MEASUREMENTS_FILE,
    workers: int | None = None,
    progress: bool = True,
    timeout: float | None = None,
) -> dict[str, Measurement]:
    """Measure `model_ids` (largest first), merging into the file; returns the new mapping.

    Raises `tools.files.WriteError` if the file cannot be written (its previous content is kept).
    """
    with exclusive_lock(path, wait_message=f"waiting for another run that is updating {path.name} ..."):
        remove_orphaned_temp_files(path)
        try:
            result = {**measurements, **read_measurements(path)}  # what other runs wrote meanwhile
        except MeasurementsFileError:
            result = dict(measurements)
        todo = models_to_measure(result, model_ids)
        own: dict[str, Measurement] = {}

        def keep(model_id: str, entry: Measurement) -> None:
            nonlocal result
            own[model_id] = entry
            result = _merge_and_write(own, path)

        measure_models(todo, keep, previous=result, workers=workers, progress=progress, timeout=timeout)
        return result


def measure_models(
    model_ids: Iterable[str],
    on_result: Callable[[str, Measurement], None],
    *,
    previous: Mapping[str, Measurement] | None = None,
    workers: int | None = None,
    progress: bool = True,
    timeout: float | None = None,
) -> None:
    """Measure each model in its own forked process (largest first), calling `on_result(id, entry)` as each ends.

    Writes nothing itself. A dead or late process gives that model a transient failure entry.
    """
    previous = previous or {}
    todo = sorted(set(model_ids), key=lambda m: (-_expected_cost(m, previous), m))
    if not todo:
        return
    timeout = MODEL_TIMEOUT_S if timeout is None else timeout
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="measuring", unit="model", file=sys.stderr, dynamic_ncols=True)
    from . import counting

    counting.warm_up()  # import torch, fvcore and torch's lazy modules once; forked workers inherit them
    context = multiprocessing.get_context("fork")
    queue = list(todo)
    running: list[_Running] = []
    try:
        while queue or running:
            while queue and len(running) < workers:
                running.append(_start(context, queue.pop(0), timeout))
            time.sleep(0.05)
            for job in list(running):
                entry = _finish(job, timeout)
                if entry is None:
                    continue
                running.remove(job)
                on_result(job.model_id, entry)
                if bar is not None:
                    bar.set_postfix_str(job.model_id + (" (error)" if entry.error else ""))
                    bar.update(1)
    finally:
        for job in running:  # interrupted (Ctrl-C, a write error): no worker outlives the run
            job.process.kill()
            job.process.join()
        if bar is not None:
            bar.close()


__all__ = [
    "DIED",
    "MODEL_TIMEOUT_S",
    "TIMED_OUT",
    "is_transient_failure",
    "measure_models",
    "models_to_measure",
    "update",
]
