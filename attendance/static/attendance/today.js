// The parent's today cards (issue 19): ask the server for each card again at most once a period
// (data-today-poll, in seconds) and only while the page is visible; a page coming back into view
// asks at once if the period has passed. htmx does the request (hx-trigger="today-refresh").
// Loaded with `defer`: it runs once the page (and htmx, at the end of it) is there.
(function () {
  "use strict";
  var cards = function () { return document.querySelectorAll("[data-today-poll]"); };
  var first = cards()[0];
  if (!first || !window.htmx) { return; }
  var period = Math.max(parseInt(first.getAttribute("data-today-poll"), 10) || 60, 60) * 1000;
  var last = Date.now();
  function refresh() {
    if (document.visibilityState !== "visible" || Date.now() - last < period - 500) { return; }
    last = Date.now();
    cards().forEach(function (el) { window.htmx.trigger(el, "today-refresh"); });
  }
  window.setInterval(refresh, period);
  document.addEventListener("visibilitychange", refresh);
})();
