"""The search box on the built real site, in headless Chromium (`make browser`): what a reader types and sees.

Issue 12, Search: claim texts are found (also those a paper page loads only on request) and lead to the claim's row;
a query mixing Latin and Chinese without a space works; titles and TL;DRs rank first; previews are clean text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import build_site
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bench.chromium import CHROMEDRIVER, CHROMIUM, HEADLESS_ARGS, OFFLINE_ARGS
from bench.search_browser import served
from tools.catalogue import REPO_ROOT
from tools.site.search_index import search_documents

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (run `make browser`)"),
]

WAIT = 15  # seconds: an upper bound for explicit waits
# Only in a `cited` claim of res2net, which the page loads on request (data/details/res2net.json), nowhere else.
GROUPED_CLAIM_WORD = "PaddlePaddle"
GROUPED_CLAIM = "claim-ssld-res2net200-top1"
# Tab labels run together, heading marks, markup, escaped entities, the refutation marks linked from notes.
PREVIEW_JUNK = ("中文English", "English中文", "English 中文", "¶", "<", "&amp;", "Permanent link", "⚠", "see claim")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("search-site") / "site")


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with served(site) as url:
        yield url


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in [*HEADLESS_ARGS, *OFFLINE_ARGS, "--window-size=1280,900"]:
        options.add_argument(arg)
    chrome = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield chrome
    finally:
        chrome.quit()


def results(driver: WebDriver, base: str, query: str, at_least: int = 1) -> list[dict[str, str]]:
    """Types `query` into the search dialog of the home page; the results listed, as {href, title, kind, excerpt}."""
    driver.get(base)
    driver.find_element(By.TAG_NAME, "body").send_keys("/")
    box = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "dialog.pf-search[open] input.pf-search__input")
    )
    box.send_keys(query)

    def listed(d: WebDriver) -> list[dict[str, str]] | None:
        status = d.find_element(By.CSS_SELECTOR, ".pf-search__status").text
        if "matching" not in status:  # still "Searching…"
            return None
        rows: list[dict[str, str]] = d.execute_script(
            "return Array.from(document.querySelectorAll('.pf-search__result a')).map(function (a) { return {"
            "  href: a.href, title: a.querySelector('.pf-search__title').firstChild.textContent,"
            "  kind: (a.querySelector('.pf-search__kind') || {}).textContent || '',"
            "  excerpt: a.querySelector('.pf-search__excerpt').textContent}; });"
        )
        return rows if len(rows) >= at_least else None

    try:
        return WebDriverWait(driver, WAIT).until(listed)
    except TimeoutException:
        status = driver.find_element(By.CSS_SELECTOR, ".pf-search__status").text
        pytest.fail(f"search for {query!r} listed nothing: {status!r}")


def paper(href: str) -> str:
    path = urlsplit(href).path
    return path.split("/")[2] if path.startswith("/papers/") else path


def test_a_claim_loaded_on_request_is_found_and_opens_at_its_row(driver: WebDriver, base: str, site: Path) -> None:
    page = (site / "papers" / "res2net" / "index.html").read_text(encoding="utf-8")
    details = json.loads((site / "data" / "details" / "res2net.json").read_text(encoding="utf-8"))
    # The word is only in the claim's row, which the page fetches when the group opens; pick another if it moves.
    assert GROUPED_CLAIM_WORD not in page and GROUPED_CLAIM_WORD in details["cited-claims"]
    assert f'<i id="{GROUPED_CLAIM}" data-group="cited-claims">' in page

    first, *_ = results(driver, base, GROUPED_CLAIM_WORD)
    assert urlsplit(first["href"]).path == "/papers/res2net/"
    assert urlsplit(first["href"]).fragment == GROUPED_CLAIM
    assert first["title"].startswith("Res2Net: A New Multi-scale Backbone Architecture")
    assert first["kind"] == "cited claim"
    # The claim's own text, without the verdict heading it is indexed under; the space after the hit kept.
    assert first["excerpt"].startswith("A Res2Net-200") and "(SSLD) in PaddlePaddle reaches 85.13 %" in first["excerpt"]

    driver.find_element(By.CSS_SELECTOR, ".pf-search__result a").click()
    row = WebDriverWait(driver, WAIT).until(  # lazy.js opens the group and marks the row
        lambda d: d.find_elements(By.CSS_SELECTOR, f'.cat-claim--target[data-claim="{GROUPED_CLAIM}"]')
    )
    assert GROUPED_CLAIM_WORD in row[0].text


def test_a_claim_shown_on_the_page_is_found_at_its_anchor(driver: WebDriver, base: str, site: Path) -> None:
    # Only in Res2Net's refuted claim on the README's 4.2 GMACCs (a row the page shows); no other page has a word that
    # begins like it (Pagefind matches stems and prefixes).
    word, anchor = "February", "claim-readme-maccs-26w-4s"
    holders = [d.url for d in search_documents(site) if any(re.search(r"\bfebruar", t, re.I) for t in d.texts())]
    assert holders == ["/papers/res2net/"], holders
    assert f'<div id="{anchor}" class="cat-claim cat-claim--refuted">' in (
        site / "papers" / "res2net" / "index.html"
    ).read_text(encoding="utf-8")

    found = results(driver, base, word)
    assert [(urlsplit(r["href"]).path, urlsplit(r["href"]).fragment) for r in found] == [("/papers/res2net/", anchor)]
    assert found[0]["kind"] == "refuted claim"
    assert word in found[0]["excerpt"] and "GMACCs" in found[0]["excerpt"]


def test_a_mixed_latin_and_chinese_query_finds_the_res2net_note(driver: WebDriver, base: str) -> None:
    found = results(driver, base, "FLOPs降低")
    assert "res2net" in [paper(r["href"]) for r in found]
    preview = next(r["excerpt"] for r in found if paper(r["href"]) == "res2net")
    assert "FLOPs降低" in preview.replace(" ", "")  # the hit is shown, Chinese joined again


def test_titles_and_tldrs_rank_first(driver: WebDriver, base: str, site: Path) -> None:
    # "bottleneck" is in one title (MobileNetV2's "Linear Bottlenecks"), in the TL;DRs of ResNet, ResNeXt and
    # Res2Net, and in many notes, claims and pages besides: the title comes first, then the TL;DRs.
    def holders(where: str) -> set[str]:
        found = set()
        for d in search_documents(site):
            texts = [d.title] if where == "title" else [t for w, t in d.blocks if w > 1]
            if any(re.search(r"\bbottleneck", t, re.I) for t in texts):
                found.add(paper(d.url))
        return found

    titles, tldrs = holders("title"), holders("tldr") - holders("title")
    assert titles == {"mobilenetv2"} and tldrs == {"resnet", "resnext", "res2net"}, (titles, tldrs)
    ranked = [paper(r["href"]) for r in results(driver, base, "bottleneck", at_least=len(titles | tldrs))]
    assert set(ranked[: len(titles)]) == titles
    assert set(ranked[len(titles) : len(titles) + len(tldrs)]) == tldrs, ranked
    # A title phrase: the paper whose title it is, far ahead of the pages that mention it.
    assert paper(results(driver, base, "Heterogeneous Kernel")[0]["href"]) == "hetconv"


@pytest.mark.parametrize("query", ["Res2Net", "南开大学", "ResNet-50", "计算量"])
def test_previews_are_clean_text(driver: WebDriver, base: str, query: str) -> None:
    for row in results(driver, base, query):
        text = row["excerpt"]
        assert text.strip(), row
        assert not [junk for junk in PREVIEW_JUNK if junk in text], row
        assert not row["title"].endswith(("¶", " ")), row


def test_more_results_load_on_request(driver: WebDriver, base: str) -> None:
    first = results(driver, base, "ResNet")
    shown = driver.execute_script("return window.__pagefindSearch.resultsShown")
    status = driver.find_element(By.CSS_SELECTOR, ".pf-search__status").text
    counts = re.fullmatch(r"(\d+) matching pages \(first \d+ shown\)", status)
    assert counts, status
    total = int(counts.group(1))
    assert len(first) == shown < total, status
    driver.find_element(By.CSS_SELECTOR, ".pf-search__more").click()
    expected = min(2 * shown, total)
    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".pf-search__result")) == expected)
    more = driver.find_element(By.CSS_SELECTOR, ".pf-search__more")
    if expected < total:
        assert driver.find_element(By.CSS_SELECTOR, ".pf-search__status").text.endswith(f"(first {expected} shown)")
        assert more.is_displayed()
    else:
        assert not more.is_displayed()
    box = driver.find_element(By.CSS_SELECTOR, "input.pf-search__input")
    assert driver.switch_to.active_element == box  # the keyboard stays in the search field
    for _ in range(shown + 1):  # the arrows reach the results loaded last
        box.send_keys(Keys.ARROW_DOWN)
    selected = driver.find_elements(By.CSS_SELECTOR, ".pf-search__result a[aria-selected=true]")
    assert [a.get_attribute("id") for a in selected] == [f"pf-search-result-{shown}"]


AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run `make browser`, which runs npm install)")
@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_the_open_dialog_has_no_accessibility_violation(driver: WebDriver, base: str, scheme: str) -> None:
    """axe-core on the dialog as a reader sees it: claim and page results, their labels and "More results"."""
    found = results(driver, base, "refuted", at_least=5)  # claim results, with their verdict labels
    assert any(r["kind"] == "refuted claim" for r in found)
    body = driver.find_element(By.TAG_NAME, "body")
    if body.get_attribute("data-md-color-scheme") != scheme:  # the palette as the header's toggle sets it
        driver.execute_script(
            "document.body.setAttribute('data-md-color-scheme', arguments[0]);"
            "document.body.setAttribute('data-md-color-primary', 'indigo');",
            scheme,
        )
    assert driver.find_element(By.CSS_SELECTOR, ".pf-search__more").is_displayed()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script(
            "return document.getAnimations().every(function (a) { return a.playState !== 'running'; });"
        )
    )
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document.querySelector('dialog.pf-search'), {resultTypes: ['violations']}).then(function (r) {"
        "  done(r.violations.map(function (v) { return [v.id, v.impact,"
        "    v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })]; })); });"
    )
    assert not violations, violations
