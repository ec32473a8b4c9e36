"""Bad catalogues are rejected with `file:line:col: path: what — how to fix`, exit code 2, and nothing written.

Each case mutates tests/fixtures/catalogue/valid.yaml (whose line numbers are stable) and states the line and
words the message must contain. The files in tests/fixtures/catalogue/bad/ are the same kind of case, kept
as files for readers; each states its expectation in its first line.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tools import verify_claims
from tools.catalogue import CatalogueError, load_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "catalogue"
VALID = FIXTURES / "valid.yaml"
VALID_TEXT = VALID.read_text(encoding="utf-8")
VALID_LINES = VALID_TEXT.splitlines(keepends=True)


def replace_line(number: int, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        lines = text.splitlines(keepends=True)
        lines[number - 1] = new + "\n"
        return "".join(lines)

    return mutate


def insert_after(number: int, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        lines = text.splitlines(keepends=True)
        lines.insert(number, new + "\n")
        return "".join(lines)

    return mutate


def delete_line(number: int) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        lines = text.splitlines(keepends=True)
        del lines[number - 1]
        return "".join(lines)

    return mutate


def whole(text: str) -> Callable[[str], str]:
    return lambda _: text


def chain(*mutations: Callable[[str], str]) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        for m in mutations:
            text = m(text)
        return text

    return mutate


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)

# (case id, mutation, expected line, words the message must contain)
CASES: list[tuple[str, Callable[[str], str], int, str]] = [
    # YAML syntax and encoding
    ("unclosed-quote", replace_line(8, '    venue: "CVPR 2016'), 9, "YAML syntax error"),
    ("bad-indentation", replace_line(8, "  venue: CVPR 2016"), 8, "YAML syntax error"),
    ("unclosed-flow-list", replace_line(13, "    tags: [backbone, residual"), 14, "YAML syntax error"),
    ("tab-indentation", replace_line(7, "\tyear: 2016"), 7, "tab"),
    ("tab-after-spaces", replace_line(7, "    \tyear: 2016"), 7, "tab"),
    ("byte-order-mark", lambda t: "\ufeff" + t, 1, "byte-order mark"),
    ("non-utf8-bytes", replace_line(5, '    title: "Deep \udcff Learning"'), 5, "not valid UTF-8"),
    ("nul-character", replace_line(5, '    title: "Deep \x00 Learning"'), 5, "YAML"),
    ("empty-file", whole(""), 1, "empty"),
    ("only-comments", whole("# nothing here\n"), 1, "empty"),
    ("top-level-list", whole("- id: resnet\n  title: x\n"), 1, "top level is a list"),
    ("top-level-scalar", whole("just text\n"), 1, "top level is str"),
    ("papers-is-mapping", whole("papers:\n  id: resnet\n"), 2, "expected a list"),
    ("paper-is-string", whole("papers:\n  - resnet\n"), 2, "expected a mapping"),
    ("unknown-top-level-key", lambda t: t + "version: 2\n", 64, "unknown field `version`"),
    # duplicates
    ("duplicate-key", insert_after(7, "    year: 2017"), 8, "duplicate key `year` (first written on line 7"),
    (
        "duplicate-paper-id",
        replace_line(38, "  - id: resnet"),
        38,
        "duplicate paper id `resnet` (also papers[0] on line 4)",
    ),
    ("duplicate-arxiv-id", replace_line(43, '    arxiv: {id: "1512.03385"}'), 43, "duplicate paper arXiv id"),
    ("duplicate-doi", insert_after(43, "    doi: 10.1109/cvpr.2016.90"), 44, "duplicate paper DOI"),
    (
        "duplicate-bibtex-key",
        chain(
            insert_after(47, "    bibtex: {type: article, key: he2016deep}"),
            insert_after(21, "    bibtex: {type: inproceedings, key: he2016deep}"),
        ),
        49,
        "duplicate paper BibTeX key `he2016deep` (also papers[0] on line 22)",
    ),
    ("duplicate-claim-id", lambda t: t + "".join(VALID_LINES[50:63]), 64, "duplicate claim id `flops-vs-resnet50`"),
    # missing and unknown fields
    ("missing-title", delete_line(5), 4, "required field `title` is missing"),
    ("missing-status", delete_line(14), 4, "required field `status` is missing"),
    ("missing-claim-source", delete_line(35), 27, "required field `source` is missing"),
    ("unknown-paper-field", insert_after(8, "    rating: 5"), 9, "unknown field `rating`"),
    ("unknown-claim-field", insert_after(37, "        reviewer: me"), 38, "unknown field `reviewer`"),
    # wrong types
    ("year-as-string", replace_line(7, '    year: "2016"'), 7, "valid integer"),
    ("value-with-unit", replace_line(33, '        value: "25.6M"'), 33, "got '25.6M'"),
    ("value-4.1G", replace_line(33, "        value: 4.1G"), 33, "got '4.1G'"),
    ("title-is-number", replace_line(5, "    title: 2016"), 5, "expected text, got 2016"),
    ("title-is-boolean", replace_line(5, "    title: no"), 5, "expected text, got False"),
    ("authors-not-list", replace_line(6, "    authors: Kaiming He"), 6, "expected a list"),
    ("bad-date", replace_line(15, "    added: 2026-13-01"), 15, "cannot read this value"),
    ("date-as-text", replace_line(15, "    added: yesterday"), 15, "expected a date"),
    # out of range
    ("negative-params", replace_line(33, "        value: -25.6"), 27, "cannot be negative"),
    ("year-3024", replace_line(7, "    year: 3024"), 7, "less than or equal to 2100"),
    ("year-1800", replace_line(7, "    year: 1800"), 7, "greater than or equal to 1950"),
    (
        "arxiv-version-zero",
        replace_line(9, '    arxiv: {id: "1512.03385", version: 0}'),
        9,
        "greater than or equal to 1",
    ),
    # vocabularies
    ("unknown-tag", replace_line(13, "    tags: [backbone, transformers]"), 13, "unknown tag 'transformers'"),
    ("repeated-tag", replace_line(13, "    tags: [backbone, backbone]"), 13, "listed twice"),
    ("unknown-status", replace_line(14, "    status: done"), 14, "'done' is not allowed"),
    ("unknown-claim-kind", replace_line(29, "        kind: halved"), 29, "'halved' is not allowed"),
    ("bad-slug", replace_line(4, "  - id: ResNet"), 4, "not well-formed"),
    ("malformed-arxiv-id", replace_line(9, '    arxiv: {id: "arXiv:1512.03385"}'), 9, "arXiv id like"),
    ("arxiv-with-version", replace_line(9, '    arxiv: {id: "1512.03385v2"}'), 9, "arXiv id like"),
    ("malformed-doi", replace_line(10, "    doi: doi.org/10.1109"), 10, "not well-formed"),
    # links
    ("javascript-link", replace_line(12, "      pdf: javascript:alert(1)"), 12, "only http:// and https://"),
    ("data-link", replace_line(12, "      pdf: data:text/html;base64,PHNjcmlwdD4="), 12, "only http:// and https://"),
    (
        "link-with-space",
        replace_line(12, '      pdf: "https://arxiv.org/pdf/1512 03385"'),
        12,
        "only http:// and https://",
    ),
    ("file-link", replace_line(12, "      pdf: file:///etc/passwd"), 12, "only http:// and https://"),
    # references
    ("unknown-related-id", replace_line(22, "    related: [densenet]"), 22, "no paper has id `densenet`"),
    ("self-related", replace_line(22, "    related: [resnet]"), 22, "related to itself"),
    ("unknown-model-id", replace_line(24, "      - {id: resnet51, name: ResNet-51}"), 24, "not a registered model"),
    (
        "model-defined-twice",
        insert_after(49, "      - {id: resnet50, name: ResNet-50}"),
        50,
        "already defined by papers[0]",
    ),
    ("claim-model-not-listed", replace_line(55, "        model: resnet50_v1"), 55, "does not list model `resnet50_v1`"),
    ("claim-unknown-compared-to", replace_line(56, "        compared_to: resnet51"), 56, "not a registered model"),
    ("macs-claim-without-convention", delete_line(60), 51, "states its `convention`"),
    ("range-without-high", replace_line(53, "        kind: range"), 51, "needs `value_high`"),
    (
        "tolerance-abs-and-rel",
        insert_after(37, "        tolerance: {abs: 0.1, rel: 0.1, reason: rounding}"),
        38,
        "exactly one of `abs` or `rel`",
    ),
    # hostile structure and size
    ("yaml-anchor", replace_line(13, "    tags: &t [backbone, residual]"), 13, "anchors and aliases"),
    ("billion-laughs", whole(BILLION_LAUGHS), 1, "anchors and aliases"),
    ("merge-key", insert_after(8, "    <<: {venue: x}"), 9, "merge keys"),
    ("python-tag", replace_line(16, "    tldr: !!python/object/apply:os.system [echo hacked]"), 16, "is not allowed"),
    ("deep-nesting", replace_line(16, "    tldr: " + "[" * 60 + "]" * 60), 16, "nesting deeper"),
    ("absurdly-long-title", replace_line(5, "    title: " + "x" * 5000), 5, "at most 300 characters"),
    ("absurdly-long-note", replace_line(19, "      en: " + "word " * 20000), 19, "at most 40000 characters"),
]


def _run(tmp_path: Path, text: str | bytes) -> tuple[int, str, str]:
    path = tmp_path / "papers.yaml"
    data = text.encode("utf-8", errors="surrogateescape") if isinstance(text, str) else text
    path.write_bytes(data)
    before = sorted(p.name for p in tmp_path.iterdir())
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = verify_claims.main(["--validate-only", "--catalogue", str(path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "validation must write nothing"
    assert path.read_bytes() == data
    return code, out.getvalue(), err.getvalue()


def test_valid_fixture_is_valid() -> None:
    catalogue = load_catalogue(VALID)
    assert [p.id for p in catalogue.papers] == ["resnet", "res2net"]


def test_case_count_covers_the_issue() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("mutation", "line", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_catalogue_is_rejected_with_location(
    tmp_path: Path, mutation: Callable[[str], str], line: int, words: str
) -> None:
    code, out, err = _run(tmp_path, mutation(VALID_TEXT))
    assert code == 2, out + err
    assert "Traceback" not in err
    locations = re.findall(r"^(?:.*?)papers\.yaml:(\d+):(\d+):", err, flags=re.M)
    assert locations, err
    matching = [m for m in err.splitlines() if f"papers.yaml:{line}:" in m and words in m]
    assert matching, f"expected line {line} with {words!r} in:\n{err}"
    assert " — " in matching[0], "every message says how to fix it"
    assert err.rstrip().endswith("nothing was written.")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = chain(
        replace_line(7, "    year: 3024"),
        replace_line(13, "    tags: [nope]"),
        replace_line(12, "      pdf: javascript:x"),
    )(VALID_TEXT)
    code, _, err = _run(tmp_path, text)
    assert code == 2
    assert {"papers.yaml:7:", "papers.yaml:12:", "papers.yaml:13:"} <= {
        m.group(0) for m in re.finditer(r"papers\.yaml:\d+:", err)
    }
    assert "3 problems found" in err


def test_fifty_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "papers.yaml"
    with path.open("wb") as handle:
        handle.write(VALID_TEXT.encode())
        handle.write((b"# padding " + b"x" * 1013 + b"\n") * 50 * 1024)
    start = time.perf_counter()
    with pytest.raises(CatalogueError, match=r"MiB; the limit is"):
        load_catalogue(path)
    assert time.perf_counter() - start < 5  # a generous bound: the size check comes before parsing


def test_billion_laughs_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "papers.yaml"
    path.write_text(BILLION_LAUGHS)
    tracemalloc.start()
    try:
        with pytest.raises(CatalogueError, match="anchors and aliases"):
            load_catalogue(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "bad").glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_fixture_files(fixture: Path) -> None:
    first = fixture.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    expected = re.match(r"# expect: (\d+): (.+)$", first)
    assert expected, f"{fixture.name}: first line must be '# expect: LINE: words'"
    with pytest.raises(CatalogueError) as info:
        load_catalogue(fixture, display_name=fixture.name)
    report = info.value.report()
    assert f"{fixture.name}:{expected.group(1)}:" in report and expected.group(2) in report, report


def test_command_line_exit_codes() -> None:
    script = Path(verify_claims.__file__)
    ok = subprocess.run(
        [sys.executable, str(script), "--validate-only", "--catalogue", str(VALID)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, str(script), "--validate-only", "--catalogue", str(FIXTURES / "bad" / "unknown_tag.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "unknown_tag.yaml:" in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run([sys.executable, str(script), "--no-such-flag"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_validation_imports_no_torch() -> None:
    code = (
        "import sys; from tools import verify_claims; "
        f"rc = verify_claims.main(['--validate-only', '--catalogue', {str(VALID)!r}]); "
        "assert 'torch' not in sys.modules, 'torch imported'; sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_real_catalogue_is_valid_and_points_editors_at_the_schema() -> None:
    from tools.catalogue import DEFAULT_CATALOGUE

    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    assert len(catalogue.papers) >= 15
    first_line = DEFAULT_CATALOGUE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=tools/catalogue/papers.schema.json"


def test_committed_json_schema_is_current() -> None:
    import json

    from tools.catalogue import SCHEMA_FILE, json_schema

    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate with: python -m tools.catalogue schema"
    assert committed["$defs"]["Paper"]["additionalProperties"] is False
    assert all("description" in field for field in committed["$defs"]["Claim"]["properties"].values())
