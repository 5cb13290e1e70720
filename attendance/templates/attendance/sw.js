// Service worker of the attendance pages (scope /attendance/). It caches the page shell: the
// static assets at install, and each roll page when it loads, so that a roll page opens
// from the cache while the Wi-Fi is down. The API is never cached: marks go through roll.js's outbox.
var CACHE = "shahe-attendance-{{ version }}";
var ASSETS = [{% for a in assets %}"{{ a|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); })
    .catch(function () { return null; }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("shahe-attendance-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (request.mode === "navigate" && url.pathname.indexOf("/attendance/rolls/") === 0) {
    // Roll pages only (the console shows guardians' phones: never kept on a tablet).
    // Network first, so the marks shown are the server's; the cached page when offline.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
