// The operator's intake form: keyboard-first category and street search, a map pin, repeat-call
// suggestions for nearby open tickets of the same category, referral notice, photos, tracking code.
import { cityMap } from '../console/citymap.js';
import { ageText, api, config, h, named, notice, num, problemText, ready, showError, t } from '../console/common.js';
import { asciiDigits } from '../lib/i18n.js';

const form = document.getElementById('intake-form');
const categoryInput = document.getElementById('category-input');
const categoryList = document.getElementById('category-list');
const categoryInfo = document.getElementById('category-info');
const addressInput = document.getElementById('address-input');
const addressList = document.getElementById('address-list');
const pinInfo = document.getElementById('pin-info');
const repeatBox = document.getElementById('repeat-box');
const repeatList = document.getElementById('repeat-list');
const photosInput = document.getElementById('photos');
const errorBox = document.getElementById('intake-error');

const state = { categories: [], category: null, pin: null, repeatOf: null, marker: null };

function fold(text) {
  return asciiDigits(String(text || ''))
    .replace(/[يى]/g, 'ی').replace(/ك/g, 'ک').replace(/\u200c/g, ' ')
    .toLowerCase().replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ an accessible combobox

function combobox(input, list, { search, label, choose }) {
  let items = [];
  let active = -1;
  let timer = null;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', i === index ? 'true' : 'false'));
    if (index >= 0 && list.children[index]) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    }
  };
  const pick = (index) => {
    const item = items[index];
    if (!item) return;
    close();
    choose(item);
  };
  const render = (found, emptyText) => {
    if (document.activeElement !== input) return; // the operator has moved on
    items = found;
    list.replaceChildren(...found.map((item, i) => h('li', {
      id: `${list.id}-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (e) => { e.preventDefault(); pick(i); },
    }, ...label(item))));
    if (!found.length && emptyText) list.append(h('li', { class: 'combo-empty', role: 'option', 'aria-disabled': 'true' }, emptyText));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(found.length ? 0 : -1);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!input.value.trim()) { close(); return; }
      try { await search(input.value, render); } catch (error) { showError(error); }
    }, 150);
  });
  input.addEventListener('keydown', (event) => {
    if (list.hidden) {
      if (event.key === 'ArrowDown' && input.value.trim()) input.dispatchEvent(new Event('input'));
      // Enter in a search box never files the call by accident; Ctrl+Enter does.
      if (event.key === 'Enter' && !(event.ctrlKey || event.metaKey)) event.preventDefault();
      return;
    }
    if (event.key === 'ArrowDown') { event.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
    else if (event.key === 'ArrowUp') { event.preventDefault(); highlight(Math.max(0, active - 1)); }
    else if (event.key === 'Enter' && active >= 0) { event.preventDefault(); pick(active); }
    else if (event.key === 'Escape') { close(); }
  });
  input.addEventListener('blur', () => setTimeout(close, 120));
}

// ------------------------------------------------------------------ category

function agencyName(remit) {
  return t(`agency.${remit}`);
}

function chooseCategory(category) {
  state.category = category;
  categoryInput.value = `${named(category.name)} — ${config.lang === 'fa' ? category.name_en : category.name_fa}`;
  categoryInput.dataset.code = category.code;
  const parts = [];
  if (category.remit !== 'city') {
    parts.push(h('strong', { class: 'referral-note' }, t('intake.referred', { agency: agencyName(category.remit) })));
  } else {
    parts.push(h('span', { class: `badge priority-${category.default_priority}` }, t(`priority.${category.default_priority}`)));
    parts.push(' ', t('intake.sla', { h: category.sla_hours }));
  }
  categoryInfo.replaceChildren(...parts);
  state.repeatOf = null;
  refreshRepeats();
}

combobox(categoryInput, categoryList, {
  search: async (text, render) => {
    await categoriesLoaded;
    const q = fold(text);
    const found = state.categories.filter((c) =>
      fold(`${c.name_fa} ${c.name_en} ${c.code}`).includes(q));
    render(found.slice(0, 12), t('intake.category.none'));
  },
  label: (c) => [h('span', { class: 'combo-main' }, named(c.name)),
    h('span', { class: 'combo-sub' }, config.lang === 'fa' ? c.name_en : c.name_fa),
    c.remit !== 'city' ? h('span', { class: 'badge badge-referral' }, agencyName(c.remit)) : null],
  choose: chooseCategory,
});

// ------------------------------------------------------------------ address and pin

let mapApi = null;

function setPin(lat, lon, { fly = false } = {}) {
  state.pin = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
  if (mapApi) {
    const { L, map } = mapApi;
    if (!state.marker) {
      state.marker = L.marker([lat, lon], { draggable: true, keyboard: true, title: t('intake.pin.title'), alt: t('intake.pin.title') }).addTo(map);
      state.marker.on('dragend', () => {
        const p = state.marker.getLatLng();
        setPin(p.lat, p.lng);
      });
    } else {
      state.marker.setLatLng([lat, lon]);
    }
    if (fly) map.setView([lat, lon], Math.max(map.getZoom(), 16), { animate: false });
  }
  pinInfo.textContent = t('intake.pin.set', { lat: num(state.pin.lat, 5), lon: num(state.pin.lon, 5) });
  form.dataset.pin = `${state.pin.lon},${state.pin.lat}`;
  refreshRepeats();
}

let chosenStreet = '';
combobox(addressInput, addressList, {
  search: async (text, render) => {
    const street = text.split(/[،,]/)[0].trim();
    // After a street is chosen the operator types the house number: no new search for that.
    if (!street || street === chosenStreet) return;
    const answer = await api(`/api/addresses?q=${encodeURIComponent(street)}`);
    render(answer.items, t('intake.address.none'));
  },
  label: (s) => [h('span', { class: 'combo-main' }, named(s.name)),
    h('span', { class: 'combo-sub' }, config.lang === 'fa' ? s.name.en : s.name.fa)],
  choose: (street) => {
    chosenStreet = named(street.name);
    addressInput.value = `${chosenStreet}${config.lang === 'fa' ? '، ' : ', '}`;
    addressInput.focus();
    setPin(street.lat, street.lon, { fly: true });
  },
});

// A location the caller shares from their phone, typed or pasted as "lat, lon".
const coordinates = document.getElementById('coordinates');
coordinates.addEventListener('change', () => {
  const box = document.getElementById('coordinates-error');
  const text = asciiDigits(coordinates.value).replace(/[،؛]/g, ',').replace(/٫/g, '.').trim();
  if (!text) { box.hidden = true; return; }
  const parts = text.split(/[\s,]+/).filter(Boolean).map(Number);
  const [lat, lon] = parts;
  const ok = parts.length === 2 && parts.every(Number.isFinite) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  box.textContent = ok ? '' : t('intake.coordinates.invalid');
  box.hidden = ok;
  coordinates.setAttribute('aria-invalid', ok ? 'false' : 'true');
  if (ok) setPin(lat, lon, { fly: true });
});

// ------------------------------------------------------------------ repeat calls

// The nearby open tickets also appear on the map, so the operator sees where they are.
let nearbyLayer = null;
function drawNearby(items) {
  if (!mapApi) return;
  const { L, map } = mapApi;
  if (nearbyLayer) nearbyLayer.remove();
  nearbyLayer = L.layerGroup(items.map((ticket) => L.circleMarker([ticket.lat, ticket.lon], {
    radius: 9, color: '#8a5a00', weight: 3, fillColor: '#f2b705', fillOpacity: 0.85,
  }).bindTooltip(`${ticket.tracking_code} · ${t(`status.${ticket.status}`)}`))).addTo(map);
}

let repeatToken = 0;
async function refreshRepeats() {
  const token = ++repeatToken;
  if (!state.category || !state.pin || state.category.remit !== 'city') {
    repeatBox.hidden = true;
    drawNearby([]);
    return;
  }
  const { code } = state.category;
  let answer;
  try {
    answer = await api(`/api/tickets/nearby?category=${code}&lon=${state.pin.lon}&lat=${state.pin.lat}`);
  } catch (error) { showError(error); return; }
  if (token !== repeatToken) return;
  drawNearby(answer.items);
  repeatBox.hidden = false;
  if (!answer.items.length) {
    repeatList.replaceChildren(h('li', { class: 'muted' }, t('intake.repeat.none')));
    return;
  }
  repeatList.replaceChildren(...answer.items.map((ticket) => {
    const linked = state.repeatOf === ticket.id;
    return h('li', { class: `repeat-item${linked ? ' is-linked' : ''}`, dataset: { ticketId: ticket.id } },
      h('div', { class: 'repeat-main' },
        h('strong', { dir: 'ltr' }, ticket.tracking_code), ' ',
        h('span', { class: `badge badge-status status-${ticket.status}` }, t(`status.${ticket.status}`)), ' ',
        h('span', { class: 'muted' }, t('intake.repeat.distance', { m: Math.round(ticket.distance_m) }), ' · ', ageText(ticket.created_at)),
        h('div', { class: 'repeat-address' }, ticket.address || ''),
        ticket.description ? h('div', { class: 'muted repeat-desc' }, ticket.description) : null),
      h('button', {
        type: 'button',
        class: `btn btn-small ${linked ? 'btn-primary' : 'btn-secondary'}`,
        'aria-pressed': linked ? 'true' : 'false',
        onclick: () => { state.repeatOf = linked ? null : ticket.id; refreshRepeats(); },
      }, linked ? t('intake.repeat.linked', { code: ticket.tracking_code }) : t('intake.repeat.link', { code: ticket.tracking_code })));
  }));
}

// ------------------------------------------------------------------ photos and submit

photosInput.addEventListener('change', () => {
  const n = photosInput.files.length;
  document.getElementById('photos-info').textContent = n ? t('intake.photos.count', { n }) : '';
});

function fail(message, focus) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  if (focus) focus.focus();
}

async function uploadPhotos(ticketId) {
  for (const file of photosInput.files) {
    const body = new FormData();
    body.append('client_id', crypto.randomUUID());
    body.append('file', file);
    await api(`/api/tickets/${ticketId}/intake-photos`, { method: 'POST', form: body });
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  if (!state.category) { fail(t('intake.need.category'), categoryInput); return; }
  if (!state.pin) { fail(t('intake.need.pin'), addressInput); return; }
  const phone = asciiDigits(document.getElementById('reporter-phone').value).replace(/[\s-]/g, '');
  const body = {
    category: state.category.code,
    lon: state.pin.lon,
    lat: state.pin.lat,
    address: addressInput.value.trim(),
    description: document.getElementById('description').value.trim(),
    reporter_name: document.getElementById('reporter-name').value.trim(),
    reporter_phone: phone,
  };
  if (state.repeatOf) body.repeat_of = state.repeatOf;
  const button = document.getElementById('intake-submit');
  button.disabled = true;
  try {
    const answer = await api('/api/intake', { method: 'POST', json: body });
    const ticket = answer.ticket;
    if (photosInput.files.length) await uploadPhotos(ticket.id);
    const text = answer.created
      ? t('intake.done.new', { code: ticket.tracking_code })
      : t('intake.done.repeat', { code: ticket.tracking_code, n: ticket.repeat_count });
    document.getElementById('intake-result-text').textContent = text;
    document.getElementById('tracking-code').textContent = ticket.tracking_code;
    const link = document.getElementById('tracking-link');
    link.href = `/track/${ticket.tracking_code}`;
    document.getElementById('intake-result').hidden = false;
    form.dataset.lastTicket = String(ticket.id);
    notice(text);
  } catch (error) {
    fail(error.problem ? problemText(error) : t('error.offline'));
  } finally {
    button.disabled = false;
  }
});

form.addEventListener('reset', () => {
  chosenStreet = '';
  drawNearby([]);
  state.category = null;
  state.repeatOf = null;
  state.pin = null;
  if (state.marker) { state.marker.remove(); state.marker = null; }
  categoryInfo.textContent = '';
  pinInfo.textContent = t('intake.pin.none');
  repeatBox.hidden = true;
  document.getElementById('intake-result').hidden = true;
  document.getElementById('photos-info').textContent = '';
  delete categoryInput.dataset.code;
  delete form.dataset.pin;
  setTimeout(() => categoryInput.focus(), 0);
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
});

const categoriesLoaded = api('/api/categories?per_page=200').then((answer) => { state.categories = answer.items; });

async function start() {
  pinInfo.textContent = t('intake.pin.none');
  await categoriesLoaded;
  mapApi = await cityMap('intake-map');
  mapApi.map.on('click', (event) => setPin(event.latlng.lat, event.latlng.lng));
  categoryInput.focus();
  ready();
}

start().catch(showError);
