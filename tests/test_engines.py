"""A build that outlives its engine: `python -m tools.site build --out DIR` writes a docs tree that plain MkDocs,
without our hooks, builds into the same site as the repository's build with them; and the Pagefind search of that
site finds the Res2Net page by a Chinese, an English and a mixed query in a real browser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.catalogue import REPO_ROOT
from tools.site.compare_sites import compare_sites
from tools.site.engines import EnvTag, read_config
from tools.site.output_dir import MARKER

MKDOCS = Path(sys.executable).with_name("mkdocs")


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PAPERS_CATALOGUE", "PAPERS_MEASUREMENTS")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("engines")
    tree = work / "tree"
    written = _run([sys.executable, "-m", "tools.site", "build", "--out", str(tree)])
    assert written.returncode == 0, written.stderr
    hooked = _run([str(MKDOCS), "build", "--strict", "-f", str(REPO_ROOT / "mkdocs.yml"), "-d", str(work / "hook")])
    assert hooked.returncode == 0, hooked.stderr
    plain = _run([str(MKDOCS), "build", "--strict", "-f", str(tree / "mkdocs.yml"), "-d", str(work / "plain")])
    assert plain.returncode == 0, plain.stderr
    return {"tree": tree, "hook": work / "hook", "plain": work / "plain"}


def test_tree_has_every_page_and_a_config_without_hooks(builds: dict[str, Path]) -> None:
    tree = builds["tree"]
    assert (tree / MARKER).is_file()  # the next run may replace it
    docs = tree / "docs"
    for page in (
        "index.md",
        "performance.md",
        "catalogue.md",
        "papers/res2net.md",
        "tags/index.md",
        "assets/javascripts/search-pagefind.js",
        "data/papers.json",
    ):
        assert (docs / page).is_file(), page
    assert "<!-- catalogue:" not in (docs / "index.md").read_text(encoding="utf-8")  # markers expanded
    config = read_config(tree / "mkdocs.yml")
    assert "hooks" not in config
    assert config["docs_dir"] == "docs"
    assert config["site_url"] == EnvTag(["SITE_URL", None])  # resolved by the engine at build time, as in mkdocs.yml
    snippets = next(
        e["pymdownx.snippets"]
        for e in config["markdown_extensions"]
        if isinstance(e, dict) and "pymdownx.snippets" in e
    )
    assert snippets["base_path"] == [str(REPO_ROOT / "reference_impls")]


def test_plain_mkdocs_builds_the_same_site_from_the_tree(builds: dict[str, Path]) -> None:
    difference = compare_sites(builds["hook"], builds["plain"])
    assert difference.missing == [] and difference.extra == []
    assert difference.changed == {}
    assert (builds["hook"] / "papers" / "res2net" / "index.html").is_file()
    assert (builds["hook"] / "pagefind" / "pagefind-entry.json").is_file()  # the hook indexed the site
    assert not (builds["plain"] / "pagefind").exists()  # no hook ran: `python -m tools.site.search_index` is next


def test_build_refuses_a_folder_it_did_not_create(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = _run([sys.executable, "-m", "tools.site", "build", "--out", str(tmp_path)])
    assert result.returncode == 2
    assert f"refusing to replace {tmp_path.resolve()}: the folder is not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is not installed (make browser)")
@pytest.mark.parametrize("query", ["南开大学", "Nankai University", "FLOPs降低", "multi-scale backbones"])
def test_pagefind_finds_res2net(builds: dict[str, Path], query: str) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from bench.search_browser import SearchBrowser, served

    with served(builds["hook"]) as base:
        browser = SearchBrowser(base)
        try:
            answer = browser.pagefind(query)
        finally:
            browser.close()
    assert "/papers/res2net/" in answer["urls"][:3], answer["urls"]
    # A query fetches Pagefind's runtime and a few index chunks and fragments, not the whole index.
    assert any(path.startswith("/pagefind/index/") for path, _ in answer["files"])
    assert answer["bytes"] < 400_000
