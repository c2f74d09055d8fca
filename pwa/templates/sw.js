// Crewline service worker: app-shell cache, offline pages and data, outbox replay.
// Rendered by the server so the cache name carries the shell's version.
import { replayOutbox } from '/static/js/lib/outbox.js';

const VERSION = {{ version|tojson }};
const SHELL_CACHE = `crewline-shell-${VERSION}`;
const DATA_CACHE = 'crewline-data';
const PRECACHE = {{ precache|tojson }};
const SHELL_PAGES = new Set({{ shell_pages|tojson }});
const OFFLINE_PAGE = '/offline';
const SYNC_TAG = 'crewline-outbox';

async function precache(cache, url, attempts = 5) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(new Request(url, { credentials: 'same-origin', cache: 'reload' }));
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      await cache.put(url, response);
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    // Each file on its own, retried with back-off: one failed fetch on a patchy network (or a busy
    // server) must not throw the whole install away and leave the app without its offline shell.
    const cache = await caches.open(SHELL_CACHE);
    await Promise.all(PRECACHE.map((url) => precache(cache, url)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith('crewline-shell-') && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
    await replay();
  })());
});

// Pages: network first (so language and sign-in stay current), the saved copy when offline.
async function handleNavigation(request) {
  const url = new URL(request.url);
  const key = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  try {
    const response = await fetch(request);
    if (response.ok && SHELL_PAGES.has(key) && !response.redirected) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(SHELL_CACHE);
    return (await cache.match(key)) || (await cache.match(OFFLINE_PAGE)) || Response.error();
  }
}

// Shell files (and photos, which never change): from the cache, the network otherwise.
async function handleShellAsset(request, cacheName = SHELL_CACHE) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// Data the crew reads (jobs, city layers): the network when it answers, the last copy offline.
async function handleData(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

// City layers change rarely: answer from the cache at once and refresh it in the background.
async function handleCityLayer(event) {
  const cache = await caches.open(DATA_CACHE);
  const cached = await cache.match(event.request);
  const refresh = fetch(event.request).then(async (response) => {
    if (response.ok) await cache.put(event.request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return refresh;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(handleNavigation(request));
  } else if (url.pathname.startsWith('/static/') || url.pathname.startsWith('/vendor/')) {
    event.respondWith(handleShellAsset(request));
  } else if (url.pathname.startsWith('/api/city')) {
    event.respondWith(handleCityLayer(event));
  } else if (url.pathname.startsWith('/api/crew/photos/')) {
    event.respondWith(handleShellAsset(request, DATA_CACHE));
  } else if (url.pathname.startsWith('/api/crew/jobs') || url.pathname === '/api/categories') {
    event.respondWith(handleData(request));
  }
});

async function replay() {
  try {
    const result = await replayOutbox();
    return result;
  } catch (error) {
    return { pending: 1, error: String(error) };
  }
}

self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(replay().then((result) => {
    // Rejecting asks the browser to try the sync again later with its own back-off.
    if (result && result.pending > 0 && result.blocked) throw new Error('outbox still has work waiting');
  }));
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'replay') event.waitUntil(replay());
  if (data.type === 'wipe') {
    event.waitUntil((async () => {
      const names = await caches.keys();
      await Promise.all(names.map((name) => caches.delete(name)));
    })());
  }
});

// A worker that starts (after the browser stopped it) sends what is waiting.
replay();
