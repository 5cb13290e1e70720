// The tablet roll page. Marks are written to localStorage first (the outbox), then sent to
// POST /api/v1/rolls/{id}/marks/; whatever could not be sent stays in the outbox (it survives a
// reload and a restart of the tablet) and is retried while the page is open (no Background Sync
// API: Safari and WebViews lack it). Each tap gets its own client_id and the tablet's time, so a
// retried batch writes nothing twice on the server and an old tap never replaces a newer mark.
//
// Offline from the first visit: the page registers the service worker (sw.js), waits until it is
// ready and asks it to keep this page and its assets; "saved on this tablet" shows once it has.
// The marks the server confirmed are remembered too ("sent"), so a kept copy of the page, older than
// them, still shows them.
//
// The connection badge tells the truth: it asks the server (GET /healthz, no cache, 5 s timeout) on
// load, every 30 s (5 s while offline) and when the browser's network changes, and each send of the
// marks counts as an answer too. navigator.onLine alone says only that a network exists.
(function () {
  "use strict";
  var app = document.getElementById("roll-app");
  if (!app) { return; }
  var rollId = app.dataset.roll;
  var storeKey = "shahe-roll-outbox:" + app.dataset.user + ":" + rollId;
  var sentKey = "shahe-roll-sent:" + app.dataset.user + ":" + rollId;
  var CLASSES = {present: "btn-success", absent: "btn-danger", late: "btn-warning", leave: "btn-info",
                 "": "btn-outline-secondary"};
  var server = {};
  try { server = JSON.parse(document.getElementById("roll-initial").textContent) || {}; } catch (e) { server = {}; }
  var outbox = load(storeKey);
  var sent = load(sentKey);
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;
  var reachable = null;  // null: not known yet; true/false: the server's last answer
  var checkTimer = null;
  var checking = false;
  var lastAnswer = 0;    // when the server last answered (a check or a send)
  var ONLINE_EVERY = 30000, OFFLINE_EVERY = 5000;

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  }
  function store(key, value) {
    try {
      // Empty: removed, so that a term of rolls leaves nothing behind on the tablet.
      if (Object.keys(value).length) { window.localStorage.setItem(key, JSON.stringify(value)); }
      else { window.localStorage.removeItem(key); }
    } catch (e) { /* storage full */ }
  }
  function save() { store(storeKey, outbox); }
  function time(iso) { var t = Date.parse(iso || ""); return isNaN(t) ? 0 : t; }

  // Marks the server confirmed after this copy of the page was made win over the copy's own.
  Object.keys(sent).forEach(function (key) {
    if (time(sent[key].marked_at) > time(server[key] && server[key].marked_at)) {
      server[key] = {status: sent[key].status, marked_at: sent[key].marked_at};
    } else {
      delete sent[key];  // the page is newer: forget it
    }
  });
  store(sentKey, sent);
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
    var badge = app.querySelector("[data-connection]");
    if (badge) {
      badge.textContent = reachable === null ? app.dataset.msgChecking
        : (reachable ? app.dataset.msgOnline : app.dataset.msgOfflineShort);
      badge.className = "badge " + (reachable === null ? "text-bg-secondary"
        : (reachable ? "text-bg-success" : "text-bg-danger"));
      badge.dataset.state = reachable === null ? "checking" : (reachable ? "online" : "offline");
    }
    var note = app.querySelector("[data-offline-note]");
    if (note) {
      note.textContent = app.dataset.msgOffline;
      note.classList.toggle("d-none", reachable !== false);
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

  // --- the connection: the server's answer, not navigator.onLine alone ---------------------------
  function setReachable(value) {
    var was = reachable;
    reachable = value;
    if (value) { lastAnswer = Date.now(); }
    if (was !== value) {
      render();
      if (value) { retryDelay = 2000; flushSoon(0); }
    }
    scheduleCheck();
  }

  function scheduleCheck() {
    if (checkTimer) { window.clearTimeout(checkTimer); }
    checkTimer = window.setTimeout(function () { checkServer(false); }, reachable ? ONLINE_EVERY : OFFLINE_EVERY);
  }

  function checkServer(soon) {
    checkTimer = null;
    if (checking) { return Promise.resolve(); }
    if (navigator.onLine === false) { setReachable(false); return Promise.resolve(); }
    if (!soon && reachable && Date.now() - lastAnswer < ONLINE_EVERY - 1000) {
      scheduleCheck();  // a send answered a moment ago: no need to ask
      return Promise.resolve();
    }
    checking = true;
    var controller = window.AbortController ? new window.AbortController() : null;
    var timeout = window.setTimeout(function () { if (controller) { controller.abort(); } }, 5000);
    var url = app.dataset.pingUrl + (app.dataset.pingUrl.indexOf("?") === -1 ? "?" : "&") + "t=" + Date.now();
    return window.fetch(url, {cache: "no-store", credentials: "same-origin", signal: controller && controller.signal})
      .then(function (response) { return response.ok; }, function () { return false; })
      .then(function (ok) {
        window.clearTimeout(timeout);
        checking = false;
        setReachable(ok);
      });
  }

  function flush() {
    retryTimer = null;
    var batch = Object.keys(outbox).map(function (k) { return outbox[k]; });
    if (!batch.length || sending) { return Promise.resolve(); }
    if (navigator.onLine === false || reachable === false) {
      // Nothing to try until the server answers again (setReachable sends at once when it does).
      if (reachable !== false) { setReachable(false); }
      return Promise.resolve();
    }
    sending = true;
    return window.fetch(app.dataset.marksUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": app.dataset.csrf, "Accept": "application/json"},
      body: JSON.stringify(batch)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status < 502 || response.status > 504) { setReachable(true); }
        if (response.ok) {
          var tapped = {};
          batch.forEach(function (item) { tapped[String(item.student)] = item; });
          (body.results || []).forEach(function (r) {
            var key = String(r.student);
            var at = tapped[key] ? tapped[key].marked_at : new Date().toISOString();
            server[key] = {status: r.status, marked_at: at};
            sent[key] = server[key];
            if (outbox[key] && outbox[key].client_id === r.client_id) { delete outbox[key]; }
          });
          save();
          store(sentKey, sent);
          retryDelay = 2000;
          showError("");
          if (Object.keys(outbox).length) { flushSoon(0); }
        } else if (response.status >= 502 && response.status <= 504) {
          throw new Error("server " + response.status);  // the proxy answers: the portal is down
        } else if (response.status >= 500 || response.status === 429) {
          retryDelay = Math.min(retryDelay * 2, 15000);  // reachable, but failing or busy: later
          flushSoon(retryDelay);
        } else {
          // Refused (e.g. a child no longer on the roll): keep the marks, show why, retry later.
          showError(app.dataset.msgError + " " + (body.detail || JSON.stringify(body)));
          retryDelay = Math.min(retryDelay * 2, 60000);
          flushSoon(retryDelay);
        }
      });
    }).catch(function () {
      // No answer (or only the proxy's): offline until the server answers the check again.
      setReachable(false);
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
        if (reachable === false) {
          event.preventDefault();  // the post would end on the browser's error page
          showError(app.dataset.msgSubmitOffline);
          checkServer(true);
          return;
        }
        if (Object.keys(outbox).length) {
          event.preventDefault();
          showError(app.dataset.msgWait);
          flush().then(function () { if (!Object.keys(outbox).length) { form.submit(); } });
        }
      });
    }
  }
  window.addEventListener("online", function () { checkServer(true); });
  window.addEventListener("offline", function () { setReachable(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { checkServer(true); }
  });

  // --- offline from the first visit --------------------------------------------------------------
  function keepThisPage(registration) {
    var worker = registration.active;
    if (!worker) { return; }
    worker.postMessage({type: "cache-page", url: window.location.pathname + window.location.search});
  }
  if ("serviceWorker" in navigator && app.dataset.swUrl) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "page-cached" && data.url === window.location.pathname + window.location.search) {
        var saved = app.querySelector("[data-saved-offline]");
        if (saved) { saved.classList.toggle("d-none", !data.ok); }
        app.dataset.offlineReady = data.ok ? "1" : "";
      }
    });
    if (navigator.serviceWorker.startMessages) { navigator.serviceWorker.startMessages(); }
    navigator.serviceWorker.register(app.dataset.swUrl, {scope: "/attendance/"})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(keepThisPage)
      .catch(function () { /* no service worker: the page still works online */ });
    // Ask the browser not to evict the outbox and the kept page when the tablet runs short of space.
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
  }
  render();
  checkServer(true);
})();
