// Staff sign-in: username and password; then to the page asked for, or the role's own screen.
import { ApiError } from '../lib/api.js';
import { api, ready, t } from './common.js';

const form = document.getElementById('signin-form');
const errorBox = document.getElementById('signin-error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    errorBox.textContent = t('signin.missing');
    errorBox.hidden = false;
    return;
  }
  const button = document.getElementById('signin-submit');
  button.disabled = true;
  try {
    const answer = await api('/api/auth/login', { method: 'POST', json: { username, password } });
    const homes = JSON.parse(form.dataset.homes || '{}');
    const role = (answer.user && answer.user.role) || '';
    location.assign(form.dataset.next || homes[role] || '/console');
  } catch (error) {
    errorBox.textContent = error instanceof ApiError && error.status < 500
      ? t('signin.failed')
      : t('error.offline');
    errorBox.hidden = false;
    button.disabled = false;
  }
});
ready();
