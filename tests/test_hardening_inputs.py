"""Hostile inputs: signs and scales of printed numbers, units, fractions for percentages, wide tolerances, and
paths that are folders, pipes or devices. Each is refused with `file:line:col: path: what — how to fix`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import catalogue_problems, run_python

from tools.catalogue import CatalogueError, load_catalogue
from tools.catalogue.printed_numbers import find_printed, printed_numbers, value_is_printed
from tools.evaluations import load_evaluations
from tools.tolerance import rule_interval

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
VALID_TEXT = (FIXTURES / "catalogue" / "valid.yaml").read_text(encoding="utf-8")
CLAIM_LINE = 65  # the first line of the claim `with_claim` appends (after line 63 of valid.yaml, and its `- id:`)
WHERE = "papers[1].claims[1]"


def with_claim(**fields: str | None) -> str:
    """valid.yaml with a params increase claim of Res2Net-50 over ResNet-50 appended, `fields` replacing its own
    (None: left out)."""
    claim = {
        "text": "Res2Net-50 has more parameters than ResNet-50.",
        "kind": "increase",
        "quantity": "params",
        "model": "res2net50_26w_4s",
        "compared_to": "resnet50",
        "printed": '"0.6%"',
        "value": "0.6",
        "unit": '"%"',
        "source": "{version: arXiv v1, location: Table 2}",
        "origin": "paper",
        "confidence": "A",
        **fields,
    }
    lines = [
        "      - id: hostile-claim",
        *(f"        {key}: {value}" for key, value in claim.items() if value is not None),
    ]
    return VALID_TEXT.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def line_of(text: str, key: str) -> int:
    lines = text.split("\n")
    return next(i for i, line in enumerate(lines, 1) if i >= CLAIM_LINE and line.strip().startswith(f"{key}:"))


def loads(tmp_path: Path, text: str) -> None:
    path = tmp_path / "papers.yaml"
    path.write_text(text, encoding="utf-8")
    load_catalogue(path, display_name="papers.yaml")


# --- H3: the sign of `printed` ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "numbers"),
    [
        ("-0.6%", [-0.6]),
        ("\u22120.6%", [-0.6]),
        ("+0.6%", [0.6]),
        ("(−1.2 pp)", [-1.2]),
        ("ResNet-50", [50]),
        ("25.6-25.7", [25.6, 25.7]),
        ("1/P + (1 − 1/P)/K² = 0.333 at P = 4", [1, 1, 1, 0.333, 4]),
        ("−25,557,032", [-25557032]),
    ],
)
def test_printed_numbers_keep_their_sign(printed: str, numbers: list[float]) -> None:
    assert printed_numbers(printed) == numbers


@pytest.mark.parametrize("printed", ['"-0.6%"', '"\u22120.6%"'])
def test_a_printed_decrease_is_not_an_increase(tmp_path: Path, printed: str) -> None:
    text = with_claim(printed=printed)
    line = line_of(text, "value")
    shown = printed.strip('"')
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line}:16: {WHERE}.value: `printed` ({shown!r}) shows a decrease of 0.6, not an increase — "
        "write `kind: reduction` (with `value: 0.6`)"
    ]


def test_a_negative_increase_is_refused_with_the_kind_to_use(tmp_path: Path) -> None:
    text = with_claim(printed='"-0.3%"', value="-0.3")
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'value')}:16: {WHERE}.value: a negative increase (-0.3) is a reduction — "
        "write `kind: reduction` and `value: 0.3`"
    ]


def test_a_printed_decrease_is_a_reduction(tmp_path: Path) -> None:
    text = with_claim(kind="reduction", printed='"−0.6%"')
    loads(tmp_path, text)
    claim = load_catalogue(tmp_path / "papers.yaml").papers[1].claims[1]
    interval = rule_interval(claim)
    assert (round(interval.low, 9), round(interval.high, 9)) == (0.55, 0.65)  # read from the printed digits


def test_a_printed_increase_is_not_a_reduction(tmp_path: Path) -> None:
    text = with_claim(kind="reduction", printed='"+0.6%"')
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'value')}:16: {WHERE}.value: `printed` ('+0.6%') shows an increase of 0.6, "
        "not a reduction — write `kind: increase` (with `value: 0.6`)"
    ]


def test_an_absolute_value_matches_the_printed_sign() -> None:
    assert value_is_printed(-0.3, "-0.3%", "%")
    assert not value_is_printed(0.3, "-0.3%", "%")
    assert not value_is_printed(-0.3, "0.3%", "%")


# --- H4: one rule for the scale of `value` ----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "unit"), [("25700", "K"), ("0.0257", "G")])
def test_a_rescaled_value_is_refused(tmp_path: Path, value: str, unit: str) -> None:
    text = with_claim(kind="absolute", printed='"25.7M"', value=value, unit=unit, compared_to=None)
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'value')}:16: {WHERE}.value: {value} is not a number that `printed` ('25.7M') "
        "shows in the scale it is printed in — write the printed number and its scale, `value: 25.7, unit: M` "
        "(the tolerance is read from the printed digits)"
    ]


@pytest.mark.parametrize("unit", ["K", '""'])
def test_a_unit_other_than_the_printed_scale_is_refused(tmp_path: Path, unit: str) -> None:
    text = with_line(34, f"        unit: {unit}")
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:33:16: papers[0].claims[0].value: `printed` ('25.6M') is in M, but `unit` is {unit} — write "
        "`unit: M`"
    ]


def test_the_tolerance_finds_every_value_the_validator_accepts() -> None:
    catalogue = load_catalogue(ROOT / "papers.yaml")
    claims = [c for p in catalogue.papers for c in p.claims if c.printed is not None and c.value is not None]
    shown = [c for c in claims if find_printed(c.value, c.printed, c.kind) is not None]
    inexact = [c for c in claims if c not in shown]  # fractions and pp differences: read from their entries
    assert len(shown) > 150 and all(value_is_printed(c.value, c.printed, c.unit, c.kind) for c in inexact)
    assert all("exact" not in rule_interval(c).rule for c in shown)


def with_line(number: int, new: str) -> str:
    lines = VALID_TEXT.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


# --- H5: fractions written as percentages -----------------------------------------------------------------------


def evaluation_problems(tmp_path: Path, **edits: str) -> tuple[list[str], int]:
    """The problems of test_evidence.py's ROW with each `field=value` edited in, and the first edited field's line."""
    text = (ROOT / "tests" / "test_evidence.py").read_text(encoding="utf-8")
    document = "evaluations:\n" + text.split('ROW = """\\\n', 1)[1].split('"""', 1)[0]
    lines = document.split("\n")
    line = next(n for n, row in enumerate(lines, 1) if row.strip().startswith(f"{next(iter(edits))}:"))
    for field, value in edits.items():
        lines = [f"    {field}: {value}" if row.strip().startswith(f"{field}:") else row for row in lines]
    path = tmp_path / "evaluations.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        load_evaluations(path)
    except CatalogueError as caught:
        return [p.format() for p in caught.problems], line
    return [], line


def test_an_evaluation_written_as_a_fraction_is_refused(tmp_path: Path) -> None:
    problems, line = evaluation_problems(tmp_path, top1="0.7895")
    assert problems == [
        f"evaluations.yaml:{line}:11: evaluations[0].top1: 0.7895 is a fraction, not a percentage (accuracies here "
        "are in %) — write 78.95, not 0.7895"
    ]


def test_an_evaluation_by_whoever_released_the_weights_is_not_independent(tmp_path: Path) -> None:
    """torchvision's metadata for torchvision's (ported) DenseNet weights: shown, but it decides no verdict."""
    problems, line = evaluation_problems(tmp_path, independent="true", evaluator='"Res2Net-official"')
    assert problems == [
        f"evaluations.yaml:{line}:18: evaluations[0].independent: Res2Net-official released "
        "`res2net-official/res2net50_26w_8s`, so its own evaluation of them is not independent — write "
        "`independent: false` (only someone who neither trained nor released the weights decides)"
    ]
    assert evaluation_problems(tmp_path, independent="false", evaluator='"Res2Net-official"') == ([], line)


def test_an_accuracy_claim_written_as_a_fraction_is_refused(tmp_path: Path) -> None:
    text = with_claim(kind="absolute", quantity="top1_accuracy", printed='"0.77994"', value="0.77994", compared_to=None)
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'value')}:16: {WHERE}.value: an accuracy of 0.77994 % is a fraction written as "
        "a percentage — write the percentage, e.g. `value: 77.994` (and `printed` as the source prints it)"
    ]


# --- M1: absolute tolerances are capped like relative ones ------------------------------------------------------


def test_an_absolute_tolerance_wider_than_a_fifth_of_the_value_is_refused(tmp_path: Path) -> None:
    text = with_claim(
        kind="absolute",
        printed='"20M"',
        value="20",
        unit="M",
        tolerance="{abs: 19.9, reason: x, source: s}",
        compared_to=None,
    )
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'tolerance')}:26: {WHERE}.tolerance.abs: 19.9 is wider than 0.2 × the claimed "
        "value 20 (= 4) — a tolerance that wide verifies almost any measurement; state the interval the source's "
        "rounding allows (at most 4)"
    ]
    loads(tmp_path, text.replace("abs: 19.9", "abs: 4"))


# --- M4: units that fit the quantity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "quantity", "unit", "allowed"),
    [
        ("absolute", "top1_accuracy", "x", "`%`, `pp`"),
        ("absolute", "top1_accuracy", "M", "`%`, `pp`"),
        ("absolute", "params", '"%"', '`""`, `K`, `M`, `G`, `B`'),
        ("absolute", "params", "ms", '`""`, `K`, `M`, `G`, `B`'),
        ("absolute", "macs", '""', "`K`, `M`, `G`, `B`"),
        ("increase", "params", "ms", '`%`, `x`, `""`'),
    ],
)
def test_a_unit_that_does_not_fit_the_quantity_is_refused(
    tmp_path: Path, kind: str, quantity: str, unit: str, allowed: str
) -> None:
    fields: dict[str, str | None] = {"kind": kind, "quantity": quantity, "unit": unit, "printed": '"25.7"'}
    if quantity == "macs":
        fields["convention"] = "unspecified"
    if kind == "absolute":
        fields["compared_to"] = None
    text = with_claim(**fields, value="25.7")
    shown = "%" if unit == '"%"' else unit
    assert catalogue_problems(tmp_path, text) == [
        f"papers.yaml:{line_of(text, 'unit')}:15: {WHERE}.unit: unit `{shown}` does not fit {quantity} claims of kind "
        f"`{kind}` — use one of: {allowed}"
    ]


# --- M2, M3: folders, pipes and devices instead of files --------------------------------------------------------


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return run_python(*command, timeout=120, env={"VERIFY_CLAIMS_CACHE": "0"})  # no report from the cache


FOLDER = "this is a folder, not a file — give the path of the file inside it"
NOT_REGULAR = "this is not a regular file (a pipe, device or socket) — save the text to a file and give its path"


def test_a_folder_as_the_catalogue(tmp_path: Path) -> None:
    folder = tmp_path / "dir with space"
    folder.mkdir()
    for command in (
        ("-m", "tools.catalogue", "validate", str(folder)),
        ("tools/verify_claims.py", "--catalogue", str(folder), "--check"),
    ):
        result = run(*command)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"{folder}:1:1: {FOLDER}\n1 problem found; nothing was written.\n"


def test_a_folder_as_the_evaluations_file(tmp_path: Path) -> None:
    result = run("-m", "tools.evaluations", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"{tmp_path}:1:1: {FOLDER}\n1 problem found; nothing was written.\n"
    helped = run("-m", "tools.evaluations", "/nonexistent", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m tools.evaluations")


def test_a_folder_as_the_catalogue_to_add_to(tmp_path: Path) -> None:
    added = run("tools/add_paper.py", "--bibtex", str(FIXTURES / "add_paper" / "mobilenetv3.bib"), "--catalogue",
                str(tmp_path), "--dry-run")  # fmt: skip
    assert (added.returncode, added.stdout) == (2, "")
    assert added.stderr == (
        f"error: {tmp_path}: cannot read the catalogue: {FOLDER} (run from the repository root or pass --catalogue "
        "PATH)\nnothing was written.\n"
    )


def test_bib_out_must_be_a_file_in_an_existing_folder(tmp_path: Path) -> None:
    fixture = str(FIXTURES / "catalogue" / "valid.yaml")
    folder = run("-m", "tools.catalogue", "bib", "--catalogue", fixture, "--out", str(tmp_path))
    assert (folder.returncode, folder.stdout) == (2, "")
    assert folder.stderr == (
        f"error: {tmp_path}: is a folder, not a file — give a file name, e.g. DIR/papers.bib; nothing was written\n"
    )
    missing = tmp_path / "nope" / "x.bib"
    result = run("-m", "tools.catalogue", "bib", "--catalogue", fixture, "--out", str(missing))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {missing}: its folder {missing.parent} does not exist — create it first or choose another path; "
        "nothing was written\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_device_or_a_pipe_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "papers.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        result = run("-m", "tools.catalogue", "validate", path)  # a pipe would wait forever; /dev/zero never ends
        assert (result.returncode, result.stderr) == (
            2,
            f"{path}:1:1: {NOT_REGULAR}\n1 problem found; nothing was written.\n",
        )
        # the report cache hashes the catalogue before anything else runs: it must not read the pipe either
        checked = run_python("tools/verify_claims.py", "--catalogue", path, "--check", timeout=120)
        assert (checked.returncode, checked.stderr) == (
            2,
            f"{path}:1:1: {NOT_REGULAR}\n1 problem found; nothing was written.\n",
        )
    added = run("tools/add_paper.py", "--bibtex", "/dev/zero", "--dry-run")
    assert added.returncode == 2
    assert added.stderr == f"error: /dev/zero: cannot read the BibTeX file: {NOT_REGULAR}\nnothing was written.\n"


# --- L1: integers in other notations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2e3", "'2e3' is read as text: YAML 1.1 has no integers in this notation — write the integer in plain "
         "decimal digits: `2000`"),
        ("0o3744", "'0o3744' is read as text: YAML 1.1 has no integers in this notation — write the integer in "
         "plain decimal digits: `2020`"),
        ("0x7e4", "`0x7e4` is an integer in hexadecimal notation — write it in plain decimal digits: `2020`"),
        ("03744", "`03744` is an integer in octal notation — write it in plain decimal digits: `2020`"),
        ("2_020", "`2_020` is an integer in digit-grouped (`_`) notation — write it in plain decimal digits: `2020`"),
    ],
)  # fmt: skip
def test_an_integer_in_another_notation_is_refused(tmp_path: Path, year: str, message: str) -> None:
    text = with_line(7, f"    year: {year}")
    assert catalogue_problems(tmp_path, text) == [f"papers.yaml:7:11: papers[0].year: {message}"]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_generated_files_given_as_a_pipe_or_folder_are_refused_without_reading(tmp_path: Path, kind: str) -> None:
    """The measurements and latency files are read with the same bounded reader as the catalogue."""
    from tools.latency import LatencyFileError, read_latency
    from tools.measurements import MeasurementsFileError, read_measurements

    path = tmp_path / "generated.json"
    if kind == "fifo":
        os.mkfifo(path)  # a read would wait forever for a writer
    else:
        path.mkdir()
    why = "this is not a regular file" if kind == "fifo" else "this is a folder, not a file"
    with pytest.raises(MeasurementsFileError, match=f"generated.json: cannot be read \\({why}"):
        read_measurements(path)
    with pytest.raises(LatencyFileError, match=f"generated.json: cannot be read \\({why}"):
        read_latency(path)
