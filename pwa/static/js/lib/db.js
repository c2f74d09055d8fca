// The device's store (IndexedDB): jobs with their details, the outbox, and small settings.
// Works in pages and in the service worker.
export const DB_NAME = 'crewline';
const DB_VERSION = 1;

let opening = null;

export function openDb() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('jobs')) db.createObjectStore('jobs', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('outbox')) {
        const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        outbox.createIndex('client_id', 'client_id', { unique: true });
        outbox.createIndex('job_id', 'job_id', { unique: false });
      }
      if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab deleting the database (sign-out) must not be blocked by this connection.
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
    request.onblocked = () => { opening = null; reject(new Error('the device store is busy in another tab')); };
  });
  return opening;
}

export function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Run `work(stores)` in one transaction; resolves with its result once the transaction commits,
// rejects (and nothing is written) if any request in it fails.
export async function transact(storeNames, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeNames, mode);
    const stores = Object.fromEntries(storeNames.map((name) => [name, tx.objectStore(name)]));
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('the device store refused the change'));
    Promise.resolve()
      .then(() => work(stores, tx))
      .then((value) => { result = value; })
      .catch((error) => { try { tx.abort(); } catch (e) { /* already finished */ } reject(error); });
  });
}

export async function getAll(storeName) {
  return transact([storeName], 'readonly', (s) => promised(s[storeName].getAll()));
}

export async function get(storeName, key) {
  return transact([storeName], 'readonly', (s) => promised(s[storeName].get(key)));
}

export async function put(storeName, value) {
  return transact([storeName], 'readwrite', (s) => promised(s[storeName].put(value)));
}

export async function getMeta(key) {
  const row = await get('meta', key);
  return row ? row.value : undefined;
}

export async function setMeta(key, value) {
  return put('meta', { key, value });
}

// Remove everything this app stored on the device.
export async function wipe() {
  if (opening) {
    try { (await opening).close(); } catch (e) { /* never opened */ }
    opening = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = resolve;
    request.onerror = resolve;
    request.onblocked = resolve;
  });
}
