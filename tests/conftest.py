"""Helpers shared by the tests (import them with `from conftest import ...`).

Counting, for the model tests: parameters and the three cost readings of the measurement record.
- conv + linear multiply-adds: FlopCounterMode (2 FLOPs per multiply-add of convolutions and matrix products) / 2;
- conv + linear + BatchNorm once: the same plus one fused scale-and-shift per BatchNorm output element;
- fvcore total: FlopCountAnalysis (BatchNorm counted 2 per element, pooling inputs counted), timm's GMACs columns.
The first two run on the meta device (no memory, no arithmetic); fvcore traces a real forward pass.

The catalogue: `catalogue_problems()` lists what the validator finds in a text; `mutated_yaml()` makes random small
edits of a catalogue's text (YAML punctuation, tags, anchors, odd line breaks, deletions) for differential tests of
the readers; `run_python()` runs a command line.

The site's configuration: `mkdocs_nav_files()` reads mkdocs.yml the way MkDocs does (its `!ENV` tags included).

torch and fvcore are imported on first use, so tests that need neither do not pay for them.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from reference_impls import create_model, input_size

if TYPE_CHECKING:
    from torch import nn

# Each pytest-xdist worker gets one core: torch's default of one thread per core would put two threads on every
# core under `-n 2`, and OpenMP threads spinning for each other make the model tests about 4x slower.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")  # the one beside this interpreter, in .venv


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under `PYTEST_NO_SKIP=1` (`make test`, hence CI) a skipped test fails with its reason.

    `make test` installs everything the tests need (Chromium, ChromeDriver, axe-core), so a skip there means an
    install step went wrong, and a skipped browser or accessibility check must not pass unseen.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("PYTEST_NO_SKIP") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under PYTEST_NO_SKIP=1 (make test installs every tool the tests need): {reason}"


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_model(model_id: str, **kwargs: object) -> nn.Module:
    """`create_model(model_id)` on the meta device: shapes and counts without allocating weights."""
    import torch

    with torch.device("meta"):
        return create_model(model_id, **kwargs)


def flop_counter_macs(model: nn.Module, *inputs: object) -> int:
    """Conv + linear multiply-adds of `model(*inputs)`: FlopCounterMode's FLOPs / 2."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(*inputs)
    return counter.get_total_flops() // 2


def conv_linear_macs(model: nn.Module, size: tuple[int, int, int]) -> int:
    """Conv + linear multiply-adds of one (C, H, W) input at batch 1, on the model's device."""
    import torch

    return flop_counter_macs(model, torch.empty(1, *size, device=next(model.parameters()).device))


def batchnorm_elements(model: nn.Module, size: tuple[int, int, int]) -> int:
    """Output elements of every BatchNorm layer for one (C, H, W) input (one fused scale-and-shift each)."""
    import torch
    from torch import nn

    total = 0

    def count(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        nonlocal total
        total += output.numel()

    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    handles = [m.register_forward_hook(count) for m in norms]
    try:
        with torch.no_grad():
            model(torch.empty(1, *size, device=next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return total


def readings(model_id: str) -> tuple[int, int, int]:
    """(params, conv + linear MACs, conv + linear + BatchNorm-once MACs) at the model's registered input size."""
    model, size = meta_model(model_id), input_size(model_id)
    macs = conv_linear_macs(model, size)
    return param_count(model), macs, macs + batchnorm_elements(model, size)


def fvcore_total(model_id: str) -> int:
    """fvcore's FlopCountAnalysis total at the model's registered input size (a real forward pass, zeros input)."""
    import torch
    from fvcore.nn import FlopCountAnalysis

    model = create_model(model_id)
    analysis = FlopCountAnalysis(model, torch.zeros(1, *input_size(model_id)))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())


def stage_shapes(model: nn.Module, resolution: int) -> list[tuple[int, ...]]:
    """(C, H, W) after the stem and after every entry of `stages`, for one square input at batch 1 (on the model's
    device: the meta device gives the shapes without arithmetic)."""
    import torch

    x = torch.zeros(1, 3, resolution, resolution, device=next(model.parameters()).device)
    shapes = []
    with torch.no_grad():
        x = model.stem(x)
        shapes.append(tuple(x.shape[1:]))
        for stage in model.stages:
            x = stage(x)
            shapes.append(tuple(x.shape[1:]))
    return shapes


def mkdocs_nav_files(config: Path = REPO_ROOT / "mkdocs.yml") -> dict[str, tuple[str, ...]]:
    """Every page of mkdocs.yml's `nav`, mapped to its titles from the top (e.g. ("Insights", "Overview"))."""
    import yaml
    from mkdocs.utils.yaml import get_yaml_loader

    with config.open(encoding="utf-8") as handle:
        nav = yaml.load(handle, Loader=get_yaml_loader(loader=yaml.SafeLoader))["nav"]
    found: dict[str, tuple[str, ...]] = {}

    def walk(items: list[Any], titles: tuple[str, ...]) -> None:
        for item in items:
            if isinstance(item, str):
                found[item] = titles
                continue
            for title, value in item.items():
                if isinstance(value, list):
                    walk(value, (*titles, title))
                else:
                    found[value] = (*titles, title)

    walk(nav, ())
    return found


def build_site(site_dir: Path, catalogue: Path | None = None, measurements: Path | None = None) -> Path:
    """`mkdocs build --strict` of the real site, or of a fixture catalogue (see tests/test_site_build.py)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PAPERS_CATALOGUE", "PAPERS_MEASUREMENTS")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if catalogue is not None:
        env["PAPERS_CATALOGUE"] = str(catalogue)
    if measurements is not None:
        env["PAPERS_MEASUREMENTS"] = str(measurements)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("mkdocs")),
            "build",
            "--strict",
            "--config-file",
            str(REPO_ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site_dir),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    return site_dir


def catalogue_problems(tmp_path: Path, text: str) -> list[str]:
    """Every problem (formatted, `papers.yaml:LINE:COL: ...`) the validator finds in a catalogue of `text`."""
    from tools.catalogue import CatalogueError, load_catalogue

    path = tmp_path / "papers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path, display_name="papers.yaml")
    return [p.format() for p in caught.value.problems]


# What `mutated_yaml` inserts: YAML indicators, indentation, tags, anchors and aliases, merge keys, the line breaks
# only YAML counts, and whole lines (a duplicate key, an impossible date).
YAML_MUTATIONS = (
    *":-[]{}#&*!|>'\",?% \t\n中é0.~\u2028\x85",
    "  ",
    ": ",
    "- ",
    "!!str ",
    "!!int ",
    "!x ",
    "&a ",
    "*a",
    "<<: ",
    "? ",
    "\n  ",
    "\n    year: 2017",
    "\n    added: 2026-13-01",
)


def mutated_yaml(text: str, rng: random.Random, insertions: tuple[str, ...] = YAML_MUTATIONS) -> str:
    """`text` after one to three random edits, each an insertion from `insertions` (70 %) or a deletion of 1-4
    characters."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text))
        if rng.random() < 0.7:
            text = text[:at] + rng.choice(insertions) + text[at:]
        else:
            text = text[:at] + text[at + rng.randint(1, 4) :]
    return text


def run_python(
    *command: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python COMMAND...` from the repository root, with it importable (and `env` set); output captured as text."""
    return subprocess.run(
        [sys.executable, *command],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
    )
