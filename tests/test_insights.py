"""The insight pages (tools/site/insights/): charts drawn from the measurements, with their tables.

Built once per module from the real catalogue and measurements file; the edge cases (missing and failed
measurements, nothing measured) use copies of them with entries removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import mkdocs_nav_files

from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError, load_catalogue
from tools.measurements import read_measurements
from tools.site.insights import (
    PAGES,
    build_insights,
    distinguishing_labels,
    growth_exponent,
    hetconv_vgg16_cifar_prediction,
    imagenet_top1,
    linear_quadratic_fit,
    number_in_name,
    pareto_frontier,
)
from tools.site.sanitize import md_text

SVG = "{http://www.w3.org/2000/svg}"
INSIGHTS = REPO_ROOT / "tools" / "site" / "insights"
CHART_PAGES = ("params-vs-gmacs", "accuracy-vs-gmacs", "efficientnet-scaling", "hetconv", "attention-cost", "res2net")


@pytest.fixture(scope="module")
def catalogue():
    try:
        return load_catalogue(DEFAULT_CATALOGUE)
    except CatalogueError as exc:  # the catalogue tests report this
        pytest.skip(f"papers.yaml is not valid:\n{exc.report()}")


@pytest.fixture(scope="module")
def measurements():
    from tools.site.records import costs

    return costs(read_measurements())  # model id -> ModelCost, as the pages read them


@pytest.fixture(scope="module")
def bundle(catalogue, measurements):
    return build_insights(catalogue, measurements)


def _gmacs(measurements, model_id: str) -> str:
    return f"{measurements[model_id].fvcore_total / 1e9:.3f}"


# ---------------------------------------------------------------------------------------------------------------
# Pure helpers


def test_pareto_frontier_on_a_hand_made_set() -> None:
    points = [
        (4.0, 76.0),  # 0: beaten by 2 (cheaper, more accurate)
        (1.0, 70.0),  # 1: cheapest -> frontier
        (2.0, 77.0),  # 2: frontier
        (2.0, 75.0),  # 3: same cost as 2, less accurate
        (8.0, 80.0),  # 4: frontier
        (6.0, 77.0),  # 5: as accurate as 2 but dearer
        (8.0, 80.0),  # 6: duplicate of 4: the first is kept
        (0.5, 60.0),  # 7: cheapest of all -> frontier
    ]
    assert pareto_frontier(points) == [7, 1, 2, 4]
    assert pareto_frontier([]) == []
    assert pareto_frontier([(3.0, 50.0)]) == [0]


def test_hetconv_prediction_matches_every_measured_variant(measurements) -> None:
    # The standard CIFAR VGG-16 with HetConv's classifier (512 -> 512, BN, ReLU, 512 -> 10), by hand: the 13 convs
    # give 313,201,664 multiply-adds and 14,724,042 parameters with the 512 -> 10 layer; the hidden 512 -> 512 layer
    # adds 262,144 multiply-adds and 262,144 + 512 (bias) + 1,024 (BatchNorm) parameters.
    assert hetconv_vgg16_cifar_prediction(1) == (313_201_664 + 262_144, 14_724_042 + 262_144 + 512 + 1_024)
    checked = 0
    for model_id, m in measurements.items():
        match = re.fullmatch(r"hetconv_vgg16_cifar_p(\d+)", model_id)
        if match and not m.error:
            assert hetconv_vgg16_cifar_prediction(int(match.group(1))) == (m.macs_conv_linear, m.params), model_id
            checked += 1
    assert checked == 7  # P = 1, 2, 4, ..., 64 are all registered and measured


def test_growth_exponent_and_linear_quadratic_fit() -> None:
    pixels = [224**2, 320**2, 448**2, 640**2]
    assert growth_exponent(pixels, [3 * p for p in pixels]) == pytest.approx(1.0)
    assert growth_exponent(pixels, [p * p for p in pixels]) == pytest.approx(2.0)
    assert growth_exponent([1.0], [1.0]) is None
    a, b = linear_quadratic_fit(pixels, [5000 * p + 0.01 * p * p for p in pixels])
    assert a == pytest.approx(5000) and b == pytest.approx(0.01)
    assert linear_quadratic_fit([4.0, 4.0], [1.0, 1.0]) is None


def test_imagenet_top1_takes_printed_imagenet_claims_only(catalogue) -> None:
    from reference_impls import REGISTRY

    cited = imagenet_top1(catalogue, REGISTRY)
    # EfficientNet-B7: Table 2's 84.4 % comes first; the v5 abstract's 84.3 % is kept as an alternative;
    # the CIFAR-100 and Flowers transfer accuracies of the same model are not ImageNet numbers.
    b7 = cited["efficientnet_b7"]
    assert b7[0].value == pytest.approx(84.4) and b7[0].claim.id == "table2-top1-b7"
    assert {c.claim.id for c in b7} == {"table2-top1-b7", "abstract-v5-b7-top1"}
    # A top-1 error becomes an accuracy, and says so.
    res2net = cited["res2net50_26w_4s"][0]
    assert res2net.value == pytest.approx(100 - 22.01) and "converted from top-1 error" in res2net.note
    # Third-party accuracies (torchvision's weights) and the CIFAR HetConv numbers are left out.
    assert "resnet50" not in cited and not any(i.startswith("hetconv_vgg16_cifar") for i in cited)
    # DenseNet's CIFAR networks print "C10+" and "C100" errors (Table 2): not ImageNet accuracies either.
    assert not any(i.startswith("densenet_cifar") or i.startswith("densenet_bc_cifar") for i in cited)
    assert "densenet121" in cited


# ---------------------------------------------------------------------------------------------------------------
# The pages, for the real measurements


def test_every_page_is_produced_and_listed_in_the_nav(bundle) -> None:
    pages, assets = bundle
    expected = {"insights/index.md"} | {f"insights/{page.stem}.md" for page in PAGES}
    assert set(pages) == expected
    for stem in CHART_PAGES:
        assert f"insights/{stem}-light.svg" in assets and f"insights/{stem}-dark.svg" in assets, stem
        page = pages[f"insights/{stem}.md"]
        assert f"]({stem}-light.svg#only-light)" in page and f"]({stem}-dark.svg#only-dark)" in page
        assert "Not measured yet" not in page and "Nothing to plot" not in page
    # Every insight page, and no other page, sits in the nav's Insights section (mkdocs.yml read as MkDocs reads it).
    in_section = {path for path, titles in mkdocs_nav_files().items() if titles[:1] == ("Insights",)}
    assert in_section == expected


def test_every_svg_parses_and_has_a_title_and_alt_text(bundle) -> None:
    pages, assets = bundle
    for stem in CHART_PAGES:
        page = pages[f"insights/{stem}.md"]
        alts = re.findall(r"!\[([^\]]*)\]\(" + re.escape(stem) + r"-(?:light|dark)\.svg", page)
        assert len(alts) == 2 and len(alts[0]) > 40 and alts[0] == alts[1], stem
        for scheme in ("light", "dark"):
            data = assets[f"insights/{stem}-{scheme}.svg"]
            root = ET.fromstring(data)
            assert root.tag == f"{SVG}svg" and root.get("role") == "img"
            title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
            assert title is not None and title.text and desc is not None and desc.text
            assert b"<script" not in data and b"http://" not in data.replace(b"http://www.w3.org", b"").replace(
                b"http://purl.org", b""
            ).replace(b"http://creativecommons.org", b"")
            assert b"mathdefault" not in data  # tick labels are plain numbers, not mathtext
            assert b"dc:date" not in data.lower()  # no build date


def test_charts_of_several_panels_also_come_one_panel_at_a_time(bundle) -> None:
    """Phones show each panel of a two-panel chart on its own (one under the other); one-panel charts have none."""
    pages, assets = bundle
    for stem, panels in (("efficientnet-scaling", 2), ("hetconv", 2), ("attention-cost", 2), ("params-vs-gmacs", 0)):
        files = sorted(k for k in assets if re.fullmatch(rf"insights/{stem}-\d+-light\.svg", k))
        assert len(files) == panels, (stem, files)
        for n in range(1, panels + 1):
            root = ET.fromstring(assets[f"insights/{stem}-{n}-light.svg"])
            assert root.find(f"{SVG}title").text.endswith(f"({n} of {panels})")
            assert float(root.get("width").removesuffix("pt")) < float(
                ET.fromstring(assets[f"insights/{stem}-light.svg"]).get("width").removesuffix("pt")
            )
            panel = f"]({stem}-{n}-light.svg#only-light){{ .cat-chart .cat-chart--panel loading=lazy }}"
            assert panel in pages[f"insights/{stem}.md"]


def test_dark_charts_are_the_light_ones_with_colours_swapped(bundle) -> None:
    from tools.site.insights.charts import _DARK

    _, assets = bundle
    for stem in CHART_PAGES:
        light = assets[f"insights/{stem}-light.svg"].decode()
        dark = assets[f"insights/{stem}-dark.svg"].decode()
        assert re.sub(r"#[0-9a-f]{6}\b", lambda m: _DARK.get(m.group(0), m.group(0)), light) == dark
        used = set(re.findall(r"#[0-9a-f]{6}\b", light))
        assert used <= set(_DARK), f"{stem}: colours without a dark counterpart: {used - set(_DARK)}"


def test_tables_show_the_computed_numbers(bundle, measurements) -> None:
    pages, _ = bundle
    b0 = _gmacs(measurements, "efficientnet_b0")
    for stem in ("params-vs-gmacs", "accuracy-vs-gmacs", "efficientnet-scaling", "compare"):
        assert f"| {b0} |" in pages[f"insights/{stem}.md"], stem
    assert "computed (fvcore total)" in pages["insights/params-vs-gmacs.md"]

    accuracy = pages["insights/accuracy-vs-gmacs.md"]
    assert "cited: EfficientNet" in accuracy and "Table 2" in accuracy and "converted from top-1 error" in accuracy

    efficientnet = pages["insights/efficientnet-scaling.md"]
    assert "assumption" in efficientnet and f"[{md_text('0.39B')}]" in efficientnet  # Table 2's value, as printed
    reference_b3 = measurements["efficientnet_b0"].fvcore_total * 2**3 / 1e9
    assert f"| {reference_b3:.3f} |" in efficientnet

    hetconv = pages["insights/hetconv.md"]
    assert "| 4 | 1/3 = 0.3333 |" in hetconv
    assert f"{measurements['hetconv_resnet50_p4'].fvcore_total:,}" in hetconv
    kept = measurements["hetconv_resnet50_p4"].fvcore_total / measurements["resnet50"].fvcore_total
    assert f"{kept * 100:.1f} %" in hetconv and "30 %" in hetconv

    attention = pages["insights/attention-cost.md"]
    at_640 = dict(measurements["resnet50"].sweep)[640]
    assert f"| {at_640 / 1e9:.3f} |" in attention and "Growth exponent" in attention and "Quadratic part" in attention

    res2net = pages["insights/res2net.md"]
    share = measurements["res2net50_18w_4s"].fvcore_total / measurements["resnet50"].fvcore_total
    assert f"{share * 100:.1f} %" in res2net and "69 %" in res2net


def test_compare_data_has_every_measured_model_with_its_stages(bundle, measurements) -> None:
    from reference_impls import REGISTRY

    pages, assets = bundle
    data = json.loads(assets["data/models.json"])
    ids = {m["id"] for m in data["models"]}
    assert ids == {i for i in REGISTRY if i in measurements and not measurements[i].error}
    resnet = next(m for m in data["models"] if m["id"] == "resnet50")
    assert resnet["macs"] == measurements["resnet50"].fvcore_total
    assert [s["name"] for s in resnet["stages"]] == [s.name for s in measurements["resnet50"].stages]
    assert resnet["paper"] == "../papers/resnet/"
    page = pages["insights/compare.md"]
    assert 'class="cat-compare"' in page and "(../data/models.json){ .cat-compare__data }" in page
    assert page.count("\n| [`") + page.count("\n| `") == len(ids)  # the no-JavaScript table has every model


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_compare_script_parses() -> None:
    result = subprocess.run(
        ["node", "--check", str(REPO_ROOT / "docs" / "assets" / "javascripts" / "compare.js")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_two_generations_are_byte_identical(catalogue, measurements, bundle) -> None:
    import matplotlib

    salt = matplotlib.rcParams["svg.hashsalt"]
    shuffled = dict(reversed(list(measurements.items())))
    assert build_insights(catalogue, shuffled) == bundle
    assert matplotlib.rcParams["svg.hashsalt"] == salt  # rcParams were set locally, not globally


_CHILD = """
import hashlib, sys
from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue
from tools.measurements import read_measurements
from tools.site.insights import build_insights
pages, assets = build_insights(load_catalogue(DEFAULT_CATALOGUE), read_measurements())
digest = hashlib.sha256()
for key, value in sorted(pages.items()):
    digest.update(key.encode() + value.encode())
for key, value in sorted(assets.items()):
    digest.update(key.encode() + value)
print(digest.hexdigest())
print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.") or m == "matplotlib.pyplot"))
"""


def test_another_process_builds_the_same_bytes_without_torch_or_pyplot(bundle) -> None:
    pages, assets = bundle
    digest = hashlib.sha256()
    for key, value in sorted(pages.items()):
        digest.update(key.encode() + value.encode())
    for key, value in sorted(assets.items()):
        digest.update(key.encode() + value)
    env = {**os.environ, "PYTHONHASHSEED": "12345", "MPLBACKEND": "svg"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    child_digest, modules = result.stdout.splitlines()[-2:]
    assert child_digest == digest.hexdigest()
    assert modules == "[]"


# ---------------------------------------------------------------------------------------------------------------
# Missing data


def test_missing_and_failed_measurements_are_named_not_fatal(catalogue, measurements) -> None:
    partial = {k: v for k, v in measurements.items() if k not in ("efficientnet_b3", "res2net50_26w_8s")}
    partial["resnet50"] = dataclasses.replace(measurements["resnet50"], fvcore_total=None, error="RuntimeError: boom")
    pages, assets = build_insights(catalogue, partial)
    efficientnet = pages["insights/efficientnet-scaling.md"]
    assert "Not measured yet" in efficientnet and "`efficientnet_b3`" in efficientnet
    assert "insights/efficientnet-scaling-light.svg" in assets  # the other variants are still drawn
    res2net = pages["insights/res2net.md"]
    assert "Measurement failed, so not plotted: `resnet50`" in res2net
    assert "Nothing to plot yet" in res2net and "insights/res2net-light.svg" not in assets  # shares need ResNet-50
    attention = pages["insights/attention-cost.md"]
    assert "Nothing to plot yet" in attention and "`resnet50`" in attention
    hetconv = pages["insights/hetconv.md"]
    assert "insights/hetconv-light.svg" in assets and "not measured yet" in hetconv
    for data in (v for k, v in assets.items() if k.endswith(".svg")):
        ET.fromstring(data)


def test_nothing_measured_still_gives_every_page(catalogue) -> None:
    pages, assets = build_insights(catalogue, {})
    assert len(pages) == 1 + len(PAGES)
    assert not [k for k in assets if k.endswith(".svg")]
    for stem in CHART_PAGES:
        assert "Nothing to plot yet" in pages[f"insights/{stem}.md"], stem
    assert json.loads(assets["data/models.json"])["models"] == []


def test_generator_bundle_includes_the_insights(catalogue, measurements) -> None:
    from tools.claims import evaluate_claims
    from tools.site.pipeline import SiteInputs, build_site

    records = read_measurements()
    site = build_site(SiteInputs(catalogue, records, evaluate_claims(catalogue, records)), repo_root=REPO_ROOT)
    assert "insights/hetconv.md" in site.pages and "insights/hetconv-dark.svg" in site.assets
    assert "data/models.json" in site.assets and "data/papers.json" in site.assets
    assert Path(REPO_ROOT / "docs" / "insights").exists() is False  # nothing is written into docs/


def test_randwire_seed_spread_page(bundle, measurements) -> None:
    """The seed groups come from the distribution claims; mean and sample s.d. are the seeds' own."""
    import statistics

    pages, assets = bundle
    page = pages["insights/randwire-seeds.md"]
    small = [measurements[f"randwire_ws_small_s{seed}"].macs_conv_linear for seed in range(5)]
    mean, std = statistics.fmean(small), statistics.stdev(small)
    assert f"| RandWire-WS, C=78 | 5 | {mean / 1e9:.3f} ± {std / 1e9:.3f} | 0.583 ± 0.006 |" in page
    assert "#claim-table2-small-flops" in page
    svg = ET.fromstring(assets["insights/randwire-seeds-light.svg"])
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    for seed in range(5):  # every seed's marker names its model
        assert any(t and t.startswith(f"randwire_ws_small_s{seed} ") for t in titles), seed


# ---------------------------------------------------------------------------------------------------------------
# The layer's shape: prose in templates, models chosen from the catalogue and the registry, small modules


def test_no_insight_module_names_a_registered_model() -> None:
    from reference_impls import REGISTRY

    for path in sorted(INSIGHTS.glob("*.py")):
        quoted = set(re.findall(r"[\"']([a-z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
        assert not quoted & set(REGISTRY), f"{path.name} names models: {sorted(quoted & set(REGISTRY))}"


def test_every_site_module_stays_small() -> None:
    for path in sorted((REPO_ROOT / "tools" / "site").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 520, f"{path.relative_to(REPO_ROOT)}: {lines} lines"


def test_every_insight_page_has_its_template() -> None:
    from tools.site.insights import PAGES

    templates = Path(REPO_ROOT / "tools" / "site" / "templates")
    sources = "\n".join(p.read_text(encoding="utf-8") for p in INSIGHTS.glob("*.py"))
    for name in re.findall(r'render\(\s*"(insight_[a-z0-9_]+\.md\.j2)"', sources):
        assert (templates / name).is_file(), name
    assert len(set(re.findall(r'render\(\s*"(insight_[a-z0-9_]+\.md\.j2)"', sources))) == len(PAGES) + 1  # + the index


def test_labels_and_numbers_read_from_names() -> None:
    assert distinguishing_labels(["EfficientNet-B0", "EfficientNet-B1", "EfficientNet-B7"]) == ["B0", "B1", "B7"]
    names = ["ResNet-50 + attention, E1 only ('1000': q and k)", "ResNet-50 + attention, all four terms ('1111')"]
    assert distinguishing_labels(names) == ["E1 only", "all four terms"]
    assert distinguishing_labels(["Solo (x)"]) == ["Solo"]
    assert number_in_name("VGG-16 (CIFAR-10), P = 16", "P") == 16 and number_in_name("VGG-16", "P") is None


def test_res2net_groups_follow_the_measured_shares(catalogue, measurements) -> None:
    pages, _ = build_insights(catalogue, measurements)

    def group(page: str, model_id: str) -> str:
        row = next(line for line in page.splitlines() if line.startswith(f"| [`{model_id}`]"))
        return row.split(" | ")[2]

    page = pages["insights/res2net.md"]
    share = measurements["res2net50_26w_6s"].fvcore_total / measurements["resnet50"].fvcore_total
    assert share > 1.05 and group(page, "res2net50_26w_6s") == "dearer than resnet50"
    assert f"| {share * 100:.1f} % |" in page
    # The same model measured at ResNet-50's cost moves to the same-cost group, and its share follows.
    same = dataclasses.replace(measurements["res2net50_26w_6s"], fvcore_total=measurements["resnet50"].fvcore_total)
    pages, _ = build_insights(catalogue, {**measurements, "res2net50_26w_6s": same})
    assert group(pages["insights/res2net.md"], "res2net50_26w_6s").startswith("about the cost of resnet50")


def test_hetconv_prose_numbers_come_from_the_layer_table(catalogue, measurements) -> None:
    from reference_impls.hetconv_cost import vgg_cifar_conv_layers
    from reference_impls.vgg_tables import VGG16_STAGES

    page = build_insights(catalogue, measurements)[0]["insights/hetconv.md"]
    layers = [layer for block in vgg_cifar_conv_layers(VGG16_STAGES, part=2) for layer in block]
    first = layers[0]
    assert f"to the {sum(1 for layer in layers if layer.part != 1)} HetConv layers" in page
    assert f"({9 * first.in_channels * first.out_channels * first.output_side**2:,} multiply-adds)" in page
    assert "(P = 4 → exactly 1/3)" in page  # P read from the catalogue's name of the ImageNet model
