// The coordinator's snow emergency screen: declare/end, the map of tiered snow routes coloured by
// time since last plowed, demand against equipment per district, the proposed moves to change by
// hand and approve into plow routes for the crews, and plow progress live (SSE).
import { api, config, h, notice, num, ready, showError, t, ageText } from '../console/common.js';
import { cityMap } from '../console/citymap.js';

const own = document.getElementById('snow-strings');
if (own) Object.assign(config.strings, JSON.parse(own.textContent));

const $ = (id) => document.getElementById(id);
const COLORS = { fresh: '#1e8e3e', due: '#d99a00', late: '#c62828', never: '#6a3d9a' };
const WEIGHTS = { 1: 4, 2: 2.6, 3: 1.4 };

let view = null; // { map, L, layers }
let state = { emergency: null, proposal: null, runs: [], intervals: {} };
let demandItems = [];
let routesLayer = null;
let routesKey = '';
const byEdge = new Map(); // edge id → Leaflet layer
let approving = false;
let pollTimer = null;

const dateTime = new Intl.DateTimeFormat(config.intlLocale, {
  timeZone: config.timezone, dateStyle: 'medium', timeStyle: 'short',
});

function districtList(codes) {
  return codes.map((c) => num(c)).join(config.lang === 'fa' ? '، ' : ', ');
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function level() {
  return state.emergency ? state.emergency.level : 2;
}

// How a segment looks: its tier sets the width, the time since it was last plowed the colour.
function ageClass(props, now = Date.now()) {
  if (!props.last_plowed_at) return 'never';
  const interval = (state.intervals[String(level())] || {})[String(props.tier)];
  if (!interval) return 'fresh';
  const age = (now - new Date(props.last_plowed_at).getTime()) / 1000;
  if (age < interval / 2) return 'fresh';
  if (age < interval) return 'due';
  return 'late';
}

function routeStyle(feature) {
  const props = feature.properties;
  return { color: COLORS[ageClass(props)], weight: WEIGHTS[props.tier] || 1.4, opacity: 0.9 };
}

function routeTip(props) {
  const name = (config.lang === 'fa' ? props.name_fa : props.name_en) || '';
  const when = props.last_plowed_at ? t('snow.ago', { age: ageText(props.last_plowed_at) }) : t('snow.never');
  const interval = (state.intervals[String(level())] || {})[String(props.tier)];
  const every = interval ? t('snow.interval', { h: num(interval / 3600) }) : t('snow.interval.none');
  return `${name} · ${t('snow.tier', { n: props.tier })} · ${when} · ${every}`;
}

// What the map shows, for people reading the page's state (and the screen's tests).
function countRoutes() {
  const box = $('snow-map');
  box.dataset.routes = String(byEdge.size);
  box.dataset.plowed = String([...byEdge.values()].filter((l) => l.feature.properties.last_plowed_at).length);
}

async function drawRoutes() {
  const districts = state.emergency ? state.emergency.districts : [];
  const key = districts.join(',');
  if (routesLayer && key === routesKey) {
    routesLayer.setStyle(routeStyle);
    return;
  }
  const url = districts.length ? `/api/snow/routes.geojson?districts=${key}` : '/api/snow/routes.geojson';
  const data = await api(url);
  // With no emergency, the city-wide tier-1 network gives the overview.
  if (!districts.length) data.features = data.features.filter((f) => f.properties.tier === 1);
  data.features.sort((a, b) => b.properties.tier - a.properties.tier);
  if (routesLayer) routesLayer.remove();
  byEdge.clear();
  routesLayer = view.L.geoJSON(data, {
    style: routeStyle,
    onEachFeature: (feature, layer) => {
      byEdge.set(feature.properties.edge_id, layer);
      layer.bindTooltip(() => routeTip(feature.properties), { sticky: true });
    },
  }).addTo(view.map);
  routesKey = key;
  countRoutes();
  fit();
}

// Show the declared districts' routes, or the whole city, once the panels have taken their room.
function fit() {
  view.map.invalidateSize();
  const [minLon, minLat, maxLon, maxLat] = view.city.bbox;
  const bounds = routesKey && routesLayer && routesLayer.getLayers().length
    ? routesLayer.getBounds() : view.L.latLngBounds([[minLat, minLon], [maxLat, maxLon]]);
  view.map.fitBounds(bounds, { padding: [16, 16] });
}

// ------------------------------------------------------------------ demand bars

function unitBlocks(count, kind, label) {
  const blocks = [];
  for (let i = 0; i < count; i += 1) blocks.push(h('b', { class: `unit unit-${kind}` }));
  return h('span', { class: 'unit-row', title: label }, blocks);
}

function hours(seconds) {
  return seconds === null || seconds === undefined ? t('snow.clear.never') : t('snow.clear.hours', { h: num(seconds / 3600, 1) });
}

// Tier 1 clear time as the storm found the units, and with the proposal's moves.
function clearTimes(district) {
  const p = state.proposal;
  if (!p || !state.emergency || !state.emergency.districts.includes(district)) return '';
  const row = (p.districts || []).find((d) => d.district === district);
  if (!row) return '';
  return t('snow.clear', { before: hours(row.before_s[0]), after: hours(row.after_s[0]) });
}

function drawDemand() {
  const list = $('demand-bars');
  const maxKm = Math.max(1, ...demandItems.map((d) => d.route_km['1'] + d.route_km['2'] + d.route_km['3']));
  const declared = state.emergency ? new Set(state.emergency.districts) : new Set();
  const items = [...demandItems].sort((a, b) => Number(declared.has(b.district)) - Number(declared.has(a.district)) || a.district - b.district);
  list.replaceChildren(...items.map((d) => {
    const km = d.route_km['1'] + d.route_km['2'] + d.route_km['3'];
    const plowed = d.plowed_km['1'] + d.plowed_km['2'] + d.plowed_km['3'];
    const name = config.lang === 'fa' ? d.name.fa : d.name.en;
    const bar = h('span', { class: 'km-bar', role: 'img', 'aria-label': t('snow.bar.km', { km: num(km, 1), plowed: num(plowed, 1) }) },
      ...['1', '2', '3'].map((tier) => h('span', { class: `km-tier tier-${tier}`, style: `width:${(100 * d.route_km[tier]) / maxKm}%` })),
      h('span', { class: 'km-plowed', style: `width:${(100 * plowed) / maxKm}%` }));
    const now = t('snow.bar.units', { plows: num(d.units.plow), spreaders: num(d.units.salt_spreader) });
    const after = d.proposed_units
      ? t('snow.bar.proposed', { plows: num(d.proposed_units.plow), spreaders: num(d.proposed_units.salt_spreader) })
      : '';
    const clear = clearTimes(d.district);
    const changed = d.proposed_units && (d.proposed_units.plow !== d.units.plow || d.proposed_units.salt_spreader !== d.units.salt_spreader);
    return h('li', { class: `demand-row${declared.has(d.district) ? ' is-declared' : ''}` },
      h('span', { class: 'demand-head' },
        h('span', { class: 'demand-name' }, `${num(d.district)} · ${name}`),
        h('span', { class: 'demand-km' }, t('snow.bar.km', { km: num(km, 1), plowed: num(plowed, 1) }))),
      bar,
      h('span', { class: 'demand-units' },
        unitBlocks(d.units.plow, 'plow', now), unitBlocks(d.units.salt_spreader, 'salt', now),
        h('span', { class: 'demand-units-text' }, now),
        after ? h('span', { class: `demand-after${changed ? ' is-changed' : ''}` }, `· ${after}`) : null),
      clear ? h('span', { class: 'demand-clear' }, clear) : null);
  }));
}

// ------------------------------------------------------------------ panels

function drawEmergency() {
  const em = state.emergency;
  $('declare-box').hidden = Boolean(em);
  $('active-box').hidden = !em;
  if (!em) return;
  $('active-line').textContent = t('snow.active', {
    level: em.level, districts: districtList(em.districts), end: dateTime.format(new Date(em.expected_end_at)),
  });
  $('active-tickets').textContent = t('snow.tickets', { raised: em.tickets.raised || 0, held: em.tickets.held || 0 });
}

function unitName(unit) {
  return `${unit.id} (${t(`snow.unit.${unit.type}`)})`;
}

function drawProposal() {
  const p = state.proposal;
  $('proposal-box').hidden = !state.emergency;
  if (!state.emergency) return;
  const status = $('proposal-status');
  const busy = !p || p.status === 'queued' || p.status === 'running';
  $('approve-button').disabled = approving || !p || p.status !== 'done';
  $('hand-apply').disabled = approving || !p || p.status !== 'done';
  $('propose-button').disabled = approving || busy;
  $('hand-move').hidden = !p || p.status !== 'done';
  $('approve-button').hidden = Boolean(p && p.status === 'approved');
  if (approving) status.textContent = t('snow.approving');
  else if (!p) status.textContent = t('snow.proposal.none');
  else if (busy) status.textContent = t('snow.proposal.running');
  else if (p.status === 'failed') status.textContent = t('snow.proposal.failed', { detail: p.error || '' });
  else if (p.status === 'approved') status.textContent = t('snow.proposal.approved', { n: state.runs.length });
  else status.textContent = p.moves.length ? t('snow.proposal.done', { n: p.moves.length }) : t('snow.proposal.stay');
  const moves = p ? p.moves : [];
  $('move-list').replaceChildren(...moves.map((m) => h('li', { class: `move-item${m.by_hand ? ' by-hand' : ''}` },
    h('span', { class: 'move-main' }, t('snow.move', {
      unit: unitName({ id: m.unit_id, type: m.type }), from: num(m.from_district), to: num(m.to_district),
    })),
    m.eta_s !== null && m.eta_s !== undefined ? h('span', { class: 'muted' }, t('snow.move.eta', { min: Math.round(m.eta_s / 60) })) : null,
    m.by_hand ? h('span', { class: 'badge' }, t('snow.move.hand')) : null)));
  if (p && p.status === 'done') {
    const unitSelect = $('hand-unit');
    const chosen = unitSelect.value;
    const targets = Object.fromEntries(moves.map((m) => [m.unit_id, m.to_district]));
    unitSelect.replaceChildren(...p.units.map((u) => h('option', { value: u.id },
      `${u.id} → ${num(targets[u.id] || u.district)}`)));
    if (chosen) unitSelect.value = chosen;
    const districtSelect = $('hand-district');
    if (!districtSelect.options.length) {
      districtSelect.replaceChildren(...demandItems.map((d) => h('option', { value: d.district },
        `${num(d.district)} · ${config.lang === 'fa' ? d.name.fa : d.name.en}`)));
    }
  }
}

function drawRuns() {
  $('runs-box').hidden = !state.runs.length;
  $('run-list').replaceChildren(...state.runs.map((r) => h('li', { class: `run-item status-${r.status}` },
    h('span', {}, t('snow.run', {
      unit: r.plow_id, district: num(r.district), crew: (r.crew_name && (config.lang === 'fa' ? r.crew_name.fa : r.crew_name.en)) || r.crew_id, km: num(r.length_m / 1000, 1), h: num(r.duration_s / 3600, 1),
    })),
    h('span', { class: 'badge badge-status' }, r.status === 'done' ? t('snow.run.done') : t(config.strings[`snow.job.${r.status}`] ? `snow.job.${r.status}` : `status.${r.status}`)))));
}

async function refresh() {
  const [snowState, demand] = await Promise.all([api('/api/snow'), api('/api/snow/demand')]);
  state = snowState;
  demandItems = demand.items;
  drawEmergency();
  drawProposal();
  drawRuns();
  drawDemand();
  const firstDraw = !routesLayer;
  await drawRoutes();
  if (firstDraw) fit();
  const p = state.proposal;
  clearTimeout(pollTimer);
  if (p && (p.status === 'queued' || p.status === 'running')) pollTimer = setTimeout(() => refresh().catch(showError), 2000);
}

// ------------------------------------------------------------------ actions

function districtPicks() {
  const box = $('declare-districts');
  const legend = box.querySelector('legend');
  box.replaceChildren(legend, ...demandItems.map((d) => h('label', {},
    h('input', { type: 'checkbox', value: d.district, name: 'district' }),
    ` ${num(d.district)} · ${config.lang === 'fa' ? d.name.fa : d.name.en}`)));
}

function formError(message) {
  const box = $('declare-error');
  box.textContent = message;
  box.hidden = !message;
}

async function declare(event) {
  event.preventDefault();
  formError('');
  const districts = [...document.querySelectorAll('#declare-districts input:checked')].map((i) => Number(i.value));
  if (!districts.length) return formError(t('snow.need.districts'));
  const end = $('declare-end').value;
  if (!end) return formError(t('snow.need.end'));
  const start = $('declare-start').value;
  const body = {
    level: Number($('declare-level').value),
    districts,
    expected_end_at: new Date(end).toISOString(),
    start_at: start ? new Date(start).toISOString() : undefined,
    note: $('declare-note').value || undefined,
  };
  $('declare-submit').disabled = true;
  try {
    state = await api('/api/snow/emergencies', { method: 'POST', json: body });
    notice(t('snow.declared'));
    await refresh();
  } catch (error) {
    const problem = error.problem || {};
    formError((problem.errors || []).map((e) => `${e.field}: ${e.message}`).join('; ') || problem.detail || String(error));
  } finally {
    $('declare-submit').disabled = false;
  }
}

async function endEmergency() {
  if (!state.emergency || !window.confirm(t('snow.confirm.end'))) return;
  try {
    await api(`/api/snow/emergencies/${state.emergency.id}/end`, { method: 'POST', json: { version: state.emergency.version } });
    notice(t('snow.ended'));
    await refresh();
  } catch (error) { showError(error); }
}

async function moveByHand() {
  const p = state.proposal;
  const unit = $('hand-unit').value;
  const district = Number($('hand-district').value);
  try {
    state.proposal = await api(`/api/snow/proposals/${p.id}/moves`, { method: 'POST', json: { unit_id: unit, district } });
    notice(t('snow.moved', { unit, to: num(district) }));
    await refresh();
  } catch (error) { showError(error); }
}

async function approve() {
  const p = state.proposal;
  approving = true;
  drawProposal();
  try {
    await api(`/api/snow/proposals/${p.id}/approve`, { method: 'POST', json: { route_time_limit_s: 3, version: p.version } });
  } catch (error) { showError(error); }
  approving = false;
  await refresh();
}

async function proposeAgain() {
  try {
    await api(`/api/snow/emergencies/${state.emergency.id}/proposals`, { method: 'POST', json: { time_limit_s: 5 } });
    await refresh();
  } catch (error) { showError(error); }
}

// ------------------------------------------------------------------ live

let demandTimer = null;
function live() {
  const dot = $('live-state');
  const source = new EventSource('/api/events?channels=snow');
  source.addEventListener('open', () => { dot.dataset.state = 'up'; });
  source.addEventListener('error', () => { dot.dataset.state = 'down'; });
  source.addEventListener('snow.updated', () => { if (!approving) refresh().catch(showError); });
  source.addEventListener('snow.plowed', (event) => {
    const data = JSON.parse(event.data);
    for (const id of data.edge_ids) {
      const layer = byEdge.get(id);
      if (!layer) continue;
      layer.feature.properties.last_plowed_at = data.at;
      layer.setStyle(routeStyle(layer.feature));
    }
    countRoutes();
    notice(t('snow.plowed', { n: data.edge_ids.length }));
    clearTimeout(demandTimer);
    demandTimer = setTimeout(() => {
      api('/api/snow/demand').then((d) => { demandItems = d.items; drawDemand(); }).catch(showError);
      api('/api/snow').then((s) => { state = s; drawRuns(); }).catch(showError);
    }, 1500);
  });
}

async function main() {
  view = await cityMap('snow-map', { streets: 'arterial' });
  const now = new Date();
  $('declare-start').value = localInput(now);
  $('declare-end').value = localInput(new Date(now.getTime() + 12 * 3600 * 1000));
  $('declare-form').addEventListener('submit', declare);
  $('end-button').addEventListener('click', endEmergency);
  $('hand-apply').addEventListener('click', moveByHand);
  $('approve-button').addEventListener('click', approve);
  $('propose-button').addEventListener('click', proposeAgain);
  await refresh();
  districtPicks();
  live();
  ready();
}

main().catch(showError);
