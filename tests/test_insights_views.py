"""The insight layer's shape: prose in templates, models chosen from the catalogue and the registry (no model id
in code), numbers in the prose computed from the data, small modules."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError, load_catalogue
from tools.measurements import read_measurements
from tools.site.insights import build_insights, distinguishing_labels, number_in_name

INSIGHTS = REPO_ROOT / "tools" / "site" / "insights"


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
