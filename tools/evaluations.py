"""Independent evaluations of released weights: the committed file `evaluations.yaml`, its schema and its loader.

Each row is one published top-1 (and, where given, top-5) accuracy of one set of released weights, with where it
was published (repository, path, commit) and how it was evaluated (image size, crop, interpolation). A row names
the weights it evaluated by a weights id, `<release>/<name>` (e.g. `res2net-official/res2net50_26w_8s`,
`torchvision/ResNet50_Weights.IMAGENET1K_V1`); a claim about released weights names the same id in its
`weights` field, and `tools/evidence.py` compares the two.

The file is read with the catalogue's own line-aware YAML loader and validated by pydantic, so a bad row is
reported as `evaluations.yaml:LINE:COL: evaluations[i].field: what — how to fix`, like a bad claim. Nothing
here imports torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from reference_impls import REGISTRY

from .catalogue import REPO_ROOT
from .catalogue.errors import CatalogueError, Problem, format_path
from .catalogue.schema import Dataset, ModelId, ShortText, Strict, WeightsId
from .catalogue.validate import _problem_from_pydantic as problem_from_pydantic
from .catalogue.yaml_lines import Positions, load_yaml_with_positions
from .files import display_path

EVALUATIONS_FILE = REPO_ROOT / "evaluations.yaml"

Percent = Annotated[float, Field(ge=0, le=100)]


class EvaluationSettings(Strict):
    """How the images were prepared; each field as the source states it (omitted when it does not say)."""

    image_size: int | None = Field(
        default=None, ge=8, le=4096, description="Side of the square image fed to the model."
    )
    crop_pct: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="Centre-crop fraction (timm): the image is resized to image_size / crop_pct.",
    )
    resize: int | None = Field(default=None, ge=8, le=4096, description="Short side after resizing, before the crop.")
    crop: ShortText | None = Field(default=None, description="A named crop procedure, e.g. `EfficientNetCenterCrop`.")
    interpolation: Literal["bilinear", "bicubic", "nearest"] | None = Field(
        default=None, description="Resize interpolation."
    )
    crops: int | None = Field(
        default=None,
        ge=1,
        le=144,
        description="Test crops averaged per image: 1 for a single centre crop (timm's validate.py, torchvision's "
        "and mmpretrain's test pipelines), 10 for the 10-crop protocol (four corners and the centre, and their "
        "mirror images). Omitted when the source does not say; a claim that declares `test_crops` is judged only "
        "by evaluations under the same protocol.",
    )


class EvaluationSource(Strict):
    """Where the number is published."""

    repository: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")] = Field(
        description="GitHub `owner/name` of the publishing repository."
    )
    path: ShortText = Field(description="File in that repository, e.g. `results/results-imagenet.csv`.")
    commit: ShortText = Field(description="Commit the number was read at, or the package version that ships it.")


class Evaluation(Strict):
    """One published accuracy of one set of released weights."""

    weights: WeightsId = Field(description="Weights id `<release>/<name>`, the one a claim's `weights` names.")
    model: ModelId = Field(description="The registered architecture the weights belong to (for context rows).")
    dataset: Dataset = Field(description="`imagenet-1k-val` (50,000 images), `cifar10-test` or `cifar100-test`.")
    top1: Percent = Field(description="Top-1 accuracy in % (not error).")
    top5: Percent | None = Field(default=None, description="Top-5 accuracy in %, where the source gives it.")
    independent: bool = Field(
        description="true when the evaluator neither trained nor released these weights (timm or mmpretrain "
        "evaluating ported weights); false for an evaluation by whoever trained them. Only independent rows decide "
        "a verdict; the others are shown."
    )
    evaluator: ShortText = Field(description="Who ran the evaluation, e.g. `timm`, `mmpretrain`, `Res2Net authors`.")
    evaluation: ShortText = Field(description="The entry evaluated, e.g. `timm validate, res2net50_26w_8s.in1k`.")
    weights_origin: ShortText = Field(description="Where the weights come from, in plain words.")
    settings: EvaluationSettings = Field(default_factory=EvaluationSettings, description="Evaluation pipeline.")
    source: EvaluationSource = Field(description="Provenance: repository, path and commit.")
    note: ShortText | None = Field(default=None, description="The source's own wording, or anything else of note.")

    @model_validator(mode="after")
    def _top5_not_below_top1(self) -> Evaluation:
        if self.top5 is not None and self.top5 < self.top1:
            raise ValueError(
                "top-5 accuracy cannot be below top-1 accuracy; check that both are accuracies, not errors"
            )
        return self

    def settings_text(self) -> str:
        """The pipeline in one phrase, e.g. "224 px, crop 0.875, bilinear, single-crop" (or "settings not stated")."""
        s = self.settings
        parts = [
            f"{s.image_size} px" if s.image_size else None,
            f"resize {s.resize}" if s.resize else None,
            f"crop {s.crop_pct:g}" if s.crop_pct else s.crop,
            s.interpolation,
            None if s.crops is None else ("single-crop" if s.crops == 1 else f"{s.crops}-crop"),
        ]
        return ", ".join(p for p in parts if p) or "settings not stated"


class EvaluationFile(Strict):
    evaluations: list[Evaluation] = Field(max_length=100_000, description="Every recorded evaluation.")


# A published top-1/top-5 accuracy on these datasets at or below 1 % is a fraction written where a percentage is
# meant (0.77994 for 77.994 %): it would refute a claim by 77 points.
MIN_PLAUSIBLE_PERCENT = 1.0


def _fractions_as_percentages(row: Evaluation, index: int, file: str, positions: Positions) -> Iterable[Problem]:
    for field, value in (("top1", row.top1), ("top5", row.top5)):
        if value is not None and value <= MIN_PLAUSIBLE_PERCENT:
            yield positions.problem(
                file,
                ("evaluations", index, field),
                f"{value:g} is a fraction, not a percentage (accuracies here are in %)",
                f"write {value * 100:g}, not {value:g}",
            )


def _cross_check(document: EvaluationFile, file: str, positions: Positions) -> Iterable[Problem]:
    """Registered models, and no row recorded twice."""
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(document.evaluations):
        loc = ("evaluations", index)
        if row.model not in REGISTRY:
            yield positions.problem(
                file,
                (*loc, "model"),
                f"`{row.model}` is not a registered model",
                "use an id from reference_impls.list_models()",
            )
        yield from _fractions_as_percentages(row, index, file, positions)
        release = row.weights.split("/", 1)[0]
        if row.independent and release.casefold() == row.evaluator.casefold():
            yield positions.problem(
                file,
                (*loc, "independent"),
                f"{row.evaluator} released `{row.weights}`, so its own evaluation of them is not independent",
                "write `independent: false` (only someone who neither trained nor released the weights decides)",
            )
        key = (row.weights, row.evaluation, row.settings_text())
        if key in seen:
            first_line = positions.locate(("evaluations", seen[key]))[0]
            yield positions.problem(
                file,
                loc,
                f"the same evaluation of `{row.weights}` is recorded twice (first on line {first_line})",
                "keep one of the two rows",
            )
        else:
            seen[key] = index


def load_evaluations(path: str | Path = EVALUATIONS_FILE, display_name: str | None = None) -> tuple[Evaluation, ...]:
    """Every evaluation in the file. Raises `CatalogueError` listing every problem with file:line:col."""
    path = Path(path)
    file = display_name or path.name
    data, positions, problems = load_yaml_with_positions(path, file)
    if not isinstance(data, dict):
        raise CatalogueError(
            [
                *problems,
                Problem(
                    file,
                    1,
                    1,
                    "",
                    "the top level is not a mapping",
                    "start the file with `evaluations:` followed by the list of rows",
                ),
            ]
        )
    try:
        document = EvaluationFile.model_validate(data)
    except ValidationError as exc:
        problems += [problem_from_pydantic(err, file, positions, root=EvaluationFile) for err in exc.errors()]
        raise CatalogueError(problems) from None
    problems += list(_cross_check(document, file, positions))
    if problems:
        raise CatalogueError(problems)
    return tuple(document.evaluations)


def unknown_weights(
    catalogue_path: str | Path, evaluations: Iterable[Evaluation], display_name: str | None = None
) -> list[Problem]:
    """A problem at papers.yaml:line:col for every claim whose `weights` no evaluation names (e.g. a typo)."""
    from .catalogue import load_catalogue

    path = Path(catalogue_path)
    file = display_name or path.name
    known = {row.weights for row in evaluations}
    catalogue = load_catalogue(path, display_name=file)
    _, positions, _ = load_yaml_with_positions(path, file)
    problems = []
    for p, paper in enumerate(catalogue.papers):
        for c, claim in enumerate(paper.claims):
            if claim.weights is not None and claim.weights not in known:
                loc = ("papers", p, "claims", c, "weights")
                line, column = positions.locate(loc)
                problems.append(
                    Problem(
                        file,
                        line,
                        column,
                        format_path(loc),
                        f"no evaluation of `{claim.weights}` is recorded in {EVALUATIONS_FILE.name}",
                        "fix the weights id, or add the evaluation to evaluations.yaml",
                    )
                )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tools.evaluations [PATH] [--catalogue PATH]`: validate evaluations and the weights claims name."""
    import argparse
    import sys

    from .catalogue import DEFAULT_CATALOGUE

    parser = argparse.ArgumentParser(
        prog="python -m tools.evaluations",
        description="Validate evaluations.yaml, and check that every `weights` in papers.yaml is evaluated.",
        epilog="exit codes: 0 valid; 2 invalid file or usage (file:line messages).",
    )
    parser.add_argument(
        "path", nargs="?", type=Path, default=EVALUATIONS_FILE, help="evaluations file (default: evaluations.yaml)"
    )
    parser.add_argument(
        "--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="catalogue file (default: papers.yaml)"
    )
    args = parser.parse_args(argv)
    shown, catalogue_shown = display_path(args.path), display_path(args.catalogue)
    try:
        rows = load_evaluations(args.path, display_name=shown)
        problems = unknown_weights(args.catalogue, rows, display_name=catalogue_shown)
        if problems:
            raise CatalogueError(problems)
    except CatalogueError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    independent = sum(row.independent for row in rows)
    print(
        f"{shown}: valid ({len(rows)} evaluations, {independent} independent); every `weights` "
        f"in {catalogue_shown} is evaluated"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
