/* The field app's service worker, served at /sw.js (scope /) by jinlin.field.views, which puts
 * `self.JINLIN_SW = {version, shell, pages}` before this file.
 *
 * Caches: the shell (static files and the field pages) in "jinlin-shell-<version>", made anew
 * for each version and the old one deleted when it takes over; pages the worker opened and the
 * data they read in "jinlin-pages" and "jinlin-data", kept across versions. A new version waits
 * until the page's update prompt tells it to take over. Pages: network first (quickly given up
 * when there is no signal), else the saved copy, else the offline page. Static files: cache
 * first. Writes never go through here: the pages queue them (queue.js) and Background Sync
 * sends the queue from here when the browser has it. */
"use strict";
var CFG = self.JINLIN_SW;
var SHELL = "jinlin-shell-" + CFG.version;
var PAGES = "jinlin-pages";
var DATA = "jinlin-data";
var NETWORK_TIMEOUT_MS = 4000;

(function () {
  var idb = CFG.shell.filter(function (u) { return /idb-keyval/.test(u); })[0];
  var queue = CFG.shell.filter(function (u) { return /field\/queue/.test(u); })[0];
  if (!self.idbKeyval && idb) importScripts(idb);
  if (!self.JinlinQueue && queue) importScripts(queue);
})();

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return Promise.all(
        CFG.shell.map(function (url) {
          return fetch(url, { credentials: "same-origin", cache: "no-cache" })
            .then(function (r) { if (r.ok && !r.redirected) return cache.put(url, r); })
            .catch(function () {});
        })
      );
    }).then(function () {
      // The very first version takes over at once; a later one waits for the update prompt.
      return self.registration.active ? null : self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("jinlin-") === 0 && [SHELL, PAGES, DATA].indexOf(n) < 0;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("sync", function (event) {
  if (event.tag === "jinlin-queue" && self.JinlinQueue) event.waitUntil(self.JinlinQueue.flush());
});

function timeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var t = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(t); resolve(v); }, function (e) { clearTimeout(t); reject(e); });
  });
}

function networkFirst(request, cacheName, keep) {
  return timeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    if (response.ok && !response.redirected && keep) {
      var copy = response.clone();
      caches.open(cacheName).then(function (c) { c.put(request.url.split("?")[0], copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request.url.split("?")[0]).then(function (hit) {
      if (hit) return hit;
      if (request.mode === "navigate") {
        return caches.match(CFG.pages[CFG.pages.length - 1]).then(function (offline) {
          return offline || new Response("offline", { status: 503 });
        });
      }
      return new Response(JSON.stringify({ detail: "offline" }), { status: 503, headers: { "Content-Type": "application/json" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request).then(function (r) {
        if (r.ok) { var copy = r.clone(); caches.open(SHELL).then(function (c) { c.put(request, copy); }); }
        return r;
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/field/") === 0) {
    event.respondWith(networkFirst(request, url.pathname === "/field/" ? SHELL : PAGES, true));
    return;
  }
  if (url.pathname === "/manifest.webmanifest" || url.pathname.indexOf("/api/field/") === 0) {
    event.respondWith(networkFirst(request, DATA, true));
  }
});
