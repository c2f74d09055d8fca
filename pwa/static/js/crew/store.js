// The crew's jobs on the device: fetched from the API when online, read from IndexedDB always.
import { ApiError, api, rememberCsrf } from '../lib/api.js';
import { getMeta, promised, setMeta, transact } from '../lib/db.js';
import { mergeJob } from '../lib/outbox.js';

function bySequence(a, b) {
  return (a.sequence ?? 1e9) - (b.sequence ?? 1e9) || String(a.eta || '').localeCompare(String(b.eta || ''));
}

async function pendingJobIds(outbox) {
  const entries = await promised(outbox.getAll());
  return new Set(entries.filter((e) => e.type === 'action' && e.state === 'pending').map((e) => e.job_id));
}

// Who is signed in: asked from the server when online, remembered for offline starts.
// Resolves to null when the server says the session is over.
export async function loadIdentity() {
  try {
    const me = await api('/api/auth/me');
    await rememberCsrf(me.csrf_token);
    await setMeta('identity', me.user);
    return { user: me.user, online: true };
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.needsSignIn) return null;
      throw error;
    }
    const user = await getMeta('identity');
    return user ? { user, online: false } : null;
  }
}

export async function localJobs() {
  const jobs = await transact(['jobs'], 'readonly', ({ jobs: store }) => promised(store.getAll()));
  return jobs.sort(bySequence);
}

export async function localJob(id) {
  return transact(['jobs'], 'readonly', ({ jobs }) => promised(jobs.get(String(id))));
}

export async function savedCrew() {
  return getMeta('crew');
}

// Store the server's list: newer server data wins, except a job's status while the crew's own
// change to it is still waiting in the outbox. Jobs no longer listed are removed.
export async function storeJobList(crew, items) {
  await setMeta('crew', crew);
  const incoming = items.map((job) => ({ ...job, id: String(job.id) }));
  const ids = new Set(incoming.map((j) => j.id));
  return transact(['jobs', 'outbox'], 'readwrite', async ({ jobs, outbox }) => {
    const pending = await pendingJobIds(outbox);
    const stored = await promised(jobs.getAll());
    const storedById = new Map(stored.map((j) => [j.id, j]));
    for (const old of stored) {
      if (!ids.has(old.id) && !pending.has(old.id)) jobs.delete(old.id);
    }
    const changed = [];
    for (const job of incoming) {
      const before = storedById.get(job.id);
      jobs.put(mergeJob(before, job, pending.has(job.id)));
      if (!before) changed.push({ kind: 'created', job });
      else if (before.version !== job.version) changed.push({ kind: 'updated', job });
    }
    return changed;
  });
}

export async function refreshJobs() {
  const body = await api('/api/crew/jobs');
  const changes = await storeJobList(body.crew, body.items || []);
  return { crew: body.crew, changes };
}

// One job from the server (a live event or its detail with the route), merged into the device's copy.
export async function storeJob(job) {
  const incoming = { ...job, id: String(job.id) };
  return transact(['jobs', 'outbox'], 'readwrite', async ({ jobs, outbox }) => {
    const pending = await pendingJobIds(outbox);
    const before = await promised(jobs.get(incoming.id));
    const merged = mergeJob(before, incoming, pending.has(incoming.id));
    jobs.put(merged);
    return merged;
  });
}

export async function removeJob(id) {
  return transact(['jobs'], 'readwrite', ({ jobs }) => promised(jobs.delete(String(id))));
}

export async function refreshDetail(id) {
  const detail = await api(`/api/crew/jobs/${encodeURIComponent(id)}`);
  return storeJob(detail);
}
