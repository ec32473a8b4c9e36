"""tools/catalogue/entry_cache.py: the catalogue loaded with reused entries is exactly what `load_catalogue` gives.

Identical results (cold and warm, real and synthetic catalogues, through the site's JSON store), one parse for a
one-entry edit, the same error text for faults next to cached entries, planted store values refused or rejected by
the schema, and a differential fuzz over random edits (tests/conftest.py `mutated_yaml`).
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import mutated_yaml

from tools.catalogue import (
    DEFAULT_CATALOGUE,
    REPO_ROOT,
    Catalogue,
    CatalogueError,
    entry_cache,
    load_catalogue,
    yaml_lines,
)
from tools.catalogue.entry_cache import chunk_key, load_catalogue_reusing
from tools.site.signed_store import Store

sys.path.insert(0, str(REPO_ROOT))  # bench/ is not an installed package
from bench.scale import edited
from bench.synthetic import synthetic_catalogue

NAME = "papers.yaml"


class CountingStore:
    """An in-memory EntryStore that counts hits and misses and remembers what was put."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.hits = self.misses = 0
        self.put_keys: list[str] = []

    def get(self, key: str) -> Any:
        value = self.entries.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        self.put_keys.append(key)
        self.entries[key] = value

    def reset_counts(self) -> None:
        self.hits = self.misses = 0
        self.put_keys = []


class Spies:
    """How often the fast path gave up (`fallbacks`) and how many entries it parsed (`parses`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fallbacks = self.parses = 0
        full, parse = entry_cache.load_catalogue, entry_cache._parse_chunk

        def counted_full(*args: Any) -> Catalogue:
            self.fallbacks += 1
            return full(*args)

        def counted_parse(*args: Any) -> Any:
            self.parses += 1
            return parse(*args)

        monkeypatch.setattr(entry_cache, "load_catalogue", counted_full)
        monkeypatch.setattr(entry_cache, "_parse_chunk", counted_parse)

    def reset(self) -> None:
        self.fallbacks = self.parses = 0


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> Spies:
    return Spies(monkeypatch)


def outcome(load: Callable[[], Catalogue]) -> tuple[str, Any, Catalogue | None]:
    """("ok", the catalogue's model_dump, the catalogue) or ("error", the CatalogueError's report, None)."""
    try:
        catalogue = load()
    except CatalogueError as exc:
        return ("error", exc.report(), None)
    return ("ok", catalogue.model_dump(), catalogue)


def both(path: Path, store: CountingStore) -> tuple[tuple[str, Any, Catalogue | None], ...]:
    """(outcome with the store, outcome of load_catalogue): equal means the same catalogue (`==` and model_dump) or
    the same error text."""
    return outcome(lambda: load_catalogue_reusing(path, NAME, store)), outcome(lambda: load_catalogue(path, NAME))


def entries(text: str) -> list[str]:
    """The text of each paper entry of a catalogue written with two-space items."""
    starts = [match.start() + 1 for match in re.finditer(r"\n  - ", text)]
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def edit_entry(text: str, index: int, old: str, new: str) -> str:
    """`text` with the first `old` in paper `index`'s entry replaced by `new`."""
    entry = entries(text)[index]
    assert old in entry, (old, entry[:200])
    return text.replace(entry, entry.replace(old, new, 1), 1)


@pytest.fixture
def five(tmp_path: Path) -> Path:
    path = tmp_path / NAME
    path.write_text(synthetic_catalogue(5, seed=0), encoding="utf-8")
    return path


def test_real_catalogue_cold_and_warm(tmp_path: Path, spies: Spies) -> None:
    path = tmp_path / NAME
    path.write_bytes(DEFAULT_CATALOGUE.read_bytes())
    expected = load_catalogue(path, NAME)
    store = CountingStore()
    cold = load_catalogue_reusing(path, NAME, store)
    assert cold == expected and cold.model_dump() == expected.model_dump()
    papers = len(expected.papers)
    assert (store.misses, store.hits, spies.parses, spies.fallbacks) == (papers, 0, papers, 0)
    store.reset_counts()
    warm = load_catalogue_reusing(path, NAME, store)
    assert warm == expected and warm.model_dump() == expected.model_dump()
    assert (store.misses, store.hits, spies.parses, spies.fallbacks) == (0, papers, papers, 0)
    assert sorted(store.put_keys) == sorted(chunk_key(entry) for entry in entries(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("papers", "seed"), [(40, 0), (25, 7)])
def test_synthetic_catalogue_cold_and_warm_through_the_site_store(
    tmp_path: Path, spies: Spies, papers: int, seed: int
) -> None:
    """The values survive the site store's JSON file: a new Store read from disk serves every entry."""
    path = tmp_path / NAME
    path.write_text(synthetic_catalogue(papers, seed=seed), encoding="utf-8")
    expected = load_catalogue(path, NAME)
    store_file = tmp_path / "entries.json"
    first = Store(store_file, bytes(range(32)))
    assert load_catalogue_reusing(path, NAME, first) == expected
    first.save()
    assert spies.parses == papers
    spies.reset()
    second = Store(store_file, bytes(range(32)))
    warm = load_catalogue_reusing(path, NAME, second)
    assert warm == expected and warm.model_dump() == expected.model_dump()
    assert (spies.parses, spies.fallbacks) == (0, 0)
    stored = {line.split(b" ", 2)[1].decode() for line in store_file.read_bytes().split(b"\n")[1:] if line}
    assert stored == {chunk_key(entry) for entry in entries(path.read_text(encoding="utf-8"))}


def test_one_edited_entry_is_the_only_one_parsed(tmp_path: Path, spies: Spies) -> None:
    path = tmp_path / NAME
    text = synthetic_catalogue(60, seed=1)
    path.write_text(text, encoding="utf-8")
    store = CountingStore()
    load_catalogue_reusing(path, NAME, store)
    path.write_text(edited(text), encoding="utf-8")
    store.reset_counts()
    spies.reset()
    warm = load_catalogue_reusing(path, NAME, store)
    assert (store.misses, store.hits, spies.parses, spies.fallbacks) == (1, 59, 1, 0)
    assert warm == load_catalogue(path, NAME)
    assert warm.papers[0].tldr is not None and warm.papers[0].tldr.startswith("Edited since the last build. ")
    assert len(store.put_keys) == 60  # the store keeps every entry this load used, hits too


def test_without_a_store_it_is_load_catalogue(five: Path, spies: Spies) -> None:
    assert load_catalogue_reusing(five, NAME, None) == load_catalogue(five, NAME)
    five.write_text(
        edit_entry(five.read_text(encoding="utf-8"), 1, "    year: ", "    year: 20\n    year: "), encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue_reusing(five, NAME, None)
    assert caught.value.report() == outcome(lambda: load_catalogue(five, NAME))[1]
    assert (spies.fallbacks, spies.parses) == (2, 0)  # both calls, straight to load_catalogue


def test_items_at_the_left_margin(tmp_path: Path, spies: Spies) -> None:
    """`papers:` followed by `- id: ...` at column 1 (an indentless list) is read on the fast path too."""
    path = tmp_path / NAME
    path.write_text(re.sub(r"^  ", "", synthetic_catalogue(6, seed=4), flags=re.MULTILINE), encoding="utf-8")
    store = CountingStore()
    assert load_catalogue_reusing(path, NAME, store) == load_catalogue(path, NAME)
    assert load_catalogue_reusing(path, NAME, store) == load_catalogue(path, NAME)
    assert (store.misses, store.hits, spies.fallbacks) == (6, 6, 0)


FAULTS = {  # name: (edit of paper 2 of 5, or of the whole text, and the problem the full loader reports)
    "unterminated quote": (lambda t: edit_entry(t, 2, 'venue: "ICLR 2014"', 'venue: "ICLR 2014'), "YAML syntax error"),
    "document marker": (lambda t: edit_entry(t, 3, "  - id: ", "---\n  - id: "), "expected a single document"),
    "tab indentation": (lambda t: edit_entry(t, 2, "\n    year: ", "\n\tyear: "), "a tab is used for indentation"),
    "anchor and alias": (
        lambda t: edit_entry(edit_entry(t, 2, "venue: ", "venue: &v "), 3, 'venue: "', 'venue: *v\n    x: "'),
        "anchors and aliases",
    ),
    "alias alone": (lambda t: edit_entry(t, 2, 'venue: "ICLR 2014"', "venue: *v"), "anchors and aliases"),
    "duplicate key": (lambda t: edit_entry(t, 2, "    year: ", "    year: 2017\n    year: "), "duplicate key `year`"),
    "bad date": (lambda t: edit_entry(t, 2, "added: 2025-10-19", "added: 2025-13-19"), "cannot read this value"),
    "unknown field": (lambda t: edit_entry(t, 2, "    year: ", '    colour: "red"\n    year: '), "unknown field"),
    "missing related paper": (
        lambda t: re.sub(r'(?s)(- id: "dynamicgrid-2".*?related:\n      - )"[^"]+"', r'\1"no-such-paper"', t),
        "no paper has id `no-such-paper`",
    ),
    "duplicate paper id": (
        lambda t: edit_entry(t, 2, 'id: "dynamicgrid-2"', 'id: "capsulepool-1"'),
        "duplicate paper id `capsulepool-1`",
    ),
    "document end": (lambda t: edit_entry(t, 2, "    year: ", "...\n    year: "), "YAML syntax error"),
    "item less indented": (lambda t: edit_entry(t, 2, "    year: ", " - year: "), "YAML syntax error"),
    "top-level key": (lambda t: t + "extra: 1\n", "unknown field `extra`"),
    "top-level key between entries": (lambda t: edit_entry(t, 3, "  - id: ", "x: 1\n  - id: "), "YAML syntax error"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_next_to_cached_entries_is_reported_as_load_catalogue_reports_it(
    five: Path, spies: Spies, fault: str
) -> None:
    text = five.read_text(encoding="utf-8")
    assert entries(text)[2].startswith('  - id: "dynamicgrid-2"') and entries(text)[1].startswith(
        '  - id: "capsulepool-1"'
    )
    store = CountingStore()
    load_catalogue_reusing(five, NAME, store)
    change, problem = FAULTS[fault]
    faulty = change(text)
    assert faulty != text
    five.write_text(faulty, encoding="utf-8")
    store.reset_counts()
    fast, full = both(five, store)
    assert fast == full
    assert fast[0] == "error" and problem in fast[1], fast
    assert store.hits in (0, 2, 4)  # refused on reading, or after the entries before the fault (or all) were hits


def test_a_tab_inside_a_value_is_read_by_the_full_loader(five: Path, spies: Spies) -> None:
    store = CountingStore()
    load_catalogue_reusing(five, NAME, store)
    five.write_text(
        edit_entry(five.read_text(encoding="utf-8"), 2, 'venue: "ICLR 2014"', 'venue: "ICLR\t2014"'), encoding="utf-8"
    )
    spies.reset()
    fast, full = both(five, store)
    assert fast == full and fast[0] == "ok" and spies.fallbacks == 1
    assert fast[1]["papers"][2]["venue"] == "ICLR\t2014"


def test_an_ampersand_in_prose_is_parsed_once_and_reused(five: Path, spies: Spies) -> None:
    """`&nbsp;` may be an anchor as far as the quick test knows: the entry is read by the pure-Python composer (which
    refuses real anchors) and kept like any other."""
    store = CountingStore()
    load_catalogue_reusing(five, NAME, store)
    text = edit_entry(five.read_text(encoding="utf-8"), 2, 'venue: "ICLR 2014"', 'venue: "ICLR &nbsp;2014"')
    five.write_text(text, encoding="utf-8")
    assert yaml_lines._may_hold_an_anchor(entries(text)[2])
    for _ in range(2):
        store.reset_counts()
        spies.reset()
        fast, full = both(five, store)
        assert fast == full and fast[0] == "ok" and fast[1]["papers"][2]["venue"] == "ICLR &nbsp;2014"
        assert spies.fallbacks == 0
    assert (store.hits, store.misses, spies.parses) == (5, 0, 0)


def _plant(store: CountingStore, key: str, change: Callable[[list[Any]], Any]) -> None:
    """Replace the stored value under `key` by `change([value, dates])` written as JSON (or as is, if not a list)."""
    stored = json.loads(store.entries[key])
    planted = change(stored)
    store.entries[key] = json.dumps(planted) if isinstance(planted, list) else planted


def _with(field: str, value: Any) -> Callable[[list[Any]], list[Any]]:
    def change(stored: list[Any]) -> list[Any]:
        stored[0][field] = value
        return stored

    return change


PLANTED = {  # name: the stored [value, dates] made into something else
    "not text": lambda stored: 123,
    "not JSON": lambda stored: '[{"id": "dynamicgrid-2",',
    "not a pair": lambda stored: json.dumps({"value": stored[0]}),
    "date path missing": lambda stored: [stored[0], [["d", "nowhere"]]],
    "date kind unknown": lambda stored: [stored[0], [["x", "added"]]],
    "date not text": lambda stored: [{**stored[0], "added": 20251019}, [["d", "added"]]],
    "date not a date": lambda stored: [stored[0], [["d", "venue"]]],
    "date left as text": lambda stored: [stored[0], []],
    "year as text": _with("year", "2014"),
    "year out of range": _with("year", 1066),
    "unknown field": _with("colour", "red"),
    "related paper missing": _with("related", ["no-such-paper"]),
    "duplicate paper id": _with("id", "capsulepool-1"),
    "a bidi control": _with("venue", "ICLR \u202e2014"),
    "a float for an int": _with("year", 2014.0),
    "a nan": lambda stored: '[{"year": NaN}, []]',
    "deep nesting": lambda stored: "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("planted", list(PLANTED))
def test_a_planted_store_value_is_refused_or_rejected_by_validation(five: Path, spies: Spies, planted: str) -> None:
    """The store is a file anyone with the checkout can write: what it holds is decoded strictly and validated."""
    store = CountingStore()
    load_catalogue_reusing(five, NAME, store)
    _plant(store, chunk_key(entries(five.read_text(encoding="utf-8"))[2]), PLANTED[planted])
    spies.reset()
    assert load_catalogue_reusing(five, NAME, store) == load_catalogue(five, NAME)
    assert spies.fallbacks == 1


def test_a_planted_value_that_validates_stands_for_its_entry(five: Path) -> None:
    """The limit of the check: a value that passes the schema and the cross-check is used for the entry's text (the
    build refuses a cache folder that git tracks; nothing else vouches for the folder)."""
    store = CountingStore()
    load_catalogue_reusing(five, NAME, store)
    _plant(store, chunk_key(entries(five.read_text(encoding="utf-8"))[2]), _with("venue", "Planted 2014"))
    assert load_catalogue_reusing(five, NAME, store).papers[2].venue == "Planted 2014"


@pytest.mark.parametrize("value", [1.5, -0.0, 10**30, True, None, "", "\ud800", {"\x00f": "1"}, [[], {}]])
def test_the_stored_form_keeps_types_and_key_order(value: Any) -> None:
    import datetime as dt

    item = {"z": value, "a": [dt.date(2026, 2, 28), {"b": dt.datetime(2026, 1, 2, 3, 4, 5, 6, dt.UTC)}], "m": 2}
    decoded = entry_cache._decode(entry_cache._encode(item))
    assert entry_cache._same(decoded, item) and list(decoded) == ["z", "a", "m"]
    assert type(decoded["a"][0]) is dt.date and type(decoded["a"][1]["b"]) is dt.datetime
    assert not entry_cache._same(decoded, {**item, "m": 2.0})


# Edits aimed at the places where entries are cut apart: new item lines, scalars and collections left open across
# them, block scalars with explicit indentation, comments and lines at the items' indentation.
ENTRY_BOUNDARY_MUTATIONS = (
    *("\n  - ", "\n- ", "\n  -", "\n   - ", "\n  # c", "\n#", "\n", "\n    ", "\n  - x: |\n"),
    *('"', "'", " |", " |1", " |2-", " >-", "[", "{", "]", "}", " #", "?", ": ", ","),
)


@pytest.mark.parametrize(("seed", "insertions"), [(0, None), (1, None), (2, ENTRY_BOUNDARY_MUTATIONS)])
def test_random_edits_give_what_load_catalogue_gives(
    tmp_path: Path, spies: Spies, seed: int, insertions: tuple[str, ...] | None
) -> None:
    """Differential fuzz: after random small edits of a catalogue whose entries are cached, the fast path gives the
    full loader's catalogue or exactly its error text."""
    base = synthetic_catalogue(5, seed=seed)
    path = tmp_path / NAME
    path.write_text(base, encoding="utf-8")
    store = CountingStore()
    load_catalogue_reusing(path, NAME, store)
    rng = random.Random(seed)
    taken = errors = 0
    for _ in range(150):
        text = mutated_yaml(base, rng, insertions) if insertions else mutated_yaml(base, rng)
        path.write_text(text, encoding="utf-8")
        spies.reset()
        fast, full = both(path, store)
        assert fast == full, text
        taken += fast[0] == "ok" and spies.fallbacks == 0
        errors += fast[0] == "error"
    assert taken > 30 and errors > 30, (taken, errors)  # both the fast path and the fallback were exercised
