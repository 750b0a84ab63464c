// The service worker of Hoctap (issue 18): the app shell and assets come from the cache, pages
// are still rendered on the server and kept as they were last opened, so the dossiers,
// households, criteria and roll calls a user opened recently can be read without network, the
// field forms (FORMS) are kept for a signed-in user even before they are opened, and any other
// page never opened shows the offline page (/ngoai-tuyen) with what is saved on the device. Nothing is
// written here: changes made offline wait in IndexedDB (static/offline/offline.js).
'use strict';
var VERSION = '__VERSION__';
var SHELL = 'hoctap-shell-' + VERSION;
var PAGES = 'hoctap-pages';
// Pages and data kept for reading offline: the most recent ones only.
var MAX_PAGES = 80;
// The field forms that must open without network even before the user first opens them there
// (a new household or citizen, what is saved on the device): fetched for a signed-in page that
// asks (offline.js sends "warm" once the server answers), in the user's session. A role that may
// not use a form gets no page (403) and nothing is kept.
var FORMS = ['/ngoai-tuyen', '/so/ho-gia-dinh/moi', '/so/cong-dan/moi'];
var ASSETS = [
  '/static/app.css',
  '/static/app.js',
  '/static/offline/offline.js',
  '/static/offline/criteria.js',
  '/static/icons/hoctap-192.png',
  '/static/icons/hoctap-512.png',
  '/manifest.webmanifest'
];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      // The offline page needs a session; kept when the worker is installed by a signed-in page.
      return fetch('/ngoai-tuyen', { credentials: 'same-origin' }).then(function (r) {
        if (r.ok && !r.redirected) return caches.open(PAGES).then(function (p) { return p.put('/ngoai-tuyen', r); });
      }).catch(function () {});
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('hoctap-shell-') === 0 && k !== SHELL; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// Keeps a page or data as last read; the promise ends when it is stored (the worker is kept
// alive until then: a page closed right after loading must still find it offline).
function keep(request, response) {
  if (!response || !response.ok || response.redirected || response.type !== 'basic') return Promise.resolve();
  var copy = response.clone();
  return caches.open(PAGES).then(function (cache) {
    return cache.put(request, copy).then(function () { return cache.keys(); }).then(function (keys) {
      // Oldest first: drop what is beyond the limit.
      return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (k) { return cache.delete(k); }));
    });
  });
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.open(SHELL).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) {
        // A shell cleared at sign-out fills again as the pages ask for it.
        return hit || fetch(req).then(function (r) { if (r.ok) cache.put(url.pathname, r.clone()); return r; });
      });
    }));
    return;
  }
  var isPage = req.mode === 'navigate';
  var isData = url.pathname.indexOf('/api/v1/criteria-sets/') === 0 || url.pathname.indexOf('/api/v1/sync/') === 0;
  // Files (exports, evidence) and the rest of the API always go to the network.
  if (!isPage && !isData) return;
  if (url.pathname === '/dang-nhap' || url.pathname === '/dang-xuat') return;
  event.respondWith(fetch(req).then(function (response) {
    event.waitUntil(keep(req, response).catch(function () {}));
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(req).then(function (hit) {
        if (hit) return hit;
        if (!isPage) return new Response(JSON.stringify({ error: { message: 'không có mạng', field: '' } }), { status: 503, headers: { 'content-type': 'application/json' } });
        return cache.match('/ngoai-tuyen').then(function (offline) {
          return offline || new Response('<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><title>Không có mạng – Hoctap</title><p>Không có mạng, và trang này chưa được mở trên máy này.</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
        });
      });
    });
  }));
});

// The field forms kept for a signed-in user: each fetched in the user's session when not kept yet
// (after a sign-out cleared them, or when the worker was installed before signing in).
function warm() {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(FORMS.map(function (path) {
      return cache.match(path).then(function (hit) {
        if (hit) return;
        return fetch(path, { credentials: 'same-origin', redirect: 'follow' }).then(function (r) { return keep(new Request(path), r); }).catch(function () {});
      });
    }));
  });
}

// Signing out on a shared device: the page asks the worker to forget every kept page.
self.addEventListener('message', function (event) {
  if (event.data && event.data.type === 'warm') {
    event.waitUntil(warm());
    return;
  }
  if (event.data && event.data.type === 'forget') {
    event.waitUntil(caches.delete(PAGES).then(function () {
      if (event.source) event.source.postMessage({ type: 'forgotten' });
    }));
  }
});
