/* The phone app's service worker: keeps the shell (this folder's files)
   for offline use.  The data lives in IndexedDB (app.js); /api/ requests
   always go to the network.  The server puts the shell's hash in VERSION,
   so a changed shell installs a new cache and drops the old one. */
'use strict';
const VERSION = '__VERSION__';
const CACHE = 'pharma-field-' + VERSION;
// index.html comes with app.css and app.js inlined by the server
const SHELL = ['./', 'manifest.webmanifest',
  'icons/icon-192.png', 'icons/icon-512.png', 'icons/maskable-512.png',
  'icons/apple-touch-icon.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((u) => new Request(u, {cache: 'no-cache'}))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((k) => k.startsWith('pharma-field-') && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (url.pathname.startsWith(scope.pathname + 'api/')) return;
  const key = request.mode === 'navigate' ? './' : request;
  event.respondWith(caches.open(CACHE).then((cache) =>
    cache.match(key, {ignoreSearch: true}).then((cached) => {
      // the cache first (a basement has no signal); refreshed behind
      const fresh = fetch(request).then((response) => {
        if (response.ok && request.mode !== 'navigate') {
          cache.put(request, response.clone());
        }
        return response;
      });
      if (cached) {
        fresh.catch(() => null);
        return cached;
      }
      return fresh;
    })));
});
