/*
 * Collapsed details that load when the reader opens them, so a paper page stays small.
 *
 * <details class="cat-lazy" data-key="model-x"> (or a claim row's detail, keyed by the row's id) inside an element
 * with data-src="data/details/<paper>.json": the JSON maps anchors to
 * HTML that the site generator rendered (autoescaped templates; catalogue Markdown sanitized), inserted as is.
 * <details class="cat-lazy" data-code="code/reference_impls/<family>.py">: the file is shown as plain text.
 * Paths are relative to the site root, which Material's config script names. Our own; no CDN.
 */
(function () {
  "use strict";

  var cache = {};

  function siteRoot() {
    var config = document.getElementById("__config");
    var base = ".";
    try { base = JSON.parse(config.textContent).base || "."; } catch (e) { /* no Material config: page-relative */ }
    return new URL(base.replace(/\/?$/, "/"), window.location.href);
  }

  function load(url, asJson) {
    var key = (asJson ? "j:" : "t:") + url;
    if (!cache[key]) {
      cache[key] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(url + ": HTTP " + r.status);
        return asJson ? r.json() : r.text();
      });
    }
    return cache[key];
  }

  function fill(details) {
    if (details.getAttribute("data-loaded")) return Promise.resolve();
    details.setAttribute("data-loaded", "1");
    var body = details.querySelector(".cat-lazy__body") || details.appendChild(document.createElement("div"));
    var root = siteRoot();
    var holder = details.closest("[data-src]");
    var src = holder && holder.getAttribute("data-src");
    var code = details.getAttribute("data-code");
    body.textContent = "Loading…";
    var done = src
      ? load(new URL(src, root).href, true).then(function (data) {
          /* A claim's detail is keyed by the claim row's id; a model's by its data-key. */
          var key = details.getAttribute("data-key") || details.parentElement.id;
          body.innerHTML = data[key] || "<p>No details recorded.</p>";
          if (window.catLabelCells) window.catLabelCells(body);
        })
      : load(new URL(code, root).href, false).then(function (text) {
          var pre = document.createElement("pre");
          var el = document.createElement("code");
          el.textContent = text;
          pre.appendChild(el);
          el.setAttribute("tabindex", "0"); /* Material scrolls the <code> of a <pre>: reachable by keyboard */
          body.textContent = "";
          body.appendChild(pre);
        });
    return done.catch(function (error) { body.textContent = "Could not load the details (" + error.message + ")."; });
  }

  /* A link to a claim whose row is in a group not loaded yet (#claim-x, kept in the page as an empty anchor):
     load the group, then go to the row and mark it. */
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var anchor = id && document.getElementById(id);
    var key = anchor && anchor.getAttribute("data-group");
    if (!key) return;
    var group = document.querySelector('details.cat-lazy[data-key="' + key + '"]');
    if (!group) return;
    group.open = true;
    fill(group).then(function () {
      var row = group.querySelector('[data-claim="' + id + '"]');
      if (!row) return;
      Array.prototype.forEach.call(document.querySelectorAll(".cat-claim--target"), function (r) { r.classList.remove("cat-claim--target"); });
      row.classList.add("cat-claim--target");
      row.scrollIntoView();
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("details.cat-lazy[open]"), fill);
    reveal();
  }

  /* One listener for every lazy detail, also those that arrive inside a loaded group (toggle does not bubble,
     so it is caught on the way down). */
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches("details.cat-lazy") && details.open) fill(details);
  }, true);

  window.catLazyFill = fill; /* used by the browser tests to open every detail */
  window.addEventListener("hashchange", reveal);

  window.catOnPage(init); /* site.js */
})();
