"""The built site in a real browser: Debian's headless Chromium driven by Selenium (`make browser` installs it).

One build of the real catalogue (and one of `tests/fixtures/site/hostile.yaml`), served by http.server on
127.0.0.1; one Chromium for the module. Chromium resolves no host but 127.0.0.1 (--host-resolver-rules), so any
request to another host fails loudly, and every page checked here is also read back through the Performance API
and the DevTools network log for URLs that are not local. A script installed in every frame records alert(),
confirm() and prompt() calls instead of showing them.

Screenshots (1280×900 viewport) go to build/screenshots/, which CI uploads. Set UPDATE_README_SCREENSHOT=1 to
also refresh docs/assets/images/screenshot.png, the picture in the README.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import build_site
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from bench.chromium import CHROMEDRIVER, CHROMIUM, HEADLESS_ARGS, OFFLINE_ARGS
from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, load_catalogue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one worker builds the sites and runs the browser (`-n 2 --dist loadgroup`)
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (run `make browser`)"),
]

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "site"
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
README_SCREENSHOT = REPO_ROOT / "docs" / "assets" / "images" / "screenshot.png"
VIEWPORT = (1280, 900)
WAIT = 15  # seconds; an upper bound for explicit waits, never a sleep

CHROMIUM_ARGS = [*HEADLESS_ARGS, *OFFLINE_ARGS]

# Runs in every frame before the page's own scripts: dialogs are recorded in the top window, never shown.
RECORD_DIALOGS = """
(function () {
  var top = window;
  try { void window.top.document; top = window.top; } catch (e) { top = window; }
  var log = top.__dialogs || (top.__dialogs = []);
  ["alert", "confirm", "prompt", "print"].forEach(function (name) {
    window[name] = function () { log.push(name + "(" + Array.prototype.join.call(arguments, ", ") + ")"); };
  });
})();
"""


# ---------------------------------------------------------------------------------------------------------------
# Building and serving


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Site:
    """A built site served on 127.0.0.1 (ephemeral port) from a background thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"serve {root}", daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def url(self, path: str = "") -> str:
        return urljoin(self.base, path)

    def pages(self) -> list[str]:
        """Every page of the site as a URL path ('' for the home page), 404.html left out."""
        paths = [p.relative_to(self.root).as_posix() for p in self.root.rglob("index.html")]
        return sorted(p.removesuffix("index.html") for p in paths)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = Site(build_site(tmp_path_factory.mktemp("browser-real") / "site"))
    yield site
    site.close()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = build_site(
        tmp_path_factory.mktemp("browser-hostile") / "site", FIXTURES / "hostile.yaml", FIXTURES / "measurements.json"
    )
    site = Site(root)
    yield site
    site.close()


# ---------------------------------------------------------------------------------------------------------------
# The browser


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "blob":
        return _is_local(url[len("blob:") :])
    if parts.scheme in ("data", "about"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in ("127.0.0.1", "localhost")


class Browser:
    """A Chromium session with the checks every visited page goes through."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.wait = WebDriverWait(driver, WAIT, poll_frequency=0.05)

    def open(self, url: str) -> None:
        self._drain()
        self.driver.get(url)  # returns after the load event
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def _drain(self) -> None:
        self.driver.get_log("browser")
        self.driver.get_log("performance")

    def requested_urls(self) -> list[str]:
        """What the page asked for: navigation and resource timing entries, then the DevTools network log
        (which also has the requests that failed and the search worker's)."""
        urls = self.driver.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".map(function (e) { return e.name; });"
        )
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                urls.append(message["params"]["url"])
        return urls

    def check_page(self) -> None:
        """No console error, no request to another host, no dialog: for the page as it is now."""
        where = self.driver.current_url
        foreign = sorted({u for u in self.requested_urls() if not _is_local(u)})
        assert not foreign, f"{where}: requests that leave 127.0.0.1: {foreign}"
        errors = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        if urlsplit(where).path.endswith(".svg"):  # an image opened on its own: the browser asks for /favicon.ico
            errors = [e for e in errors if "/favicon.ico - " not in e]
        assert not errors, f"{where}: console errors: {errors}"
        dialogs = self.driver.execute_script("return window.__dialogs || [];")
        assert not dialogs, f"{where}: dialogs opened: {dialogs}"

    def scroll_to(self, element: WebElement) -> WebElement:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        return element

    def scroll_to_heading(self, anchor: str) -> None:
        """Put a heading at the top of the viewport, just below Material's header."""
        heading = self.find(f"article #{anchor}")
        # One scroll straight there (scrolling back up would bring out Material's "Back to top" button).
        self.driver.execute_script(
            "window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY"
            " - document.querySelector('.md-header').offsetHeight - 12);",
            heading,
        )
        # Past the page's title, the header shows it instead of the site name.
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".md-header__title--active"))

    def find(self, css: str) -> WebElement:
        return self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css))

    def screenshot(self, name: str) -> Path:
        # Material animates the header title and the palette switch: let the next frames start any transition,
        # then wait for every one to finish.
        self.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "requestAnimationFrame(function () { requestAnimationFrame(function () { done(); }); });"
        )
        self.wait.until(
            lambda d: d.execute_script(
                "return document.getAnimations().every(function (a) { return a.playState !== 'running'; });"
            )
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        return path

    def set_scheme(self, scheme: str) -> None:
        """Switch Material's palette ("default" or "slate") the way a reader does: the header's toggle."""
        body = self.driver.find_element(By.TAG_NAME, "body")
        if body.get_attribute("data-md-color-scheme") == scheme:
            return
        toggle = next(
            label
            for label in self.driver.find_elements(By.CSS_SELECTOR, "[data-md-component=palette] label")
            if label.is_displayed()
        )
        toggle.click()
        self.wait.until(lambda d: body.get_attribute("data-md-color-scheme") == scheme)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMEDRIVER.exists():
        pytest.fail("/usr/bin/chromium is installed but /usr/bin/chromedriver is not (apt-get install chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # The driver path is always given, so Selenium Manager never looks for (or downloads) a driver.
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_DIALOGS})
        # Pages open in the light palette whatever the machine prefers; the tests switch to dark themselves.
        driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]}
        )
        # A 1280×900 viewport: the window is larger by the height of the (headless) browser chrome.
        driver.set_window_size(*VIEWPORT)
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight];")
        driver.set_window_size(2 * VIEWPORT[0] - inner[0], 2 * VIEWPORT[1] - inner[1])
        yield Browser(driver)
    finally:
        driver.quit()


@pytest.fixture
def page(browser: Browser) -> Iterator[Browser]:
    """The browser, back in the light palette and the default tab when the test is over."""
    yield browser
    # Material keeps the palette and the linked tab in the page origin's storage; a page may have none (e.g. the
    # test ended on an error page).
    with contextlib.suppress(WebDriverException):
        browser.driver.execute_script("localStorage.clear(); sessionStorage.clear();")


# ---------------------------------------------------------------------------------------------------------------
# Every page


def test_every_paper_page_renders_without_errors(page: Browser, real_site: Site) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    assert catalogue.papers
    for paper in catalogue.papers:
        page.open(real_site.url(f"papers/{paper.id}/"))
        heading = page.find("article h1").get_attribute("textContent").removesuffix("¶").strip()
        assert heading == paper.title, paper.id
        assert page.driver.title.startswith(paper.title)
        # The numbers come first: the stats block sits above the notes, the first thing after the metadata.
        order = page.driver.execute_script(
            "var s = document.querySelector('article .cat-stats'), n = document.querySelector('article h2#notes');"
            "return s && n ? s.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING : 0;"
        )
        assert order, f"{paper.id}: no stats block above the notes"
        labels = [
            e.get_attribute("textContent")
            for e in page.driver.find_elements(By.CSS_SELECTOR, "h2#notes + .tabbed-set .tabbed-labels > label")
        ]
        assert labels == ["English", "中文"], paper.id
        broken = page.driver.execute_script(
            "return Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src);"
        )
        assert not broken, f"{paper.id}: broken images {broken}"
        page.check_page()


def test_no_page_requests_anything_from_another_host(page: Browser, real_site: Site) -> None:
    pages = [p for p in real_site.pages() if not p.startswith("papers/")]  # paper pages: the test above
    assert {"", "catalogue/", "claims/", "queue/", "tags/"} <= set(pages)
    for path in pages:
        page.open(real_site.url(path))
        page.check_page()


def test_the_network_checks_catch_a_request_to_another_host(page: Browser, real_site: Site) -> None:
    """The checks above are not vacuous: a request to another host is seen, and it fails."""
    page.open(real_site.url())
    page.driver.execute_script(
        "var img = new Image(); img.id = 'probe'; img.src = 'https://example.com/probe.png'; "
        "document.body.appendChild(img);"
    )
    page.wait.until(lambda d: d.execute_script("var i = document.getElementById('probe'); return i.complete;"))
    assert page.driver.execute_script("return document.getElementById('probe').naturalWidth;") == 0
    with pytest.raises(AssertionError, match=r"example\.com/probe\.png"):
        page.check_page()
    page.driver.get_log("browser")  # the failed load's console error


# ---------------------------------------------------------------------------------------------------------------
# Interaction


def test_language_tabs_switch(page: Browser, real_site: Site) -> None:
    page.open(real_site.url("papers/res2net/"))
    tabs = page.find("h2#notes + .tabbed-set")
    en_label, zh_label = tabs.find_elements(By.CSS_SELECTOR, ".tabbed-labels > label")
    en, zh = tabs.find_elements(By.CSS_SELECTOR, ".tabbed-content > .tabbed-block")
    assert en.is_displayed() and not zh.is_displayed()  # English opens by default
    assert "Nankai" in en.find_element(By.CSS_SELECTOR, "[lang=en]").text
    page.scroll_to(zh_label).click()
    page.wait.until(lambda d: zh.is_displayed() and not en.is_displayed())
    assert zh.find_element(By.CSS_SELECTOR, "[lang=zh]").text
    page.scroll_to(en_label).click()
    page.wait.until(lambda d: en.is_displayed() and not zh.is_displayed())
    page.check_page()


def test_a_refuted_note_sentence_is_marked_in_both_tabs(page: Browser, real_site: Site) -> None:
    """The note's "FLOPs降低69%" sentence links to the claim that refutes it, in 中文 and in English."""
    page.open(real_site.url("papers/res2net/"))
    for lang in ("en", "zh"):
        marker = page.driver.find_elements(
            By.CSS_SELECTOR, f"h2#notes + .tabbed-set [lang={lang}] a[href='#claim-note-flops-reduction-69']"
        )
        assert marker and "refuted" in marker[0].get_attribute("textContent"), lang
    claim = page.find("#claim-note-flops-reduction-69")
    assert "cat-claim--refuted" in claim.get_attribute("class")
    page.check_page()


def _open_every_detail(page: Browser) -> int:
    """Open every <details> of the content and wait until the on-demand ones have loaded, again for the details
    that arrive inside a loaded group. Returns how many are open."""
    return page.driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "function round() {"
        "  var closed = Array.from(document.querySelectorAll('article details:not([open])'));"
        "  if (!closed.length) { done(document.querySelectorAll('article details').length); return; }"
        "  closed.forEach(function (d) { d.open = true; });"
        "  Promise.all(closed.filter(function (d) { return d.classList.contains('cat-lazy'); })"
        "    .map(function (d) { return window.catLazyFill(d); })).then(round);"
        "}"
        "round();"
    )


def test_details_load_on_demand(page: Browser, real_site: Site) -> None:
    # A link to a grouped claim (verified or cited, loaded on demand) loads its group and lands on the claim.
    html = (real_site.root / "papers" / "res2net" / "index.html").read_text(encoding="utf-8")
    anchor, group = re.search(r'<i id="(claim-[^"]+)" data-group="(cited|verified)-claims">', html).groups()
    page.open(real_site.url(f"papers/res2net/#{anchor}"))
    row = page.find(f"[data-claim='{anchor}'].cat-claim--target")
    assert f"cat-claim--{group}" in row.get_attribute("class") and row.is_displayed()
    page.open(real_site.url("papers/res2net/"))
    claim = page.find("#claim-note-flops-reduction-69 details.cat-lazy")
    assert not claim.find_elements(By.CSS_SELECTOR, "dl")  # nothing loaded before it is opened
    page.scroll_to(claim.find_element(By.TAG_NAME, "summary")).click()
    page.wait.until(lambda d: claim.find_elements(By.CSS_SELECTOR, "dl.cat-facts"))
    facts = claim.find_element(By.CSS_SELECTOR, "dl.cat-facts").text
    assert "Computation" in facts and "Source" in facts
    assert "Acknowledged:" in claim.text
    stages = page.find("details.cat-lazy[data-key='model-res2net50_26w_4s']")
    page.scroll_to(stages.find_element(By.TAG_NAME, "summary")).click()
    page.wait.until(lambda d: len(stages.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 5)
    assert stages.find_elements(By.XPATH, ".//td[normalize-space()='stage1']")
    code = page.find("details.cat-lazy[data-code='code/reference_impls/res2net.py']")
    page.scroll_to(code.find_element(By.TAG_NAME, "summary")).click()
    page.wait.until(lambda d: "class " in code.text)
    page.check_page()


# Pages of every type (the audit and the phone test visit these).
PAGE_TYPES = (
    "",
    "catalogue/",
    "claims/",
    "queue/",
    "tags/",
    "tags/attention/",
    "papers/res2net/",
    "papers/efficientnet/",
    "papers/hetconv/",
    "insights/",
    "insights/params-vs-gmacs/",
    "insights/efficientnet-scaling/",
    "insights/randwire-seeds/",
    "insights/latency-vs-macs/",
    "insights/compare/",
    "conventions/",
)
PHONE = (390, 844)


def test_no_page_is_wider_than_a_phone(page: Browser, real_site: Site) -> None:
    """At 390 px, with every detail open, nothing scrolls the page sideways: wide tables scroll in their box."""
    driver = page.driver
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        for path in PAGE_TYPES:
            page.open(real_site.url(path))
            _open_every_detail(page)
            width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
            assert width[0] <= width[1] == PHONE[0], f"/{path}: the page is {width[0]} px wide at {PHONE[0]} px"
            if path == "insights/efficientnet-scaling/":  # a two-panel chart: its panels, one under the other
                panels = driver.find_elements(By.CSS_SELECTOR, "article img.cat-chart--panel[src*='-light.svg']")
                page.wait.until(lambda d: all(p.get_attribute("complete") == "true" for p in panels))  # noqa: B023  # called within this iteration
                boxes = [p.rect for p in panels]
                assert len(boxes) == 2 and all(b["width"] > 0 for b in boxes) and boxes[0]["y"] < boxes[1]["y"], boxes
                wholes = driver.find_elements(By.CSS_SELECTOR, "article img.cat-chart--whole")
                assert not any(i.is_displayed() for i in wholes)
            if path.startswith("papers/"):  # wide tables are stacked cards: no header row, labelled cells
                header = driver.execute_script(
                    "var h = document.querySelector('table.cat-cards thead'); "
                    "return h && h.getBoundingClientRect().height;"
                )
                assert header is not None and header <= 1, path
            page.check_page()
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run `make browser`, which runs npm install)")
@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_axe_finds_no_violation(page: Browser, real_site: Site, scheme: str) -> None:
    """axe-core (from npm, injected from disk) reports no violation of any impact on any page type, in both
    palettes, with every collapsible opened."""
    source = AXE.read_text(encoding="utf-8")
    report = {}
    for path in PAGE_TYPES:
        page.open(real_site.url(path))
        page.set_scheme(scheme)
        _open_every_detail(page)
        # Material fades colours when the palette changes: audit the settled page, not a frame of the fade.
        page.wait.until(
            lambda d: d.execute_script(
                "return document.getAnimations().every(function (a) { return a.playState !== 'running'; });"
            )
        )
        page.driver.execute_script(source)
        result = page.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
            "  done(r.violations.map(function (v) { return [v.id, v.impact, v.nodes.length,"
            "    v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })]; })); });"
        )
        if result:
            report[f"/{path}"] = result
    assert not report, "\n".join(
        f"{path}: {rule} ({impact}) ×{count}: {', '.join(targets)}"
        for path, violations in report.items()
        for rule, impact, count, targets in violations
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("计算量", {"res2net", "hetconv"}),  # jieba splits it into 计算 + 量, in the index and in the query
        ("南开大学", {"res2net"}),
        ("Res2Net", {"res2net"}),
        ("FLOPs降低", {"res2net"}),  # Latin and CJK in one query, no space between them
        ("bottleneck", {"resnet"}),
    ],
)
def test_search_finds_chinese_and_english_terms(page: Browser, real_site: Site, query: str, expected: set[str]) -> None:
    catalogue = {p.id: p for p in load_catalogue(DEFAULT_CATALOGUE).papers}
    for paper_id in expected:  # if a note is rewritten, pick another term from it
        paper = catalogue[paper_id]
        text = f"{paper.title} {paper.tldr} {paper.notes.zh} {paper.notes.en}".replace(" ", "")
        assert query.replace(" ", "") in text, f"{query!r} is no longer in {paper_id}"
    page.open(real_site.url())
    page.driver.find_element(By.TAG_NAME, "body").send_keys("/")  # the keyboard shortcut opens the dialog
    box = page.find("dialog.pf-search[open] input.pf-search__input")
    box.send_keys(query)

    def found(driver: WebDriver) -> list[str]:
        hrefs = driver.execute_script(  # read in one step: the result list is re-rendered while typing
            "return Array.from(document.querySelectorAll('.pf-search__result a')).map(function (a) { return a.href; });"
        )
        papers = [p.split("/")[2] for p in (urlsplit(href).path for href in hrefs) if p.startswith("/papers/")]
        return papers if expected <= set(papers) else []

    try:
        papers = page.wait.until(found)
    except TimeoutException:
        status = page.driver.find_element(By.CSS_SELECTOR, ".pf-search__status").text
        pytest.fail(f"search for {query!r} did not list {sorted(expected)}: {status!r}")
    assert expected <= set(papers)
    box.send_keys(Keys.ARROW_DOWN)  # the arrow keys select a result, Enter opens it
    first = page.driver.find_element(By.CSS_SELECTOR, ".pf-search__result a[aria-selected=true]").get_attribute("href")
    box.send_keys(Keys.ENTER)
    page.wait.until(lambda driver: driver.current_url == first)
    page.check_page()


def test_search_dialog_closes_with_escape(page: Browser, real_site: Site) -> None:
    page.open(real_site.url("papers/res2net/"))
    page.driver.find_element(By.TAG_NAME, "body").send_keys("s")
    box = page.find("dialog.pf-search[open] input.pf-search__input")
    box.send_keys(Keys.ESCAPE)
    page.wait.until(lambda driver: not driver.execute_script("return document.querySelector('dialog.pf-search').open"))
    page.find("button.pf-search-button").click()  # the header button opens it again
    page.find("dialog.pf-search[open] input.pf-search__input")


def _column(page: Browser, index: int) -> list[str]:
    return page.driver.execute_script(
        "return Array.from(document.querySelectorAll('.cat-table[data-kind=papers] tbody tr'))"
        f".map(function (tr) {{ return tr.cells[{index}].textContent.trim(); }});"
    )


def test_catalogue_table_sorts_and_filters(page: Browser, real_site: Site) -> None:
    data = json.loads((real_site.root / "data" / "papers.json").read_text(encoding="utf-8"))
    rows = data["rows"]
    page.open(real_site.url("catalogue/"))
    search = page.find(".cat-table__controls input[type=search]")  # the script has taken over the table
    assert len(_column(page, 0)) == len(rows)
    before = _column(page, 0)

    # Sort: the title header, ascending then descending.
    title = page.scroll_to(page.find(".cat-table thead th[data-sort-key=title]"))
    title.click()
    page.wait.until(lambda d: title.get_attribute("aria-sort") == "ascending")
    ascending = _column(page, 0)
    assert ascending != before
    assert ascending == page.driver.execute_script(
        "return arguments[0].slice().sort(function (a, b) { return a.localeCompare(b); });", ascending
    )
    title.click()
    page.wait.until(lambda d: title.get_attribute("aria-sort") == "descending")
    assert _column(page, 0) == ascending[::-1]
    year = page.find(".cat-table thead th[data-sort-key=year]")
    year.click()  # another column: ascending, numerically
    page.wait.until(
        lambda d: year.get_attribute("aria-sort") == "ascending" and title.get_attribute("aria-sort") is None
    )
    years = [int(y) for y in _column(page, 1)]
    assert years == sorted(years) and len(set(years)) > 1
    params = page.find(".cat-table thead th[data-sort-key=params]")
    params.click()  # numbers sort by value (25,557,032 after 5,288,548), papers without a model last
    page.wait.until(lambda d: params.get_attribute("aria-sort") == "ascending")
    counts = _column(page, 5)
    known = [int(c.replace(",", "")) for c in counts if c != "—"]
    assert known == sorted(known) and len(known) > 2 and counts[len(known) :] == ["—"] * (len(counts) - len(known))

    # Filter: typing narrows the rows to the matches (title, authors, venue, year, tags, models).
    query = "attention"
    expected = sorted(
        r["title"]
        for r in rows
        if query in " ".join([r["title"], r["authors"], r["venue"], str(r["year"]), *r["tags"], *r["models"]]).lower()
    )
    assert 0 < len(expected) < len(rows)
    page.scroll_to(search).send_keys(query)
    page.wait.until(lambda d: len(_column(page, 0)) == len(expected))
    assert sorted(_column(page, 0)) == expected
    assert f"(filtered from {len(rows)})" in page.find(".cat-table__controls .cat-table__count").text
    search.clear()
    search.send_keys("no-such-paper-xyz")
    page.wait.until(lambda d: not _column(page, 0))
    assert page.find(".cat-table__controls .cat-table__count").text == "No rows match."

    # The status select.
    search.clear()
    search.send_keys(" ")  # an input event; the query trims to nothing
    page.wait.until(lambda d: len(_column(page, 0)) == len(rows))
    Select(page.find(".cat-table__controls select[aria-label=Status]")).select_by_value("to-read")
    to_read = sorted(r["title"] for r in rows if r["status"] == "to-read")
    page.wait.until(lambda d: sorted(_column(page, 0)) == to_read)
    page.check_page()


# ---------------------------------------------------------------------------------------------------------------
# Charts


CHARTS = "article img, article object, article svg:not(.md-icon svg):not(.twemoji svg)"

# Every chart element of the content: its source, whether it loaded, whether it is shown, its alt text.
CHART_STATE = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (e) {
  var r = e.getBoundingClientRect();
  var img = e.tagName === 'IMG';
  return {
    tag: e.tagName.toLowerCase(),
    src: e.getAttribute('src') || e.getAttribute('data') || '',
    loaded: img ? e.complete && e.naturalWidth > 0 : true,
    unrendered_lazy: img && e.loading === 'lazy' && !e.getClientRects().length,
    shown: r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden',
    alt: img ? (e.getAttribute('alt') || '').trim() : 'n/a'
  };
});
"""


def _chart_pages(site: Site) -> list[str]:
    """The pages with an image in their content: the insight pages' charts."""
    pages = []
    for path in site.pages():
        html = (site.root / path / "index.html").read_text(encoding="utf-8")
        start, end = html.find("<article"), html.find("</article>")
        if start >= 0 and any(t in html[start:end] for t in ("<img", "<svg", "<object")):
            pages.append(path)
    return pages


def _charts(page: Browser) -> list[dict]:
    """Every chart element once the images that are rendered have loaded (a lazy image that is not rendered,
    such as a chart's phone-only panel on a wide screen, is never requested)."""
    page.wait.until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('article img')).every(function (i) {"
            "  return i.complete || (i.loading === 'lazy' && !i.getClientRects().length); });"
        )
    )
    return page.driver.execute_script(CHART_STATE, CHARTS)


def test_charts_load(page: Browser, real_site: Site) -> None:
    chart_pages = _chart_pages(real_site)
    insights = [p for p in real_site.pages() if p.startswith("insights/")]
    if not chart_pages:
        pytest.skip("the site has no chart pages yet")
    assert not insights or set(chart_pages) & set(insights), "no insight page has a chart"
    for path in sorted(set(chart_pages) | set(insights)):  # every insight page loads cleanly, charts or not
        page.open(real_site.url(path))
        charts = _charts(page)
        for chart in charts:
            assert chart["loaded"] or chart["unrendered_lazy"], f"{path}: <{chart['tag']} {chart['src']}> did not load"
            assert chart["alt"], f"{path}: <{chart['tag']} {chart['src']}> has no alt text"
        assert any(c["shown"] for c in charts) or path not in chart_pages, f"{path}: no chart is shown"
        page.check_page()

    # Light and dark: where a chart comes in both (Material's #only-light / #only-dark), the scheme picks one.
    page.open(real_site.url(chart_pages[0]))
    first = page.driver.find_elements(By.CSS_SELECTOR, CHARTS)
    if first:
        page.scroll_to(first[0])
    for scheme, shown, hidden in (("default", "#only-light", "#only-dark"), ("slate", "#only-dark", "#only-light")):
        page.set_scheme(scheme)
        charts = _charts(page)
        assert all(c["shown"] for c in charts if c["src"].endswith(shown)), f"{scheme}: {shown} hidden"
        assert not any(c["shown"] for c in charts if c["src"].endswith(hidden)), f"{scheme}: {hidden} shown"
        page.screenshot(f"chart-{'light' if scheme == 'default' else 'dark'}")
    page.set_scheme("default")
    page.check_page()


def test_compare_view_picks_two_models(page: Browser, real_site: Site) -> None:
    data_file = real_site.root / "data" / "models.json"
    if not (real_site.root / "insights" / "compare" / "index.html").is_file() or not data_file.is_file():
        pytest.skip("the site has no compare view yet")
    models = {m["id"]: m for m in json.loads(data_file.read_text(encoding="utf-8"))["models"]}
    assert len(models) >= 3
    first, second, third = sorted(models)[:3]

    def heads(driver: WebDriver) -> list[str]:
        return [th.text for th in driver.find_elements(By.CSS_SELECTOR, ".cat-compare__table thead th")][1:3]

    page.open(real_site.url(f"insights/compare/#{first},{second}"))  # a linked pair opens preselected
    page.wait.until(lambda d: heads(d) == [first, second])
    Select(page.find(".cat-compare__controls label:nth-of-type(2) select")).select_by_value(third)
    page.wait.until(lambda d: heads(d) == [first, third])
    assert urlsplit(page.driver.current_url).fragment == f"{first},{third}"
    params = page.driver.find_element(
        By.XPATH, "//table[contains(@class,'cat-compare__table')]//tr[th[normalize-space()='Parameters (M)']]"
    )
    cells = [td.text for td in params.find_elements(By.TAG_NAME, "td")]
    assert cells[:2] == [f"{models[first]['params'] / 1e6:.2f}", f"{models[third]['params'] / 1e6:.2f}"]
    page.scroll_to(page.find(".cat-compare__controls button")).click()  # swap
    page.wait.until(lambda d: heads(d) == [third, first])
    page.check_page()


# ---------------------------------------------------------------------------------------------------------------
# Screenshots


def test_screenshots(page: Browser, real_site: Site) -> None:
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout if fc_list else ""
    if not fonts.strip():
        warnings.warn(
            "no CJK font installed (make browser installs fonts-wqy-microhei): Chinese shows as boxes", stacklevel=2
        )
    page.open(real_site.url())
    assert page.find("body").get_attribute("data-md-color-scheme") == "default"
    page.screenshot("home")
    page.open(real_site.url("papers/res2net/"))
    page.screenshot("res2net-light")
    page.set_scheme("slate")
    assert page.driver.execute_script("return getComputedStyle(document.body).backgroundColor;") != "rgb(255, 255, 255)"
    page.screenshot("res2net-dark")
    page.set_scheme("default")
    # The README's picture: every model of the paper with its recomputed parameters and multiply-adds.
    page.scroll_to_heading("models")
    readme = page.screenshot("res2net-measured-cost")
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(readme, README_SCREENSHOT)
    page.scroll_to_heading("claims")  # further down: the scroll goes on downwards
    page.screenshot("res2net-claims")
    page.check_page()


# ---------------------------------------------------------------------------------------------------------------
# Hostile input


# Hover, focus and click everything in the content that could carry a handler or a script URL.
PROVOKE = """
var article = document.querySelector('article');
article.querySelectorAll('*').forEach(function (el) {
  ['mouseover', 'mouseenter', 'focus', 'pointerdown'].forEach(function (type) {
    el.dispatchEvent(new Event(type, {bubbles: true}));
  });
});
article.querySelectorAll('a, button, input, summary, label').forEach(function (el) {
  var href = el.getAttribute('href');
  var squeezed = (href || '').replace(/[\\x00-\\x20]/g, '');
  // Links that go somewhere are not followed; the rest (no href, '#', a script URL) are clicked.
  if (href !== null && !/^#/.test(squeezed) && !/^(javascript|data|vbscript):/i.test(squeezed)) return;
  el.click();
});
"""

# What a payload would have left behind.
INSPECT = """
var article = document.querySelector('article');
var handlers = [];
article.querySelectorAll('*').forEach(function (el) {
  Array.from(el.attributes).forEach(function (a) {
    if (/^on/i.test(a.name) || /^\\s*(javascript|data|vbscript):/i.test(a.value)) {
      handlers.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  });
});
return {
  pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
  dialogs: window.__dialogs || [],
  frames: window.frames.length,
  embedded: Array.from(article.querySelectorAll('script, iframe, object, embed, svg, img, form, style'))
    .filter(function (e) {  /* the site's own charts: <img class="cat-chart"> of an SVG file of this site */
      var url = e.tagName === 'IMG' && new URL(e.getAttribute('src') || '', location.href);
      return !(url && (e.classList.contains('cat-chart') || e.classList.contains('cat-thumb')) &&
               url.origin === location.origin && /\\.svg$/.test(url.pathname));
    })
    .map(function (e) { return e.outerHTML.slice(0, 120); }),
  handlers: handlers,
  scripts: Array.from(document.scripts).map(function (s) { return [s.getAttribute('src'), s.text]; })
};
"""


def assert_inert(page: Browser, site: Site, path: str) -> None:
    """Open a page built from hostile text, provoke every payload it could hold, and assert none ran."""
    page.open(site.url(path))
    page.wait.until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.cat-table[data-kind]'))"
            ".every(function (b) { return b.querySelector('.cat-table__controls'); });"
        )
    )  # JS-rendered rows too
    page.driver.execute_script(PROVOKE)
    assert urlsplit(page.driver.current_url).path == f"/{path}", f"{path}: a click navigated away"
    try:
        alert = page.driver.switch_to.alert  # a dialog that got past the recorder
        pytest.fail(f"{path}: an alert is open: {alert.text!r}")
    except NoAlertPresentException:
        pass
    state = page.driver.execute_script(INSPECT)
    assert state["pwned"] is None, f"{path}: a payload ran: window.__pwned = {state['pwned']!r}"
    assert not state["dialogs"], f"{path}: a payload opened {state['dialogs']}"
    assert state["frames"] == 0 and not state["embedded"], f"{path}: embedded content {state['embedded']}"
    assert not state["handlers"], f"{path}: {state['handlers']}"
    for src, text in state["scripts"]:
        if src:  # the theme's and the site's own scripts only
            url = urlsplit(urljoin(page.driver.current_url, src))
            assert url.netloc == urlsplit(site.base).netloc and url.path.startswith("/assets/"), f"{path}: {src}"
        else:
            assert "alert(" not in text and "__pwned" not in text, f"{path}: catalogue text in a <script>"
    page.check_page()


def test_hostile_catalogue_runs_nothing_in_the_browser(page: Browser, hostile_site: Site) -> None:
    paths = hostile_site.pages()
    assert "papers/hostile/" in paths
    for path in paths:
        assert_inert(page, hostile_site, path)
    # A chart opened on its own (a reader's "open image in new tab") is a document that could run script.
    for svg in sorted(hostile_site.root.rglob("*.svg")):
        path = svg.relative_to(hostile_site.root).as_posix()
        if path.startswith("assets/"):
            continue  # the theme's icons
        page.open(hostile_site.url(path))
        state = page.driver.execute_script(
            "return {pwned: typeof window.__pwned !== 'undefined', dialogs: window.__dialogs || [],"
            " active: Array.from(document.querySelectorAll('script, foreignObject, iframe, *[onload], *[onclick]'))"
            "   .map(function (e) { return e.outerHTML.slice(0, 120); })};"
        )
        assert state == {"pwned": False, "dialogs": [], "active": []}, f"{path}: {state}"
        page.check_page()

    # Ordinary Markdown still renders, in the live page.
    page.open(hostile_site.url("papers/hostile/"))
    article = page.find("article")
    assert page.find("article h1").get_attribute("textContent").startswith("<script>alert('title')</script>")
    en = article.find_element(By.CSS_SELECTOR, "[lang=en]")
    assert en.find_element(By.TAG_NAME, "strong").get_attribute("textContent") == "english-bold"
    assert en.find_element(By.TAG_NAME, "em").get_attribute("textContent") == "emphasis"
    assert en.find_element(By.TAG_NAME, "code").get_attribute("textContent") == "english-code"
    items = [li.get_attribute("textContent") for li in en.find_elements(By.CSS_SELECTOR, "ul > li")]
    assert items == ["first item", "second item"]
    good = en.find_element(By.XPATH, ".//a[normalize-space()='a good link']")
    assert good.get_attribute("href") == "https://example.com/en"
    zh = article.find_element(By.CSS_SELECTOR, "[lang=zh]")
    assert zh.find_element(By.TAG_NAME, "strong").get_attribute("textContent") == "中文粗体"
    assert zh.find_element(By.TAG_NAME, "a").get_attribute("href") == "https://example.com/zh"
    page.screenshot("hostile")
    page.check_page()


@pytest.mark.parametrize(
    ("payload", "caught"),
    [
        ("<a href=\"javascript:alert('probe')\">probe</a>", r"opened \['alert\(probe\)'\]"),
        ("<script>window.__pwned = 'probe'</script>", r"window.__pwned = 'probe'"),
        ("<p onmouseover=\"this.title = 'x'\">probe</p>", r"P onmouseover="),
    ],
)
def test_the_hostile_checks_catch_a_payload_that_gets_through(
    page: Browser, hostile_site: Site, tmp_path: Path, payload: str, caught: str
) -> None:
    """The checks above are not vacuous: the hostile page with one unsanitized payload put back fails them."""
    root = tmp_path / "site"
    shutil.copytree(hostile_site.root, root)
    target = root / "papers" / "hostile" / "index.html"
    html = target.read_text(encoding="utf-8")
    opening = html.index(">", html.index("<article")) + 1
    target.write_text(html[:opening] + payload + html[opening:], encoding="utf-8")
    probe = Site(root)
    try:
        with pytest.raises(AssertionError, match=caught):
            assert_inert(page, probe, "papers/hostile/")
    finally:
        probe.close()
