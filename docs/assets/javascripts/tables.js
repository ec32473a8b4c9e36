/*
 * Paged, sortable, filterable tables for the catalogue, tag, queue and claims pages. Our own; no CDN.
 *
 * The page holds the first rows as an ordinary table inside <div class="cat-table" data-kind="papers|claims">
 * (readable without JavaScript) and a link to the full data (a.cat-table__data -> data/papers.json or
 * data/claims.json). This script fetches that file once, then renders one page of rows at a time, so the
 * HTML of the page stays small however large the catalogue is. All text is inserted with textContent.
 */
(function () {
  "use strict";

  var cache = {};
  var VERDICT_RANK = { error: 0, refuted: 1, inconclusive: 2, verified: 3, cited: 4 };
  var VERDICTS = ["error", "refuted", "inconclusive", "verified", "cited"];
  var STATUS_LABEL = { read: "read", reading: "reading", "to-read": "to read" };

  function fetchJson(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(url + ": HTTP " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(root, url, text, cls) {
    var a = el("a", cls ? { class: cls } : null, text);
    a.href = new URL(url, root).href; /* url is relative to the site root; never a script URL */
    return a;
  }

  function badge(cls, text) { return el("span", { class: cls }, text); }

  /* Column definitions: key for sorting, header text, cell renderer. */
  var KINDS = {
    papers: {
      search: function (r) { return [r.title, r.authors, r.venue, r.year, r.tags.join(" "), r.models.join(" ")].join(" "); },
      columns: [
        { key: "title", cell: function (r, root) { return link(root, r.url, r.title); } },
        { key: "year", cell: function (r) { return document.createTextNode(String(r.year)); } },
        { key: "venue", cell: function (r) { return document.createTextNode(r.venue); } },
        { key: "tags", cell: function (r, root) {
            var span = el("span");
            r.tags.forEach(function (t, i) {
              if (i) span.appendChild(document.createTextNode(", "));
              if (root.tagUrls[t]) span.appendChild(link(root, root.tagUrls[t], t));
              else span.appendChild(document.createTextNode(t));
            });
            if (!r.tags.length) span.textContent = "—";
            return span;
          } },
        { key: "status", cell: function (r) { return badge("cat-badge cat-badge--" + r.status, STATUS_LABEL[r.status] || r.status); } },
        { key: "params", cell: function (r) { return number(r.params, function (v) { return v.toLocaleString("en-US"); }); } },
        { key: "macs", cell: function (r) { return number(r.macs, function (v) { return (v / 1e9).toFixed(3); }); } },
        { key: "top1", cell: function (r) { return number(r.top1, function (v) { return v.toFixed(2); }); } },
        { key: "refuted", cell: function (r) {
            var parts = VERDICTS.filter(function (v) { return r.verdicts && r.verdicts[v]; });
            var total = parts.reduce(function (n, v) { return n + r.verdicts[v]; }, 0);
            return document.createTextNode(total ? total + " claim" + (total === 1 ? "" : "s") + ": " +
              parts.map(function (v) { return r.verdicts[v] + " " + v; }).join(", ") : "—");
          } }
      ],
      filters: [
        { name: "tag", label: "Tag", values: function (rows) { return uniq([].concat.apply([], rows.map(function (r) { return r.tags; }))); },
          test: function (r, v) { return r.tags.indexOf(v) >= 0; } },
        { name: "status", label: "Status", values: function () { return ["read", "reading", "to-read"]; },
          test: function (r, v) { return r.status === v; } }
      ]
    },
    claims: {
      search: function (r) { return [r.paper, r.paper_title, r.claim, r.text, r.claimed, r.measured, r.summary].join(" "); },
      columns: [
        { key: "paper_title", cell: function (r, root) { return link(root, r.url, r.paper_title); } },
        { key: "text", cell: function (r) { return document.createTextNode(r.text); } },
        { key: "verdict", cell: function (r) {
            var span = el("span");
            span.appendChild(badge("cat-verdict cat-verdict--" + r.verdict, r.verdict));
            if (r.acknowledged) span.appendChild(document.createTextNode(" (acknowledged)"));
            return span;
          } },
        { key: "summary", cell: function (r) { return document.createTextNode(r.summary || ""); } }
      ],
      filters: [
        { name: "verdict", label: "Verdict", values: function () { return VERDICTS; },
          test: function (r, v) { return r.verdict === v; } }
      ]
    }
  };

  function number(value, format) {
    var span = el("span", { class: "cat-num" }, value === null || value === undefined ? "—" : format(value));
    return span;
  }

  function uniq(values) {
    var seen = {};
    return values.filter(function (v) { if (seen[v]) return false; seen[v] = true; return true; }).sort();
  }

  function compare(key, a, b) {
    var x = a[key], y = b[key];
    if (key === "verdict") { x = VERDICT_RANK[x]; y = VERDICT_RANK[y]; }
    if (Array.isArray(x)) { x = x.join(", "); y = y.join(", "); }
    var xMissing = x === null || x === undefined, yMissing = y === null || y === undefined;
    if (xMissing || yMissing) return xMissing === yMissing ? 0 : (xMissing ? 1 : -1); /* no value: last */
    if (typeof x === "number" && typeof y === "number") return x - y;
    /* Text in natural order, so that "p2" comes before "p16". */
    return String(x).localeCompare(String(y), "en", { numeric: true, sensitivity: "base" });
  }

  function setup(box) {
    if (box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var kind = KINDS[box.getAttribute("data-kind")];
    var table = box.querySelector("table");
    var dataLink = box.querySelector("a.cat-table__data");
    var count = box.querySelector(".cat-table__count");
    if (!kind || !table || !dataLink) return;
    var dataUrl = new URL(dataLink.getAttribute("href"), window.location.href);
    var root = new URL("../", dataUrl); /* data/<file>.json lives at the site root */
    var pageSize = parseInt(box.getAttribute("data-page-size"), 10) || 50;
    var sortSpec = (box.getAttribute("data-sort") || "").split(":");
    var state = { sort: sortSpec[0] || null, desc: sortSpec[1] === "desc", page: 0, query: "", filters: {} };
    var fixed = {};
    kind.filters.forEach(function (f) {
      var preset = box.getAttribute("data-filter-" + f.name);
      if (preset) fixed[f.name] = preset;
    });

    var headers = table.querySelectorAll("thead th");
    var tbody = table.querySelector("tbody") || table.appendChild(el("tbody"));

    fetchJson(dataUrl.href).then(function (data) {
      root.tagUrls = data.tag_urls || {};
      var all = data.rows.filter(function (r) {
        return kind.filters.every(function (f) { return !fixed[f.name] || f.test(r, fixed[f.name]); });
      });
      var controls = el("div", { class: "cat-table__controls" });
      var search = el("input", { type: "search", placeholder: "Filter…", "aria-label": "Filter rows" });
      controls.appendChild(search);
      var selects = [];
      kind.filters.forEach(function (f) {
        if (fixed[f.name]) return;
        var select = el("select", { "aria-label": f.label });
        select.appendChild(el("option", { value: "" }, "Any " + f.label.toLowerCase()));
        f.values(all).forEach(function (v) { select.appendChild(el("option", { value: v }, STATUS_LABEL[v] || v)); });
        select.addEventListener("change", function () { state.filters[f.name] = select.value; state.page = 0; render(); });
        controls.appendChild(select);
        selects.push(select);
      });
      var prev = el("button", { type: "button" }, "← Previous");
      var next = el("button", { type: "button" }, "Next →");
      var info = el("span", { class: "cat-table__count" });
      controls.appendChild(prev);
      controls.appendChild(next);
      controls.appendChild(info);
      var anchor = table.closest(".md-typeset__scrollwrap") || table;
      anchor.parentNode.insertBefore(controls, anchor);
      if (count) count.remove();

      search.addEventListener("input", function () { state.query = search.value.trim().toLowerCase(); state.page = 0; render(); });
      prev.addEventListener("click", function () { state.page -= 1; render(); });
      next.addEventListener("click", function () { state.page += 1; render(); });
      Array.prototype.forEach.call(headers, function (th, i) {
        var column = kind.columns[i];
        if (!column) return;
        th.setAttribute("data-sort-key", column.key);
        /* A real button inside the header (keyboard and screen readers); aria-sort stays on the <th>, which
           has no role. A click anywhere in the header, the button's included, sorts. */
        var button = el("button", { type: "button", class: "cat-sort" });
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        th.addEventListener("click", function () {
          if (state.sort === column.key) state.desc = !state.desc; else { state.sort = column.key; state.desc = false; }
          state.page = 0;
          render();
        });
      });

      function render() {
        var rows = all.filter(function (r) {
          if (state.query && kind.search(r).toLowerCase().indexOf(state.query) < 0) return false;
          return kind.filters.every(function (f) { return !state.filters[f.name] || f.test(r, state.filters[f.name]); });
        });
        if (state.sort) {
          rows = rows.slice().sort(function (a, b) {
            var c = compare(state.sort, a, b);
            if (state.desc) c = -c;
            return c !== 0 ? c : compare(kind.columns[0].key, a, b); /* ties: first column, ascending */
          });
        }
        var pages = Math.max(1, Math.ceil(rows.length / pageSize));
        state.page = Math.min(Math.max(0, state.page), pages - 1);
        var start = state.page * pageSize;
        var fragment = document.createDocumentFragment();
        rows.slice(start, start + pageSize).forEach(function (r) {
          var tr = el("tr");
          kind.columns.forEach(function (column) {
            var td = el("td");
            td.appendChild(column.cell(r, root));
            tr.appendChild(td);
          });
          fragment.appendChild(tr);
        });
        tbody.textContent = "";
        tbody.appendChild(fragment);
        Array.prototype.forEach.call(headers, function (th, i) {
          var column = kind.columns[i];
          if (!column) return;
          if (column.key === state.sort) th.setAttribute("aria-sort", state.desc ? "descending" : "ascending");
          else th.removeAttribute("aria-sort");
        });
        prev.disabled = state.page === 0;
        next.disabled = state.page >= pages - 1;
        info.textContent = rows.length
          ? (start + 1) + "–" + Math.min(start + pageSize, rows.length) + " of " + rows.length +
            (rows.length !== all.length ? " (filtered from " + all.length + ")" : "")
          : "No rows match.";
      }
      render();
    }).catch(function (error) {
      if (count) count.textContent += " (" + error.message + ")";
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".cat-table[data-kind]"), setup);
  }

  window.catOnPage(init); /* site.js */
})();
