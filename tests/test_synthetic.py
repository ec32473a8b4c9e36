"""The synthetic catalogues of the scale benchmark (bench/synthetic.py): deterministic, valid, bilingual, varied.

Also checks, on those catalogues and on mutations of them, that the libyaml fast path of
tools/catalogue/yaml_lines.py reads exactly what the pure-Python loader reads (data, positions and problems).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tools.catalogue import ALLOWED_TAGS, REPO_ROOT, CatalogueError, load_catalogue, yaml_lines

sys.path.insert(0, str(REPO_ROOT))  # bench/ is not an installed package
from bench.synthetic import synthetic_catalogue, synthetic_papers  # noqa: E402

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
    subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "synthetic.py"), "--papers", "30", "--out", str(out)],
                   check=True, capture_output=True)
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


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(yaml_lines, "_load_clean_document", lambda text: None)
        try:
            data, positions, problems = yaml_lines.load_yaml_with_positions(path, "papers.yaml")
        except CatalogueError as exc:
            return ("error", exc.report())
        return ("ok", repr(data), positions.values, positions.keys, [str(p) for p in problems])


@pytest.mark.skipif(yaml_lines._CParser is None, reason="PyYAML without libyaml")
def test_fast_yaml_path_reads_what_the_pure_path_reads(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert yaml_lines._load_clean_document(small.read_text(encoding="utf-8")) is not None  # the fast path ran
    assert _read(small, True, monkeypatch) == _read(small, False, monkeypatch)
    base = synthetic_catalogue(4, seed=5) + "# flow: {a: [x, y], b: {c: 1}}\n"
    base += "  - {id: extra, title: \"T\", venue: v, tags: [backbone, 中文], source: {version: ?, location: }}\n"
    alphabet = list(":-[]{}#&*!|>'\",?% \t\n中é0.~") + ["  ", ": ", "- ", "!!str ", "&a ", "*a", "<<: ", "? ", "\n  "]
    rng = random.Random(0)
    path = tmp_path / "papers.yaml"
    for _ in range(150):
        text = base
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text))
            if rng.random() < 0.7:
                text = text[:at] + rng.choice(alphabet) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 4):]
        path.write_text(text, encoding="utf-8")
        assert _read(path, True, monkeypatch) == _read(path, False, monkeypatch), text


def test_prose_shortcut_of_the_renderer_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """tools/site/sanitize.py skips Python-Markdown for one-line prose; the HTML must be what the parser gives."""
    from tools.site import sanitize

    papers = synthetic_papers(300, seed=9)
    texts = [
        t
        for p in papers
        for t in (p.get("tldr"), *p.get("strengths", []), *p.get("weaknesses", []),
                  *(c["text"] for c in p["claims"]), *(c.get("quote") for c in p["claims"]))
        if t
    ]
    rng = random.Random(1)
    alphabet = list("abcXYZ019 .,;:!?'\"()%=+-#>/@×→—中文，。“”") + [
        "\u200b", "\u00a0", "\u3000", "\ufeff", "é", "😀", "&", "<", "`", "*", "_", "~", "$", "|", "\\", "[", "{", "^",
        "\t", "\n", "  ",
    ]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(20_000)]
    shortcut = [t for t in texts if sanitize._PROSE.fullmatch(t) and not sanitize._PLAIN.match(t)]
    assert len(shortcut) > 1_000
    monkeypatch.setattr(sanitize, "_PROSE", re.compile(r"(?!)"))  # force the full renderer
    for text in shortcut:
        assert sanitize.render_markdown.__wrapped__(text) == f"<p>{text}</p>", text
