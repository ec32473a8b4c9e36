"""Re-measure models in parallel, one process per core, writing the measurements file after each model.

Each write replaces the file atomically, so killing the run at any moment leaves either the previous file
or a newer complete one, and the models measured so far are kept.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from reference_impls import get_spec

from .measurements import MEASUREMENTS_FILE, Measurement, as_record, failed_measurement, write_measurements


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one model per core; avoid oversubscribing the cores
    import warnings

    warnings.filterwarnings("ignore")


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


def update(
    model_ids: Iterable[str],
    measurements: Mapping[str, Measurement],
    *,
    path: Path = MEASUREMENTS_FILE,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Measurement]:
    """Measure `model_ids` (largest first), merging into `measurements`; returns the new mapping."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):  # temp files of a run that was killed
        leftover.unlink(missing_ok=True)
    todo = sorted(model_ids, key=lambda m: (-_expected_cost(m, measurements), m))
    result = dict(measurements)
    if not todo:
        return result
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="measuring", unit="model", file=sys.stderr, dynamic_ncols=True)
    from . import counting

    counting.warm_up()  # import torch, fvcore and torch's lazy modules once; forked workers inherit them

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        pending: dict[Future[Measurement], str] = {pool.submit(_measure, m): m for m in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                model_id = pending.pop(future)
                try:
                    entry: Any = future.result()
                except Exception as exc:  # the worker process itself died (e.g. out of memory)
                    entry = failed_measurement(model_id, f"the measuring process died: {type(exc).__name__}: {exc}")
                result[model_id] = entry
                write_measurements(result, path)
                if bar is not None:
                    bar.set_postfix_str(model_id + (" (error)" if entry.error else ""))
                    bar.update(1)
    if bar is not None:
        bar.close()
    return result
