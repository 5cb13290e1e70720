// The duty console (attendance/console.html). Every 30 s htmx swaps in the figures and sessions
// (#console-live, whose data-held lists the ids of the children held now); the pickup panel is not
// refreshed, so that nothing the leader is typing is lost. When the children held now differ from
// the panel's, the panel says so: the rows of children no longer held are greyed out and their
// buttons disabled, and a notice offers the current list.
(function () {
  "use strict";
  function compare(live) {
    var stale = document.querySelector('[data-testid="panel-stale"]');
    if (!live || !stale) { return; }
    var held = {};
    (live.getAttribute("data-held") || "").split(",").forEach(function (id) { if (id) { held[id] = true; } });
    var changed = false;
    var shown = {};
    document.querySelectorAll('[data-testid="held-child"]').forEach(function (row) {
      var id = row.getAttribute("data-student");
      shown[id] = true;
      var gone = !held[id];
      changed = changed || gone;
      row.classList.toggle("opacity-50", gone);
      row.setAttribute("aria-disabled", gone ? "true" : "false");
      row.querySelectorAll("a.btn, button").forEach(function (el) {
        if (el.tagName === "A") {
          el.classList.toggle("disabled", gone);
          if (gone) { el.setAttribute("aria-disabled", "true"); el.setAttribute("tabindex", "-1"); }
          else { el.removeAttribute("aria-disabled"); el.removeAttribute("tabindex"); }
        } else if (!el.hasAttribute("data-always-disabled")) {
          el.disabled = gone;
        }
      });
    });
    Object.keys(held).forEach(function (id) { changed = changed || !shown[id]; });
    stale.classList.toggle("d-none", !changed);
  }
  if (window.htmx) {
    window.htmx.onLoad(function (elt) {
      if (elt && elt.id === "console-live") { compare(elt); }
    });
  }
})();
