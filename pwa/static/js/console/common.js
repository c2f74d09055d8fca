// What the staff and citizen screens share: their strings, sign-out, notices, ages, small DOM helpers.
import { api } from '../lib/api.js';
import { config } from '../lib/config.js';
import { formatNumber, t } from '../lib/i18n.js';

const own = document.getElementById('screen-strings');
if (own) Object.assign(config.strings, JSON.parse(own.textContent));

export { api, config, t };

// An element with attributes and children: h('li', { class: 'x', onclick: fn }, 'text', child).
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function named(names) {
  if (!names) return '';
  return names[config.lang] || names.en || '';
}

export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const rounded = digits ? Number(value).toFixed(digits) : Math.round(Number(value));
  return config.lang === 'fa'
    ? String(rounded).replace(/[0-9]/g, (d) => formatNumber(Number(d))).replace('.', '٫')
    : String(rounded);
}

export function percent(value) {
  if (value === null || value === undefined) return '—';
  return `${num(value * 100, 0)}٪`.replace('٪', config.lang === 'fa' ? '٪' : '%');
}

export function ageText(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return t('age.now');
  if (minutes < 60) return t('age.minutes', { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t('age.hours', { n: hours });
  return t('age.days', { n: Math.round(hours / 24) });
}

export function ageHours(iso, now = Date.now()) {
  return (now - new Date(iso).getTime()) / 3600000;
}

let noticeTimer = null;
export function notice(message, kind = 'info') {
  let box = document.getElementById('screen-notice');
  if (!box) {
    box = h('div', { id: 'screen-notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? 9000 : 5000);
}

export function problemText(error) {
  if (!error) return '';
  const problem = error.problem || {};
  const fields = (problem.errors || []).map((e) => `${e.field}: ${e.message}`).join('; ');
  return fields || problem.detail || error.message || String(error);
}

export function showError(error) {
  if (error instanceof TypeError) notice(t('error.offline'), 'error');
  else notice(t('error.generic', { detail: problemText(error) }), 'error');
}

const signout = document.getElementById('staff-signout');
if (signout) {
  signout.addEventListener('click', async () => {
    try { await api('/api/auth/logout', { method: 'POST' }); } catch (e) { /* signed out anyway */ }
    location.assign('/signin');
  });
}

export function ready() {
  document.body.dataset.ready = 'true';
}
