"""`python -m tools.catalogue add|validate|bib|schema`: the same results as the scripts it stands for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_python

from tools.catalogue import schema, stub

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


run = run_python


def test_add_is_tools_add_paper(tmp_path: Path) -> None:
    catalogue = tmp_path / "papers.yaml"
    shutil.copy(FIXTURES / "add_paper" / "catalogue.yaml", catalogue)
    args = [
        "--bibtex",
        str(FIXTURES / "add_paper" / "mobilenetv3.bib"),
        "--catalogue",
        str(catalogue),
        "--date",
        "2026-12-01",
        "--dry-run",
    ]
    module, script = run("-m", "tools.catalogue", "add", *args), run("tools/add_paper.py", *args)
    assert (module.returncode, module.stdout) == (script.returncode, script.stdout) == (0, script.stdout)
    assert "would append `howard-2019-searching`" in module.stdout
    assert "usage: python -m tools.catalogue add" in run("-m", "tools.catalogue", "add").stderr


@pytest.mark.parametrize("fixture", ["valid.yaml", "bad/duplicate_key.yaml"])
def test_validate_is_verify_claims_validate_only(fixture: str) -> None:
    path = FIXTURES / "catalogue" / fixture
    module = run("-m", "tools.catalogue", "validate", str(path))
    script = run("tools/verify_claims.py", "--validate-only", "--catalogue", str(path))
    assert (module.returncode, module.stdout, module.stderr) == (script.returncode, script.stdout, script.stderr)
    assert module.returncode == (0 if fixture == "valid.yaml" else 2)
    if module.returncode == 2:
        assert f"{path.name}:" in module.stderr and module.stderr.rstrip().endswith("nothing was written.")


def test_bib_is_tools_bibtex_export() -> None:
    fixture = str(FIXTURES / "catalogue" / "valid.yaml")
    module = run("-m", "tools.catalogue", "bib", "--catalogue", fixture)
    script = run("tools/bibtex_export.py", "--catalogue", fixture)
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout and "@misc{resnet," in module.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run("-m", "tools.catalogue")
    assert result.returncode == 2 and "{add,bib,validate,schema}" in result.stderr


def test_stub_vocabularies_are_the_schemas() -> None:
    assert set(stub.KEPT_FIELDS) <= set(schema.BIBTEX_FIELD_NAMES)
    assert set(stub.TYPE_ALIASES.values()) <= set(schema.BIBTEX_TYPES)
    assert schema.Paper.model_fields["status"].annotation.__args__ == schema.STATUSES
