"""Re-measure models in parallel, one worker process per core, writing the measurements file after each model.

What a run survives:

* Killed at any moment: each write replaces the file atomically (`tools.files.write_atomic`), so the file is the
  previous one or a newer complete one, and the models measured so far are kept.
* Concurrent runs: a run holds the file's lock from start to end (a second run waits, then measures only what is
  still stale), and before each write it re-reads the file and merges its own new entries into it, so no run's
  models are lost. Only temporary files whose owning process is gone are removed.
* A model that kills its process (`os._exit`, out of memory) or hangs: models run in forked worker processes,
  one model at a time per worker. A worker that dies records "the measuring process died" for its model only;
  one that runs past the per-model timeout is killed and records a time-out. Either way a new worker takes its
  place. Both are transient failures, re-measured by the next `--update`. The other models are unaffected.
* The parent killed with `kill -9`: every worker asks the kernel to kill it when its parent dies.
* A full disk or a read-only file system: `WriteError` with a clear message; the file is left as it was.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
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


def _serve(parent_pid: int, connection: Any) -> None:
    """Worker process: measure each model id it receives and send its entry back, until it receives None."""
    _die_with_parent()
    if os.getppid() != parent_pid:
        os._exit(1)
    import warnings

    import torch

    torch.set_num_threads(1)  # one model per core; avoid oversubscribing the cores
    warnings.filterwarnings("ignore")
    while (model_id := connection.recv()) is not None:
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
class _Worker:
    """A forked worker process and the model it is measuring (None while idle)."""

    process: Any
    connection: Any
    model_id: str | None = None
    deadline: float = 0.0

    @classmethod
    def start(cls, context: Any) -> _Worker:
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(os.getpid(), child_end), daemon=True, name="measure")
        process.start()
        child_end.close()
        return cls(process, parent_end)

    def assign(self, model_id: str, timeout: float) -> None:
        self.connection.send(model_id)
        self.model_id, self.deadline = model_id, time.monotonic() + timeout

    def result(self, timeout: float) -> tuple[Measurement | None, bool]:
        """(entry, worker still usable): the entry it sent, a failure entry if it died or ran late, or (None, True)."""
        assert self.model_id is not None
        alive = self.process.is_alive()  # asked first: a result sent just before an exit is still read below
        died = not alive
        try:
            if self.connection.poll():
                record = self.connection.recv()
                if not isinstance(record, Measurement):  # a worker sends exactly `_measure`'s results
                    raise TypeError(
                        f"{self.model_id}: the measuring process sent a {type(record).__name__}, not a measurement"
                    )
                return record, alive
        except (EOFError, OSError):  # the pipe closed without a result: the process died or is dying
            died = True
        if died:
            self.process.join()
            self.connection.close()
            code = self.process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            return failed_measurement(self.model_id, f"{DIED} ({how}); `--update` measures it again"), False
        if time.monotonic() > self.deadline:
            self.stop()
            return failed_measurement(
                self.model_id,
                f"{TIMED_OUT} after {timeout:g} s and its process was killed; `--update` measures it again",
            ), False
        return None, True

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


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
    """Measure the models in forked worker processes (largest first), calling `on_result(id, entry)` as each ends.

    A worker measures one model at a time, and another after it: forking once per model would repeat torch's
    first-call work (about 0.15 s per model) in every process. A worker that dies or runs past `timeout` gives
    its model a transient failure entry and is replaced; the other models are unaffected. Writes nothing itself.
    """
    previous = previous or {}
    todo = sorted(set(model_ids), key=lambda m: (-_expected_cost(m, previous), m))
    if not todo:
        return
    timeout = MODEL_TIMEOUT_S if timeout is None else timeout
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="measuring", unit="model", file=sys.stderr, dynamic_ncols=True)
    from . import counting

    counting.warm_up()  # import torch, fvcore and torch's lazy modules once; forked workers inherit them
    context = multiprocessing.get_context("fork")
    queue = list(todo)
    pool: list[_Worker] = []
    try:
        pool = [_Worker.start(context) for _ in range(max(1, min(workers or os.cpu_count() or 1, len(todo))))]
        while queue or any(w.model_id for w in pool):
            for worker in pool:
                if worker.model_id is None and queue:
                    worker.assign(queue.pop(0), timeout)
            busy = [w for w in pool if w.model_id]
            soonest = min(w.deadline for w in busy) - time.monotonic()
            multiprocessing.connection.wait(
                [o for w in busy for o in (w.connection, w.process.sentinel)], timeout=max(0.0, soonest) + 0.01
            )
            for index, worker in enumerate(pool):
                if worker.model_id is None:
                    continue
                model_id = worker.model_id
                entry, usable = worker.result(timeout)
                if entry is None:
                    continue
                worker.model_id = None
                if not usable:
                    pool[index] = _Worker.start(context)
                on_result(model_id, entry)
                if bar is not None:
                    bar.set_postfix_str(model_id + (" (error)" if entry.error else ""))
                    bar.update(1)
        for worker in pool:
            try:
                worker.connection.send(None)  # done: the worker returns from its loop and exits
            except OSError:  # it died while idle: nothing of it is left to stop
                continue
            worker.process.join(5)
    finally:
        for worker in pool:  # interrupted (Ctrl-C, a write error): no worker outlives the run
            if worker.process.is_alive():
                worker.stop()
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
