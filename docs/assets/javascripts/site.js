/*
 * Shared by the site's scripts: `catOnPage(fn)` runs fn on every page (Material's instant navigation publishes
 * each new page on document$; without it, once the document is ready). Also names Material's search dialog,
 * which has role="dialog" but no label.
 */
(function () {
  "use strict";

  window.catOnPage = function (fn) {
    if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
      window.document$.subscribe(fn);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  };

  window.catOnPage(function () {
    var dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  });
})();
