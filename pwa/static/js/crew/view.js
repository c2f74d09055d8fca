// Small DOM helpers shared by the crew screens.
import { formatDuration, formatDueTime, t } from '../lib/i18n.js';

export const $ = (selector, root = document) => root.querySelector(selector);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function categoryName(job) {
  const names = job.category_name || {};
  const lang = document.documentElement.lang;
  return names[lang] || names.en || job.category || '';
}

// The SLA clock: time left until the due time, or how late it already is.
export function slaClock(job, now = Date.now()) {
  if (!job.sla_due_at) return { text: '—', level: 'none' };
  const left = new Date(job.sla_due_at).getTime() - now;
  if (left < 0) return { text: t('job.sla.overdue', { time: formatDuration(-left) }), level: 'overdue' };
  const level = left < 60 * 60 * 1000 ? 'soon' : 'ok';
  return { text: t('job.sla.left', { time: formatDuration(left) }), level, due: formatDueTime(job.sla_due_at) };
}

let noticeTimer = null;

export function notice(text) {
  const box = $('#notice');
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, 5000);
}
