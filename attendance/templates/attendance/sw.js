// Service worker of the attendance pages (scope /attendance/). It keeps the roll page usable while
// the Wi-Fi is down, from the first visit on:
// - install: the static assets go into the cache, and the new worker activates at once;
// - activate: it takes control of the pages already open (clients.claim), so the page that
//   registered it is controlled during its first visit;
// - message {type: "cache-page", url}: roll.js asks, once the worker is ready, to keep the roll page
//   it shows; the worker fetches it and answers {type: "page-cached", url, ok}. (The first load of a
//   page happens before any worker exists, so the worker cannot have seen it go by.)
// - fetch: roll pages network first (the marks shown are the server's), the kept copy when the
//   network fails; the assets from the cache. The API and the connection check (/healthz) are never
//   cached: marks go through roll.js's outbox, and the badge must tell the truth.
var CACHE = "shahe-attendance-{{ version }}";
var ASSETS = [{% for a in assets %}"{{ a|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var ROLL_PAGES = "/attendance/rolls/";

function isRollPage(url) {
  return url.origin === self.location.origin && url.pathname.indexOf(ROLL_PAGES) === 0;
}

function keepAssets(cache) {
  // Each asset not yet kept (the install may have run while the network failed).
  return Promise.all(ASSETS.map(function (asset) {
    return cache.match(asset).then(function (hit) { return hit || cache.add(asset); });
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(keepAssets)
    .catch(function () { return null; }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("shahe-attendance-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache-page" || typeof data.url !== "string") { return; }
  var url = new URL(data.url, self.location.href);
  url.hash = "";
  if (!isRollPage(url)) { return; }
  var done = caches.open(CACHE).then(function (cache) {
    return Promise.all([
      fetch(url.href, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
        // A redirect (signed out) or an error page is never kept in place of the roll.
        if (!response.ok || response.redirected) { throw new Error("not kept: " + response.status); }
        return cache.put(url.href, response);
      }).catch(function () {
        // Offline (the page itself came from the cache): a copy kept before will do.
        return cache.match(url.href, {ignoreVary: true}).then(function (hit) {
          if (!hit) { throw new Error("not kept"); }
        });
      }),
      keepAssets(cache)
    ]);
  }).then(function () { return true; }, function () { return false; });
  event.waitUntil(done.then(function (ok) {
    if (event.source) { event.source.postMessage({type: "page-cached", url: url.pathname + url.search, ok: ok}); }
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (request.mode === "navigate" && isRollPage(url)) {
    // Roll pages only (the console shows guardians' phones: never kept on a tablet).
    // Network first, so the marks shown are the server's; the kept copy when offline.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(url.href, copy); }));
      }
      return response;
    }).catch(function () {
      return caches.match(url.href, {ignoreVary: true}).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request, {ignoreVary: true}).then(function (hit) { return hit || fetch(request); }));
  }
});
