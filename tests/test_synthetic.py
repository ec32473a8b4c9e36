"""The synthetic catalogues of the scale benchmark (bench/synthetic.py): deterministic, valid, bilingual, varied.

Also checks, on those catalogues and on mutations of them, that tools/catalogue/yaml_lines.py reads exactly the
same data, positions and problems whether libyaml or the pure-Python composer built the node tree.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import mutated_yaml

from tools.catalogue import ALLOWED_TAGS, REPO_ROOT, CatalogueError, load_catalogue, yaml_lines

sys.path.insert(0, str(REPO_ROOT))  # bench/ is not an installed package
from bench.synthetic import synthetic_catalogue, synthetic_papers

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "papers.yaml"
    path.write_text(synthetic_catalogue(50, seed=3), encoding="utf-8")
    return path


def test_same_seed_same_text_other_seed_other_text() -> None:
    assert synthetic_catalogue(40, seed=1) == synthetic_catalogue(40, seed=1)
    assert synthetic_catalogue(40, seed=1) != synthetic_catalogue(40, seed=2)


def test_command_line_writes_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "synthetic.py"), "--papers", "30", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == synthetic_catalogue(30)


def test_output_validates(small: Path) -> None:
    catalogue = load_catalogue(small)
    assert len(catalogue.papers) == 50
    assert {tag for p in catalogue.papers for tag in p.tags} <= set(ALLOWED_TAGS)
    assert {p.status for p in catalogue.papers} == {"read", "reading", "to-read"}
    assert sum(len(p.claims) for p in catalogue.papers) > 100
    assert any(p.related for p in catalogue.papers)


def test_notes_in_chinese_and_english_and_not_repeated(small: Path) -> None:
    papers = load_catalogue(small).papers
    zh = [p.notes.zh for p in papers if p.notes.zh]
    en = [p.notes.en for p in papers if p.notes.en]
    assert len(zh) >= 25 and len(en) >= 20
    assert all(CJK.search(note) for note in zh)
    assert not any(CJK.search(note) for note in en)
    # Varied text: no note and (almost) no paragraph repeats, so no cache can flatter the benchmark.
    assert len(set(zh)) == len(zh) and len(set(en)) == len(en)
    paragraphs = [para for note in zh + en for para in note.split("\n\n") if "(arXiv)" not in para]
    assert len(set(paragraphs)) >= 0.98 * len(paragraphs)
    # The Markdown a real note uses.
    text = "\n".join(en)
    for construct in ("**", "`", "$O(", "\n- ", "](https://arxiv.org/abs/", ".md)"):
        assert construct in text, construct


def test_model_ids_belong_to_one_paper_each() -> None:
    papers = synthetic_papers(400)
    owners = Counter(ref["id"] for paper in papers for ref in paper.get("models", []))
    assert owners and max(owners.values()) == 1
    # Most papers define no model and carry cited claims (accuracy, error, latency, findings) only.
    assert sum(1 for p in papers if not p.get("models")) >= 0.95 * len(papers)
    for paper in papers:
        listed = {ref["id"] for ref in paper.get("models", [])}
        for claim in paper["claims"]:
            assert claim.get("model") is None or claim["model"] in listed


def _read(path: Path, libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        if not libyaml:
            patch.setattr(yaml_lines, "_LibyamlLoader", None)
        try:
            data, positions, problems = yaml_lines.load_yaml_with_positions(path, "papers.yaml")
        except CatalogueError as exc:
            return ("error", exc.report())
        return ("ok", repr(data), positions.values, positions.keys, [str(p) for p in problems])


def _libyaml_tree_is_used(text: str) -> bool:
    try:
        node = yaml_lines._compose_with_libyaml(text)
        yaml_lines._Builder(text, "papers.yaml", from_libyaml=True).build(node)
    except yaml_lines._UsePython:
        return False
    return True


@pytest.mark.skipif(yaml_lines._LibyamlLoader is None, reason="PyYAML without libyaml")
def test_libyaml_tree_reads_what_the_pure_composer_reads(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _libyaml_tree_is_used(small.read_text(encoding="utf-8"))
    assert _read(small, True, monkeypatch) == _read(small, False, monkeypatch)
    plain = synthetic_catalogue(4, seed=5) + "# flow: {a: [x, y], b: {c: 1}}\n"
    plain += '  - {id: extra, title: "T", venue: v, tags: [backbone, 中文], source: {version: 1, location: T2}}\n'
    quirky = plain.replace("{version: 1, location: T2}", "{version: ?, location: }")  # read by the pure composer
    rng = random.Random(0)
    path = tmp_path / "papers.yaml"
    read_by_libyaml = 0
    for attempt in range(240):
        text = mutated_yaml(quirky if attempt % 3 == 0 else plain, rng)
        path.write_text(text, encoding="utf-8")
        assert _read(path, True, monkeypatch) == _read(path, False, monkeypatch), text
        read_by_libyaml += _libyaml_tree_is_used(text)
    assert read_by_libyaml > 80  # the comparison exercised libyaml's tree, not only the fallback


@pytest.mark.skipif(yaml_lines._LibyamlLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("    year: ", "    year: 2017\n    year: "), "duplicate key `year`"),
        (("    year: ", "    year: !!python/name:os.system "), "the YAML tag"),
        (("    added: ", "    added: 2026-13-01 # "), "cannot read this value"),
        (("    year: ", "    <<: {a: 1}\n    year: "), "merge keys"),
    ],
)
def test_problems_are_found_on_libyaml_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], problem: str
) -> None:
    text = synthetic_catalogue(3, seed=2).replace(*change, 1)
    assert text != synthetic_catalogue(3, seed=2)
    path = tmp_path / "papers.yaml"
    path.write_text(text, encoding="utf-8")
    assert _libyaml_tree_is_used(text)
    found = _read(path, True, monkeypatch)
    assert found == _read(path, False, monkeypatch)
    assert found[0] == "ok" and len(found[4]) == 1 and problem in found[4][0], found


def test_deep_nesting_never_reaches_libyaml_recursion(tmp_path: Path) -> None:
    """libyaml's composer recurses on the C stack and crashes the process past ~30,000 levels: refuse first."""
    path = tmp_path / "papers.yaml"
    texts = ["papers: " + "[" * depth + "]" * depth + "\n" for depth in (50_000, 200_000)]  # own stack; counted
    texts += ["papers:\n" + "- " * 200_000 + "x\n", "papers:\n" + "".join(" " * i + "- a:\n" for i in range(0, 90, 2))]
    for text in texts:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogueError, match=f"nesting deeper than {yaml_lines.MAX_DEPTH} levels"):
            yaml_lines.load_yaml_with_positions(path, "papers.yaml")


def test_prose_shortcut_of_the_renderer_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """tools/site/sanitize.py skips Python-Markdown for one-line prose; the HTML must be what the parser gives."""
    from tools.site import sanitize

    papers = synthetic_papers(300, seed=9)
    texts = [
        t
        for p in papers
        for t in (
            p.get("tldr"),
            *p.get("strengths", []),
            *p.get("weaknesses", []),
            *(c["text"] for c in p["claims"]),
            *(c.get("quote") for c in p["claims"]),
        )
        if t
    ]
    rng = random.Random(1)
    alphabet = [
        *"abcXYZ019 .,;:!?'\"()%=+-#>/@×→—中文，。“”",
        "\u200b",
        "\u00a0",
        "\u3000",
        "\ufeff",
        "é",
        "😀",
        "&",
        "<",
        "`",
        "*",
        "_",
        "~",
        "$",
        "|",
        "\\",
        "[",
        "{",
        "^",
        "\t",
        "\n",
        "  ",
    ]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(20_000)]
    shortcut = [t for t in texts if sanitize._PROSE.fullmatch(t) and not sanitize._PLAIN.match(t)]
    assert len(shortcut) > 1_000
    monkeypatch.setattr(sanitize, "_PROSE", re.compile(r"(?!)"))  # force the full renderer
    for text in shortcut:
        assert sanitize.render_markdown(text) == f"<p>{text}</p>", text  # no memo in front of the shortcuts
