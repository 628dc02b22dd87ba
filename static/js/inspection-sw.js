/* The service worker of the inspector's scoring pages (/acceptances/<pk>/score/), served from
   /inspection-sw.js with the scope /acceptances/.

   - The scoring page: network first; what comes back (200, not redirected to the login page) is
     kept, and without signal — or when the network has not answered in NETWORK_WAIT_MS — the
     kept copy is shown. A page that answers 403/404 is forgotten.
   - Static files the page uses: the kept copy at once, refreshed from the network behind it.
   - The page tells the worker what to keep ({type: "keep", page, assets}) once it is ready,
     since the first visit was not served through it; the worker answers {ok: true} when kept.
   Saving scores is not done here: the page's script keeps its queue in localStorage and POSTs
   it itself (a POST never goes through this cache). */
"use strict";

var CACHE = "inspection-v1";
var PAGE = /^\/acceptances\/\d+\/score\/$/;
var NETWORK_WAIT_MS = 6000;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("inspection-") === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function pageKey(url) {
  var parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}

function keepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

function keepPage(url, response) {
  return caches.open(CACHE).then(function (cache) {
    if (keepable(response)) return cache.put(pageKey(url), response);
    if (response && (response.status === 403 || response.status === 404)) return cache.delete(pageKey(url));
  });
}

function offlinePage() {
  var body =
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>无网络</title>' +
    "<body><h1>无网络</h1><p>本页还没有存到这部手机上。请在有信号的地方打开一次评分页，之后没有信号也能打开。</p></body></html>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function networkFirst(event) {
  var request = event.request;
  var key = pageKey(request.url);
  var network = fetch(request);
  // Registered first, so the copy is taken before the page reads the body.
  event.waitUntil(
    network
      .then(function (response) {
        return keepPage(request.url, response.clone());
      })
      .catch(function () {})
  );
  return new Promise(function (resolve) {
    var answered = false;
    function answer(response) {
      if (!answered) {
        answered = true;
        resolve(response);
      }
    }
    var timer = setTimeout(function () {
      caches.match(key, { ignoreVary: true }).then(function (kept) {
        if (kept) answer(kept);
      });
    }, NETWORK_WAIT_MS);
    network.then(
      function (response) {
        clearTimeout(timer);
        answer(response);
      },
      function () {
        clearTimeout(timer);
        caches.match(key, { ignoreVary: true }).then(function (kept) {
          answer(kept || offlinePage());
        });
      }
    );
  });
}

function keptFirst(event) {
  var request = event.request;
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (keepable(response)) cache.put(request, response.clone());
        return response;
      });
      if (kept) {
        event.waitUntil(fresh.catch(function () {}));
        return kept;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(event));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(keptFirst(event));
  }
});

// Fetch `url` and keep it under `key`; without signal a copy kept before will do.
function keepOne(cache, url, key) {
  return fetch(url, { credentials: "same-origin" })
    .then(function (response) {
      if (!keepable(response)) throw new Error("not kept: " + url);
      return cache.put(key, response);
    })
    .catch(function (error) {
      return cache.match(key, { ignoreVary: true }).then(function (kept) {
        if (!kept) throw error;
      });
    });
}

function keep(data) {
  return caches.open(CACHE).then(function (cache) {
    var assets = (data.assets || [])
      .map(function (href) {
        return new URL(href, self.location.origin);
      })
      .filter(function (url) {
        return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0;
      })
      .map(function (url) {
        return url.href;
      });
    var jobs = assets.map(function (href) {
      return keepOne(cache, href, href);
    });
    if (data.page && PAGE.test(data.page)) {
      var pageUrl = new URL(data.page, self.location.origin).href;
      jobs.push(keepOne(cache, pageUrl, pageKey(pageUrl)));
    }
    return Promise.all(jobs).then(function () {
      // Static files of an earlier version of the page are no longer needed.
      return cache.keys().then(function (requests) {
        return Promise.all(
          requests
            .filter(function (kept) {
              return new URL(kept.url).pathname.indexOf("/static/") === 0 && assets.indexOf(kept.url) === -1;
            })
            .map(function (kept) {
              return cache.delete(kept);
            })
        );
      });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type !== "keep") return;
  event.waitUntil(
    keep(data).then(
      function () {
        if (port) port.postMessage({ ok: true });
      },
      function (error) {
        if (port) port.postMessage({ ok: false, error: String(error) });
      }
    )
  );
});
