// Column chooser for wide tables: a Bootstrap drop-down of check boxes beside the table
// (`<div data-columns-for="table id">` holding `<input type=checkbox value="column key">`), the table's
// cells marked `data-column="column key"`. Unticking hides the column's cells; the choice is kept in
// the browser (localStorage, per table: `data-columns-key`) and applied when the page opens again.
(function () {
  "use strict";

  function read(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function write(key, hidden) {
    try {
      if (hidden.length) window.localStorage.setItem(key, JSON.stringify(hidden));
      else window.localStorage.removeItem(key);
    } catch (e) { /* private mode or full: the choice lasts for this page only */ }
  }

  document.querySelectorAll("[data-columns-for]").forEach(function (chooser) {
    var table = document.getElementById(chooser.getAttribute("data-columns-for"));
    if (!table) return;
    var key = "columns:" + (table.getAttribute("data-columns-key") || table.id);
    var boxes = Array.prototype.slice.call(chooser.querySelectorAll("input[type=checkbox][value]"));
    var known = boxes.map(function (b) { return b.value; });
    var counter = chooser.querySelector("[data-column-count]");
    var hidden = read(key).filter(function (k) { return known.indexOf(k) >= 0; });

    function apply() {
      boxes.forEach(function (box) { box.checked = hidden.indexOf(box.value) < 0; });
      table.querySelectorAll("[data-column]").forEach(function (cell) {
        cell.hidden = hidden.indexOf(cell.getAttribute("data-column")) >= 0;
      });
      if (counter) {
        counter.hidden = hidden.length === 0;
        counter.textContent = (known.length - hidden.length) + "/" + known.length;
      }
    }

    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        hidden = boxes.filter(function (b) { return !b.checked; }).map(function (b) { return b.value; });
        write(key, hidden);
        apply();
      });
    });
    var all = chooser.querySelector("[data-columns-all]");
    if (all) {
      all.addEventListener("click", function () {
        hidden = [];
        write(key, hidden);
        apply();
      });
    }
    apply();
  });
})();
