// Translated strings and locale-aware numbers, times and durations for the screens.
// Persian screens use Persian digits and the Persian (Jalali) calendar; English ones Gregorian.
import { config } from './config.js';

const numberFormat = new Intl.NumberFormat(config.intlLocale, { useGrouping: false });

export function formatNumber(value) {
  return numberFormat.format(value);
}

// Replace every ASCII digit in a text with the page's digits (Persian digits on Persian screens).
export function localDigits(text) {
  if (config.lang !== 'fa') return String(text);
  return String(text).replace(/[0-9]/g, (d) => numberFormat.format(Number(d)));
}

// Persian and Arabic-Indic digits typed on a phone keyboard, as ASCII digits.
export function asciiDigits(text) {
  return String(text)
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

export function t(key, params = {}) {
  let text = config.strings[key];
  if (text === undefined) text = key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

// A count phrase with the right plural form ("1 waiting to send", "3 waiting to send").
export function tn(keyBase, n, params = {}) {
  const rule = new Intl.PluralRules(config.lang).select(n);
  const candidates = [`${keyBase}.${rule}`, `${keyBase}.other`, keyBase];
  const key = candidates.find((k) => config.strings[k] !== undefined) || keyBase;
  return t(key, { n, ...params });
}

const timeFormat = new Intl.DateTimeFormat(config.intlLocale, {
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: config.timezone,
});
const dateFormat = new Intl.DateTimeFormat(config.intlLocale, {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: config.timezone,
});
const dayTimeFormat = new Intl.DateTimeFormat(config.intlLocale, {
  day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: config.timezone,
});

export function formatTime(iso) {
  if (!iso) return '—';
  return timeFormat.format(new Date(iso));
}

export function formatDate(value) {
  return dateFormat.format(value instanceof Date ? value : new Date(value));
}

// The time alone when it is today in the city, the day and time otherwise.
export function formatDueTime(iso) {
  if (!iso) return '—';
  const when = new Date(iso);
  const sameDay = cityDateKey(when) === cityDateKey(new Date());
  return sameDay ? timeFormat.format(when) : dayTimeFormat.format(when);
}

const dateKeyFormat = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric', month: '2-digit', day: '2-digit', timeZone: config.timezone,
});

// YYYY-MM-DD of an instant in the city's time zone.
export function cityDateKey(date) {
  return dateKeyFormat.format(date);
}

const clockFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: config.timezone,
});

// "HH:MM" of an instant in the city's time zone (for comparing with shift times).
export function cityClock(date) {
  return clockFormat.format(date);
}

export function formatDuration(ms) {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
  if (minutes >= 48 * 60) return t('duration.d', { d: Math.round(minutes / 1440) });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? t('duration.hm', { h, m }) : t('duration.m', { m });
}
