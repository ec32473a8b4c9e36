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

  /* Stacked cards (below 600 px) label each cell with its column header; the labels are read from the table's
     own header row, so no text is repeated in the page's HTML. Lazy details call this after they load. */
  window.catLabelCells = function (root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("table.cat-cards"), function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          if (headers[column]) cell.setAttribute("data-label", headers[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  };

  window.catOnPage(function () {
    window.catLabelCells(document);
    var dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  });
})();
