// Site-wide behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // Any element with data-confirm asks before it submits (withdraw, deactivate, ...).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Signed out: the roll pages a tablet kept for offline use (children's names, health notes) go
  // too (attendance/sw.js keeps them in the "shahe-attendance-…" caches). Unsent marks stay in the
  // tablet's outbox, under the teacher's id, until the teacher signs in and opens the roll again.
  if (document.body.hasAttribute("data-signed-out") && window.caches) {
    window.caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("shahe-attendance-") === 0; })
        .map(function (k) { return window.caches.delete(k); }));
    }).catch(function () { /* nothing kept */ });
  }
  // Submit a select's form on change where asked (language switch, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]")) {
      el.form.submit();
    }
  });
  // The navigation's badges: the workbench's counts, fetched once per page (accounts:workbench_counts)
  // so that the page itself runs no query for them. The workbench page renders them itself.
  function paint(el, count, tone) {
    var number = el.querySelector("[data-count]");
    if (number) { number.textContent = count ? String(count) : ""; }
    el.className = el.className.replace(/\btext-bg-\w+/g, "") + " text-bg-" + (tone || "secondary");
    el.classList.toggle("d-none", !count);
    // The count describes its entry (a screen reader says "Applications to review, 9 waiting").
    var owner = el.closest("a, button");
    if (owner && count) { owner.setAttribute("aria-describedby", el.id); }
    else if (owner) { owner.removeAttribute("aria-describedby"); }
  }
  var nav = document.querySelector("nav[data-badges-url]");
  // Offline (a roll page reopened from the service worker's cache) there is nothing to ask.
  if (nav && window.fetch && navigator.onLine !== false) {
    window.fetch(nav.getAttribute("data-badges-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {badges: {}}; })
      .then(function (data) {
        var badges = data.badges || {};
        nav.querySelectorAll("[data-badge-for]").forEach(function (el) {
          var b = badges[el.getAttribute("data-badge-for")];
          paint(el, b ? b.count : 0, b ? b.tone : "");
        });
        var rank = ["danger", "warning", "info", "success", "secondary"];
        nav.querySelectorAll("[data-badge-group]").forEach(function (el) {
          var total = 0, tone = "";
          el.getAttribute("data-badge-group").split(" ").forEach(function (name) {
            var b = badges[name];
            if (b && b.count) {
              total += b.count;
              if (!tone || rank.indexOf(b.tone) < rank.indexOf(tone)) { tone = b.tone; }
            }
          });
          paint(el, total, tone);
        });
      })
      .catch(function () { /* no badges: the menu works without them */ });
  }
})();
