/* Site search with Pagefind (the index is built after the site: tools/site/search_index.py).
 *
 * A search button in Material's header opens a dialog; `/` or `s` opens it from anywhere but a text field, Esc
 * closes it, the arrow keys move through the results and Enter opens one. Nothing is loaded until the dialog first
 * opens: then pagefind/pagefind.js and the few index chunks a query needs, all from this site (no CDN).
 *
 * Chinese: the index holds Chinese split into words by jieba with real spaces, and Pagefind matches a query word
 * against the words it begins. A query is split the same way here, with the browser's own segmenter
 * (`Intl.Segmenter`), so "FLOPs降低" becomes "FLOPs 降低". In excerpts the spaces between Chinese characters are
 * removed again.
 */
(function () {
  "use strict";

  var RESULTS_SHOWN = 10;
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

  /* Pagefind's excerpt is HTML with <mark> around the hits; rebuild it as text nodes and <mark> elements only. */
  function excerptNodes(excerpt, into) {
    var parser = new DOMParser();
    excerpt.split(/(<mark>|<\/mark>)/).reduce(function (marked, piece) {
      if (piece === "<mark>") return true;
      if (piece === "</mark>") return false;
      var text = (parser.parseFromString(piece, "text/html").body.textContent || "").replace(CJK_GAP, "$1");
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
  var dialog, input, list, status, latest = 0, timer = null, selected = -1;

  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return Promise.resolve(module.options({ baseUrl: root.pathname })).then(function () { return module; });
      });
    }
    return pagefind;
  }

  function select(index) {
    var items = list.querySelectorAll(".pf-search__result");
    if (!items.length) { selected = -1; return; }
    selected = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === selected ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[selected].id);
    items[selected].scrollIntoView({ block: "nearest" });
  }

  function render(results, total, query) {
    list.textContent = "";
    selected = -1;
    input.removeAttribute("aria-activedescendant");
    results.forEach(function (data, i) {
      var item = document.createElement("li");
      item.className = "pf-search__result";
      item.id = "pf-search-result-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = data.url;
      link.tabIndex = -1;
      var title = document.createElement("span");
      title.className = "pf-search__title";
      title.textContent = ((data.meta && data.meta.title) || data.url).replace(CJK_GAP, "$1");
      var excerpt = document.createElement("span");
      excerpt.className = "pf-search__excerpt";
      excerptNodes(data.excerpt || "", excerpt);
      link.appendChild(title);
      link.appendChild(excerpt);
      item.appendChild(link);
      item.addEventListener("mousemove", function () { if (selected !== i) select(i); });
      list.appendChild(item);
    });
    if (!query) status.textContent = "Type to search titles, TL;DRs, notes and claims, in Chinese or English.";
    else if (!total) status.textContent = "No matching pages.";
    else status.textContent = total + (total === 1 ? " matching page" : " matching pages") +
      (total > results.length ? " (first " + results.length + " shown)" : "");
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { render([], 0, ""); return; }
    status.textContent = "Searching…";
    loadPagefind().then(function (module) {
      return module.search(segmentQuery(query));
    }).then(function (found) {
      if (ticket !== latest || !found) return null;
      var shown = found.results.slice(0, RESULTS_SHOWN);
      return Promise.all(shown.map(function (r) { return r.data(); })).then(function (data) {
        if (ticket === latest) render(data, found.results.length, query);
      });
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
      '<button class="pf-search__close" type="submit" value="close" aria-label="Close search">Esc</button></form>' +
      '<p class="pf-search__status" role="status"></p>' +
      '<ul class="pf-search__results" id="pf-search-results" role="listbox" aria-label="Results"></ul>';
    input = dialog.querySelector(".pf-search__input");
    list = dialog.querySelector(".pf-search__results");
    status = dialog.querySelector(".pf-search__status");
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, DEBOUNCE_MS); });
    input.addEventListener("keydown", onKey);
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    render([], 0, "");

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

  window.__pagefindSearch = { segmentQuery: segmentQuery, open: open };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
