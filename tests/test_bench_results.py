"""Benchmark results (tools/bench_results.py) and their sections in docs/performance.md (tools/site/bench_results.py).

The scripts under bench/ write only bench/results/*.json; the build renders each `<!-- bench:NAME -->` section
from them. A missing or malformed file must stop the build with a message naming the page line, the file and the
field, never a traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from tools.bench_results import BENCHMARKS, BenchResultError, read_result
from tools.formatting import format_percent
from tools.site import mkdocs_hook
from tools.site.bench_results import BenchMarkerError, expand_bench_markers, render_section, rendered_names

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "bench" / "results"
PAGE = REPO_ROOT / "docs" / "performance.md"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "bench"

SPEED = {
    "machine": {"cores": 2, "python": "3.11.7", "platform": "Linux-x86_64"},
    "date": "2026-12-02",
    "warm_date": "2026-12-03",
    "repeat": 5,
    "models": 89,
    "warm_check_s": 0.0421,
    "warm_uncached_check_s": 0.361,
    "torch_import_s": 1.3014,
    "warm_ratio": 0.032,
    "warm_uncached_ratio": 0.277,
    "warm_target": 0.15,
    "cold_update_s": 47.41,
    "plain_fvcore_loop_s": 56.95,
    "cold_ratio": 0.833,
    "cold_target": 0.5,
}
SECTION = "Intro.\n\n<!-- bench:speed -->\n<!-- /bench:speed -->\n\nProse after.\n"


def results_dir(tmp_path: Path, **files: object) -> Path:
    """A results folder holding `name.json` for each keyword (a dict is written as JSON, a str as it is)."""
    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return folder


def test_the_page_in_git_holds_only_markers_between_its_sections() -> None:
    text = PAGE.read_text(encoding="utf-8")
    sections = re.findall(r"^<!-- bench:(\w+) -->\n(.*?)^<!-- /bench:\1 -->$", text, re.MULTILINE | re.DOTALL)
    assert sorted(name for name, _ in sections) == ["latency", "lighthouse", "scale", "search", "speed"]
    assert all(body == "" for _, body in sections), "the sections are rendered at build time; keep them empty in git"


def test_every_committed_result_validates_and_every_section_renders() -> None:
    for name in BENCHMARKS:
        assert read_result(name, RESULTS) is not None, name
    for name in rendered_names():
        body = render_section(name, RESULTS)
        assert body.startswith(("|", "Measured on")) and "{{" not in body, name


def test_speed_section_formats_every_figure(tmp_path: Path) -> None:
    out = expand_bench_markers(SECTION, source="docs/x.md", results_dir=results_dir(tmp_path, speed=SPEED))
    assert out.startswith("Intro.\n\n<!-- bench:speed -->\n| what | time | ratio | target |\n")
    assert out.endswith("\n<!-- /bench:speed -->\n\nProse after.\n")
    rows = out.splitlines()
    assert rows[5] == (
        "| warm `verify_claims.py --check` (median of 5) | 0.042 s | 0.032 × `import torch` (1.301 s) | ≤ 0.15 × |"
    )
    assert rows[7] == (
        "| cold `verify_claims.py --update`, 89 models | 47.4 s | 0.833 × the plain fvcore loop (57.0 s) | ≤ 0.5 × |"
    )
    assert "Warm figures measured on 2026-12-03, cold ones on 2026-12-02: 2 cores, Python 3.11.7." in out
    # Rendering twice gives the same page: whatever lies between the markers is replaced, not added to.
    again = expand_bench_markers(out, source="docs/x.md", results_dir=results_dir(tmp_path, speed=SPEED))
    assert again == out


def test_the_sections_render_exactly_as_the_scripts_used_to_write_them() -> None:
    """tests/fixtures/bench/ holds the results files of 2026-12-02 and four of the sections the scripts wrote into
    docs/performance.md from them, before the renderer existed: the renderer gives the same text, figure for figure
    (the search results keep the layout bench/search_scale.py writes). The latency section has since gained the
    claims that read each ratio and the models' times (tested above)."""
    expected = (FIXTURES / "sections-as-written-by-the-scripts.md").read_text(encoding="utf-8")
    empty = re.sub(r"(<!-- bench:(\w+) -->\n).*?(<!-- /bench:\2 -->)", r"\1\3", expected, flags=re.DOTALL)
    assert empty.count("\n") == 4 * 2 + 3
    assert expand_bench_markers(empty, source="fixture.md", results_dir=FIXTURES) == expected


def test_a_missing_results_file_names_the_page_line_the_file_and_the_script(tmp_path: Path) -> None:
    with pytest.raises(BenchMarkerError) as caught:
        expand_bench_markers(SECTION, source="docs/performance.md", results_dir=results_dir(tmp_path))
    message = str(caught.value)
    assert message.startswith("docs/performance.md:3: the section `bench:speed` cannot be rendered:\n")
    assert re.search(r"results/speed\.json: no such results file — run `python bench/measure_speed\.py`", message)


def test_a_malformed_results_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    broken = {**SPEED, "warm_check_s": "fast"}
    del broken["models"]
    with pytest.raises(BenchMarkerError) as caught:
        expand_bench_markers(SECTION, source="docs/p.md", results_dir=results_dir(tmp_path, speed=broken))
    lines = str(caught.value).splitlines()
    assert lines[1].endswith("speed.json: models: Field required")
    assert lines[2].endswith(
        'speed.json: warm_check_s: Input should be a valid number, unable to parse string as a number (got "fast")'
    )
    assert lines[-1] == "the file does not match its benchmark's results — run `python bench/measure_speed.py` again"


def test_a_nested_field_is_named_by_its_path(tmp_path: Path) -> None:
    data = json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))
    data["results"][1]["hook_work_s"]["markdown"] = None
    folder = results_dir(tmp_path, scale=data)
    with pytest.raises(
        BenchResultError,
        match=r"scale\.json: results\[1\]\.hook_work_s\.markdown: Input should be a "
        r"valid number \(got null\)",
    ):
        read_result("scale", folder)


def test_a_file_that_is_not_json_gives_its_line_and_column(tmp_path: Path) -> None:
    folder = results_dir(tmp_path, speed='{\n  "machine": {"cores": 2},\n  "date": 2026-12-02\n}')
    with pytest.raises(BenchResultError, match=r"speed\.json:3:15: not valid JSON \(Expecting ',' delimiter\)"):
        read_result("speed", folder)


@pytest.mark.parametrize(
    ("page", "message"),
    [
        (
            "<!-- bench:speeed -->\n<!-- /bench:speeed -->\n",
            r"^p\.md:1: unknown benchmark section `bench:speeed` \(known: latency, lighthouse, scale, search, speed\)$",
        ),
        (
            "text\n<!-- bench:speed -->\n",
            r"^p\.md:2: `<!-- bench:speed -->` has no closing `<!-- /bench:speed -->` line$",
        ),
        ("<!-- /bench:speed -->\n", r"^p\.md:1: `<!-- /bench:speed -->` closes no section$"),
        (
            "a\n\n<!-- bench:speed --> trailing\n",
            r"^p\.md:3: malformed benchmark marker '<!-- bench:speed --> trailing'",
        ),
    ],
)
def test_marker_mistakes_are_reported_with_their_line(tmp_path: Path, page: str, message: str) -> None:
    with pytest.raises(BenchMarkerError, match=message):
        expand_bench_markers(page, source="p.md", results_dir=results_dir(tmp_path, speed=SPEED))


def test_the_build_fails_with_the_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The MkDocs hook turns the error into a PluginError (MkDocs prints its message and exits 1)."""
    monkeypatch.setattr(mkdocs_hook, "_state", {"root": tmp_path, "inputs": mkdocs_hook._empty_inputs()})
    (tmp_path / "bench" / "results").mkdir(parents=True)
    page = SimpleNamespace(file=SimpleNamespace(generated_by=None, src_uri="performance.md"))
    config = SimpleNamespace(docs_dir=str(tmp_path / "docs"))
    with pytest.raises(PluginError) as caught:
        mkdocs_hook.on_page_markdown(SECTION, page=page, config=config, files=None)
    assert str(caught.value).startswith("docs/performance.md:3: the section `bench:speed` cannot be rendered:\n")
    assert "bench/results/speed.json: no such results file" in str(caught.value)
    (tmp_path / "bench" / "results" / "speed.json").write_text(json.dumps(SPEED), encoding="utf-8")
    rendered = mkdocs_hook.on_page_markdown(SECTION, page=page, config=config, files=None)
    assert "| 0.042 s | 0.032 × `import torch` (1.301 s) |" in rendered


def test_the_test_durations_script_writes_a_typed_result(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_a" name="test_one" time="2.5"/>'
        '<testcase classname="tests.test_a" name="test_two" time="0.5"><skipped/></testcase>'
        '<testcase classname="tests.test_b" name="test_three" time="1.0"><failure message="x"/></testcase>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    out = tmp_path / "test_durations.json"
    subprocess.run(
        [sys.executable, "bench/test_durations.py", "--junit", str(junit), "--wall", "12.5", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    result = read_result("test_durations", tmp_path)
    assert (result.tests.passed, result.tests.skipped, result.tests.failed) == (1, 1, 1)
    assert [(f.file, f.seconds, f.share) for f in result.files] == [
        ("tests/test_a.py", 3.0, 0.75),
        ("tests/test_b.py", 1.0, 0.25),
    ]
    assert result.wall_s == 12.5 and result.machine.cores >= 1 and result.machine.python


def test_percentages_read_as_the_scripts_printed_them() -> None:
    assert format_percent(0.14225) == "14.2 %"
    assert format_percent(0.3722, 1, signed=True, spaced=False) == "+37.2%"
    assert format_percent(-0.0049, 1, signed=True, spaced=False) == "-0.5%"
    assert format_percent(1.0, 0, spaced=False) == "100%"


def test_the_scale_section_shows_the_builds_before_and_after_the_cache(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "scale.json").read_text(encoding="utf-8"))
    row = next(r for r in data["results"] if r["papers"] == 1000)
    row.update(
        build_hook_runs_cpu_s=[10.4, 10.2, 10.9],
        build_plain_runs_cpu_s=[9.6, 9.5, 9.9],
        build_cold_cache={"cpu_s": [13.0, 12.1, 12.5], "wall_s": [13.1, 12.2, 12.6], "peak_memory_mb": 220},
        build_without_caches={"cpu_s": [14.2, 14.0, 15.1], "wall_s": [14.3, 14.1, 15.2], "peak_memory_mb": 240},
        load_average=[1.52, 2.4],
        search_engine=None,
    )
    for key in ("search_index_mb", "search_index_gzip_mb", "search_index_docs"):
        del row[key]
    section = render_section("scale", results_dir(tmp_path, scale=data))
    assert (
        "| 1,000 | 14.20 s (14.00–15.10) | 12.50 s (12.10–13.00) | 10.40 s (10.20–10.90) | 9.60 s (9.50–9.90) | "
        "+47.9% / +30.2% / +8.3% | 1.5 / 2.4 |"
    ) in section.splitlines()
    assert "| 1,000 | — | 38 KB | 50 |" in section
    assert "| 100 | 0.7 MB (0.1 MB) | 39 KB | 50 |" in section


def _latency_result(b7_spread_1: float, b7_spread_2: float) -> dict[str, object]:
    row = {"model": "efficientnet_b7", "baseline": "resnet152", "run_1": 6.03, "run_2": 6.19}
    return {
        "machine": {"cores": 2, "python": "3.11.7", "platform": "Linux", "cpu_model": "CPU", "torch": "2.13.0"},
        "date": "2026-12-02",
        "models": 3,
        "wall_seconds": [548.0, 539.0],
        "target_seconds": 600.0,
        "ratios": [
            {**row, "threads": 1, "spread": b7_spread_1, "read_by": ["efficientnet:t4-b7"]},
            {**row, "threads": 2, "run_1": 6.35, "run_2": 4.78, "spread": b7_spread_2, "read_by": []},
        ],
        "worst_spread": b7_spread_1,
        "worst_spread_any": max(b7_spread_1, b7_spread_2),
        "target_spread": 0.05,
        "paired": [
            {"model": "efficientnet_b7", "one_thread_ms": [1526.4, 1181.3], "all_cores_ms": [1040.2, 786.0]},
            {"model": "resnet152", "one_thread_ms": [246.7, 224.9], "all_cores_ms": [164.0, 139.4]},
        ],
        "verdicts": [
            {"claim": "efficientnet:t4-b7", "run_1": "verified", "run_2": "verified"},
            {"claim": "efficientnet:t4-b1", "run_1": "verified", "run_2": "refuted"},
            {"claim": "res2net:t3", "run_1": "inconclusive", "run_2": "inconclusive"},
        ],
    }


def test_latency_section_judges_the_ratios_claims_read_and_shows_where_a_spread_comes_from(tmp_path: Path) -> None:
    page = "<!-- bench:latency -->\n<!-- /bench:latency -->\n"

    def section(spread_1: float, spread_2: float) -> str:
        folder = results_dir(tmp_path, latency=_latency_result(spread_1, spread_2))
        return expand_bench_markers(page, source="p.md", results_dir=folder)

    out = section(0.0264, 0.2828)
    assert "the largest spread between the two runs is 2.6 % (target ≤ 5 %: met)." in out
    assert (
        "Over every timed ratio the largest spread is 28.3 %: efficientnet_b7 / resnet152 at 2 threads, a ratio no "
        "claim reads. Between the runs, efficientnet_b7 went from 1040.2 to 786.0 ms per call and resnet152 from "
        "164.0 to 139.4 ms at 2 threads." in out
    )
    assert "| efficientnet_b7 / resnet152 | 1 | 6.030 | 6.190 | 2.6 % | efficientnet:t4-b7 |" in out
    assert "| efficientnet_b7 / resnet152 | 2 | 6.350 | 4.780 | 28.3 % | no claim |" in out
    assert "| efficientnet_b7 | 1526.4 ms | 1181.3 ms | 1040.2 ms | 786.0 ms |" in out
    # a read ratio beyond the target is named with its drift; an unread one below it is not singled out
    missed = section(0.176, 0.01)
    assert (
        "is 17.6 % (target ≤ 5 %: missed), for efficientnet_b7 / resnet152 at 1 thread. Between the runs, "
        "efficientnet_b7 went from 1526.4 to 1181.3 ms per call and resnet152 from 246.7 to 224.9 ms at 1 thread."
    ) in missed
    assert "Over every timed ratio" not in missed
    assert (
        "- Verdicts that changed between the runs: efficientnet:t4-b1 (verified on run 1, refuted on run 2); the "
        "other 2 speed claims taken as a ratio got the same verdict on both runs." in out
    )


def test_latency_section_says_when_every_verdict_held(tmp_path: Path) -> None:
    result = _latency_result(0.0264, 0.01)
    result["verdicts"] = [
        {"claim": c, "run_1": v, "run_2": v}
        for c, v in (("a:1", "verified"), ("a:2", "inconclusive"), ("b:1", "verified"))
    ]
    out = expand_bench_markers(
        "<!-- bench:latency -->\n<!-- /bench:latency -->\n",
        source="p.md",
        results_dir=results_dir(tmp_path, latency=result),
    )
    assert (
        "- Verdicts: each of the 3 speed claims taken as a ratio got the same verdict on both runs (1 inconclusive, "
        "2 verified)." in out
    )


def test_a_section_comes_from_the_site_cache_until_its_results_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site build renders a benchmark section once: later builds take it from the site cache while the results
    file is byte for byte the same, and render it again (validating the file) as soon as it is not."""
    from tools.site import bench_results, build_cache

    monkeypatch.setenv("SITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("SITE_CACHE", raising=False)
    results = tmp_path / "results"
    results.mkdir()
    source = RESULTS / "speed.json"
    (results / "speed.json").write_bytes(source.read_bytes())
    validated: list[str] = []
    read = bench_results.read_result
    monkeypatch.setattr(
        bench_results, "read_result", lambda name, folder=None: (validated.append(name), read(name, folder))[1]
    )
    expected = render_section("speed", results)
    assert validated == ["speed"]
    for _ in range(2):
        with build_cache.build_cache(REPO_ROOT):
            assert render_section("speed", results) == expected
    assert validated == ["speed"] * 2  # rendered in the first build only
    data = json.loads(source.read_text(encoding="utf-8"))
    data["date"] = "2026-01-01"
    (results / "speed.json").write_text(json.dumps(data), encoding="utf-8")
    with build_cache.build_cache(REPO_ROOT):
        changed = render_section("speed", results)
    assert validated == ["speed"] * 3 and changed != expected and "2026-01-01" in changed
