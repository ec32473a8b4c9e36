"""papers.bib: written with bibtexparser v2 and parsed back with it, same keys and titles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest

from tools.bibtex_export import bibtex_entries, entry_keys, export_bibtex
from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, Catalogue, CatalogueError, load_catalogue

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "site"


def parse_back(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [getattr(b, "error", b) for b in library.failed_blocks]
    return library


def fields(entry) -> dict[str, str]:
    return {f.key: f.value for f in entry.fields}


def test_fixture_catalogue_round_trips() -> None:
    catalogue = load_catalogue(FIXTURES / "catalogue.yaml")
    library = parse_back(export_bibtex(catalogue))
    keys = entry_keys(catalogue.papers)
    assert [e.key for e in library.entries] == [keys[p.id] for p in catalogue.papers]
    assert [fields(e)["title"] for e in library.entries] == [p.title for p in catalogue.papers]
    resnet = fields(library.entries[0])
    assert library.entries[0].key == "he2016resnet" and library.entries[0].entry_type == "inproceedings"
    assert resnet["author"] == "Kaiming He and Xiangyu Zhang and Shaoqing Ren and Jian Sun"
    assert resnet["year"] == "2016" and resnet["doi"] == "10.1109/CVPR.2016.90"
    assert resnet["booktitle"].startswith("Proceedings of the IEEE") and resnet["pages"] == "770--778"
    assert resnet["eprint"] == "1512.03385v1" and resnet["archiveprefix"] == "arXiv"
    assert library.entries[2].entry_type == "misc" and library.entries[2].key == "mobilenetv2"  # no bibtex block


def test_each_entry_parses_on_its_own() -> None:
    catalogue = load_catalogue(FIXTURES / "catalogue.yaml")
    for paper_id, text in bibtex_entries(catalogue).items():
        library = parse_back(text)
        assert len(library.entries) == 1, paper_id


def _catalogue(**overrides) -> Catalogue:
    papers = []
    for index, extra in enumerate(overrides.pop("papers")):
        paper = {
            "id": f"p{index}",
            "title": f"Paper {index}",
            "authors": ["A. Author"],
            "year": 2020,
            "venue": "CVPR",
            "status": "read",
            "added": "2026-01-01",
        }
        paper.update(extra)
        papers.append(paper)
    return Catalogue.model_validate({"papers": papers}, strict=False)


def test_hostile_values_cannot_break_the_file() -> None:
    catalogue = _catalogue(
        papers=[
            {
                "title": "Unbalanced } brace { and @misc{evil, title={x}} % not a comment \\",
                "authors": ["Smith and Jones"],
            },
            {
                "title": "Braces {kept} when balanced, $\\ell_1$ math",
                "bibtex": {"type": "article", "key": "k1", "fields": {"journal": "J}} @x{"}},
            },
            {"title": "Line\nbreak\n@misc{injected,\ntitle={no}}", "bibtex": {"type": "article", "key": "k1"}},
            {"title": "Same key, different case", "bibtex": {"type": "misc", "key": "K1"}},
        ]
    )
    library = parse_back(export_bibtex(catalogue))
    assert [e.key for e in library.entries] == ["p0", "k1", "k1-p2", "K1-p3"]
    titles = [fields(e)["title"] for e in library.entries]
    # catalogue text is plain text: braces, math and macros are escaped, so they typeset and re-import as written
    assert titles[1] == "Braces \\{kept\\} when balanced, \\$\\textbackslash{}ell\\_1\\$ math"
    assert titles[0].startswith("Unbalanced \\textbraceright{} brace \\textbraceleft{} and")
    assert "@misc" in titles[0] and "\n" not in titles[2]  # text, not a new entry
    assert fields(library.entries[0])["author"] == "{Smith and Jones}"  # one author, not two


def test_hostile_fixture_round_trips() -> None:
    catalogue = load_catalogue(FIXTURES / "hostile.yaml")
    library = parse_back(export_bibtex(catalogue))
    assert [e.key for e in library.entries] == ["hostile2020"]
    assert fields(library.entries[0])["title"] == catalogue.papers[0].title


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "papers.bib"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "tools" / "bibtex_export.py"),
            "--catalogue",
            str(FIXTURES / "catalogue.yaml"),
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == export_bibtex(load_catalogue(FIXTURES / "catalogue.yaml"))
    bad = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "bibtex_export.py"), "--catalogue", str(FIXTURES / "invalid.yaml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "invalid.yaml:8:22" in bad.stderr


def test_real_catalogue_round_trips() -> None:
    if not DEFAULT_CATALOGUE.is_file():
        pytest.skip("papers.yaml does not exist yet")
    try:
        catalogue = load_catalogue(DEFAULT_CATALOGUE)
    except CatalogueError as exc:
        pytest.skip(f"papers.yaml is not valid yet:\n{exc.report()}")
    library = parse_back(export_bibtex(catalogue))
    keys = entry_keys(catalogue.papers)
    assert [e.key for e in library.entries] == [keys[p.id] for p in catalogue.papers]
    assert [fields(e)["title"] for e in library.entries] == [" ".join(p.title.split()) for p in catalogue.papers]
