"""The site cache (tools/site/build_cache.py): sanitized fragments and insight pages reused between builds.
(The paper pages, BibTeX entries and list tables it also keeps are tested in tests/test_page_cache.py.)

A hit must give exactly what the work would give, and a change to anything the work reads must be a miss: each
test first proves that the cache is really consulted (a planted entry is served), then that a changed input is
rendered afresh instead of served stale.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

from tools.catalogue import load_catalogue
from tools.catalogue.schema import Paper
from tools.measurements import read_measurements
from tools.site import build_cache, sanitize, signed_store
from tools.site.insights import build_insights

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTE = "A note with *emphasis*, `code` and a list:\n\n- one\n- two\n"


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site-cache"
    monkeypatch.setenv("SITE_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # a store key of this test's own
    monkeypatch.delenv("SITE_CACHE", raising=False)
    sanitize._render.cache_clear()  # the in-process memo must not hide what the cache does
    return folder


def _fragment_file(folder: Path) -> Path:
    (path,) = folder.glob("fragments-*.json")
    return path


def _entries(path: Path) -> dict:  # type: ignore[type-arg]
    """The entries of a store file: one record a line after the header (signature, key, JSON), the last wins."""
    records = [line.split(b" ", 2) for line in path.read_bytes().split(b"\n")[1:] if line]
    return {key.decode(): json.loads(value) for _, key, value in records}


def _store(path: Path, entries: dict, key: bytes | None = None) -> None:  # type: ignore[type-arg]
    """Write `entries` as a store signed with `key` (default: this user's, as an earlier build would)."""
    store = signed_store.Store(path, key or signed_store.signing_key())
    for name, value in entries.items():
        store.put(name, value)
    store.save()


def test_fragments_are_stored_and_served_from_the_next_build(cache_folder: Path) -> None:
    expected = sanitize._render(NOTE, 3)
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == expected
    assert _entries(_fragment_file(cache_folder)) == {build_cache.fragment_key(NOTE, 3): expected}
    # Store a different value under the note's key: the next build serves it, so the cache is really read.
    _store(_fragment_file(cache_folder), {build_cache.fragment_key(NOTE, 3): "<p>from the cache</p>"})
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == "<p>from the cache</p>"


def test_a_changed_text_or_heading_offset_is_rendered_afresh_never_served_stale(cache_folder: Path) -> None:
    heading = "# Heading\n\ntext"
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
        assert sanitize.render_markdown(heading).startswith("<h4>Heading</h4>")
    changed = NOTE.replace("two", "<script>alert(1)</script> **three**")
    with build_cache.build_cache(REPO_ROOT):
        shown = sanitize.render_markdown(changed)
        shifted = sanitize.render_markdown(heading, heading_offset=2)
    assert "<strong>three</strong>" in shown and "<script" not in shown and "two" not in shown
    assert shown == sanitize._render(changed, 3)
    assert shifted.startswith("<h3>Heading</h3>")
    # The new entries were appended; the old ones stay until the file holds more than twice what a build uses.
    entries = _entries(_fragment_file(cache_folder))
    assert set(entries) == {
        build_cache.fragment_key(text, offset) for text, offset in ((NOTE, 3), (heading, 3), (changed, 3), (heading, 2))
    }
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(heading, heading_offset=2)  # one entry used, four stored: rewritten with it alone
    assert set(_entries(_fragment_file(cache_folder))) == {build_cache.fragment_key(heading, 2)}


def test_a_build_appends_one_line_per_new_entry_and_rewrites_nothing(cache_folder: Path) -> None:
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    path = _fragment_file(cache_folder)
    first = path.read_bytes()
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)  # a hit: nothing to write
    assert path.read_bytes() == first
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
        sanitize.render_markdown("another *note*")
    grown = path.read_bytes()
    assert grown.startswith(first) and grown.count(b"\n") == first.count(b"\n") + 1
    # A record cut short (a build killed while appending) is ignored, and the others are still served.
    path.write_bytes(grown[:-20])
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT) as cache:
        assert cache is not None
        assert cache.fragments.get(build_cache.fragment_key("another *note*", 3)) is None
        assert cache.fragments.get(build_cache.fragment_key(NOTE, 3)) == sanitize._render(NOTE, 3)


def test_other_rendering_code_uses_another_file(tmp_path: Path, cache_folder: Path) -> None:
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    first = _fragment_file(cache_folder).name
    fake_root = tmp_path / "repo"
    for name in ("tools/site/sanitize.py", "tools/catalogue/markdown_limits.py"):
        (fake_root / name).parent.mkdir(parents=True, exist_ok=True)
        (fake_root / name).write_text((REPO_ROOT / name).read_text(encoding="utf-8") + "\n# changed\n")
    assert build_cache.BuildCache(cache_folder, fake_root).fragments.path.name != first


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "other"}\n',
        '{"format": "site-cache 2", "signature": ""}\n{}',
        '{"format": "site-cache 1", "entries": {}}',
        '{"format": "site-cache 3"}\nnot a record\n',
        "",
    ],
)
def test_an_unreadable_or_foreign_cache_file_is_ignored(cache_folder: Path, content: str) -> None:
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    _fragment_file(cache_folder).write_text(content, encoding="utf-8")
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == sanitize._render(NOTE, 3)


def test_site_cache_0_turns_the_cache_off(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_CACHE", "0")
    with build_cache.build_cache(REPO_ROOT) as cache:
        assert cache is None and build_cache.active() is None
        sanitize.render_markdown(NOTE)
    assert not cache_folder.exists()


def test_a_failed_build_saves_nothing(cache_folder: Path) -> None:
    def failing_build() -> None:
        with build_cache.build_cache(REPO_ROOT):
            sanitize.render_markdown(NOTE)
            raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        failing_build()
    assert not cache_folder.exists() and build_cache.active() is None


# ---- the insight pages -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue(REPO_ROOT / "papers.yaml")


@pytest.fixture(scope="module")
def measurements():  # type: ignore[no-untyped-def]
    return read_measurements()


@pytest.fixture(scope="module")
def uncached(catalogue, measurements):  # type: ignore[no-untyped-def]
    return build_insights(catalogue, measurements)


def _plant(cache_folder: Path, page: str, text: str) -> None:
    path = cache_folder / "insights.json"
    stored = _entries(path)
    key = list(stored)[-1]  # the entry the last build wrote
    stored[key]["pages"][page] = text
    _store(path, {key: stored[key]})


def test_insight_pages_from_the_cache_are_the_ones_drawn(cache_folder, catalogue, measurements, uncached) -> None:  # type: ignore[no-untyped-def]
    with build_cache.build_cache(REPO_ROOT):
        assert build_insights(catalogue, measurements) == uncached  # drawn, then stored
    with build_cache.build_cache(REPO_ROOT):
        assert build_insights(catalogue, measurements) == uncached  # from the cache, byte for byte
    _plant(cache_folder, "insights/index.md", "planted")
    with build_cache.build_cache(REPO_ROOT):
        assert build_insights(catalogue, measurements)[0]["insights/index.md"] == "planted"  # really read
    # A note is not drawn from: editing one keeps the cached pages.
    paper = catalogue.papers[0]
    edited = catalogue.model_copy(
        update={"papers": [paper.model_copy(update={"tldr": "Edited."}), *catalogue.papers[1:]]}
    )
    with build_cache.build_cache(REPO_ROOT):
        assert build_insights(edited, measurements)[0]["insights/index.md"] == "planted"


def test_a_changed_measurement_or_cited_claim_redraws_the_charts(  # type: ignore[no-untyped-def]
    cache_folder, catalogue, measurements, uncached
) -> None:
    with build_cache.build_cache(REPO_ROOT):
        build_insights(catalogue, measurements)
    _plant(cache_folder, "insights/params-vs-gmacs.md", "stale")
    resnet = measurements["resnet50"]
    more_params = {**measurements, "resnet50": resnet.model_copy(update={"params": resnet.params + 1_000_000})}
    with build_cache.build_cache(REPO_ROOT):
        pages, assets = build_insights(catalogue, more_params)
    assert pages == build_insights(catalogue, more_params)[0] != uncached[0]
    assert f"{(resnet.params + 1_000_000) / 1e6:.2f}" in pages["insights/params-vs-gmacs.md"]
    assert assets["insights/params-vs-gmacs-light.svg"] != uncached[1]["insights/params-vs-gmacs-light.svg"]

    # A cited top-1 accuracy of the accuracy chart, changed in the catalogue.
    _plant(cache_folder, "insights/accuracy-vs-gmacs.md", "stale")
    index, paper = next((i, p) for i, p in enumerate(catalogue.papers) if p.id == "efficientnet")
    claims = [
        c.model_copy(update={"value": 12.34, "printed": "12.34%"}) if c.id == "table2-top1-b0" else c
        for c in paper.claims
    ]
    papers = list(catalogue.papers)
    papers[index] = paper.model_copy(update={"claims": claims})
    cited = catalogue.model_copy(update={"papers": papers})
    with build_cache.build_cache(REPO_ROOT):
        shown = build_insights(cited, more_params)[0]["insights/accuracy-vs-gmacs.md"]
    assert (
        shown
        == build_insights(cited, more_params)[0]["insights/accuracy-vs-gmacs.md"]
        != pages["insights/accuracy-vs-gmacs.md"]
    )
    assert "12.34" in shown


def test_the_insight_pages_read_only_the_fingerprinted_fields_of_a_paper() -> None:
    """build_cache keys the insight pages on each paper's id, title, models and claims. Reading any other field
    of a paper there (notes, tags...) would serve stale pages when that field changes: key it first."""
    read = set()
    for path in (REPO_ROOT / "tools" / "site" / "insights").glob("*.py"):
        read |= {
            node.attr
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute)
        }
    assert read & set(Paper.model_fields) == {"id", "title", "models", "claims"}
    templates = list((REPO_ROOT / "tools" / "site" / "templates").glob("insight*.j2"))
    assert len(templates) >= 5
    in_templates = {name for path in templates for name in re.findall(r"\.(\w+)", path.read_text(encoding="utf-8"))}
    assert in_templates & set(Paper.model_fields) <= {"id", "title", "models", "claims"}


@pytest.mark.parametrize(
    "planted",
    [
        '<p>hi<img src=x onerror="alert(document.domain)"></p>',
        '<p><a href="javascript:alert(1)" rel="noopener noreferrer nofollow">x</a></p>',
        '<p><a href="//evil.example/x" rel="noopener noreferrer nofollow">x</a></p>',
        "<p>two</p>\n<p>lines</p>",
        "<script>alert(1)</script>",
    ],
)
def test_a_planted_fragment_the_cleaner_would_change_is_rendered_afresh(cache_folder: Path, planted: str) -> None:
    """A committed or otherwise planted `.cache/site/fragments-*.json` was published as it stood. Even a store
    signed with the user's key (a store edited by a process of the same user) cannot put markup on a page."""
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    _store(_fragment_file(cache_folder), {build_cache.fragment_key(NOTE, 3): planted})
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == sanitize._render(NOTE, 3)


@pytest.mark.parametrize("signer", ["another key", "no signature", "edited after signing"])
def test_a_store_this_user_did_not_sign_is_not_used(cache_folder: Path, signer: str) -> None:
    """A store copied from elsewhere, restored from another machine's cache or edited by hand is not read: the
    planted page would be served otherwise (pages cannot be cleaned again like fragments)."""
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    path = _fragment_file(cache_folder)
    planted = {build_cache.fragment_key(NOTE, 3): "<p>planted</p>"}  # one the cleaner leaves as it is
    if signer == "another key":
        _store(path, planted, key=bytes(32))
    elif signer == "no signature":
        (key, value), *_ = planted.items()
        path.write_bytes(b'{"format": "site-cache 3"}\n' + f"{'0' * 64} {key} {json.dumps(value)}\n".encode())
    else:
        _store(path, planted)
        path.write_bytes(path.read_bytes().replace(b"planted", b"PLANTED"))
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == sanitize._render(NOTE, 3)
    _store(path, planted)  # the same entry, signed by this user: served (the test above did not pass by accident)
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT):
        assert sanitize.render_markdown(NOTE) == "<p>planted</p>"


def test_the_store_key_is_made_once_readable_by_the_user_alone(cache_folder: Path) -> None:
    key = signed_store.signing_key()
    path = signed_store.key_file()
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert signed_store.signing_key() == key  # made once, then read
    path.chmod(0o644)
    assert signed_store.signing_key() is None  # others could read it: not a secret, the cache is not used
    path.chmod(0o600)
    path.write_bytes(b"short")
    assert signed_store.signing_key() is None


def test_every_fragment_of_the_real_catalogue_passes_the_check_on_a_hit() -> None:
    """The check costs no hit of a real build: cleaning a fragment the renderer made changes nothing."""
    catalogue = load_catalogue(REPO_ROOT / "papers.yaml")
    texts = [text for paper in catalogue.papers for text in (paper.tldr, paper.notes.en, paper.notes.zh) if text]
    texts += [claim.text for paper in catalogue.papers for claim in paper.claims]
    assert len(texts) > 100
    for text in texts:
        fragment = sanitize._render(text, 3)
        assert sanitize._one_line(sanitize._clean(fragment)) == fragment


def test_a_cache_folder_tracked_by_git_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    folder = root / ".cache" / "site"
    folder.mkdir(parents=True)
    (folder / "insights.json").write_text('{"format": "site-cache 3"}\n', encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    assert build_cache.tracked_by_git(root, folder) is False
    monkeypatch.delenv("SITE_CACHE_DIR")
    with build_cache.build_cache(root) as cache:
        assert cache is not None  # untracked: used
    subprocess.run([*git, "add", "-f", ".cache/site/insights.json"], check=True)
    assert build_cache.tracked_by_git(root, folder) is True
    with build_cache.build_cache(root) as cache:
        assert cache is None and build_cache.active() is None
    assert capsys.readouterr().err == (
        "WARNING -  .cache/site/ is tracked by git, so the site cache is not used; remove it from the repository "
        "(git rm -r --cached .cache/site)\n"
    )
    assert build_cache.tracked_by_git(tmp_path / "elsewhere", tmp_path / "elsewhere" / "c") is False  # no repository


def test_a_cache_folder_that_is_or_sits_under_a_link_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A committed `.cache/site` link pointing out of the checkout made the build append to (and delete) files
    wherever it pointed: the link is tracked by git as such, and a linked folder is refused even untracked."""
    root, victim = tmp_path / "repo", tmp_path / "victim"
    victim.mkdir()
    (victim / "fragments-notes.json").write_text("someone's notes", encoding="utf-8")
    (root / ".cache").mkdir(parents=True)
    (root / ".cache" / "site").symlink_to(victim, target_is_directory=True)
    monkeypatch.delenv("SITE_CACHE_DIR")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    for tracked in (False, True):
        if tracked:
            subprocess.run([*git, "add", "-f", ".cache/site"], check=True)
        assert build_cache.tracked_by_git(root, root / ".cache" / "site") is tracked
        with build_cache.build_cache(root) as cache:
            assert cache is None
            sanitize.render_markdown(NOTE)
        assert "site cache is not used" in capsys.readouterr().err
    assert [p.name for p in victim.iterdir()] == ["fragments-notes.json"]
    assert (victim / "fragments-notes.json").read_text(encoding="utf-8") == "someone's notes"


def test_a_store_of_another_format_is_rewritten_not_appended_to(cache_folder: Path) -> None:
    """A store left by an older version of this code had its header refused forever, and every build appended to
    it: the entries were never served and the file grew without bound."""
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    path = _fragment_file(cache_folder)
    path.write_text('{"format": "site-cache 1", "entries": {"x": "' + "y" * 10_000 + '"}}', encoding="utf-8")
    for _ in range(3):
        sanitize._render.cache_clear()
        with build_cache.build_cache(REPO_ROOT):
            sanitize.render_markdown(NOTE)
    assert set(_entries(path)) == {build_cache.fragment_key(NOTE, 3)} and path.stat().st_size < 1_000
    sanitize._render.cache_clear()
    with build_cache.build_cache(REPO_ROOT) as cache:
        assert cache is not None and cache.fragments.get(build_cache.fragment_key(NOTE, 3)) is not None


def test_a_key_given_new_values_again_and_again_does_not_grow_its_store(cache_folder: Path) -> None:
    """Each new value of one key is one more line; superseded lines count, so the file is rewritten in time."""
    path = cache_folder / "store.json"
    key = signed_store.signing_key()
    for build in range(50):
        store = signed_store.Store(path, key)
        store.put("abc", f"value {build}")
        store.save()
    assert path.read_bytes().count(b"\n") <= 3  # the header and at most two records of the one key used
    assert signed_store.Store(path, key).get("abc") == "value 49"


def test_fragment_stores_of_other_rendering_code_are_deleted_and_nothing_else(cache_folder: Path) -> None:
    cache_folder.mkdir(parents=True)
    older = cache_folder / "fragments-old.json"
    older.write_text('{"format":"site-cache 1","entries":{}}', encoding="utf-8")  # what the first versions wrote
    other = cache_folder / "fragments-notes.json"
    other.write_text("someone's notes", encoding="utf-8")
    with build_cache.build_cache(REPO_ROOT):
        sanitize.render_markdown(NOTE)
    assert not older.exists() and other.read_text(encoding="utf-8") == "someone's notes"
    assert len(list(cache_folder.glob("fragments-*.json"))) == 2  # the current store, and the file that is none
