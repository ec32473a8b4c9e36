"""Two builds from the same commit are byte-identical: the site and the measurements file."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.measurements import MEASUREMENTS_FILE, dumps_measurements, read_measurements

REPO = Path(__file__).resolve().parents[1]


def _build(site_dir: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PAPERS_CATALOGUE", "PAPERS_MEASUREMENTS")
    }
    env["PYTHONHASHSEED"] = "random"  # nothing may depend on set or dict iteration order
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _differences(a: Path, b: Path) -> list[str]:
    comparison = filecmp.dircmp(a, b)
    out = [f"{a.name}/{n}" for n in comparison.left_only + comparison.right_only + comparison.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    out += [str(a / n) for n in mismatch + errors]
    for sub in comparison.common_dirs:
        out += _differences(a / sub, b / sub)
    return out


@pytest.mark.slow
def test_two_site_builds_are_byte_identical(tmp_path: Path) -> None:
    _build(tmp_path / "first")
    time.sleep(1.1)  # a build that read the clock would now differ (the sitemap's gzip header has seconds)
    _build(tmp_path / "second")
    assert _differences(tmp_path / "first", tmp_path / "second") == []


@pytest.mark.slow
def test_measuring_twice_gives_identical_entries() -> None:
    code = (
        "import json, warnings; warnings.filterwarnings('ignore');"
        "from tools.counting import measure_model;"
        "import datetime as dt;"
        "print(json.dumps([measure_model(m, today=dt.date(2026, 1, 1)) for m in "
        "['hetconv_vgg16_cifar_p8', 'mobilenetv2_100']], sort_keys=True))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "random"},
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    first = json.loads(runs[0])
    committed = read_measurements()
    for entry in first:  # and they agree with the committed file (apart from the date of measuring)
        assert {k: v for k, v in entry.items() if k != "measured_on"} == {
            k: v for k, v in committed[entry["id"]].model_dump(mode="json").items() if k != "measured_on"
        }


def test_committed_measurements_file_is_in_canonical_form() -> None:
    text = MEASUREMENTS_FILE.read_text(encoding="utf-8")
    assert dumps_measurements(read_measurements()) == text, "regenerate with python tools/verify_claims.py --update"
