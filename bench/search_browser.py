"""Run the site's two searches in headless Chromium: Pagefind (as `search-pagefind.js` calls it) and Material's lunr
worker (as Material's search box calls it), and count the bytes a Pagefind query fetches.

Used by `bench/search_scale.py` and `tests/test_search_browser.py`. Debian's `chromium` and `chromium-driver`
(`make browser`).
The site is served by http.server on 127.0.0.1; Chromium resolves no other host.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.chromium import CHROMEDRIVER, CHROMIUM, HEADLESS_ARGS, OFFLINE_ARGS

CHROMIUM_ARGS = [*HEADLESS_ARGS, *OFFLINE_ARGS, "--window-size=1280,900"]
SENT: dict[str, list[tuple[str, int]]] = {}  # base URL -> (path, bytes) of every file the server sent

# The query preprocessing and the Pagefind options of search-pagefind.js, then Pagefind. `all` loads every result's
# URL (for recall); otherwise only the results the search box shows first (its `resultsShown`).
_PAGEFIND = """
const [query, all, done] = arguments;
(async () => {
  for (let waited = 0; !window.__pagefindSearch; waited += 50) {  // the page's scripts, in case load fired early
    if (waited > 10000) throw new Error('search-pagefind.js did not load');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const box = window.__pagefindSearch;
  const pf = await import('/pagefind/pagefind.js');
  await pf.options(Object.assign({baseUrl: '/'}, box.options));
  const segmented = box.segmentQuery(query);
  const found = await pf.search(segmented);
  const wanted = all ? found.results : found.results.slice(0, box.resultsShown);
  const data = await Promise.all(wanted.map(r => r.data()));
  done({segmented, total: found.results.length, shown: wanted.length, urls: data.map(d => d.url)});
})().catch(e => done({error: String(e)}));
"""
# Material's search worker, fed the site's search_index.json and the raw query, as its search box does.
_LUNR = """
const [queries, done] = arguments;
(async () => {
  const config = JSON.parse(document.getElementById('__config').textContent);
  const index = await (await fetch('/search/search_index.json')).json();
  const worker = new Worker(new URL(config.search, location.href));
  const answers = [];
  let pending = null;
  worker.onmessage = (event) => { if (pending) pending(event.data); };
  const ask = (message, type) => new Promise(resolve => {
    pending = (data) => { if (data.type === type) resolve(data.data); };
    worker.postMessage(message);
  });
  const options = {suggest: config.features.includes('search.suggest')};
  await ask({type: 0, data: {config: index.config, docs: index.docs, options}}, 1);  // SETUP -> READY
  for (const query of queries) {
    const result = await ask({type: 2, data: query}, 3);       // QUERY -> RESULT
    const urls = new Set();
    for (const group of result.items) for (const item of (Array.isArray(group) ? group : [group]))
      urls.add('/' + item.location.split('#')[0]);
    answers.push({total: urls.size, urls: [...urls]});
  }
  worker.terminate();
  done(answers);
})().catch(e => done({error: String(e)}));
"""


class _Counting(SimpleHTTPRequestHandler):
    """Serves files quietly and records (path, bytes) of every file it sends, whoever asks: the page, or a Web
    Worker, whose requests the page's Performance API does not list (Pagefind's, where it runs in one)."""

    sent: list[tuple[str, int]]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def copyfile(self, source: Any, outputfile: Any) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        self.sent.append((self.path.split("?")[0], source.tell() - start))


@contextmanager
def served(root: Path) -> Iterator[str]:
    """`root` served on 127.0.0.1 (ephemeral port); yields the base URL. Files sent: `SENT[base_url]`."""
    sent: list[tuple[str, int]] = []
    handler = type("Handler", (_Counting,), {"sent": sent})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    SENT[base] = sent
    try:
        yield base
    finally:
        SENT.pop(base, None)
        server.shutdown()
        server.server_close()


class SearchBrowser:
    """One headless Chromium on a served site. Every Pagefind query starts from a fresh page with an empty cache."""

    def __init__(self, base_url: str, page: str = "") -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in CHROMIUM_ARGS:
            options.add_argument(arg)
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_script_timeout(900)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        self.page = base_url + page
        self.sent = SENT[base_url]

    def close(self) -> None:
        self.driver.quit()

    def _fresh(self) -> None:
        self.driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        self.driver.get("about:blank")
        self.driver.get(self.page)

    def pagefind(self, query: str, *, all_results: bool = False) -> dict[str, Any]:
        """One query in a fresh page: {segmented, total, shown, urls, files: [[path, bytes]], bytes}.

        `files` are the /pagefind/ files the query fetched: the script, its worker and WebAssembly, the entry and
        metadata files, the index chunks and the fragments of the results loaded."""
        self._fresh()
        del self.sent[:]
        result: dict[str, Any] = self.driver.execute_async_script(_PAGEFIND, query, all_results)
        if "error" in result:
            raise RuntimeError(f"Pagefind query {query!r} failed in the browser: {result['error']}")
        result["files"] = [[path, size] for path, size in self.sent if path.startswith("/pagefind/")]
        result["bytes"] = sum(size for _, size in result["files"])
        return result

    def lunr(self, queries: list[str]) -> list[dict[str, Any]]:
        """Every query through Material's lunr worker (one index load): [{total, urls}]."""
        self._fresh()
        result = self.driver.execute_async_script(_LUNR, queries)
        if isinstance(result, dict) and "error" in result:
            raise RuntimeError(f"lunr search failed in the browser: {result['error']}")
        return list(result)


__all__ = ["CHROMIUM", "SearchBrowser", "served"]
