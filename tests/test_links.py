"""Zero broken internal links or anchors in the built site, checked by LinkChecker over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).with_name("linkcheckerrc")


def _linkchecker() -> str:
    found = shutil.which("linkchecker") or str(Path(sys.executable).with_name("linkchecker"))
    if not Path(found).exists():
        pytest.fail("linkchecker is not installed (it is in requirements-dev.txt)")
    return found


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site quietly, with the `LinkChecker` response header: without it LinkChecker ignores
    `maxrequestspersecond` above 10 and waits 0.1-0.6 s between two requests to the host (about 0.35 s per URL,
    two and a half minutes for the real site); with it, the rate in tests/linkcheckerrc applies."""

    def end_headers(self) -> None:
        self.send_header("LinkChecker", "local test server")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _check(site: Path) -> subprocess.CompletedProcess[str]:
    server, url = _serve(site)
    try:
        return subprocess.run(
            [_linkchecker(), "--config", str(CONFIG), "--no-status", url],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    finally:
        server.shutdown()


@pytest.mark.slow
def test_built_site_has_no_broken_links_or_anchors(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    result = _check(site)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 warnings found" in result.stdout and "0 errors found" in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_the_link_checker_catches_a_broken_anchor_and_a_missing_page(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text('<a href="a/#nope">x</a> <a href="missing/">y</a>')
    (tmp_path / "a" / "index.html").write_text('<h1 id="yes">A</h1>')
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "Anchor `nope' (decoded: `nope') not found" in result.stdout
    assert "404" in result.stdout
