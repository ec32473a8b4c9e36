"""The model registry as a whole: every registered model builds, runs and is documented (STYLE rules 24–25)."""

from __future__ import annotations

import ast
import re

import pytest
import torch

import reference_impls
from reference_impls import REGISTRY, UnknownModelError, create_model, get_spec, input_size, list_models
from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue

ALL = list_models()
PYRAMIDS = sorted(m for m, spec in REGISTRY.items() if spec.module == "fpn")  # detection features, no classifier
CLASSIFIERS = [m for m in ALL if m not in PYRAMIDS]


def test_every_source_row_is_registered_once() -> None:
    # The rows as written in reference_impls/__init__.py, not the dict built from them (a dict drops duplicates).
    row_ids = [row.model_id for row in reference_impls._ROWS]
    assert len(row_ids) == len(set(row_ids)) == len(REGISTRY) == 101
    assert sorted(row_ids) == ALL
    builders = [(row.module, row.builder) for row in reference_impls._ROWS]
    assert len(builders) == len(set(builders))


def test_a_duplicated_row_is_refused() -> None:
    row = get_spec("resnet50")
    twin = reference_impls.ModelSpec("resnet50_twin", row.module, row.builder, 224, fidelity="official")
    with pytest.raises(ValueError, match="'resnet50' has two rows"):
        reference_impls.index_rows((row, get_spec("vgg16"), row))
    with pytest.raises(ValueError, match=r"'resnet50_twin' and 'resnet50' are both built by resnet\.resnet50;"):
        reference_impls.index_rows((row, twin))
    assert list(reference_impls.index_rows((get_spec("vgg16"), row))) == ["resnet50", "vgg16"]


@pytest.mark.parametrize("model_id", CLASSIFIERS)
def test_forward_small_input_any_class_count(model_id: str) -> None:
    torch.manual_seed(0)
    model = create_model(model_id, num_classes=50)
    assert not model.training, "create_model returns the model in eval mode"
    size = 32 if input_size(model_id)[1] == 32 else 64  # shapes are the point here, not the paper resolution
    with torch.no_grad():
        out = model(torch.randn(2, 3, size, size))
    assert out.shape == (2, 50)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("model_id", PYRAMIDS)
def test_forward_small_input_gives_a_finite_pyramid(model_id: str) -> None:
    torch.manual_seed(0)
    model = create_model(model_id)
    with torch.no_grad():
        levels = model(torch.randn(2, 3, 64, 96))
    assert [tuple(p.shape[2:]) for p in levels] == [(16, 24), (8, 12), (4, 6), (2, 3), (1, 2)]  # P2 ... P6
    assert {tuple(p.shape[:2]) for p in levels} == {(2, 256)}
    assert all(torch.isfinite(p).all() for p in levels)


@pytest.mark.parametrize("model_id", ALL)
def test_layout_convention_for_per_stage_costs(model_id: str) -> None:
    with torch.device("meta"):
        model = create_model(model_id)
    assert isinstance(model.stages, torch.nn.Sequential) and len(model.stages) >= 3
    assert hasattr(model, "head")
    names = [name for name, _ in model.named_children()]
    assert names[-2:] == ["stages", "head"] and set(names) <= {"stem", "stages", "head"}


def test_input_sizes_are_the_papers() -> None:
    assert input_size("resnet50") == (3, 224, 224)
    assert [input_size(f"efficientnet_b{i}")[1] for i in range(8)] == [224, 240, 260, 300, 380, 456, 528, 600]
    assert input_size("hetconv_vgg16_cifar_p4") == (3, 32, 32)


@pytest.mark.parametrize("bad", ["resnet51", "Res2Net50_26w_4s", "", "../../etc/passwd", "os.system"])
def test_unknown_ids_fail_cleanly_with_close_matches(bad: str) -> None:
    with pytest.raises(UnknownModelError) as info:
        create_model(bad)
    message = str(info.value)
    assert repr(bad) in message and "list_models()" in message
    if bad == "resnet51":
        assert "'resnet50'" in message


@pytest.mark.parametrize("module", sorted({spec.module for spec in REGISTRY.values()}))
def test_family_module_documents_itself(module: str) -> None:
    path = reference_impls.PACKAGE_DIR / f"{module}.py"
    text = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert "arXiv" in docstring and "Implements:" in docstring and "Deviations:" in docstring, module
    assert "# --8<-- [start:model]" in text and "# --8<-- [end:model]" in text, "snippet markers for the site"
    assert "import timm" not in text and "import torchvision" not in text and "from torchvision" not in text


@pytest.mark.parametrize("model_id", ALL)
def test_builder_docstring_names_its_variant(model_id: str) -> None:
    spec = get_spec(model_id)
    module = __import__(f"reference_impls.{spec.module}", fromlist=[spec.builder])
    doc = getattr(module, spec.builder).__doc__ or ""
    assert doc.strip(), f"{spec.builder} has no docstring"
    numbers = [part for part in model_id.split("_") if any(ch.isdigit() for ch in part)]
    # e.g. res2net50_26w_4s mentions 26w and 4s (or 26 and 4); efficientnet_b3 mentions B3 (STYLE rule 25).
    for part in numbers:
        digits = re.findall(r"\d+", part)[-1]
        width = f"{int(digits) / 100:.1f}"  # timm writes width 1.4 as "140"
        forms = {digits, part.lower(), width}
        assert any(form in doc.lower() for form in forms), f"{spec.builder}: docstring does not mention {part}"


def test_every_registered_model_is_listed_by_one_paper() -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    listed = [m.id for p in catalogue.papers for m in p.models]
    assert sorted(listed) == ALL
