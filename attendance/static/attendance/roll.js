// The tablet roll page. Marks are written to localStorage first (the outbox), then sent to
// POST /api/v1/rolls/{id}/marks/; whatever could not be sent stays in the outbox and is retried
// while the page is open (no Background Sync API: Safari and WebViews lack it). Each tap gets its
// own client_id and the tablet's time, so a retried batch writes nothing twice on the server and
// an old tap never replaces a newer mark. A service worker caches the page shell.
(function () {
  "use strict";
  var app = document.getElementById("roll-app");
  if (!app) { return; }
  var rollId = app.dataset.roll;
  var storeKey = "shahe-roll-outbox:" + app.dataset.user + ":" + rollId;
  var CLASSES = {present: "btn-success", absent: "btn-danger", late: "btn-warning", leave: "btn-info",
                 "": "btn-outline-secondary"};
  var server = {};
  try { server = JSON.parse(document.getElementById("roll-initial").textContent) || {}; } catch (e) { server = {}; }
  var outbox = load();
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(outbox)); } catch (e) { /* storage full */ }
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function statusOf(student) {
    if (outbox[student]) { return outbox[student].status; }
    return (server[student] && server[student].status) || "";
  }
  function label(status) {
    return app.dataset["label" + (status ? status.charAt(0).toUpperCase() + status.slice(1) : "None")] || status;
  }
  function buttons() { return Array.prototype.slice.call(app.querySelectorAll(".roll-child")); }

  function render() {
    var marked = 0;
    buttons().forEach(function (btn) {
      var status = statusOf(btn.dataset.student);
      if (status) { marked += 1; }
      Object.keys(CLASSES).forEach(function (k) { btn.classList.remove(CLASSES[k]); });
      btn.classList.add(CLASSES[status] || CLASSES[""]);
      btn.dataset.status = status;
      btn.setAttribute("aria-pressed", status ? "true" : "false");
      var el = btn.querySelector("[data-status-label]");
      if (el) { el.textContent = label(status) + (outbox[btn.dataset.student] ? " ↻" : ""); }
    });
    var total = buttons().length;
    setCount("marked", marked);
    setCount("unmarked", total - marked);
    setCount("unsent", Object.keys(outbox).length);
    var online = navigator.onLine !== false;
    var badge = app.querySelector("[data-connection]");
    if (badge) {
      badge.textContent = online ? app.dataset.msgOnline : app.dataset.msgOfflineShort;
      badge.className = "badge " + (online ? "text-bg-success" : "text-bg-danger");
    }
    var note = app.querySelector("[data-offline-note]");
    if (note) {
      note.textContent = app.dataset.msgOffline;
      note.classList.toggle("d-none", online && Object.keys(outbox).length === 0);
    }
  }
  function setCount(name, value) {
    var el = app.querySelector('[data-count="' + name + '"]');
    if (el) { el.textContent = String(value); }
  }

  function setMark(student, status) {
    outbox[student] = {student: parseInt(student, 10), status: status, client_id: newId(),
                       marked_at: new Date().toISOString()};
    save();
  }

  // A tap on the child: present, a second tap: absent (and back). Late and on leave are one tap
  // on the child's own buttons (data-set), never a walk through a cycle.
  function tap(btn) {
    var current = statusOf(btn.dataset.student);
    setMark(btn.dataset.student, current === "present" ? "absent" : "present");
    render();
    flushSoon(0);
  }

  function quickMark(btn) {
    setMark(btn.dataset.student, btn.dataset.set);
    render();
    flushSoon(0);
  }

  function allPresent() {
    buttons().forEach(function (btn) {
      if (!statusOf(btn.dataset.student)) {
        setMark(btn.dataset.student, btn.dataset.leave ? "leave" : "present");
      }
    });
    render();
    flushSoon(0);
  }

  function flushSoon(delay) {
    if (retryTimer) { window.clearTimeout(retryTimer); }
    retryTimer = window.setTimeout(flush, delay);
  }

  function flush() {
    retryTimer = null;
    var batch = Object.keys(outbox).map(function (k) { return outbox[k]; });
    if (!batch.length || sending) { return Promise.resolve(); }
    if (navigator.onLine === false) { flushSoon(retryDelay); return Promise.resolve(); }
    sending = true;
    return window.fetch(app.dataset.marksUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": app.dataset.csrf, "Accept": "application/json"},
      body: JSON.stringify(batch)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          (body.results || []).forEach(function (r) {
            var key = String(r.student);
            server[key] = {status: r.status};
            if (outbox[key] && outbox[key].client_id === r.client_id) { delete outbox[key]; }
          });
          save();
          retryDelay = 2000;
          showError("");
          if (Object.keys(outbox).length) { flushSoon(0); }
        } else if (response.status >= 500 || response.status === 429) {
          throw new Error("server " + response.status);
        } else {
          // Refused (e.g. a child no longer on the roll): keep the marks, show why, retry later.
          showError(app.dataset.msgError + " " + (body.detail || JSON.stringify(body)));
          retryDelay = Math.min(retryDelay * 2, 60000);
          flushSoon(retryDelay);
        }
      });
    }).catch(function () {
      retryDelay = Math.min(retryDelay * 2, 15000);
      flushSoon(retryDelay);
    }).then(function () {
      sending = false;
      render();
    });
  }

  function showError(text) {
    var el = app.querySelector("[data-error-note]");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("d-none", !text);
  }

  if (app.dataset.editable) {
    app.addEventListener("click", function (event) {
      var quick = event.target.closest(".roll-quick");
      if (quick && !quick.disabled) { quickMark(quick); return; }
      var btn = event.target.closest(".roll-child");
      if (btn && !btn.disabled) { tap(btn); return; }
      if (event.target.closest("[data-all-present]")) { allPresent(); }
    });
    var form = app.querySelector("[data-submit-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (Object.keys(outbox).length) {
          event.preventDefault();
          showError(app.dataset.msgWait);
          flush().then(function () { if (!Object.keys(outbox).length) { form.submit(); } });
        }
      });
    }
  }
  window.addEventListener("online", function () { retryDelay = 2000; render(); flushSoon(0); });
  window.addEventListener("offline", render);
  window.setInterval(function () { if (Object.keys(outbox).length) { flushSoon(0); } }, 10000);

  if ("serviceWorker" in navigator && app.dataset.swUrl) {
    navigator.serviceWorker.register(app.dataset.swUrl, {scope: "/attendance/"}).catch(function () { /* optional */ });
  }
  render();
  flushSoon(0);
})();
