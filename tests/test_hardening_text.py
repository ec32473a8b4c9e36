"""Text that reaches terminals, LaTeX and add_paper (issue 13, items 11-15): each case is an attack that once
got through. The exported BibTeX is never compiled here; the tests assert on the exported text."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tools import verify_claims
from tools.add_paper import main as add_paper_main
from tools.bibtex_export import bibtex_value, export_bibtex
from tools.catalogue import Catalogue, CatalogueError, load_catalogue
from tools.measurements import failed_measurement, write_measurements
from tools.terminal import terminal_safe

ROOT = Path(__file__).resolve().parents[1]
ADD_PAPER = ROOT / "tests" / "fixtures" / "add_paper"
VALID = ROOT / "tests" / "fixtures" / "catalogue" / "valid.yaml"


# --- item 12: one helper for every line printed ------------------------------------------------------------------


def test_terminal_safe_escapes_controls_c1_and_bidi() -> None:
    hostile = "ok\x1b[2J\x1b]52;c;aGVsbG8=\x07\x9b31m\u202eevil\u2066\r\nnext\tcol 中文"
    assert terminal_safe(hostile) == (
        "ok\\u001b[2J\\u001b]52;c;aGVsbG8=\\u0007\\u009b31m\\u202eevil\\u2066\\u000d\nnext\tcol 中文"
    )


def test_a_models_exception_text_is_printed_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "measurements.json"
    hostile = failed_measurement("resnet50", "RuntimeError: \x1b[2J\x1b]52;c;aGk=\x07 boom")
    write_measurements({"resnet50": hostile}, path)
    status = verify_claims.main(["--catalogue", str(VALID), "--measurements", str(path), "--paper", "resnet"])
    out = capsys.readouterr().out
    assert status == 1 and "\x1b" not in out and "\x07" not in out
    assert "model resnet50: measurement failed: RuntimeError: \\u001b[2J\\u001b]52;c;aGk=\\u0007 boom" in out


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "papers.yaml"
    shutil.copy(ADD_PAPER / "catalogue.yaml", path)
    return path


def add(tmp_path: Path, catalogue: Path, bibtex: str, *extra: str) -> int:
    bib = tmp_path / "entry.bib"
    bib.write_text(bibtex, encoding="utf-8")
    return add_paper_main(["--bibtex", str(bib), "--catalogue", str(catalogue), "--date", "2026-12-01", *extra])


def test_add_paper_escapes_a_hostile_key_and_refuses_a_hostile_venue(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = catalogue.read_bytes()
    bib = (
        "@inproceedings{evil\x1b[2J,\n  title = {A Fine Title},\n  author = {Doe, Jane},\n"
        "  booktitle = {CVPR \x1b]52;c;aGk=\x07},\n  year = {2020}\n}\n"
    )
    assert add(tmp_path, catalogue, bib, "--dry-run") == 2
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out + captured.err
    assert "venue: contains a control character (U+001B" in captured.err
    assert catalogue.read_bytes() == before


# --- item 11: a huge title is cut before it is decoded -----------------------------------------------------------


def test_a_900_kb_title_is_cut_before_decoding(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = ('Sch\\"{o}n ' * 90_000)[:900_000]
    bib = (
        f"@article{{big2020,\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n  journal = {{IJCV}},\n"
        "  year = {2020}\n}\n"
    )
    start = time.perf_counter()
    assert add(tmp_path, catalogue, bib, "--dry-run") == 0
    assert time.perf_counter() - start < 5
    out = capsys.readouterr().out
    assert "title: cut to 300 characters — check it" in out
    assert "    title: Schön Schön Schön" in out or '    title: "Schön Schön Schön' in out


# --- item 14: astral characters and U+200B -----------------------------------------------------------------------


def test_an_astral_title_with_a_zero_width_space_is_added(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = (
        "@article{x2020,\n  title = {𝒳-Net: Zero\u200bWidth Title},\n  author = {Doe, Jane},\n"
        "  journal = {IJCV},\n  year = {2020}\n}\n"
    )
    assert add(tmp_path, catalogue, bib) == 0
    out = capsys.readouterr().out
    assert "title: invisible zero-width characters were removed — check it" in out
    added = load_catalogue(catalogue).papers[-1]
    assert added.title == "𝒳-Net: ZeroWidth Title"


def test_yaml_quoted_round_trips_every_kind_of_character() -> None:
    import yaml

    from tools.catalogue.emit import yaml_quoted

    text = '𝒳 "q" \\ \x85 \u2028 é\ttab'
    assert yaml.safe_load(f"k: {yaml_quoted(text)}") == {"k": text}


# --- item 15: a look-alike copy of an existing title -------------------------------------------------------------


def test_a_cyrillic_copy_of_a_title_is_refused_naming_the_paper(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spoof = "R\u0435s2N\u0435t: A N\u0435w Multi-scal\u0435 Backbon\u0435 Archit\u0435cture"
    bib = (
        f"@article{{spoof2021,\n  title = {{{spoof}}},\n  author = {{Doe, Jane}},\n  journal = {{IJCV}},\n"
        "  year = {2021}\n}\n"
    )
    before = catalogue.read_bytes()
    assert add(tmp_path, catalogue, bib) == 2
    err = capsys.readouterr().err
    assert (
        "`res2net` ('Res2Net: A New Multi-scale Backbone Architecture') has the same title, once look-alike "
        "characters are folded" in err
    )
    assert catalogue.read_bytes() == before


# --- item 13: LaTeX in papers.bib ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "exported"),
    [
        (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
        (r"\immediate\write18{rm -rf ~}", r"\textbackslash{}immediate\textbackslash{}write18\{rm -rf \~{}\}"),
        (r"\csname @@input\endcsname", r"\textbackslash{}csname @@input\textbackslash{}endcsname"),
        (r"\catcode`\^^5c=0", r"\textbackslash{}catcode`\textbackslash{}\^{}\^{}5c=0"),
        ("100% & $5 #1 a_b x^2", r"100\% \& \$5 \#1 a\_b x\^{}2"),
        # catalogue text is Unicode, shown as written on the site: a LaTeX accent in it is text here too
        (r"Schr\"{o}dinger {CNN}s", r'Schr\textbackslash{}"\{o\}dinger \{CNN\}s'),
        ("a -- b ''q'' `` c", "a -{}- b '{}'q'{}' `{}` c"),
        ("unbalanced }{", r"unbalanced \textbraceright{}\textbraceleft{}"),
    ],
)
def test_no_latex_of_a_catalogue_text_is_live(given: str, exported: str) -> None:
    assert bibtex_value("title", given) == exported


def test_a_hostile_catalogue_exports_no_live_macro() -> None:
    base = {"authors": ["Jane \\input{x} Doe"], "year": 2020, "venue": "V", "status": "read", "added": "2026-01-01"}
    catalogue = Catalogue.model_validate(
        {
            "papers": [
                {
                    **base,
                    "id": "p",
                    "title": "\\input{/etc/passwd}",
                    "bibtex": {
                        "type": "misc",
                        "key": "k",
                        "fields": {"note": "\\immediate\\write18{id}", "publisher": "\\catcode"},
                    },
                },
            ]
        },
        strict=False,
    )
    text = export_bibtex(catalogue)
    body = text.split("\n", 2)[2]
    assert "\\input" not in body and "\\immediate" not in body and "\\write18" not in body and "\\catcode" not in body
    assert "title = {\\textbackslash{}input\\{/etc/passwd\\}}" in body


def test_bibtex_field_names_are_the_known_fields(tmp_path: Path) -> None:
    text = VALID.read_text(encoding="utf-8").replace(
        "    related: [resnet]\n", "    related: [resnet]\n    bibtex: {type: misc, key: k, fields: {preamble: x}}\n", 1
    )
    path = tmp_path / "papers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path, display_name="papers.yaml")
    [problem] = caught.value.problems
    assert problem.line == 48 and "papers[1].bibtex.fields.preamble" in problem.format()


def test_the_printable_shortcut_refuses_what_the_patterns_refuse() -> None:
    """check_text passes a printable text without the patterns: no control or bidi character is printable."""
    import random

    from tools.catalogue.text_rules import BIDI_CONTROLS, CONTROL_CHARACTERS, check_text

    rng = random.Random(20261202)
    bidi = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    for code in [*range(0x20), *range(0x7F, 0xA0), *bidi]:
        char = chr(code)
        refused = bool(CONTROL_CHARACTERS.search(char) or BIDI_CONTROLS.search(char))
        assert not (refused and char.isprintable())
        text = "".join(rng.choice("ab 中") for _ in range(10)) + char
        if refused:
            with pytest.raises(ValueError, match=f"U\\+{code:04X}"):
                check_text(text)
        else:
            assert check_text(text) == text
