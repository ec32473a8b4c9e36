"""`make dist` (tools/dist.py): the same site packs to the same bytes, whatever the files' dates, order and owners."""

from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path

import pytest

from tools.dist import DistError, checksum_path, main, pack_site, source_date_epoch

EPOCH = 1_764_547_200  # 2025-12-01T00:00:00Z
FILES = {
    "index.html": "<html lang=en>home</html>",
    "papers/res2net/index.html": "<p>Res2Net</p>",
    "papers/densenet/index.html": "<p>DenseNet 中文</p>",
    "assets/stylesheets/site.css": "body{}",
    "sitemap.xml.gz": "",
}


def _site(root: Path, *, reverse: bool, mtime: int) -> Path:
    """A small site written in the given order and dated `mtime` (the packing must not depend on either)."""
    for name in sorted(FILES, reverse=reverse):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FILES[name], encoding="utf-8")
        path.chmod(0o600 if reverse else 0o664)
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))
    return root


def test_same_site_gives_the_same_bytes(tmp_path: Path) -> None:
    first = pack_site(_site(tmp_path / "a", reverse=False, mtime=1), tmp_path / "one" / "site.tar.gz", EPOCH)
    second = pack_site(
        _site(tmp_path / "b", reverse=True, mtime=2_000_000_000), tmp_path / "two" / "site.tar.gz", EPOCH
    )
    one, two = (tmp_path / d / "site.tar.gz" for d in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()
    assert first == second == hashlib.sha256(one.read_bytes()).hexdigest()
    assert checksum_path(one).read_text(encoding="utf-8") == f"{first}  site.tar.gz\n"  # sha256sum -c format


def test_another_epoch_or_content_changes_the_bytes(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", reverse=False, mtime=1)
    base = pack_site(site, tmp_path / "a.tar.gz", EPOCH)
    assert pack_site(site, tmp_path / "b.tar.gz", EPOCH + 1) != base
    (site / "index.html").write_text("<html lang=en>changed</html>", encoding="utf-8")
    assert pack_site(site, tmp_path / "c.tar.gz", EPOCH) != base


def test_entries_are_sorted_dated_and_anonymous(tmp_path: Path) -> None:
    tarball = tmp_path / "cv-site.tar.gz"
    pack_site(_site(tmp_path / "site", reverse=True, mtime=1), tarball, EPOCH)
    with tarfile.open(tarball, "r:gz") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == [
            "cv-site",
            "cv-site/assets",
            "cv-site/assets/stylesheets",
            "cv-site/assets/stylesheets/site.css",
            "cv-site/index.html",
            "cv-site/papers",
            "cv-site/papers/densenet",
            "cv-site/papers/densenet/index.html",
            "cv-site/papers/res2net",
            "cv-site/papers/res2net/index.html",
            "cv-site/sitemap.xml.gz",
        ]
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(EPOCH, 0, 0, "", "")}
        assert {m.mode for m in members if m.isdir()} == {0o755}
        assert {m.mode for m in members if m.isfile()} == {0o644}
        extracted = tar.extractfile("cv-site/papers/densenet/index.html")
        assert extracted is not None and extracted.read().decode("utf-8") == FILES["papers/densenet/index.html"]
    header = tarball.read_bytes()[:10]
    assert header[3] == 0  # gzip FLG: no original file name stored
    assert int.from_bytes(header[4:8], "little") == EPOCH


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DistError, match=r"no index\.html.*make build-site"):
        pack_site(tmp_path, tmp_path / "x.tar.gz", EPOCH)
    with pytest.raises(DistError, match=r"must end in \.tar\.gz"):
        pack_site(tmp_path, tmp_path / "x.zip", EPOCH)
    site = _site(tmp_path / "site", reverse=False, mtime=1)
    (site / "link").symlink_to(site / "index.html")
    with pytest.raises(DistError, match="link: only regular files and directories"):
        pack_site(site, tmp_path / "x.tar.gz", EPOCH)
    assert not (tmp_path / "x.tar.gz").exists()
    (site / "link").unlink()
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(DistError, match="taken: cannot create the output folder"):
        pack_site(site, tmp_path / "taken" / "x.tar.gz", EPOCH)
    for bad, message in [(None, "not set"), ("", "not set"), ("yesterday", "whole seconds"), ("-5", "negative")]:
        with pytest.raises(DistError, match=message):
            source_date_epoch(bad)
    assert source_date_epoch(" 42\n") == 42


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path / "site", reverse=False, mtime=1)
    out = tmp_path / "dist" / "site.tar.gz"
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert main([str(site), "--out", str(out)]) == 2
    assert "error: SOURCE_DATE_EPOCH is not set" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert main([str(site), "--out", str(out)]) == 0
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert capsys.readouterr().out == f"{out}  sha256 {digest}\n"
