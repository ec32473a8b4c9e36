"""tools/add_paper.py: a stub entry from one BibTeX entry, appended without touching the existing text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.add_paper import main
from tools.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "add_paper"
DATE = "2026-11-28"


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A copy of the fixture catalogue (2 papers, comments, block scalars) that a test may modify."""
    path = tmp_path / "papers.yaml"
    shutil.copy(FIXTURES / "catalogue.yaml", path)
    return path


def write_bib(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "entry.bib"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def run(bib: Path, catalogue: Path, *extra: str) -> int:
    return main(["--bibtex", str(bib), "--catalogue", str(catalogue), "--date", DATE, *extra])


def snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    """Bytes, modification time and the directory listing: everything a failed run must leave as it was."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


# ------------------------------------------------------------------------------------------------------------------
# Happy paths


def test_mobilenetv3_from_arxiv_bibtex(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = catalogue.read_bytes()
    assert run(FIXTURES / "mobilenetv3.bib", catalogue) == 0
    new = catalogue.read_bytes()
    assert new.startswith(original), "the existing text (comments included) must be a byte-identical prefix"

    papers = load_catalogue(catalogue).papers
    assert [p.id for p in papers] == ["res2net", "resnet", "howard-2019-searching"]
    paper = papers[-1]
    assert paper.title == "Searching for MobileNetV3"  # the {MobileNetV3} braces are gone
    assert paper.authors[0] == "Andrew Howard" and paper.authors[10] == "Quoc V. Le" and len(paper.authors) == 12
    assert (paper.year, paper.venue, paper.status) == (2019, "arXiv preprint", "to-read")
    assert paper.arxiv is not None and paper.arxiv.id == "1905.02244"
    assert paper.links.pdf == "https://arxiv.org/pdf/1905.02244"
    assert str(paper.added) == DATE
    assert paper.bibtex is not None and (paper.bibtex.type, paper.bibtex.key) == ("article", "howard2019searching")
    assert not (paper.tldr or paper.notes.zh or paper.notes.en or paper.models or paper.claims)

    out = capsys.readouterr().out
    assert "added `howard-2019-searching`" in out
    for left in ("tldr", "notes.zh / notes.en", "tags", "strengths / weaknesses", "models", "claims"):
        assert f"  - {left}:" in out
    assert "docs/contributing.md" in out


def test_inproceedings_with_doi(catalogue: Path) -> None:
    original = catalogue.read_bytes()
    assert run(FIXTURES / "hetconv.bib", catalogue, "--id", "hetconv", "--status", "reading") == 0
    assert catalogue.read_bytes().startswith(original)
    paper = load_catalogue(catalogue).papers[-1]
    assert (paper.id, paper.venue, paper.doi, paper.status) == (
        "hetconv",
        "CVPR 2019",
        "10.1109/CVPR.2019.00497",
        "reading",
    )
    assert paper.title == "HetConv: Heterogeneous Kernel-Based Convolutions for Deep CNNs"
    assert paper.authors == ["Pravendra Singh", "Vinay Kumar Verma", "Piyush Rai", "Vinay P. Namboodiri"]
    assert paper.arxiv is None and paper.links.pdf is None
    assert paper.bibtex is not None and paper.bibtex.type == "inproceedings"
    assert paper.bibtex.fields["pages"] == "4835--4844" and paper.bibtex.fields["month"] == "jun"


def test_appended_entry_follows_the_house_layout(catalogue: Path) -> None:
    original = catalogue.read_text(encoding="utf-8")
    assert run(FIXTURES / "mobilenetv3.bib", catalogue, "--id", "mobilenetv3") == 0
    added = catalogue.read_text(encoding="utf-8")[len(original) :]
    assert added.startswith(
        "\n  - id: mobilenetv3\n    title: Searching for MobileNetV3\n    authors:\n      - Andrew Howard\n"
    )
    assert '    arxiv:\n      id: "1905.02244"\n' in added  # quoted: YAML would read 1905.02244 as a number
    assert "\n    added: 2026-11-28\n" in added and added.endswith("    claims: []\n")


def test_column0_crlf_layout_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "papers.yaml"
    lf = (FIXTURES / "catalogue_column0.yaml").read_text(encoding="utf-8")
    path.write_bytes(lf.rstrip("\n").replace("\n", "\r\n").encode("utf-8"))  # CRLF, no final newline
    original = path.read_bytes()
    assert run(FIXTURES / "hetconv.bib", path) == 0
    new = path.read_bytes()
    assert new.startswith(original)
    added = new[len(original) :].decode("utf-8")
    assert "\n" not in added.replace("\r\n", "")  # CRLF throughout
    assert "\r\n- id: singh-2019-hetconv\r\n  title:" in added
    assert "\r\n  authors:\r\n  - Pravendra Singh\r\n" in added  # indentless nested lists, as in the file
    assert load_catalogue(path).papers[-1].id == "singh-2019-hetconv"


def test_empty_flow_list(tmp_path: Path) -> None:
    path = tmp_path / "papers.yaml"
    shutil.copy(FIXTURES / "empty.yaml", path)
    assert run(FIXTURES / "hetconv.bib", path) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith((FIXTURES / "empty.yaml").read_text(encoding="utf-8").split("papers:")[0])
    assert "papers:\n  - id: singh-2019-hetconv\n" in text
    assert [p.id for p in load_catalogue(path).papers] == ["singh-2019-hetconv"]


def test_dry_run_writes_nothing(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(catalogue)
    assert run(FIXTURES / "mobilenetv3.bib", catalogue, "--dry-run") == 0
    assert snapshot(catalogue) == before
    out = capsys.readouterr().out
    assert "would append `howard-2019-searching`" in out and "  - id: howard-2019-searching" in out
    assert "nothing was written" in out


def test_latex_and_name_forms_are_decoded(catalogue: Path) -> None:
    bib = write_bib(
        catalogue.parent,
        r"""@inproceedings{muller2019,
  title     = {Sch{\"o}ne {CNNs}: 50\% Fewer Multiply-Adds},
  author    = {M{\"u}ller, J{\"o}rg and van der Berg, Jan and Li Fei-Fei and {Google Brain Team}},
  booktitle = {Proceedings of the IEEE International Conference on Computer Vision (ICCV)},
  year      = 2019,
  url       = {https://example.org/paper.pdf}
}""",
    )
    assert run(bib, catalogue) == 0
    paper = load_catalogue(catalogue).papers[-1]
    assert paper.id == "muller-2019-schone"
    assert paper.title == "Schöne CNNs: 50% Fewer Multiply-Adds"
    assert paper.authors == ["Jörg Müller", "Jan van der Berg", "Li Fei-Fei", "Google Brain Team"]
    assert paper.venue == "ICCV 2019"
    assert paper.links.pdf == "https://example.org/paper.pdf"


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "version"),
    [
        ("eprint = {1905.11946v5}, archivePrefix = {arXiv}, primaryClass = {cs.LG}", "1905.11946", 5),
        (
            "journal = {CoRR}, volume = {abs/1905.11946}, eprinttype = {arXiv}, eprint = {1905.11946}",
            "1905.11946",
            None,
        ),
        ("journal = {arXiv preprint arXiv:1905.11946}", "1905.11946", None),
        ("url = {https://arxiv.org/abs/1905.11946v3}", "1905.11946", 3),
        ("doi = {10.48550/arXiv.1905.11946}", "1905.11946", None),
    ],
)
def test_arxiv_id_forms(catalogue: Path, fields: str, arxiv_id: str, version: int | None) -> None:
    bib = write_bib(
        catalogue.parent,
        "@misc{tan2019efficientnet, title = {EfficientNet: Rethinking Model Scaling "
        "for Convolutional Neural Networks}, author = {Tan, Mingxing and Le, Quoc V.}, "
        f"year = {{2019}}, {fields}}}",
    )
    assert run(bib, catalogue) == 0
    paper = load_catalogue(catalogue).papers[-1]
    assert paper.arxiv is not None and (paper.arxiv.id, paper.arxiv.version) == (arxiv_id, version)
    assert paper.venue == "arXiv preprint" and paper.doi is None
    assert paper.links.pdf == f"https://arxiv.org/pdf/{arxiv_id}"
    assert paper.bibtex is not None and "journal" not in paper.bibtex.fields and "volume" not in paper.bibtex.fields


# ------------------------------------------------------------------------------------------------------------------
# Refusals: exit 2, a clear message, the file untouched


def assert_refused(code: int, path: Path, before: tuple[bytes, int, list[str]], err: str, *expected: str) -> None:
    assert code == 2
    assert snapshot(path) == before, "papers.yaml (bytes, mtime, directory) must be left untouched"
    assert "nothing was written" in err and "Traceback" not in err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"


def test_duplicate_id_refused(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(catalogue)
    code = run(FIXTURES / "mobilenetv3.bib", catalogue, "--id", "res2net")
    line = line_of(catalogue, "  - id: res2net")
    assert_refused(
        code,
        catalogue,
        before,
        capsys.readouterr().err,
        f"papers.yaml:{line}: papers[0] `res2net`",
        "already uses the id `res2net`",
        "choose another --id",
    )


def test_duplicate_arxiv_id_refused(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = write_bib(
        catalogue.parent,
        "@article{gao2019res2net, title = {Res2Net (preprint)}, author = {Gao, "
        "Shang-Hua}, journal = {arXiv preprint arXiv:1904.01169}, year = {2019}}",
    )
    before = snapshot(catalogue)
    code = run(bib, catalogue)
    line = line_of(catalogue, "  - id: res2net")
    assert_refused(
        code,
        catalogue,
        before,
        capsys.readouterr().err,
        f"papers.yaml:{line}: papers[0] `res2net`",
        "the same arXiv id 1904.01169",
        "already in the catalogue",
    )


def test_duplicate_doi_refused(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = write_bib(
        catalogue.parent,
        "@inproceedings{he2016deep, title = {Deep Residual Learning}, author = {He, "
        "Kaiming and Zhang, Xiangyu}, booktitle = {CVPR}, year = {2016}, "
        "doi = {https://doi.org/10.1109/cvpr.2016.90}}",
    )
    before = snapshot(catalogue)
    code = run(bib, catalogue)
    line = line_of(catalogue, "  - id: resnet")
    assert_refused(
        code,
        catalogue,
        before,
        capsys.readouterr().err,
        f"papers.yaml:{line}: papers[1] `resnet`",
        "the same DOI 10.1109/CVPR.2016.90",
    )


def test_second_add_of_the_same_paper_refused(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(FIXTURES / "hetconv.bib", catalogue) == 0
    before = snapshot(catalogue)
    code = run(FIXTURES / "hetconv.bib", catalogue, "--id", "hetconv-again")
    assert_refused(
        code,
        catalogue,
        before,
        capsys.readouterr().err,
        "papers[2] `singh-2019-hetconv`",
        "the same DOI 10.1109/CVPR.2019.00497 and the same title",
    )


MALFORMED = {
    "unbalanced-open": (
        "@article{x,\n  title = {Searching for {MobileNetV3},\n  author = {Howard, Andrew},\n  year = {2019}\n",
        ["entry.bib:2:", "this `{` is never closed"],
    ),
    "unbalanced-close": (
        "@article{x,\n  title = {Searching for MobileNetV3}},\n  author = {Howard, Andrew},\n  year = {2019}\n}\n",
        ["entry.bib:5:1:", "this `}` closes nothing", "text outside any entry"],
    ),
    "empty-file": ("", ["the file is empty"]),
    "no-entries": ("% only a comment\n", ["no BibTeX entry found"]),
    "garbage": (
        "Howard et al., Searching for MobileNetV3, ICCV 2019",
        ["entry.bib:1: text outside any entry", "no BibTeX entry found"],
    ),
    "two-entries": (
        "@misc{a, title = {A}, author = {B C}, year = {2019}}\n@misc{b, title = {D}, author = {E F}, year = {2020}}\n",
        ["found 2 entries: `a` (line 1), `b` (line 2)", "one entry per file"],
    ),
    "duplicate-key": (
        "@misc{a, title = {A}, author = {B C}, year = {2019}}\n@misc{a, title = {A}, author = {B C}, year = {2019}}\n",
        ["entry.bib:2: the entry key `a` is used twice"],
    ),
    "missing-title": (
        "@misc{a,\n  author = {B C},\n  year = {2019}\n}\n",
        ["entry.bib:1: the @misc entry `a` has no `title`", "add `title = {...}`"],
    ),
    "missing-year": ("@misc{a, title = {A}, author = {B C}}", ["has no `year`", "add `year = {2019}`"]),
    "missing-author": ("@misc{a, title = {A}, year = {2019}}", ["has no `author`"]),
    "bad-year": ("@misc{a, title = {A}, author = {B C}, year = {in press}}", ["write the year as four digits"]),
    "missing-comma": (
        "@misc{a title = {A}, author = {B C}, year = {2019}}",
        ["entry.bib:1: cannot parse the block", "Expected comma after entry key"],
    ),
    "repeated-field": (
        "@misc{a, title = {A}, title = {B}, author = {B C}, year = {2019}}",
        ["repeats the field(s) title"],
    ),
    "undefined-string": (
        "@inproceedings{a, title = {A}, author = {B C}, year = {2019}, booktitle = cvpr}",
        ["`booktitle = cvpr` uses an undefined @string abbreviation"],
    ),
    "bad-doi": (
        "@misc{a, title = {A}, author = {B C}, year = {2019}, doi = {see the paper}}",
        ["entry.bib:1: `doi = see the paper` is not a DOI"],
    ),
    "non-utf8": (
        b"@misc{a,\n  title = {Caf\xe9 Networks},\n  author = {B C},\n  year = {2019}\n}\n",
        ["entry.bib:2:15: byte 0xe9 is not valid UTF-8", "save the BibTeX file as UTF-8"],
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bibtex_refused(case: str, catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = MALFORMED[case]
    bib = write_bib(catalogue.parent, text)
    before = snapshot(catalogue)
    assert_refused(run(bib, catalogue), catalogue, before, capsys.readouterr().err, *expected)


def test_invalid_id_refused(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(catalogue)
    assert_refused(
        run(FIXTURES / "hetconv.bib", catalogue, "--id", "HetConv_2019"),
        catalogue,
        before,
        capsys.readouterr().err,
        "--id 'HetConv_2019' is not a valid id",
    )


def test_invalid_catalogue_is_reported_not_touched(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("status: read", "status: done"), "utf-8")
    before = snapshot(catalogue)
    assert_refused(
        run(FIXTURES / "hetconv.bib", catalogue),
        catalogue,
        before,
        capsys.readouterr().err,
        "papers.yaml:",
        "papers[0].status",
        "the catalogue is invalid already",
    )


def test_missing_files_are_reported(tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path / "nope.bib", catalogue) == 2
    assert "cannot read the BibTeX file" in capsys.readouterr().err
    assert run(FIXTURES / "hetconv.bib", tmp_path / "nope.yaml") == 2
    assert "cannot read the catalogue" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------------------
# As a contributor runs it: a script from the repository root


def test_script_from_repo_root(catalogue: Path) -> None:
    command = [
        sys.executable,
        "tools/add_paper.py",
        "--bibtex",
        str(FIXTURES / "mobilenetv3.bib"),
        "--catalogue",
        str(catalogue),
        "--date",
        DATE,
    ]
    ok = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "left to fill in" in ok.stdout
    bad = write_bib(catalogue.parent, "@article{x, title = {A}")
    before = snapshot(catalogue)
    refused = subprocess.run(
        [*command[:3], str(bad), *command[4:]], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert_refused(refused.returncode, catalogue, before, refused.stderr, "never closed")


@pytest.mark.parametrize(
    "title",
    [
        "yes",
        "null",
        "1e9",
        "2019",
        "Res2Net: A New Backbone",
        "# not a comment",
        "- not a list",
        "50% fewer #FLOPs",
        "'quoted'",
        '"double"',
        "@home",
        "a {braced} [flow] title",
        "中文标题：多尺度",
        "ends with colon:",
        "x\ty",
    ],
)
def test_rendered_values_read_back_unchanged(title: str) -> None:
    import yaml

    from tools.catalogue.emit import Layout, render_entry

    lines = render_entry({"id": "x", "title": title, "authors": [title], "year": 2019}, Layout())
    assert yaml.safe_load("papers:\n" + "\n".join(lines)) == {
        "papers": [{"id": "x", "title": title, "authors": [title], "year": 2019}]
    }


def test_field_names_in_any_case(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = write_bib(
        catalogue.parent,
        "@INPROCEEDINGS{Singh2019, Author = {Singh, Pravendra and Rai, Piyush}, "
        "Title = {{HetConv}: Heterogeneous Kernel-Based Convolutions for Deep {CNNs}}, "
        "BookTitle = {CVPR}, Year = {2019}, DOI = {10.1109/CVPR.2019.00497}}",
    )
    assert run(bib, catalogue) == 0
    paper = load_catalogue(catalogue).papers[-1]
    assert (paper.authors, paper.doi, paper.venue) == (
        ["Pravendra Singh", "Piyush Rai"],
        "10.1109/CVPR.2019.00497",
        "CVPR 2019",
    )
    before = snapshot(catalogue)
    bib = write_bib(catalogue.parent, "@misc{a, title = {A}, Title = {B}, author = {B C}, year = {2019}}")
    assert_refused(run(bib, catalogue), catalogue, before, capsys.readouterr().err, "repeats the field(s) title")


@pytest.mark.parametrize("paper_id", ["con", "nul", "com1", "lpt9", "aux"])
def test_windows_device_names_are_refused_as_ids(
    paper_id: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(catalogue)
    assert_refused(
        run(FIXTURES / "hetconv.bib", catalogue, "--id", paper_id),
        catalogue,
        before,
        capsys.readouterr().err,
        f"`{paper_id}` is a device name Windows reserves (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9): the site's "
        f"files papers/{paper_id}.md and data/details/{paper_id}.json could not be checked out there — choose "
        f"another id, e.g. `{paper_id}-net`",
    )


def test_an_id_that_only_starts_like_a_device_name_is_accepted(catalogue: Path) -> None:
    assert run(FIXTURES / "hetconv.bib", catalogue, "--id", "con-net") == 0
    assert "con-net" in {p.id for p in load_catalogue(catalogue).papers}


def test_a_url_that_is_not_http_is_left_out_with_a_note(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = write_bib(
        tmp_path,
        "@inproceedings{x2020ftp, title={An FTP Net}, author={Ann Author}, booktitle={CVPR}, year={2020},\n"
        "  url={ftp://files.example.org/x.pdf}}\n",
    )
    assert run(bib, catalogue, "--id", "ftpnet") == 0
    assert load_catalogue(catalogue).papers[-1].links.project is None
    assert "the BibTeX `url` is not an http(s) address and was left out" in capsys.readouterr().out
