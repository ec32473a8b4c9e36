"""Debian's headless Chromium as the browser tests and the browser benchmarks start it (one set of flags).

The flags keep Chromium off the network: this machine's closed network refuses the background connections a
default start makes, and nothing but 127.0.0.1 may resolve while a test runs.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HEADLESS_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Nothing but the site under test: no QUIC, and every other host name fails to resolve.
OFFLINE_ARGS: tuple[str, ...] = ("--disable-quic", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
