// Talking to the Crewline API from pages and the service worker: CSRF header, JSON, problem details.
import { getMeta, setMeta } from './db.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  // A refusal that sending again will not change (bad data, illegal transition, too large…).
  get permanent() {
    return this.status >= 400 && this.status < 500 && ![401, 403, 408, 425, 429].includes(this.status);
  }

  get needsSignIn() {
    return this.status === 401 || this.status === 403;
  }
}

function cookie(name) {
  if (typeof document === 'undefined') return '';
  const match = document.cookie.split('; ').find((part) => part.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : '';
}

// The CSRF token: the cookie in pages; the last one a page saw, in the service worker.
export async function csrfToken() {
  const fromCookie = cookie('csrftoken');
  if (fromCookie) {
    setMeta('csrf', fromCookie).catch(() => undefined);
    return fromCookie;
  }
  return (await getMeta('csrf')) || '';
}

export async function rememberCsrf(token) {
  if (token) await setMeta('csrf', token);
}

async function problemOf(response) {
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try { return await response.json(); } catch (e) { return null; }
  }
  return { title: response.statusText };
}

// fetch() with the session cookie and CSRF header; JSON bodies in and out; ApiError on 4xx/5xx.
// A network failure rejects with a TypeError (the caller treats it as "offline, try later").
export async function api(path, { method = 'GET', json, form, headers = {}, signal } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers }, signal };
  if (method !== 'GET' && method !== 'HEAD') init.headers['x-csrftoken'] = await csrfToken();
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  const response = await fetch(path, init);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}
