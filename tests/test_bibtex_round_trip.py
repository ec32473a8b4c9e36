"""papers.bib read back by `add --bibtex`: every exported value re-imports as exactly the catalogue's value.

URLs, DOIs and eprints are identifiers, never LaTeX-decoded (decoding cut a URL at `%` and turned `~` into a
space); every other value is escaped so that it decodes back to itself (an author `A} and {B` once became two).
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools.bibtex_export import HEADER, export_bibtex, export_notes, output_problem
from tools.catalogue import REPO_ROOT, Catalogue, load_catalogue
from tools.catalogue.bibtex_import import parse_bibtex

HOSTILE_TEXT = [
    "A} and {B",
    "Foo\\",
    "\\",
    "x\\}",
    "{Foo}",
    "{",
    "}{",
    "50% faster & #1 $x$ a_b a^b a~b",
    '\\"u and \\input{x}',
    "a -- b --- c ''q'' ``r`` !`` ?``",
    "Smith and Jones",
    "A, B",
    "Jr., X, Y",
    "van {der} Berg",
    "others",
    "Ch'ng ü 王",
    "\\textbackslash{} \\{ \\textbraceleft{}",
]
HOSTILE_URLS = [
    "https://openaccess.thecvf.com/content/CVPR2021/papers/Foo_A_50%25_Faster_CVPR_2021_paper.pdf",
    "https://www.cs.example.edu/~foo/a_b--c.pdf",
    "https://example.org/p#frag?a=1&b=2",
    "https://example.org/{a}/b",
]
HOSTILE_DOIS = ["10.1000/a_b--c~d", "10.1000/50%25#x", "10.1145/3{2}1"]


def _catalogue(texts: list[str]) -> Catalogue:
    papers = []
    for index, (text, url, doi) in enumerate(
        zip(texts, itertools.cycle(HOSTILE_URLS), itertools.cycle(HOSTILE_DOIS), strict=False)
    ):
        papers.append(
            {
                "id": f"p{index}",
                "title": f"T {text}",
                "authors": [text, "Other Person"],
                "year": 2020,
                "venue": "CVPR",
                "status": "read",
                "added": "2026-01-01",
                "doi": doi,
                "links": {"pdf": url},
                "bibtex": {"type": "misc", "key": f"k{index}", "fields": {"note": text, "pages": "770--778"}},
            }
        )
    return Catalogue.model_validate({"papers": papers}, strict=False)


def test_every_exported_value_re_imports_exactly() -> None:
    catalogue = _catalogue(HOSTILE_TEXT)
    text = export_bibtex(catalogue)
    entries = text.removeprefix(HEADER).split("\n\n@")
    assert len(entries) == len(HOSTILE_TEXT)
    for paper, entry in zip(catalogue.papers, entries, strict=True):
        read = parse_bibtex(entry if entry.startswith("@") else "@" + entry, "papers.bib")
        assert read.title == paper.title, entry
        assert read.authors == list(paper.authors), entry
        assert read.truncated_authors is False
        assert read.fields["note"] == paper.bibtex.fields["note"], entry
        assert read.fields["pages"] == "770--778"
        assert read.fields["url"] == paper.links.pdf
        assert read.fields["doi"] == paper.doi
    assert export_notes(catalogue) == []


def test_pairs_of_hostile_strings_re_import_exactly() -> None:
    pairs = [a + b for a, b in itertools.product(["A} ", "\\", "{", "--", " and "], ["{B", "\\", "}", "-x", "~"])]
    catalogue = _catalogue(pairs)
    for paper, entry in zip(
        catalogue.papers, export_bibtex(catalogue).removeprefix(HEADER).split("\n\n@"), strict=True
    ):
        read = parse_bibtex(entry if entry.startswith("@") else "@" + entry, "papers.bib")
        assert (read.title, read.authors) == (
            " ".join(paper.title.split()),
            [" ".join(paper.authors[0].split()), "Other Person"],
        )


def test_the_author_a_and_b_stays_one_author() -> None:
    text = export_bibtex(_catalogue(["A} and {B"]))
    assert "author = {{A\\textbraceright{} and \\textbraceleft{}B} and Other Person}" in text


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("url", "https://openaccess.thecvf.com/x/Foo_A_50%25_Faster_CVPR_2021_paper.pdf"),
        ("url", "https://www.cs.example.edu/~foo/a_b--c#x"),
        ("doi", "10.1000/a_b--c~d"),
        ("eprint", "1905.02244v5"),
    ],
)
def test_identifiers_are_read_as_written(field: str, written: str) -> None:
    read = parse_bibtex(f"@misc{{k, title={{T}}, author={{Doe, Jane}}, year={{2020}}, {field}={{{written}}}}}", "x.bib")
    assert read.fields[field] == written


def test_a_doi_with_latex_characters_is_kept_and_a_bad_one_quoted_as_written(tmp_path: Path) -> None:
    from tools.catalogue.errors import AddPaperError
    from tools.catalogue.stub import find_doi

    good = parse_bibtex("@misc{k, title={T}, author={Doe, Jane}, year={2020}, doi={10.1000/a_b--c~d}}", "x.bib")
    assert find_doi(good) == "10.1000/a_b--c~d"
    bad = parse_bibtex("@misc{k, title={T}, author={Doe, Jane}, year={2020}, doi={11.1000/a_b--c~d}}", "x.bib")
    with pytest.raises(AddPaperError, match=re.escape("`doi = 11.1000/a_b--c~d` is not a DOI")):
        find_doi(bad)


def test_what_cannot_be_written_as_is_is_named() -> None:
    catalogue = Catalogue.model_validate(
        {
            "papers": [
                {
                    "id": "p",
                    "title": "Two  spaces",
                    "authors": ["A"],
                    "year": 2020,
                    "venue": "V",
                    "status": "read",
                    "added": "2026-01-01",
                    "doi": "10.1000/a\\b{",
                }
            ]
        },
        strict=False,
    )
    assert export_notes(catalogue) == [
        "p: title `Two spaces`: line breaks, tabs or repeated spaces are written as one space",
        "p: doi `10.1000/a\\b{`: a backslash or unbalanced brace is written percent-encoded",
    ]
    assert "doi = {10.1000/a%5Cb%7B}" in export_bibtex(catalogue)


# --- --out never replaces an input or a file it did not write ----------------------------------------------------

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "site" / "catalogue.yaml"


def _export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "bibtex_export.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_out_may_not_be_the_catalogue(tmp_path: Path, how: str) -> None:
    victim = tmp_path / "victim.yaml"
    victim.write_bytes(FIXTURE.read_bytes())
    out = victim
    if how == "symlink":
        out = tmp_path / "papers.bib"
        out.symlink_to(victim)
    elif how == "hardlink":
        out = tmp_path / "papers.bib"
        os.link(victim, out)
    result = _export("--catalogue", str(victim), "--out", str(out), "--force")
    assert result.returncode == 2
    assert f"error: {out}: is the input {victim} (same file) — write the BibTeX elsewhere" in result.stderr
    assert victim.read_bytes() == FIXTURE.read_bytes()


def test_out_replaces_only_its_own_file_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("my notes\n")
    result = _export("--catalogue", str(FIXTURE), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {out}: exists and is not a papers.bib written by this tool (it does not start with its header "
        "line) — choose another path, delete the file, or pass --force to replace it; nothing was written\n"
    )
    assert out.read_text() == "my notes\n"
    assert _export("--catalogue", str(FIXTURE), "--out", str(out), "--force").returncode == 0
    assert out.read_text().startswith(HEADER)
    assert _export("--catalogue", str(FIXTURE), "--out", str(out)).returncode == 0  # its own file: replaced
    assert out.read_text() == export_bibtex(load_catalogue(FIXTURE))


def test_output_problem_without_a_file(tmp_path: Path) -> None:
    assert output_problem(tmp_path / "new.bib", [FIXTURE], force=False) is None
    assert output_problem(tmp_path, [FIXTURE], force=True) == (
        "is a folder, not a file — give a file name, e.g. DIR/papers.bib"
    )
