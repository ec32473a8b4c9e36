"""The latency insight and the compare view's latency rows, in headless Chromium (the browser tests' fixtures)."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from test_browser import PHONE, Browser, Site, browser, page, pytestmark, real_site  # noqa: F401  # shared fixtures

from tools.latency import read_latency


def test_compare_view_shows_both_latencies_of_the_pair(page: Browser, real_site: Site) -> None:  # noqa: F811  # the fixtures
    data = json.loads((real_site.root / "data" / "models.json").read_text(encoding="utf-8"))
    models = {m["id"]: m for m in data["models"]}
    timed = sorted(i for i, m in models.items() if len(m["latency"]) == 2)
    if len(timed) < 2 or read_latency() is None:
        pytest.skip("fewer than two models are timed")
    first, second = timed[0], timed[-1]
    page.open(real_site.url(f"insights/compare/#{first},{second}"))
    cores = models[first]["latency"][1]["threads"]
    for label, index in (("CPU latency, 1 thread (ms)", 0), (f"CPU latency, {cores} cores (ms)", 1)):
        xpath = f"//table[contains(@class,'cat-compare__table')]//tr[th[normalize-space()='{label}']]"
        page.wait.until(lambda d: d.find_elements(By.XPATH, xpath))  # noqa: B023  # called within this iteration
        cells = [td.text for td in page.driver.find_element(By.XPATH, xpath).find_elements(By.TAG_NAME, "td")]
        a, b = (models[m]["latency"][index] for m in (first, second))
        assert cells[0] == f"{a['median_ms']:.1f} (IQR {a['iqr_ms']:.1f})"
        assert cells[1] == f"{b['median_ms']:.1f} (IQR {b['iqr_ms']:.1f})"
        assert cells[2] == f"{b['median_ms'] / a['median_ms']:.2f}×"
    note = page.find(".cat-compare__note").text
    assert "one machine's CPU" in note and data["latency_machine"] in note
    page.check_page()


def test_latency_page_fits_a_phone_and_links_its_full_size_chart(page: Browser, real_site: Site) -> None:  # noqa: F811  # the fixtures
    if not (real_site.root / "insights" / "latency-vs-macs-light.svg").is_file():
        pytest.skip("nothing is timed yet")
    driver = page.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        for path in ("insights/latency-vs-macs/", "insights/compare/"):
            page.open(real_site.url(path))
            width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
            assert width[0] <= width[1] == PHONE[0], f"/{path}: the page is {width[0]} px wide at {PHONE[0]} px"
            page.check_page()
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    page.open(real_site.url("insights/latency-vs-macs/"))
    chart = page.find("article a img.cat-chart[src*='latency-vs-macs-light.svg']")
    link = chart.find_element(By.XPATH, "..").get_attribute("href")
    assert link.endswith("latency-vs-macs-light.svg")  # the image links to its full-size SVG
