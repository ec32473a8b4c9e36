"""Lighthouse on the built site, served from 127.0.0.1 with gzip, on mobile and desktop.

    python bench/lighthouse.py [--site-dir build/lighthouse-site]

Builds the real site (`mkdocs build --strict`), serves it with gzip compression (as any static host does), and
runs Lighthouse 12.2.3 (`node_modules/.bin/lighthouse`, pinned in package.json; `make browser` installs it) in
Debian's headless Chromium on four pages: the home page, the heaviest paper page (by HTML bytes), the catalogue
and one insights page. Scores and metrics go to bench/results/lighthouse.json (`tools.bench_results.LighthouseResult`),
from which the site renders the `<!-- bench:lighthouse -->` section of docs/performance.md. These are benchmark
figures from this machine, not a timed test.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chromium import CHROMIUM, HEADLESS_ARGS  # noqa: E402
from tools.bench_results import LighthouseResult, Machine, today, write_result  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = " ".join(HEADLESS_ARGS)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
}
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".bib", ".py")


class _GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it (text types only)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]  # overrides an untyped method of http.server
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to "dir/"
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not accepts_gzip or not path.is_file() or path.suffix not in COMPRESSIBLE:
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return io.BytesIO(body)


def build(site_dir: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = Path(sys.executable).with_name("mkdocs")
    subprocess.run([str(mkdocs), "build", "--strict", "-q", "--site-dir", str(site_dir)], cwd=ROOT, env=env, check=True)


def heaviest_paper(site_dir: Path) -> str:
    pages = sorted((site_dir / "papers").glob("*/index.html"), key=lambda p: (-p.stat().st_size, p.parent.name))
    return f"papers/{pages[0].parent.name}/"


def run(url: str, form: str) -> tuple[dict[str, Any], str]:
    """One Lighthouse run: its scores and metrics (a `LighthouseRun` without the page), and Lighthouse's version."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--chrome-path={CHROMIUM}",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
        ]
        if form == "desktop":
            command.append("--preset=desktop")
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": str(CHROMIUM)})
        report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    return {
        "form": form,
        "scores": {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "metrics": {name: audits[key]["displayValue"] for key, name in METRICS.items()},
        "transfer_kb": round(audits["total-byte-weight"]["numericValue"] / 1024),
        "dom_elements": int(audits["dom-size"]["numericValue"]),
    }, str(report["lighthouseVersion"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", type=Path, default=ROOT / "build" / "lighthouse-site")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `npm install` (or `make browser`) first", file=sys.stderr)
        return 2
    build(args.site_dir)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(args.site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    pages = ["", heaviest_paper(args.site_dir), "catalogue/", "insights/params-vs-gmacs/"]
    runs, versions = [], set()
    for page in pages:
        for form in ("mobile", "desktop"):
            measured, version = run(base + page, form)
            runs.append({"page": page, **measured})
            versions.add(version)
    server.shutdown()
    result = LighthouseResult.model_validate(
        {"machine": Machine.here(lighthouse=", ".join(sorted(versions))), "date": today(), "runs": runs}
    )
    path = write_result("lighthouse", result)
    for r in result.runs:
        print(f"/{r.page} {r.form}: {r.scores.model_dump(by_alias=True)}, {r.transfer_kb} KB, {r.dom_elements} DOM")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
