// The outbox: every action and photo the crew makes is saved on the device first, with a
// client-generated id, and sent in order when the network allows. The server applies each id once,
// so sending an entry again (after a lost answer, from another tab or the service worker) is safe.
// Works in pages and in the service worker.
import { ApiError, api } from './api.js';
import { promised, transact } from './db.js';

export const CHANNEL = 'crewline';
const MAX_DELAY_MS = 5 * 60 * 1000;
const BASE_DELAY_MS = 2000;

// The status a job shows once an action is saved (the server confirms it later).
export const NEXT_STATUS = {
  accept: 'accepted',
  decline: 'declined',
  start_travel: 'en_route',
  arrive: 'on_site',
  pause: 'paused',
  resume: 'on_site',
  complete: 'done',
  cannot_complete: 'cannot_complete',
};

// The status after `action`; resuming returns to where the job was paused.
export function nextStatus(job, action) {
  if (action === 'resume') return job.paused_from || 'on_site';
  return NEXT_STATUS[action] || job.status;
}

function broadcast(message) {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage(message);
    channel.close();
  } catch (e) { /* no BroadcastChannel: the page polls */ }
}

export function newClientId() {
  return crypto.randomUUID();
}

// Keep what the device knows beyond the list (route, depot) when a fresher job arrives.
export function mergeJob(stored, incoming, keepLocalStatus) {
  const merged = { ...(stored || {}), ...incoming };
  if (stored && stored.route && !incoming.route) merged.route = stored.route;
  if (stored && stored.depot && !incoming.depot) merged.depot = stored.depot;
  if (stored && keepLocalStatus) merged.status = stored.status;
  return merged;
}

// Save an action: the job's new status and the outbox entry are written in one transaction,
// so the device never shows a change it will not send, nor sends one it does not show.
export async function saveAction(jobId, action, extra = {}) {
  const clientId = newClientId();
  const body = { client_id: clientId, action, at: new Date().toISOString() };
  for (const key of ['reason', 'note', 'materials']) {
    if (extra[key] !== undefined && extra[key] !== '') body[key] = extra[key];
  }
  const job = await transact(['jobs', 'outbox'], 'readwrite', async ({ jobs, outbox }) => {
    const stored = await promised(jobs.get(jobId));
    if (!stored) throw new Error(`job ${jobId} is not on this device`);
    const updated = { ...stored, status: nextStatus(stored, action), local_changed_at: body.at };
    if (action === 'pause') updated.paused_from = stored.status;
    jobs.put(updated);
    outbox.add({
      client_id: clientId, type: 'action', job_id: jobId, action, body,
      created_at: body.at, attempts: 0, next_at: 0, state: 'pending', error: null,
    });
    return updated;
  });
  broadcast({ type: 'outbox' });
  return job;
}

export async function savePhoto(jobId, kind, blob) {
  const clientId = newClientId();
  const at = new Date().toISOString();
  await transact(['outbox'], 'readwrite', ({ outbox }) => promised(outbox.add({
    client_id: clientId, type: 'photo', job_id: jobId, kind, blob,
    created_at: at, attempts: 0, next_at: 0, state: 'pending', error: null,
  })));
  broadcast({ type: 'outbox' });
  return clientId;
}

export async function outboxEntries() {
  return transact(['outbox'], 'readonly', ({ outbox }) => promised(outbox.getAll()));
}

export async function summary() {
  const entries = await outboxEntries();
  const waiting = entries.filter((e) => e.state === 'pending');
  const failed = entries.filter((e) => e.state === 'failed');
  const nextAt = waiting.reduce((min, e) => Math.min(min, e.next_at || 0), Infinity);
  return { waiting, failed, nextAt };
}

export async function dismiss(seq) {
  await transact(['outbox'], 'readwrite', ({ outbox }) => promised(outbox.delete(seq)));
  broadcast({ type: 'outbox' });
}

function backoff(attempts) {
  const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempts, 20));
  return delay / 2 + Math.random() * (delay / 2);
}

async function send(entry) {
  if (entry.type === 'action') {
    return api(`/api/crew/jobs/${encodeURIComponent(entry.job_id)}/actions`, { method: 'POST', json: entry.body });
  }
  const form = new FormData();
  form.append('client_id', entry.client_id);
  form.append('kind', entry.kind);
  const ext = entry.blob.type === 'image/png' ? 'png' : entry.blob.type === 'image/webp' ? 'webp' : 'jpg';
  form.append('file', entry.blob, `${entry.kind}-${entry.client_id}.${ext}`);
  return api(`/api/crew/jobs/${encodeURIComponent(entry.job_id)}/photos`, { method: 'POST', form });
}

async function settle(entry, result) {
  await transact(['jobs', 'outbox'], 'readwrite', async ({ jobs, outbox }) => {
    outbox.delete(entry.seq);
    const stored = await promised(jobs.get(entry.job_id));
    if (entry.type === 'action' && result && result.job) {
      const others = await promised(outbox.index('job_id').getAll(entry.job_id));
      const stillWaiting = others.some((o) => o.seq !== entry.seq && o.type === 'action' && o.state === 'pending');
      jobs.put(mergeJob(stored, result.job, stillWaiting));
    } else if (entry.type === 'photo' && stored && result && result.id) {
      const photos = (stored.photos || []).filter((p) => p.id !== result.id);
      photos.push({ id: result.id, kind: entry.kind, url: result.url });
      jobs.put({ ...stored, photos });
    }
  });
}

async function update(entry, changes) {
  await transact(['outbox'], 'readwrite', async ({ outbox }) => {
    const current = await promised(outbox.get(entry.seq));
    if (current) outbox.put({ ...current, ...changes });
  });
}

async function replayOnce() {
  const entries = (await outboxEntries()).filter((e) => e.state === 'pending').sort((a, b) => a.seq - b.seq);
  const now = Date.now();
  let actionsBlocked = false;
  let sent = 0;
  let refused = 0;
  let needsSignIn = false;
  for (const entry of entries) {
    if (needsSignIn) break;
    // Actions go in the order they were made; a photo never waits for (or holds up) anything else.
    if (entry.type === 'action' && actionsBlocked) continue;
    if ((entry.next_at || 0) > now) {
      if (entry.type === 'action') actionsBlocked = true;
      continue;
    }
    try {
      const result = await send(entry);
      await settle(entry, result);
      sent += 1;
    } catch (error) {
      if (error instanceof ApiError && error.needsSignIn) {
        needsSignIn = true;
      } else if (error instanceof ApiError && error.permanent) {
        const problem = error.problem || {};
        refused += 1;
        const fields = (problem.errors || []).map((e) => `${e.field}: ${e.message}`).join('; ');
        await update(entry, {
          state: 'failed', status: error.status,
          error: [problem.title, problem.detail, fields].filter(Boolean).join(' — ') || error.message,
          allowed: problem.allowed || null,
        });
      } else {
        const attempts = (entry.attempts || 0) + 1;
        await update(entry, { attempts, next_at: Date.now() + backoff(attempts), error: String(error.message || error) });
        if (entry.type === 'action') actionsBlocked = true;
      }
    }
  }
  const left = (await outboxEntries()).filter((e) => e.state === 'pending');
  return {
    sent, refused, pending: left.length, blocked: actionsBlocked || needsSignIn || left.length > 0, needsSignIn,
  };
}

// Send everything that is due, once at a time across tabs and the service worker.
export async function replayOutbox() {
  let result;
  if (typeof navigator !== 'undefined' && navigator.locks) {
    result = await navigator.locks.request('crewline-outbox', () => replayOnce());
  } else {
    result = await replayOnce();
  }
  broadcast({ type: 'outbox', result });
  return result;
}
