"""`verify_claims.py --audit` catches numbers edited by hand in the measurements file (issue 13, item 5).

Each case copies two real entries (cheap CIFAR models) into a throwaway git repository, commits them as the base,
edits numbers in canonical form (what `--check` and the tests cannot see) and runs the audit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tools import verify_claims
from tools.audit import audit, differences, numeric_fields
from tools.measurements import dumps_measurements, read_measurements

MODELS = ["hetconv_vgg16_cifar_p4", "hetconv_vgg16_cifar_p64"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    entries = {m: read_measurements()[m] for m in MODELS}
    git(tmp_path, "init", "-q")
    (tmp_path / "measurements.json").write_text(dumps_measurements(entries), encoding="utf-8")
    git(tmp_path, "add", "measurements.json")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def edit(path: Path, model_id: str, field: str, factor: float) -> None:
    models = json.loads(path.read_text(encoding="utf-8"))["models"]
    models[model_id][field] = int(models[model_id][field] * factor)
    path.write_text(dumps_measurements(models), encoding="utf-8")  # canonical form: `--check` sees nothing


def test_numeric_fields_walk_the_whole_record() -> None:
    record = {
        "params": 5,
        "key": "k",
        "stages": [{"name": "s", "output_shape": [3, 2], "macs": 7}],
        "ok": True,
        "error": None,
    }
    assert list(numeric_fields(record)) == [
        ("error", None),
        ("params", 5),
        ("stages[0].macs", 7),
        ("stages[0].output_shape[0]", 3),
        ("stages[0].output_shape[1]", 2),
    ]
    assert differences({"params": 5}, {"params": 6}) == ["params: recorded 5, measured 6"]


def test_tripled_activations_are_caught(repo: Path) -> None:
    path = repo / "measurements.json"
    edit(path, "hetconv_vgg16_cifar_p64", "activations", 3)
    git(repo, "commit", "-qam", "edit")  # the edit is in the base too: only the random sample can catch it
    result = audit(path, base="HEAD", sample=2, seed=0, workers=1)
    assert result.changed == [] and result.sampled == MODELS
    assert list(result.mismatches) == ["hetconv_vgg16_cifar_p64"]
    recorded = read_measurements(path)["hetconv_vgg16_cifar_p64"].activations
    assert result.mismatches["hetconv_vgg16_cifar_p64"] == [
        f"activations: recorded {recorded}, measured {recorded // 3}"
    ]


def test_the_cli_audits_what_differs_from_the_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "measurements.json"
    assert verify_claims.main(["--measurements", str(path), "--audit", "--base", "HEAD", "--audit-sample", "0"]) == 0
    assert "0 changed model(s) (none), 0 sampled" in capsys.readouterr().out
    field = "macs_conv_linear"
    edit(path, MODELS[0], field, 0.5)
    edited = path.read_bytes()
    status = verify_claims.main(["--measurements", str(path), "--audit", "--base", "HEAD", "--audit-sample", "0"])
    out = capsys.readouterr().out
    assert status == 1
    assert f"1 changed model(s) ({MODELS[0]}), 0 sampled (none)" in out
    assert f"model {MODELS[0]}: the file does not match a new measurement:" in out and f"  {field}: recorded " in out
    assert path.read_bytes() == edited  # the audit writes nothing
