"""The "CPU latency against MACs" insight page, the compare view's latency and the paper tables' latency columns.

The latency records are built here (no timing is run): every model's 1-thread median is set proportional to its
multiply-adds, then single models are slowed down, so each test knows which pair the page must find -- and checks
that the page follows the data when it changes.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError, load_catalogue
from tools.latency import DEFAULT_PROTOCOL, LatencyRecord, Machine, ModelLatency, Stats, latency_key
from tools.measurements import read_measurements
from tools.site.insights import MACS_TOLERANCE, Pair, Timed, build_insights, widest_pair
from tools.site.insights.charts import _DARK
from tools.site.insights.data import ModelLink
from tools.site.insights.latency_page import example_pair, nearest_pair, spread_around

SVG = "{http://www.w3.org/2000/svg}"
PAGE, CHART = "insights/latency-vs-macs.md", "insights/latency-vs-macs-light.svg"
MS_PER_GMAC = 20.0
CPU = "Test CPU Model 9000"


@pytest.fixture(scope="module")
def catalogue():
    try:
        return load_catalogue(DEFAULT_CATALOGUE)
    except CatalogueError as exc:
        pytest.skip(f"papers.yaml is not valid:\n{exc.report()}")


@pytest.fixture(scope="module")
def measurements():
    from tools.site.records import costs

    return costs(read_measurements())


@pytest.fixture(scope="module")
def measured(measurements) -> dict[str, int]:
    """model id -> fvcore total, for every registered model with a usable measurement."""
    from reference_impls import REGISTRY

    return {i: m.fvcore_total for i, m in measurements.items() if i in REGISTRY and not m.error and m.fvcore_total}


def record(
    macs: dict[str, int], slower: dict[str, float] | None = None, *, stale: tuple[str, ...] = ()
) -> LatencyRecord:
    """A latency file: 1 thread at MS_PER_GMAC per GMAC (times `slower[model]`), 2 cores at 60 % of that."""
    slower = slower or {}
    models = {}
    for model_id, value in sorted(macs.items()):
        one = round(value / 1e9 * MS_PER_GMAC * slower.get(model_id, 1.0), 4)
        models[model_id] = ModelLatency(
            key="0" * 64 if model_id in stale else latency_key(model_id),
            input_size=(3, 224, 224),
            timings=(
                Stats(threads=1, median_ms=one, iqr_ms=round(one / 50, 4), runs=9, calls_per_run=1),
                Stats(threads=2, median_ms=round(one * 0.6, 4), iqr_ms=0.1, runs=9, calls_per_run=1),
            ),
        )
    machine = Machine(
        cpu_model=CPU,
        cores=2,
        torch="2.13.0+cpu",
        torch_build="oneDNN v3, MKL, OpenMP",
        python="3.11.7",
        platform="Linux",
        date="2026-12-01",
    )
    protocol = DEFAULT_PROTOCOL  # the protocol the real file records
    return LatencyRecord(format=1, machine=machine, protocol=protocol, elapsed_seconds=1.0, models=models, ratios=())


def _paragraph(page: str, heading: str) -> str:
    start = page.index(heading)
    return page[start : page.index("\n\n", start + len(heading))]


def _cheapest_partner(macs: dict[str, int], model_id: str) -> str:
    """The cheapest model within the tolerance of `model_id`'s cost (another way of finding the widest pair)."""
    near = [
        i
        for i in macs
        if i != model_id and max(macs[i], macs[model_id]) / min(macs[i], macs[model_id]) <= 1 + MACS_TOLERANCE
    ]
    return min(near, key=lambda i: macs[i])


# ---------------------------------------------------------------------------------------------------------------
# Pair selection (pure)


def _timed(model_id: str, gmacs: float, ms: float) -> Timed:
    return Timed(ModelLink(model_id, None), "f", (3, 224, 224), int(gmacs * 1e9), ms, ms / 20, None, False)


def test_widest_pair_needs_equal_cost_and_follows_the_timings() -> None:
    a, b, c, d = _timed("a", 4.0, 100.0), _timed("b", 4.3, 50.0), _timed("c", 1.0, 5.0), _timed("d", 4.5, 300.0)
    # a-b (7.5 % apart) and b-d (4.7 %) are equal cost; c is far cheaper, so its 60x ratio to d does not count.
    assert widest_pair([a, b, c, d]) == Pair(d, b)  # 300 / 50: the slower model first
    assert widest_pair([a, b, c]) == Pair(a, b)
    assert widest_pair([a, c]) is None and widest_pair([]) is None
    faster_d = _timed("d", 4.5, 60.0)
    assert widest_pair([a, b, c, faster_d]) == Pair(a, b)  # the answer moves with the data
    assert Pair(d, b).latency_ratio == pytest.approx(6.0) and Pair(d, b).macs_change == pytest.approx(0.2 / 4.3)


def test_example_pair_is_the_widest_cross_pair_within_the_tolerance() -> None:
    eff = [_timed("e4", 4.4, 170.0), _timed("e5", 10.4, 340.0)]
    res = [_timed("r50", 4.1, 90.0), _timed("r152", 11.3, 220.0)]
    assert example_pair(eff, res) == Pair(eff[0], res[0])  # 1.89x beats e5 / r152's 1.55x
    slow_r50 = [_timed("r50", 4.1, 400.0), res[1]]
    assert example_pair(eff, slow_r50) == Pair(eff[1], res[1])
    far = [_timed("r18", 1.8, 20.0)]
    assert example_pair(eff, far) == nearest_pair(eff, far) == Pair(eff[0], far[0])  # nothing within 10 %: nearest
    spread = spread_around(res[0], [*eff, *res])
    assert {m.id for m in spread.members} == {"e4", "r50"} and spread.ratio == pytest.approx(170 / 90)


# ---------------------------------------------------------------------------------------------------------------
# The page, over the real catalogue and measurements


def test_page_names_the_pair_the_data_gives_and_follows_it(catalogue, measurements, measured) -> None:
    ids = {m.id for p in catalogue.papers if p.id in ("efficientnet", "resnet") for m in p.models}
    eff = sorted(i for i in ids if i.startswith("efficientnet") and i in measured)
    res = sorted(i for i in ids if i.startswith("resnet") and i in measured)
    assert eff and res
    # EfficientNet-B4 four times slower per MAC than every other model: it must be the example and the widest gap.
    slow_b4 = {"efficientnet_b4": 4.0}
    pages, _ = build_insights(catalogue, measurements, latency=record(measured, slow_b4))
    page = pages[PAGE]
    example = _paragraph(page, "**EfficientNet-B4 against ResNet-50")
    ratio = 4.0 * measured["efficientnet_b4"] / measured["resnet50"]
    assert "[`efficientnet_b4`](../papers/efficientnet.md)" in example
    assert "[`resnet50`](../papers/resnet.md)" in example
    assert f"{ratio:.2f}× the time" in example
    assert f"{(measured['efficientnet_b4'] / measured['resnet50'] - 1) * 100:+.1f} % multiply-adds" in example
    widest = _paragraph(page, "**The widest gap at equal cost.**")
    partner = _cheapest_partner(measured, "efficientnet_b4")
    assert "[`efficientnet_b4`]" in widest and f"[`{partner}`]" in widest
    assert f"{4.0 * measured['efficientnet_b4'] / measured[partner]:.2f}× the time" in widest

    # Now ResNet-50 is the slow one: the example moves to the next-closest EfficientNet/ResNet pair within 10 %.
    pages, _ = build_insights(catalogue, measurements, latency=record(measured, {"resnet50": 3.0}))
    page = pages[PAGE]
    assert "**EfficientNet-B4 against" not in page
    close = [
        (e, r)
        for e in eff
        for r in res
        if max(measured[e], measured[r]) / min(measured[e], measured[r]) <= 1.1 and r != "resnet50"
    ]
    expected = max(close, key=lambda p: measured[p[0]] / measured[p[1]])  # all other models at one speed per MAC
    example = _paragraph(page, f"**{_name(catalogue, expected[0])} against {_name(catalogue, expected[1])}")
    assert f"[`{expected[0]}`]" in example and f"[`{expected[1]}`]" in example
    widest = _paragraph(page, "**The widest gap at equal cost.**")
    assert "[`resnet50`]" in widest and f"[`{_cheapest_partner(measured, 'resnet50')}`]" in widest


def _name(catalogue, model_id: str) -> str:
    from tools.site.sanitize import md_text

    return md_text(next(m.name for p in catalogue.papers for m in p.models if m.id == model_id))


def test_chart_has_one_titled_point_per_timed_model_and_the_machine(catalogue, measurements, measured) -> None:
    timed = dict(sorted(measured.items())[: len(measured) - 3])  # three models left untimed
    untimed = sorted(set(measured) - set(timed))
    pages, assets = build_insights(catalogue, measurements, latency=record(timed, {"efficientnet_b4": 4.0}))
    root = ET.fromstring(assets[CHART])
    points = [t.text for use in root.iter(f"{SVG}use") for t in use.findall(f"{SVG}title")]
    assert len(points) == len(timed)
    assert sorted(p.split(" ")[0] for p in points) == sorted(timed)  # each <title> names its model
    b4 = next(p for p in points if p.startswith("efficientnet_b4 "))
    assert f"Latency {measured['efficientnet_b4'] / 1e9 * MS_PER_GMAC * 4:.4g}" in b4
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert CPU in texts and "one machine's CPU" in texts  # the stamp is drawn on the chart itself
    assert CPU in root.find(f"{SVG}title").text
    dark = assets[CHART.replace("light", "dark")].decode()
    light = assets[CHART].decode()
    assert re.sub(r"#[0-9a-f]{6}\b", lambda m: _DARK.get(m.group(0), m.group(0)), light) == dark
    assert set(re.findall(r"#[0-9a-f]{6}\b", light)) <= set(_DARK)
    page = pages[PAGE]
    assert "](latency-vs-macs-light.svg#only-light){ .cat-chart }](latency-vs-macs-light.svg)" in page  # full size
    assert "](latency-vs-macs-dark.svg#only-dark)" in page
    assert "one machine's CPU" in page and CPU in page
    note = _paragraph(page, '!!! note "Not timed yet"\n\n')
    assert all(f"`{i}`" in note for i in untimed)
    assert page.count("\n| [`") == len(timed)  # the table has every timed model


def test_stale_and_absent_latency_are_said(catalogue, measurements, measured) -> None:
    pages, assets = build_insights(catalogue, measurements, latency=record(measured, stale=("vgg16",)))
    assert "Timed before a source change" in pages[PAGE] and "`vgg16`" in _paragraph(
        pages[PAGE], '!!! note "Timed before a source change"\n\n'
    )
    pages, assets = build_insights(catalogue, measurements)  # no latency file yet
    assert "Not timed yet" in pages[PAGE] and "--update-latency" in pages[PAGE]
    assert CHART not in assets and "**The widest gap" not in pages[PAGE]
    assert "latency-vs-macs.md" in pages["insights/index.md"]


# ---------------------------------------------------------------------------------------------------------------
# The compare view and the paper tables


def test_compare_view_shows_latency_or_not_measured(catalogue, measurements, measured) -> None:
    timed = {i: v for i, v in measured.items() if i != "resnet101"}
    pages, assets = build_insights(catalogue, measurements, latency=record(timed))
    data = json.loads(assets["data/models.json"])
    by_id = {m["id"]: m for m in data["models"]}
    one = round(measured["resnet50"] / 1e9 * MS_PER_GMAC, 4)
    assert by_id["resnet50"]["latency"] == [
        {"threads": 1, "median_ms": one, "iqr_ms": round(one / 50, 4)},
        {"threads": 2, "median_ms": round(one * 0.6, 4), "iqr_ms": 0.1},
    ]
    assert by_id["resnet101"]["latency"] == [] and CPU in data["latency_machine"]
    page = pages["insights/compare.md"]
    row = next(line for line in page.splitlines() if line.startswith("| [`resnet50`]"))
    assert f"| {one:.1f} (IQR {one / 50:.1f}) | {one * 0.6:.1f} (IQR 0.1) |" in row
    row = next(line for line in page.splitlines() if line.startswith("| [`resnet101`]"))
    assert "| not measured | not measured |" in row
    # The default pair is the EfficientNet and ResNet models nearest in cost, found from the data.
    match = re.search(r'data-a="([^"]+)" data-b="([^"]+)"', page)
    assert match and match.group(1).startswith("resnet") and match.group(2).startswith("efficientnet")
    pages, assets = build_insights(catalogue, measurements)
    assert "Latency: not measured yet" in pages["insights/compare.md"]
    assert all(m["latency"] == [] for m in json.loads(assets["data/models.json"])["models"])


def test_compare_script_renders_latency_rows() -> None:
    script = (REPO_ROOT / "docs" / "assets" / "javascripts" / "compare.js").read_text(encoding="utf-8")
    assert "latencyRow(body, true, a, b);" in script and "latencyRow(body, false, a, b);" in script
    assert '"not measured"' in script


def test_paper_tables_have_latency_columns(catalogue, measured) -> None:
    from tools.claims import evaluate_claims
    from tools.site.pipeline import SiteInputs, build_site

    records = read_measurements()
    latency = record({i: v for i, v in measured.items() if i != "efficientnet_b7"})
    site = build_site(
        SiteInputs(catalogue, records, evaluate_claims(catalogue, records), latency=latency), repo_root=REPO_ROOT
    )
    page = site.pages["papers/efficientnet.md"]
    assert '<th scope="col">CPU latency, 1 thread (ms)</th><th scope="col">CPU latency, 2 cores (ms)</th>' in page
    b0 = latency.models["efficientnet_b0"].timings
    row = next(line for line in page.splitlines() if line.startswith('<tr id="model-efficientnet_b0">'))
    assert f'>{b0[0].median_ms:.1f} <span class="cat-iqr">(IQR {b0[0].iqr_ms:.1f})</span></td>' in row
    assert f">{b0[1].median_ms:.1f} <span" in row
    row = next(line for line in page.splitlines() if line.startswith('<tr id="model-efficientnet_b7">'))
    assert row.count("<em>not measured</em>") == 2
    assert CPU in page and "#cpu-latency" in page
    for paper in catalogue.papers:  # every paper's measured-cost table has the two columns
        if paper.models:
            assert "CPU latency, 1 thread (ms)" in site.pages[f"papers/{paper.id}.md"], paper.id
