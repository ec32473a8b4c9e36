"""A measurements file of the wrong shape gets a clear error, from `--check` and from the site build, never a
traceback; and the record's fields say what they hold."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tools import verify_claims
from tools.measurements import MeasurementRecord, MeasurementsFileError, read_measurements

REPO = Path(__file__).resolve().parents[1]
COMMITTED = json.loads((REPO / "tools" / "measurements.json").read_text(encoding="utf-8"))


def broken(tmp_path: Path, edit: Callable[[dict[str, Any]], object]) -> Path:
    document = json.loads(json.dumps(COMMITTED))
    edit(document)
    path = tmp_path / "measurements.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


CASES = {
    "models is a number": (lambda d: d.update(models=5), "models: Input should be a valid dictionary"),
    "an entry is a string": (lambda d: d["models"].update(resnet50="oops"), "models.resnet50"),
    "params is null without an error": (
        lambda d: d["models"]["resnet50"].update(params=None),
        "params missing although `error` is null",
    ),
    "a stage cost is not a number": (
        lambda d: d["models"]["resnet50"]["stages"][0].update(fvcore_total="many"),
        "models.resnet50.stages.0.fvcore_total",
    ),
    "an old key is left": (lambda d: d["models"]["resnet50"].update(flops=1), "models.resnet50.flops"),
    "a negative count": (
        lambda d: d["models"]["resnet50"].update(macs_conv_linear=-1),
        "models.resnet50.macs_conv_linear",
    ),
    "format 1": (lambda d: d.update(format=1), "format 1, expected 2"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_shape_is_a_clear_error(tmp_path: Path, case: str) -> None:
    edit, expected = CASES[case]
    path = broken(tmp_path, edit)
    with pytest.raises(MeasurementsFileError) as info:
        read_measurements(path)
    message = str(info.value)
    assert expected in message and "--update" in message
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = verify_claims.main(["--measurements", str(path), "--check"])
    assert code == 2 and expected in err.getvalue() and "Traceback" not in err.getvalue()


def test_the_record_names_its_readings() -> None:
    fields = set(MeasurementRecord.model_fields)
    assert {"macs_conv_linear", "macs_conv_linear_bn", "fvcore_total", "flopcounter_macs"} <= fields
    assert not {"flops", "crosscheck_macs", "flops_by_operator"} & fields


@pytest.mark.slow
def test_the_site_build_reports_a_wrong_shape_without_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = broken(tmp_path, lambda d: d["models"]["resnet50"].update(params="lots"))
    env = {**os.environ, "PAPERS_MEASUREMENTS": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "models.resnet50.params" in result.stderr and "Traceback" not in result.stderr
