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
})();
