/* okuyami family page: keeps the page and the city's texts on the phone, so it opens without a signal.
 * Only this folder's own files are cached and answered; every other request is left alone. A new deployment
 * (okuyami family-page) changes VERSION, so the phone takes the new files and drops the old ones. */
'use strict';
var VERSION = '{{VERSION}}';
var CACHE = 'okuyami-family-page-' + VERSION;
var FILES = ['./', './index.html', './rules.json'];

function own(url) {
  var u = new URL(url);
  if (u.origin !== self.location.origin) return null;
  var base = new URL('./', self.location.href).pathname;
  if (u.pathname === base) return './';
  if (u.pathname === base + 'index.html') return './index.html';
  if (u.pathname === base + 'rules.json') return './rules.json';
  return null;
}

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(FILES.map(function (f) {  // './' may not be served as the page: not fatal
      return cache.add(new Request(f, { cache: 'reload', credentials: 'omit' })).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('okuyami-family-page-') === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  if (event.request.method !== 'GET') return;
  var name = own(event.request.url);
  if (!name) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    var alt = name === './' ? './index.html' : name === './index.html' ? './' : name;
    return cache.match(name).then(function (hit) { return hit || cache.match(alt); }).then(function (hit) {
      if (hit) return hit;
      return fetch(event.request).then(function (response) {
        if (response.ok) cache.put(name, response.clone());
        return response;
      });
    });
  }));
});
