// Crew sign-in with the mobile number and PIN; the session lasts the shift.
import { ApiError, api, rememberCsrf } from '../lib/api.js';
import { getMeta, setMeta, wipe } from '../lib/db.js';
import { asciiDigits, t } from '../lib/i18n.js';

const form = document.getElementById('login-form');
const phone = document.getElementById('phone');
const pin = document.getElementById('pin');
const formError = document.getElementById('login-error');

function fieldError(input, message) {
  const box = document.getElementById(`${input.id}-error`);
  box.textContent = message || '';
  box.hidden = !message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

function showError(message) {
  formError.textContent = message;
  formError.hidden = !message;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const phoneValue = asciiDigits(phone.value).replace(/[\s-]/g, '').replace(/^\+98/, '0');
  const pinValue = asciiDigits(pin.value).trim();
  const phoneOk = /^09\d{9}$/.test(phoneValue);
  const pinOk = /^\d{4,8}$/.test(pinValue);
  fieldError(phone, phoneOk ? '' : t('login.phone.invalid'));
  fieldError(pin, pinOk ? '' : t('login.pin.invalid'));
  if (!phoneOk) { phone.focus(); return; }
  if (!pinOk) { pin.focus(); return; }
  if (!navigator.onLine) { showError(t('login.offline')); return; }
  const button = document.getElementById('login-submit');
  button.disabled = true;
  try {
    await api('/api/auth/crew-login', { method: 'POST', json: { phone: phoneValue, pin: pinValue } });
    const me = await api('/api/auth/me');
    // Another crew's jobs and unsent work never mix with this crew's.
    const previous = await getMeta('identity');
    if (previous && previous.crew_id !== me.user.crew_id) {
      await wipe();
      if ('caches' in window) await caches.delete('crewline-data');
    }
    await rememberCsrf(me.csrf_token);
    await setMeta('identity', me.user);
    location.replace('/crew');
  } catch (error) {
    if (error instanceof ApiError && error.status === 429) {
      showError(t('login.locked'));
    } else if (error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 422)) {
      showError(t('login.failed'));
    } else if (error instanceof ApiError) {
      showError(t('error.generic', { detail: error.message }));
    } else {
      showError(t('login.offline'));
    }
    button.disabled = false;
  }
});

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch(() => undefined);
}

// Already signed in for this shift: straight to the jobs.
api('/api/auth/me')
  .then((me) => { if (me.user && me.user.role === 'crew') location.replace('/crew'); })
  .catch(() => undefined);
