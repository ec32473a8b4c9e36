"""Faults that `verify_claims.py --update` must survive (issue 13, items 6-8). Nothing is lost in any of them.

The measuring function is replaced by a fast stand-in (forked workers inherit the replacement), so these tests
exercise the scheduling, locking and writing without spending minutes measuring real models.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tools import files, update_measurements, verify_claims
from tools.files import remove_orphaned_temp_files, write_atomic
from tools.measurements import MeasurementRecord, failed_measurement, read_measurements, write_measurements
from tools.update_measurements import DIED, TIMED_OUT, update

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "catalogue" / "valid.yaml"
MODELS = ["res2net50_26w_4s", "resnet50", "resnet50_v1"]


def quick_entry(model_id: str) -> MeasurementRecord:
    """A fresh entry (its key is the real one) whose numbers are all the length of the model id."""
    failed = failed_measurement(model_id, "").model_dump()
    numbers = {name: len(model_id) for name, value in failed.items() if value is None and name != "error"}
    return MeasurementRecord.model_validate({**failed, **numbers, "error": None})


@pytest.fixture
def fake_measure(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """model id -> "exit" | "hang" | "ok" (default): how the stand-in measurement behaves."""
    behaviour: dict[str, str] = {}

    def measure(model_id: str) -> MeasurementRecord:
        how = behaviour.get(model_id, "ok")
        if how == "exit":
            os._exit(3)
        if how == "hang":
            time.sleep(3600)
        if how == "pid":  # which process measured it
            return quick_entry(model_id).model_copy(update={"params": os.getpid()})
        return quick_entry(model_id)

    monkeypatch.setattr(update_measurements, "_measure", measure)
    monkeypatch.setattr("tools.counting.warm_up", lambda: None)
    return behaviour


def test_a_dying_model_takes_only_itself_and_is_measured_again(tmp_path: Path, fake_measure: dict[str, str]) -> None:
    path = tmp_path / "measurements.json"
    fake_measure["resnet50"] = "exit"
    result = update(MODELS, {}, path=path, workers=2, progress=False)
    assert result["resnet50"].error.startswith(f"{DIED} (exit status 3)")
    assert [result[m].params for m in ("res2net50_26w_4s", "resnet50_v1")] == [16, 11]
    assert read_measurements(path) == result
    fake_measure.clear()  # the next run measures the interrupted model again, and only it
    again = update(MODELS, read_measurements(path), path=path, workers=2, progress=False)
    assert again["resnet50"].error is None and again["resnet50"].params == 8


def test_a_worker_measures_one_model_after_another(tmp_path: Path, fake_measure: dict[str, str]) -> None:
    fake_measure.update(dict.fromkeys(MODELS, "pid"))
    result = update(MODELS, {}, path=tmp_path / "measurements.json", workers=1, progress=False)
    assert len({result[m].params for m in MODELS}) == 1
    assert result["resnet50"].params != os.getpid()


def test_a_dead_worker_is_replaced_and_the_queue_goes_on(tmp_path: Path, fake_measure: dict[str, str]) -> None:
    fake_measure.update(dict.fromkeys(MODELS, "pid"))
    fake_measure["resnet50"] = "exit"  # the second of three, largest first then by id; one worker
    result = update(MODELS, {}, path=tmp_path / "measurements.json", workers=1, progress=False)
    assert result["resnet50"].error.startswith(f"{DIED} (exit status 3)")
    assert result["res2net50_26w_4s"].params != result["resnet50_v1"].params  # measured by the replacement


def test_a_hanging_model_is_killed_after_its_timeout(tmp_path: Path, fake_measure: dict[str, str]) -> None:
    path = tmp_path / "measurements.json"
    fake_measure["resnet50_v1"] = "hang"
    start = time.monotonic()
    result = update(MODELS, {}, path=path, workers=2, progress=False, timeout=2)
    assert time.monotonic() - start < 20
    assert result["resnet50_v1"].error.startswith(f"{TIMED_OUT} after 2 s and its process was killed")
    assert result["resnet50"].params == 8 and result["res2net50_26w_4s"].params == 16


DRIVER = textwrap.dedent(
    """
    import os, sys, time
    from tools import update_measurements
    from tools.measurements import MeasurementRecord, failed_measurement
    from pathlib import Path

    def measure(model_id):
        time.sleep(float(os.environ["FAKE_SECONDS"]))
        failed = failed_measurement(model_id, "").model_dump()
        numbers = {k: 1 for k, v in failed.items() if v is None and k != "error"}
        return MeasurementRecord.model_validate({**failed, **numbers, "error": None})

    update_measurements._measure = measure
    import tools.counting
    tools.counting.warm_up = lambda: None
    update_measurements.update(sys.argv[2:], {}, path=Path(sys.argv[1]), workers=1, progress=False)
    """
)


def _driver(path: Path, models: list[str], seconds: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAKE_SECONDS": str(seconds)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(path), *models],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_concurrent_runs_keep_every_model(tmp_path: Path) -> None:
    path = tmp_path / "measurements.json"
    runs = [_driver(path, [model], 1.0) for model in MODELS]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert sorted(read_measurements(path)) == MODELS
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    run = _driver(tmp_path / "measurements.json", ["resnet50"], 3600)
    deadline = time.monotonic() + 30
    while not (workers := _children(run.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers, "the run started no worker"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 5
    while (
        any(
            Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]
            for w in workers
            if Path(f"/proc/{w}/stat").exists()
        )
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    alive = [
        w
        for w in workers
        if Path(f"/proc/{w}/stat").exists() and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    ]
    assert not alive, f"workers {alive} outlived their parent"


def test_only_temporary_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "measurements.json"
    dead = subprocess.Popen(["true"])
    dead.wait()
    live_file = tmp_path / f".measurements.json.{os.getppid()}.abc.tmp"
    dead_file = tmp_path / f".measurements.json.{dead.pid}.def.tmp"
    for f in (live_file, dead_file):
        f.write_text("{}")
    assert remove_orphaned_temp_files(path) == [dead_file]
    assert live_file.exists() and not dead_file.exists()


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")]
)
def test_a_full_or_read_only_disk_gives_a_clear_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_measure: dict[str, str],
    code: int,
    words: str,
) -> None:
    path = tmp_path / "measurements.json"
    write_measurements({"resnet50": quick_entry("resnet50").model_copy(update={"key": "0" * 64})}, path)
    before = path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "fsync", no_space)
    status = verify_claims.main(
        ["--catalogue", str(FIXTURE), "--measurements", str(path), "--update", "--paper", "resnet"]
    )
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert f"error: cannot write {path}: {words}; the previous file is unchanged" in err
    assert path.read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_atomic_refuses_when_before_replace_raises(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")

    def changed() -> None:
        raise RuntimeError("changed meanwhile")

    with pytest.raises(RuntimeError):
        write_atomic(target, "new", before_replace=changed)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]
