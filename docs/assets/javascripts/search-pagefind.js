/* Site search with Pagefind (the index is built after the site: tools/site/search_index.py).
 *
 * A search button in Material's header opens a dialog; `/` or `s` opens it from anywhere but a text field, Esc
 * closes it, the arrow keys move through the results and Enter opens one. Nothing is loaded until the dialog first
 * opens: then pagefind/pagefind.js and the few index chunks a query needs, all from this site (no CDN).
 *
 * Chinese: the index holds Chinese split into words by jieba with real spaces, and every prefix and suffix of
 * those words as words of their own. A query is split here with the browser's own segmenter (`Intl.Segmenter`),
 * so "FLOPs降低" becomes "FLOPs 降低" and each piece of a finer cut (模块 -> 模 块) is an indexed word. In excerpts
 * the spaces between Chinese characters are removed again.
 *
 * What a query fetches (docs/performance.md, "Search"): Pagefind's script, WebAssembly and metadata once, then the
 * index chunks of the query's words and one fragment per result shown. The search runs on the page, not in
 * Pagefind's Web Worker (a search takes milliseconds; the worker's script would be one more download), and the
 * first RESULTS_SHOWN results are loaded; "More results" loads the next ones.
 *
 * A hit in a claim links to the claim's row on its paper page (the index gives each claim a heading whose id is the
 * row's anchor, tools/site/search_index.py), with the claim's text as the preview.
 */
(function () {
  "use strict";

  var RESULTS_SHOWN = 5;
  // Ranking: Pagefind's default length normalisation (pageLength 0.75) lets a short page that mentions a word once
  // outrank a paper whose TL;DR is about it; 0.3 keeps titles, then TL;DRs (weighted 5), first.
  var PAGEFIND_OPTIONS = { noWorker: true, ranking: { pageLength: 0.3 } };
  var CLAIM_ANCHOR = /^claim-/;
  var DEBOUNCE_MS = 150;
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var CJK_RUN = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)/;
  var CJK_GAP = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]) (?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef])/g;

  function siteRoot() {
    var config = document.getElementById("__config");
    var base = ".";
    if (config) {
      try { base = JSON.parse(config.textContent).base || "."; } catch (e) { base = "."; }
    }
    return new URL(base.replace(/\/?$/, "/"), window.location.href);
  }

  /* "FLOPs降低 卷积神经网络" -> "FLOPs 降低 卷积 神经网络": Chinese runs split into words, the rest kept. */
  function segmentQuery(query) {
    if (!CJK.test(query) || typeof Intl === "undefined" || !Intl.Segmenter) {
      return query.replace(CJK_RUN, " $1 ").replace(/\s+/g, " ").trim();
    }
    var segmenter = new Intl.Segmenter("zh", { granularity: "word" });
    return query.split(CJK_RUN).map(function (part) {
      if (!CJK.test(part)) return part;
      var words = [];
      for (var it = segmenter.segment(part)[Symbol.iterator](), step = it.next(); !step.done; step = it.next()) {
        if (step.value.isWordLike !== false && step.value.segment.trim()) words.push(step.value.segment);
      }
      return " " + words.join(" ") + " ";
    }).join("").replace(/\s+/g, " ").trim();
  }

  /* Pagefind's excerpt is HTML with <mark> around the hits; rebuild it as text nodes and <mark> elements only.
     A <textarea> decodes the entities of each piece as text (nothing in it is parsed as markup) and, unlike a
     parsed document, keeps its leading spaces: "<mark>FLOPs</mark> drop" stays two words. */
  function excerptNodes(excerpt, into) {
    var decoder = document.createElement("textarea");
    excerpt.split(/(<mark>|<\/mark>)/).reduce(function (marked, piece) {
      if (piece === "<mark>") return true;
      if (piece === "</mark>") return false;
      decoder.innerHTML = piece;
      var text = decoder.value.replace(CJK_GAP, "$1");
      if (!text) return marked;
      if (marked) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        into.appendChild(mark);
      } else {
        into.appendChild(document.createTextNode(text));
      }
      return marked;
    }, false);
  }

  var root = siteRoot();
  var pagefind = null;
  var dialog, input, list, status, more, latest = 0, timer = null, selected = -1;
  var current = null;  // the query shown: {found, query, shown}

  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        var options = Object.assign({ baseUrl: root.pathname }, PAGEFIND_OPTIONS);
        return Promise.resolve(module.options(options)).then(function () { return module; });
      });
    }
    return pagefind;
  }

  /* The options are the result links themselves (a link inside an option would nest two interactive elements). */
  function select(index) {
    var items = list.querySelectorAll(".pf-search__result a");
    if (!items.length) { selected = -1; return; }
    selected = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === selected ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[selected].id);
    items[selected].scrollIntoView({ block: "nearest" });
  }

  /* Where a result leads and what it previews: the claim's row when the best hit is in a claim (and the title did
     not match), otherwise the page. Pagefind scores every hit; a sub-result gathers the hits under one heading. */
  function place(result, data) {
    var best = null, bestScore = 0;
    (data.sub_results || []).forEach(function (sub) {
      var score = (sub.weighted_locations || []).reduce(function (sum, hit) { return sum + (hit.balanced_score || 0); }, 0);
      if (score > bestScore) { best = sub; bestScore = score; }
    });
    var titleHit = (result.matchedMetaFields || []).indexOf("title") >= 0;
    var claim = !titleHit && best && best.anchor && CLAIM_ANCHOR.test(best.anchor.id || "") ? best : null;
    return {
      url: claim ? claim.url : data.url,
      excerpt: claim ? withoutHeading(claim.excerpt, claim.title) : data.excerpt,
      kind: claim ? (claim.title ? claim.title + " claim" : "claim") : ""
    };
  }

  /* A claim's excerpt opens with its heading, the verdict ("cited. A Res2Net-200 ..."), shown as the label. */
  function withoutHeading(excerpt, heading) {
    var start = /^\s*(?:<mark>)?([^<.]*)(?:<\/mark>)?\.\s*/.exec(excerpt || "");
    return start && heading && start[1].trim() === heading ? excerpt.slice(start[0].length) : excerpt;
  }

  function item(result, data, i) {
    var where = place(result, data);
    var entry = document.createElement("li");
    entry.className = "pf-search__result";
    entry.setAttribute("role", "presentation");
    var link = document.createElement("a");
    link.href = where.url;
    link.tabIndex = -1;
    link.id = "pf-search-result-" + i;
    link.setAttribute("role", "option");
    link.setAttribute("aria-selected", "false");
    var title = document.createElement("span");
    title.className = "pf-search__title";
    title.textContent = ((data.meta && data.meta.title) || data.url).replace(CJK_GAP, "$1");
    if (where.kind) {
      var kind = document.createElement("span");
      kind.className = "pf-search__kind";
      kind.textContent = where.kind;
      title.appendChild(document.createTextNode(" "));
      title.appendChild(kind);
    }
    var excerpt = document.createElement("span");
    excerpt.className = "pf-search__excerpt";
    excerptNodes(where.excerpt || "", excerpt);
    link.appendChild(title);
    link.appendChild(excerpt);
    entry.appendChild(link);
    entry.addEventListener("mousemove", function () { if (selected !== i) select(i); });
    return entry;
  }

  function describe(query, total, shown) {
    if (!query) return "Type to search titles, TL;DRs, notes and claims, in Chinese or English.";
    if (!total) return "No matching pages.";
    return total + (total === 1 ? " matching page" : " matching pages") +
      (total > shown ? " (first " + shown + " shown)" : "");
  }

  /* Appends the next RESULTS_SHOWN results of the current query (one fragment each). */
  function showMore(ticket) {
    var found = current.found;
    var next = found.results.slice(current.shown, current.shown + RESULTS_SHOWN);
    more.hidden = true;
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (data) {
      if (ticket !== latest) return;
      data.forEach(function (d, k) { list.appendChild(item(next[k], d, current.shown + k)); });
      current.shown += data.length;
      status.textContent = describe(current.query, found.results.length, current.shown);
      more.hidden = current.shown >= found.results.length;
    });
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    list.textContent = "";
    selected = -1;
    input.removeAttribute("aria-activedescendant");
    more.hidden = true;
    if (!query) { status.textContent = describe("", 0, 0); return; }
    status.textContent = "Searching…";
    loadPagefind().then(function (module) {
      return module.search(segmentQuery(query));
    }).then(function (found) {
      if (ticket !== latest || !found) return null;
      current = { found: found, query: query, shown: 0 };
      if (!found.results.length) { status.textContent = describe(query, 0, 0); return null; }
      return showMore(ticket);
    }).catch(function (error) {
      if (ticket === latest) status.textContent = "Search is unavailable: " + error.message;
    });
  }

  function open() {
    if (!dialog.open) dialog.showModal();
    input.select();
    loadPagefind();  // start fetching while the reader types
  }

  function onKey(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(selected + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && selected >= 0) {
      event.preventDefault();
      window.location.href = list.querySelectorAll(".pf-search__result a")[selected].href;
    }
  }

  function isTextField(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "pf-search";
    dialog.setAttribute("aria-label", "Search the site");
    dialog.innerHTML =
      '<form method="dialog" class="pf-search__bar" role="search">' +
      '<input class="pf-search__input" type="search" autocomplete="off" spellcheck="false" ' +
      'placeholder="Search · 搜索" aria-label="Search" role="combobox" aria-expanded="true" ' +
      'aria-controls="pf-search-results" aria-autocomplete="list">' +
      '<button class="pf-search__close" type="submit" value="close" aria-label="Esc: close search">Esc</button></form>' +
      '<p class="pf-search__status" role="status"></p>' +
      '<ul class="pf-search__results" id="pf-search-results" role="listbox" aria-label="Results"></ul>' +
      '<button class="pf-search__more" type="button" hidden>More results</button>';
    input = dialog.querySelector(".pf-search__input");
    list = dialog.querySelector(".pf-search__results");
    status = dialog.querySelector(".pf-search__status");
    more = dialog.querySelector(".pf-search__more");
    more.addEventListener("click", function () { if (current) showMore(latest); input.focus(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, DEBOUNCE_MS); });
    input.addEventListener("keydown", onKey);
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    status.textContent = describe("", 0, 0);

    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-header__button md-icon pf-search-button";
    button.title = "Search (press / or s)";
    button.setAttribute("aria-label", "Search");
    button.innerHTML = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">' +
      '<path d="M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 ' +
      '6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5"/></svg>';
    button.addEventListener("click", open);
    var header = document.querySelector(".md-header__inner");
    if (header) header.insertBefore(button, header.querySelector(".md-header__option, .md-header__source"));

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || dialog.open || isTextField(event.target)) return;
      if (event.key === "/" || event.key === "s" || event.key === "S") {
        event.preventDefault();
        open();
      }
    });
  }

  /* For the search benchmark and tests (bench/search_browser.py): the query as this box sends it, and its options. */
  window.__pagefindSearch = {
    segmentQuery: segmentQuery, open: open, options: PAGEFIND_OPTIONS, resultsShown: RESULTS_SHOWN, place: place
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
