"""tools/verdict_cache.py: a warm report is served from .cache/ and never outlives a change to what it judged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import verdict_cache
from tools.catalogue.yaml_lines import load_yaml_with_positions

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue, the evaluations, the code and the measurements in a scratch repository (its own .cache/)."""
    root = tmp_path_factory.mktemp("repo")
    for folder in verdict_cache.CODE_DIRS:
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("papers.yaml", "evaluations.yaml"):
        shutil.copy2(REPO / name, root / name)
    return root


def run(root: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "160"}
    result = subprocess.run(
        [sys.executable, str(root / "tools" / "verify_claims.py"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout


def entries(root: Path) -> set[str]:
    return {p.name for p in (root / ".cache" / "verify_claims").glob("*.json")}


def verdict(output: str, paper: str, claim: str) -> str:
    return next(c["verdict"] for c in json.loads(output)["claims"] if c["paper"] == paper and c["id"] == claim)


def test_a_report_is_stored_once_and_served_unchanged(copy: Path) -> None:
    first = run(copy, "--check")
    stored = entries(copy)
    assert len(stored) == 1
    assert run(copy, "--check") == first
    assert entries(copy) == stored  # served, not recomputed
    assert run(copy, "--json")[0] == first[0] and len(entries(copy)) == 2  # other options, other entry


def test_editing_a_claim_gives_its_new_verdict(copy: Path) -> None:
    code, output = run(copy, "--json")
    data, positions, _ = load_yaml_with_positions(copy / "papers.yaml")
    verified = {
        (c["paper"], c["id"])
        for c in json.loads(output)["claims"]
        if c["verdict"] == "verified" and c["basis"] == "computation"
    }
    i, j, claim = next(
        (i, j, c)
        for i, p in enumerate(data["papers"])
        for j, c in enumerate(p["claims"])
        if (p["id"], c["id"]) in verified
        and c["kind"] == "absolute"
        and str(c.get("printed", "")).startswith(f"{c['value']:g}")
    )
    lines = (copy / "papers.yaml").read_text(encoding="utf-8").split("\n")
    tripled = f"{claim['value'] * 3:g}"
    for field, old, new in (("value", f"{claim['value']}", tripled), ("printed", f"{claim['value']:g}", tripled)):
        line, _ = positions.values[("papers", i, "claims", j, field)]
        assert old in lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
    (copy / "papers.yaml").write_text("\n".join(lines), encoding="utf-8")
    edited_code, edited = run(copy, "--json")
    assert verdict(output, data["papers"][i]["id"], claim["id"]) == "verified"
    assert verdict(edited, data["papers"][i]["id"], claim["id"]) == "refuted"
    assert (code, edited_code) == (0, 1)  # an unacknowledged refutation fails the run


def test_editing_the_judging_code_invalidates_the_cache(copy: Path) -> None:
    before = run(copy, "--check")
    claims_py = copy / "tools" / "claims.py"
    original = claims_py.read_text(encoding="utf-8")
    judges_nothing = "\n\ndef evaluate_claims(catalogue, measurements, evidence=None):\n    return []\n"
    claims_py.write_text(original + judges_nothing, encoding="utf-8")
    try:
        after = run(copy, "--check")
        assert after != before and "\n0 claims:" in after[1]
    finally:
        claims_py.write_text(original, encoding="utf-8")
    assert run(copy, "--check") == before  # the original code's entry is still valid


def test_an_unreadable_entry_is_ignored(copy: Path) -> None:
    before = run(copy, "--check")
    for path in (copy / ".cache" / "verify_claims").glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    assert run(copy, "--check") == before


@pytest.mark.parametrize(
    "argv",
    [
        ["--update"],
        ["--validate-only"],
        ["--audit"],
        ["--check", "--workers", "2"],
        ["--check", "--check=1"],
        ["--paper"],
    ],
)
def test_only_reports_are_cached(argv: list[str]) -> None:
    assert verdict_cache.cache_key(argv) is None


def test_the_key_follows_arguments_and_the_environment_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert verdict_cache.cache_key(["--check"]) == verdict_cache.cache_key(["--check"])
    assert verdict_cache.cache_key(["--check"]) != verdict_cache.cache_key(["--check", "--paper", "resnet"])
    monkeypatch.setenv("VERIFY_CLAIMS_CACHE", "0")
    assert verdict_cache.cache_key(["--check"]) is None
