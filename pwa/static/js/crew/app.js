// The crew app: today's jobs in route order and one job at a time, offline-first.
// Everything the crew does is saved on the phone (IndexedDB outbox) and sent when possible.
import { api } from '../lib/api.js';
import { config } from '../lib/config.js';
import { wipe } from '../lib/db.js';
import { formatDuration, formatTime, localDigits, t, tn } from '../lib/i18n.js';
import { CHANNEL, dismiss, replayOutbox, saveAction, savePhoto, summary } from '../lib/outbox.js';
import { PositionReporter } from './gps.js';
import { DISTRICTS_URL, JobMap, streetsUrl } from './map.js';
import { preparePhoto } from './photos.js';
import {
  loadIdentity, localJob, localJobs, refreshDetail, refreshJobs, removeJob, savedCrew, storeJob,
} from './store.js';
import { $, categoryName, el, notice, slaClock } from './view.js';

// What the crew can do next, by job status (the server has the last word: a refusal is shown).
const NEXT_ACTIONS = {
  assigned: ['accept', 'decline'],
  accepted: ['start_travel', 'arrive', 'cannot_complete'],
  en_route: ['arrive', 'pause', 'cannot_complete'],
  on_site: ['complete', 'pause', 'cannot_complete'],
  paused: ['resume', 'complete', 'cannot_complete'],
  declined: [],
  done: [],
  cannot_complete: [],
};
const NEEDS_REASON = new Set(['decline', 'cannot_complete']);
const OFFERS_NOTE = new Set(['complete']);
const SYNC_TAG = 'crewline-outbox';
const NOTICED_FIELDS = ['sequence', 'eta', 'priority', 'address', 'description', 'sla_due_at'];

const state = {
  crew: null, jobs: [], jobId: null, you: null, map: null, mapKey: null, retryTimer: null, events: null,
  fresh: new Set(),
};
const objectUrls = [];

// ---- outbox status ---------------------------------------------------------------------------

async function renderOutbox() {
  const { waiting, failed } = await summary();
  const button = $('#outbox-status');
  const parts = [];
  if (waiting.length) parts.push(tn('outbox.waiting', waiting.length));
  if (failed.length) parts.push(t('outbox.failed', { n: failed.length }));
  button.textContent = parts.length ? parts.join(' · ') : t('outbox.none');
  button.dataset.waiting = String(waiting.length);
  button.dataset.failed = String(failed.length);
  button.classList.toggle('has-waiting', waiting.length > 0);
  button.classList.toggle('has-failed', failed.length > 0);
  const list = $('#outbox-list');
  list.replaceChildren(...[...failed, ...waiting].map((entry) => {
    const job = state.jobs.find((j) => j.id === entry.job_id);
    const what = entry.type === 'action' ? t(`action.${entry.action}`) : t(`job.photo.${entry.kind}`);
    const title = job ? `${categoryName(job)} · ${what}` : what;
    return el('li', { class: `outbox-item outbox-${entry.state}` },
      el('span', { class: 'outbox-what', text: title }),
      entry.state === 'failed'
        ? [el('span', { class: 'outbox-error', text: refusal(entry) }),
          el('details', { class: 'outbox-details' },
            el('summary', { text: t('outbox.details') }),
            el('p', { dir: 'auto', text: entry.error || '' })),
          el('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('outbox.dismiss'),
            onclick: async () => { await dismiss(entry.seq); await refreshAll(); } })]
        : el('span', { class: 'muted', text: t('job.photo.pending') }));
  }));
  if (!failed.length && !waiting.length) togglePanel(false);
  scheduleRetry();
}

// Why the server refused an entry, in the crew's language (the server's own words are in "details").
function refusal(entry) {
  if (entry.status === 409) return t('outbox.refused.conflict');
  if (entry.status === 413) return t('outbox.refused.too_large');
  if (entry.status === 404) return t('outbox.refused.gone');
  return t('outbox.refused.invalid');
}

function togglePanel(open) {
  const panel = $('#outbox-panel');
  const button = $('#outbox-status');
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  button.setAttribute('aria-expanded', String(show));
}

async function scheduleRetry() {
  const { nextAt, waiting } = await summary();
  clearTimeout(state.retryTimer);
  if (!waiting.length || !Number.isFinite(nextAt)) return;
  const delay = Math.max(1000, nextAt - Date.now());
  state.retryTimer = setTimeout(() => sync(), delay);
}

async function sync() {
  if (!navigator.onLine) return;
  const result = await replayOutbox();
  if (result.needsSignIn) notice(t('notice.signin.again'));
  else if (result.refused > 0) notice(t('outbox.failed', { n: result.refused }));
  // What the server did with the work (or why it refused it) is shown from its own copy of the jobs.
  if (result.sent > 0 || result.refused > 0) await refreshFromServer();
  await render();
}

async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register(SYNC_TAG);
  } catch (e) { /* no Background Sync here: the page replays on load and when online */ }
}

// ---- connection ------------------------------------------------------------------------------

function renderNet() {
  const line = $('#net-status');
  line.textContent = navigator.onLine ? t('net.online') : t('net.offline');
  document.body.classList.toggle('is-offline', !navigator.onLine);
}

// ---- today -----------------------------------------------------------------------------------

function jobCard(job) {
  const sla = slaClock(job);
  return el('li', { class: 'job-item', 'data-job-id': job.id, 'data-ticket-id': job.ticket_id },
    el('a', {
      class: `job-card status-${job.status} priority-${job.priority}${state.fresh.has(job.id) ? ' is-fresh' : ''}`,
      href: `#/jobs/${encodeURIComponent(job.id)}`,
    },
      el('span', { class: 'visually-hidden', text: t('job.sequence', { n: job.sequence ?? 0 }) }),
      el('span', { class: 'job-seq', 'aria-hidden': 'true' }, localDigits(job.sequence ?? '·')),
      el('span', { class: 'job-main' },
        el('span', { class: 'job-line' },
          el('strong', { class: 'job-category', text: categoryName(job) }),
          el('span', { class: `badge priority priority-${job.priority}`, text: t(`priority.${job.priority}`) })),
        el('span', { class: 'job-address', dir: 'auto', text: job.address || '' }),
        el('span', { class: 'job-line job-meta' },
          el('span', { class: 'job-eta', text: t('job.eta', { time: formatTime(job.eta) }) }),
          el('span', { class: `sla sla-${sla.level}`, text: sla.text }),
          el('span', { class: `badge badge-status status-${job.status}`, text: t(`status.${job.status}`) })))));
}

function renderToday() {
  const crew = state.crew;
  $('#crew-name').textContent = crew
    ? `${document.documentElement.lang === 'fa' ? crew.name_fa : crew.name_en} · ${tn('jobs.count', state.jobs.length)}`
    : '';
  $('#job-list').replaceChildren(...state.jobs.map(jobCard));
  const empty = $('#job-empty');
  empty.hidden = state.jobs.length > 0;
  empty.textContent = t('jobs.empty');
}

// ---- one job ---------------------------------------------------------------------------------

function navigateLinks(job) {
  const geo = `geo:${job.lat},${job.lon}?q=${job.lat},${job.lon}(${encodeURIComponent(job.address || categoryName(job))})`;
  const from = state.you ? `${state.you.lat},${state.you.lon}` : '';
  const web = `https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=${from};${job.lat},${job.lon}`;
  const navigate = $('#navigate');
  navigate.href = /Android/i.test(navigator.userAgent) ? geo : web;
  navigate.dataset.geo = geo;
  $('#navigate-web').href = web;
}

async function photoItems(job) {
  while (objectUrls.length) URL.revokeObjectURL(objectUrls.pop());
  const { waiting, failed } = await summary();
  const local = [...waiting, ...failed].filter((e) => e.type === 'photo' && e.job_id === job.id);
  const items = (job.photos || []).map((photo) => el('li', { class: 'photo' },
    el('img', { src: photo.url, alt: t(`job.photo.${photo.kind}`), loading: 'lazy' }),
    el('span', { class: 'photo-label', text: t(`job.photo.${photo.kind}`) })));
  for (const entry of local) {
    const url = URL.createObjectURL(entry.blob);
    objectUrls.push(url);
    items.push(el('li', { class: `photo photo-pending photo-${entry.state}`, 'data-client-id': entry.client_id },
      el('img', { src: url, alt: `${t(`job.photo.${entry.kind}`)} · ${t('job.photo.pending')}` }),
      el('span', { class: 'photo-label', text: `${t(`job.photo.${entry.kind}`)} · ${t('job.photo.pending')}` })));
  }
  if (!items.length) items.push(el('li', { class: 'photo-none muted', text: t('job.photos.none') }));
  return items;
}

async function renderJob() {
  const job = state.jobs.find((j) => j.id === state.jobId) || (await localJob(state.jobId));
  const detail = $('#job-detail');
  if (!job) {
    $('#job-title').textContent = t('job.not_found');
    detail.classList.add('is-missing');
    $('#job-actions').replaceChildren();
    return;
  }
  detail.classList.remove('is-missing');
  $('#job-title').textContent = categoryName(job);
  const priority = $('#job-priority');
  priority.textContent = t(`priority.${job.priority}`);
  priority.className = `badge priority priority-${job.priority}`;
  const status = $('#job-status');
  status.textContent = t(`status.${job.status}`);
  status.className = `badge badge-status status-${job.status}`;
  $('#job-address').textContent = job.address || '';
  $('#job-eta').textContent = formatTime(job.eta);
  const sla = slaClock(job);
  const slaParts = [el('span', { class: `sla sla-${sla.level}`, text: sla.text })];
  if (sla.due) slaParts.push(el('span', { class: 'muted sla-due', text: t('job.sla.due', { time: sla.due }) }));
  $('#job-sla').replaceChildren(...slaParts);
  $('#job-service').textContent = job.service_minutes ? formatDuration(job.service_minutes * 60000) : '—';
  $('#job-tracking').textContent = job.tracking_code || '';
  $('#job-description').textContent = job.description || '';
  navigateLinks(job);

  const actions = NEXT_ACTIONS[job.status] || [];
  const finished = $('#job-finished');
  finished.hidden = actions.length > 0;
  finished.textContent = t(`job.finished.${job.status}`);
  $('#job-actions').replaceChildren(...actions.map((action, index) => el('button', {
    type: 'button',
    class: `btn btn-block ${index === 0 ? 'btn-primary' : NEEDS_REASON.has(action) ? 'btn-danger-outline' : 'btn-secondary'}`,
    'data-action': action,
    text: t(`action.${action}`),
    onclick: () => act(job, action),
  })));
  $('#photo-grid').replaceChildren(...(await photoItems(job)));

  $('#legend-you').hidden = !state.you;
  if (!state.map) state.map = new JobMap($('#map'));
  // Redraw (and re-fit) only when the job or its route changed, so a crew's own panning stays put.
  const mapKey = `${job.id}|${job.version}|${job.route ? job.route.coordinates.length : 0}`;
  if (mapKey !== state.mapKey) {
    state.mapKey = mapKey;
    const drawn = await state.map.show(job, state.you);
    const note = $('#map-note');
    note.hidden = drawn.route;
    note.textContent = t('job.map.no_route');
  } else if (state.you) {
    state.map.setYou(state.you);
  }
}

function askReason(title, label, required) {
  const dialog = $('#reason-dialog');
  const text = $('#reason-text');
  const error = $('#reason-error');
  $('#reason-title').textContent = title;
  $('#reason-label').textContent = label;
  text.value = '';
  error.hidden = true;
  return new Promise((resolve) => {
    const form = $('#reason-form');
    const cleanup = () => { form.removeEventListener('submit', submit); $('#reason-cancel').removeEventListener('click', cancel); };
    const submit = (event) => {
      event.preventDefault();
      if (required && !text.value.trim()) {
        error.textContent = t('reason.required');
        error.hidden = false;
        text.focus();
        return;
      }
      cleanup();
      dialog.close();
      resolve(text.value.trim());
    };
    const cancel = () => { cleanup(); dialog.close(); resolve(null); };
    form.addEventListener('submit', submit);
    $('#reason-cancel').addEventListener('click', cancel);
    dialog.showModal();
    text.focus();
  });
}

async function act(job, action) {
  const extra = {};
  if (NEEDS_REASON.has(action)) {
    const reason = await askReason(t(`action.${action}`), t('reason.label'), true);
    if (reason === null) return;
    extra.reason = reason;
  } else if (OFFERS_NOTE.has(action)) {
    const note = await askReason(t(`action.${action}`), t('note.label'), false);
    if (note === null) return;
    extra.note = note;
  }
  await saveAction(job.id, action, extra);
  notice(t('notice.saved'));
  await render();
  requestBackgroundSync();
  sync();
}

async function addPhotos(input) {
  const files = [...input.files];
  input.value = '';
  const kind = input.dataset.kind;
  for (const file of files) {
    notice(t('photo.resizing'));
    try {
      const { blob } = await preparePhoto(file);
      await savePhoto(state.jobId, kind, blob);
    } catch (error) {
      notice(t('photo.failed'));
      continue;
    }
  }
  notice(t('notice.saved'));
  await render();
  requestBackgroundSync();
  sync();
}

// ---- screens ---------------------------------------------------------------------------------

function route() {
  const match = location.hash.match(/^#\/jobs\/(.+)$/);
  state.jobId = match ? decodeURIComponent(match[1]) : null;
  if (!state.jobId) state.mapKey = null;  // the map is redrawn (and re-sized) when a job opens again
  $('#view-today').hidden = Boolean(state.jobId);
  $('#view-job').hidden = !state.jobId;
}

async function render() {
  state.jobs = await localJobs();
  route();
  renderNet();
  if (state.jobId) await renderJob();
  else renderToday();
  await renderOutbox();
}

async function refreshFromServer() {
  if (!navigator.onLine) return [];
  try {
    const { crew, changes } = await refreshJobs();
    state.crew = crew;
    // Details (route on the streets, depot) are kept on the device for every job, for offline use.
    const jobs = await localJobs();
    const details = await Promise.all(jobs.map((job) => refreshDetail(job.id).catch(() => null)));
    // Fetch the map layers once now, so the service worker has them when the network is gone.
    const layers = [DISTRICTS_URL, ...details.filter(Boolean).map(streetsUrl)];
    Promise.all([...new Set(layers)].map((url) => fetch(url).catch(() => null))).catch(() => undefined);
    return changes;
  } catch (error) {
    if (error && error.needsSignIn) location.replace('/crew/login');
    return [];
  }
}

async function refreshAll() {
  await refreshFromServer();
  await render();
}

// ---- live updates ----------------------------------------------------------------------------

function listen() {
  if (state.events || typeof EventSource === 'undefined') return;
  const source = new EventSource('/api/crew/events');
  state.events = source;
  const handle = (kind) => async (event) => {
    let job;
    try { job = JSON.parse(event.data); } catch (e) { return; }
    const title = `${categoryName(job)} · ${job.address || ''}`;
    const before = await localJob(job.id);
    let tell = true;
    if (kind === 'removed') {
      await removeJob(job.id);
    } else {
      await storeJob(job);
      refreshDetail(job.id).then(render).catch(() => undefined);
      // The crew's own actions come back as updates too: only changes to the plan are announced.
      tell = kind === 'created' || !before || NOTICED_FIELDS.some((key) => before[key] !== job[key]);
    }
    if (tell) notice(t(`notice.job.${kind}`, { title }));
    if (kind === 'created') {
      state.fresh.add(String(job.id));
      setTimeout(() => { state.fresh.delete(String(job.id)); render(); }, 60 * 1000);
    }
    await render();
  };
  source.addEventListener('job.created', handle('created'));
  source.addEventListener('job.updated', handle('updated'));
  source.addEventListener('job.removed', handle('removed'));
}

// ---- sign-out --------------------------------------------------------------------------------

async function signOut() {
  const dialog = $('#signout-dialog');
  const { waiting } = await summary();
  const warning = $('#signout-warning');
  warning.hidden = waiting.length === 0;
  warning.textContent = tn('outbox.waiting', waiting.length);
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'ok') return;
  try { await api('/api/auth/logout', { method: 'POST' }); } catch (e) { /* offline: the session ends with the shift */ }
  if (state.events) state.events.close();
  await wipe();
  const names = await caches.keys();
  await Promise.all(names.map((name) => caches.delete(name)));
  location.replace('/crew/login');
}

// ---- start -----------------------------------------------------------------------------------

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
  } catch (e) { /* the app still works online without it */ }
}

async function start() {
  registerWorker();
  let identity;
  try {
    identity = await loadIdentity();
  } catch (error) {
    identity = null;
  }
  if (!identity || identity.user.role !== 'crew') {
    location.replace('/crew/login');
    return;
  }
  state.crew = await savedCrew();
  await render();

  $('#outbox-status').addEventListener('click', () => togglePanel());
  $('#signout').addEventListener('click', signOut);
  document.querySelectorAll('input[type=file][data-kind]').forEach((input) => {
    input.addEventListener('change', () => addPhotos(input));
  });
  $('#navigate').addEventListener('click', (event) => {
    const geo = event.currentTarget.dataset.geo;
    if (!geo || !/Android/i.test(navigator.userAgent)) return;
    // The phone's map app takes the geo: link; if nothing took it, open the web map.
    setTimeout(() => { if (!document.hidden) window.open($('#navigate-web').href, '_blank', 'noopener'); }, 1500);
  });
  window.addEventListener('hashchange', () => { window.scrollTo(0, 0); render(); });
  window.addEventListener('online', async () => { renderNet(); listen(); await sync(); await refreshAll(); });
  window.addEventListener('offline', renderNet);
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => render();
  } catch (e) { /* single tab */ }
  setInterval(() => { if (!document.hidden) render(); }, 30 * 1000);

  const reporter = new PositionReporter({
    getShift: () => state.crew && state.crew.shift,
    onPosition: (you) => {
      state.you = you;
      if (state.map && state.jobId) state.map.setYou(you);
      $('#legend-you').hidden = false;
    },
    onStatus: (text) => { $('#gps-status').textContent = text; },
  });

  if (navigator.onLine) {
    await sync();
    await refreshAll();
    listen();
  }
  reporter.start();
  document.body.dataset.ready = 'true';
}

start();
