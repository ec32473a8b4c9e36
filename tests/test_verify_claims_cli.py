"""tools/verify_claims.py: exit codes, --json, staleness, no torch on a warm run, faults and kill -9."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tools import measurements as measurements_module
from tools import verify_claims
from tools.measurements import dumps_measurements, measurement_key, read_measurements, stale_models, write_measurements

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "catalogue" / "valid.yaml"
SCRIPT = REPO / "tools" / "verify_claims.py"
FIXTURE_MODELS = ["res2net50_26w_4s", "resnet50", "resnet50_v1"]


def fresh_entry(model_id: str, *, conv: int = 4_089_184_256, bn: int = 11_113_984, **numbers: Any) -> dict[str, Any]:
    """A measurement whose key is current (so no re-measuring is needed); numbers are illustrative."""
    entry = {
        "id": model_id,
        "key": measurement_key(model_id),
        "input_size": [3, 224, 224],
        "params": 25_557_032,
        "macs_conv_linear": conv,
        "macs_conv_linear_bn": conv + bn,
        "fvcore_total": conv + 2 * bn + 100_352,
        "flopcounter_macs": conv,
        "batchnorm_elements": bn,
        "activations": 11_114_984,
        "unsupported_ops": {"aten::add": 16},
        "stages": [],
        "sweep": [],
        "fvcore_by_operator": {},
        "versions": {"torch": "x", "fvcore": "y"},
        "measured_on": "2026-11-28",
        "error": None,
    }
    entry.update(numbers)
    return entry


@pytest.fixture
def measured(tmp_path: Path) -> Path:
    path = tmp_path / "measurements.json"
    write_measurements(
        {
            "resnet50": fresh_entry("resnet50"),
            "resnet50_v1": fresh_entry("resnet50_v1", conv=3_858_000_000),
            "res2net50_26w_4s": fresh_entry("res2net50_26w_4s", params=25_699_120, conv=4_255_166_464),
        },
        path,
    )
    return path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = verify_claims.main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_refuted_note_claim_exits_1_and_table_lists_every_claim(measured: Path) -> None:
    code, out, _ = run("--catalogue", str(FIXTURE), "--measurements", str(measured))
    assert code == 1  # the fixture's 69 % note claim is refuted and not acknowledged
    assert "resnet50-params" in out and "flops-vs-resnet50" in out
    assert "2 claims: 1 verified, 1 refuted (0 acknowledged)" in out


def test_acknowledged_refutation_exits_0(measured: Path, tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace(
        "        confidence: D\n", "        confidence: D\n        acknowledged: kept as the note wrote it\n"
    )
    catalogue = tmp_path / "papers.yaml"
    catalogue.write_text(text)
    code, out, _ = run("--catalogue", str(catalogue), "--measurements", str(measured))
    assert code == 0, out
    flat = " ".join(out.split())  # the diagnosis column wraps
    assert "refuted*" in flat and "acknowledged: kept as the note wrote it" in flat


def test_json_document(measured: Path) -> None:
    code, out, _ = run("--catalogue", str(FIXTURE), "--measurements", str(measured), "--json")
    assert code == 1
    document = json.loads(out)
    assert set(document) >= {"models", "claims"}
    model = next(m for m in document["models"] if m["id"] == "resnet50")
    assert set(model) >= {
        "id",
        "fidelity",
        "input_size",
        "params",
        "macs_conv_linear",
        "macs_conv_linear_bn",
        "fvcore_total",
        "activations",
        "unsupported_ops",
        "flopcounter_macs",
        "versions",
        "key",
    }
    assert "flops" not in model and model["fidelity"] == "official"
    assert "latency_1_thread_ms" in model
    assert model["params"] == 25_557_032
    claims = {c["id"]: c for c in document["claims"]}
    assert set(claims["flops-vs-resnet50"]) >= {
        "paper",
        "id",
        "verdict",
        "claimed",
        "measured",
        "diagnosis",
        "acknowledged",
    }
    assert claims["flops-vs-resnet50"]["verdict"] == "refuted"
    assert claims["resnet50-params"]["verdict"] == "verified"


def test_paper_filter_and_unknown_paper(measured: Path) -> None:
    code, out, _ = run("--catalogue", str(FIXTURE), "--measurements", str(measured), "--paper", "resnet")
    assert code == 0 and "flops-vs-resnet50" not in out
    code, _, err = run("--catalogue", str(FIXTURE), "--measurements", str(measured), "--paper", "nope")
    assert code == 2 and "no paper with id 'nope'" in err


def test_stale_and_missing_measurements_fail_check(measured: Path) -> None:
    models = read_measurements(measured)
    models["resnet50"] = models["resnet50"].model_copy(update={"key": "0" * 64})
    del models["resnet50_v1"]
    write_measurements(models, measured)
    code, out, _ = run("--catalogue", str(FIXTURE), "--measurements", str(measured), "--paper", "resnet", "--check")
    assert code == 1
    assert "resnet50 (stale)" in out and "resnet50_v1 (missing)" in out and "--update" in out


def test_key_changes_when_a_model_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reference_impls

    package = tmp_path / "reference_impls"
    shutil.copytree(reference_impls.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(measurements_module, "PACKAGE_DIR", package)
    monkeypatch.setattr(reference_impls.ModelSpec, "source_file", property(lambda self: package / f"{self.module}.py"))
    watched = ("resnet50", "hetconv_resnet50_p4", "efficientnet_b0")
    before = {m: measurement_key(m) for m in watched}
    resnet = package / "resnet.py"
    resnet.write_text(resnet.read_text() + "\n# an edit\n")
    os.utime(resnet, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))  # a later mtime, even on coarse clocks
    after = {m: measurement_key(m) for m in watched}
    assert after["resnet50"] != before["resnet50"]
    assert after["hetconv_resnet50_p4"] != before["hetconv_resnet50_p4"]  # hetconv.py imports resnet.py
    assert after["efficientnet_b0"] == before["efficientnet_b0"]
    models = {m: fresh_entry(m, key=before[m]) for m in watched}
    assert stale_models(read_back(models, tmp_path), watched) == {"resnet50": "stale", "hetconv_resnet50_p4": "stale"}


@pytest.mark.parametrize("name", ["counting.py", "shape_kernels.py"])
def test_key_changes_when_the_counting_code_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    copies = tuple(tmp_path / p.name for p in measurements_module.COUNTING_CODE)
    for original, copy in zip(measurements_module.COUNTING_CODE, copies, strict=True):
        shutil.copyfile(original, copy)
    monkeypatch.setattr(measurements_module, "COUNTING_CODE", copies)
    before = measurement_key("resnet50")
    edited = tmp_path / name
    edited.write_text(edited.read_text() + "\n# an edit\n")
    os.utime(edited, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert measurement_key("resnet50") != before


def read_back(models: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "m.json"
    write_measurements(models, path)
    return read_measurements(path)


def test_warm_run_imports_no_torch(measured: Path) -> None:
    code = (
        "import sys; from tools import verify_claims; "
        f"rc = verify_claims.main(['--catalogue', {str(FIXTURE)!r}, '--measurements', {str(measured)!r}, '--check']); "
        "assert 'torch' not in sys.modules and 'fvcore' not in sys.modules, 'torch imported'; sys.exit(0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_measurements_file_is_deterministic(measured: Path) -> None:
    text = measured.read_text()
    assert dumps_measurements(read_measurements(measured)) == text
    assert text.endswith("\n") and json.loads(text)["format"] == 2


def test_unreadable_measurements_file(tmp_path: Path) -> None:
    broken = tmp_path / "measurements.json"
    broken.write_text('{"format": 2, "models": {')
    code, _, err = run("--catalogue", str(FIXTURE), "--measurements", str(broken))
    assert code == 2 and "cannot be read" in err


@pytest.mark.slow
def test_a_model_that_raises_gets_an_error_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools import counting, update_measurements

    real_create = counting.create_model

    def create(model_id: str, **kwargs: Any) -> Any:
        if model_id == "resnet50_v1":
            raise RuntimeError("shape mismatch in stage 3")
        return real_create(model_id, **kwargs)

    monkeypatch.setattr(counting, "create_model", create)  # inherited by the forked worker processes
    path = tmp_path / "measurements.json"
    result = update_measurements.update(["resnet50_v1", "resnet50"], {}, path=path, progress=False)
    assert (result["resnet50_v1"].error or "").startswith("RuntimeError: shape mismatch in stage 3")
    assert result["resnet50"].error is None and result["resnet50"].params == 25_557_032
    code, out, _ = run("--catalogue", str(FIXTURE), "--measurements", str(path), "--paper", "resnet")
    assert code == 1
    assert "model resnet50_v1: measurement failed: RuntimeError: shape mismatch in stage 3" in " ".join(out.split())
    assert "resnet50-params" in out  # the rest of the report still comes out


@pytest.mark.slow
def test_kill_9_during_update_leaves_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "measurements.json"
    old = {"resnet50": fresh_entry("resnet50", key="f" * 64)}
    write_measurements(old, path)
    old_text = path.read_text()
    update = [sys.executable, str(SCRIPT), "--catalogue", str(FIXTURE), "--measurements", str(path)]
    update += ["--update", "--paper", "res2net"]
    for delay in (0.3, 1.5, 3.0, 5.0):
        process = subprocess.Popen(
            update,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=REPO,
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        text = path.read_text()
        document = json.loads(text)  # never half a file
        assert document["format"] == 2
        if text != old_text:
            assert dumps_measurements(document["models"]) == text
    # after the kills, a normal update completes and the file is complete and fresh
    subprocess.run(
        update,
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    assert not stale_models(read_measurements(path), ["res2net50_26w_4s", "resnet50"])
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # leftovers of killed runs removed
