"""`make test` runs pytest with PYTEST_NO_SKIP=1: a test that skips (a browser tool missing) fails there."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")
PROBE = """
import pytest

@pytest.mark.skipif(True, reason="axe-core is not installed")
def test_marked():
    pass

def test_skipped_inside():
    pytest.skip("chromium is not installed")

def test_passes():
    pass
"""


def test_a_skip_fails_under_pytest_no_skip(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_probe=PROBE)
    monkeypatch.setenv("PYTEST_NO_SKIP", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # a skip during setup (a skipif mark) is reported as an error, one in the test body as a failure
    result.assert_outcomes(passed=1, failed=1, errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*skipped under PYTEST_NO_SKIP=1*axe-core is not installed*"])
    monkeypatch.delenv("PYTEST_NO_SKIP")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, skipped=2)
