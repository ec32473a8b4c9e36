"""Property-based tests: any mutation of a valid catalogue is either accepted or rejected with the project's own
error (file:line messages), never with another exception."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.catalogue import Catalogue, CatalogueError, load_catalogue

VALID_TEXT = (Path(__file__).parent / "fixtures" / "catalogue" / "valid.yaml").read_text(encoding="utf-8")
VALID_DATA = yaml.safe_load(VALID_TEXT)
YAML_NOISE = [*":-[]{}\"'&*!#|>%@`,?\t\n ", "\xa0", "\u200b", "中", "\ufeff", "\x00", "\x85", "\\"]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(text: str | bytes, tmp_path: Path) -> None:
    path = tmp_path / "papers.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    try:
        result = load_catalogue(path)
    except CatalogueError as exc:  # either outcome is valid for an arbitrary text; an error must be well formed
        assert exc.problems, "an error names at least one problem"  # noqa: PT017
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1
            assert problem.message
        assert exc.report().endswith("nothing was written.")  # noqa: PT017
    else:
        assert isinstance(result, Catalogue)


@st.composite
def text_mutations(draw: st.DrawFn) -> str:
    lines = VALID_TEXT.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["delete", "duplicate", "insert", "swap", "truncate"]))
        index = draw(st.integers(0, len(lines) - 1))
        if operation == "delete" and len(lines) > 1:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "insert":
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            noise = draw(st.text(alphabet=st.sampled_from(YAML_NOISE), min_size=1, max_size=4))
            lines[index] = line[:at] + noise + line[at:]
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
    return "".join(lines)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "<script>alert(1)</script>",
            "4.1G",
            "no",
            "1e9",
            "",
            "resnet50",
            "https://example.org/x",
            "read",
            "backbone",
            "absolute",
            "macs",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def data_mutations(draw: st.DrawFn) -> str:
    data = copy.deepcopy(VALID_DATA)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        operation = draw(st.sampled_from(["replace", "delete", "add"]))
        if operation == "replace":
            parent[path[-1]] = draw(VALUES)
        elif operation == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(text=text_mutations())
def test_text_mutations_are_accepted_or_rejected_cleanly(text: str, tmp_path: Path) -> None:
    check(text, tmp_path)


@SETTINGS
@given(text=data_mutations())
def test_structural_mutations_are_accepted_or_rejected_cleanly(text: str, tmp_path: Path) -> None:
    check(text, tmp_path)


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_are_rejected_cleanly(raw: bytes, tmp_path: Path) -> None:
    check(raw, tmp_path)
