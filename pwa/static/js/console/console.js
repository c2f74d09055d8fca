// The dispatcher's console: open tickets on the city map (colour = priority, size = age, black ring =
// past its SLA), the triage inbox, planning with progress, routes on the map and a per-crew timeline,
// hand moves, publishing, urgent insertion, crews' live positions; live updates over SSE.
import { cityMap, PRIORITY_COLORS } from './citymap.js';
import { ageHours, ageText, api, config, h, named, notice, num, problemText, ready, showError, t } from './common.js';
import { formatTime } from '../lib/i18n.js';

const OPEN = new Set(['new', 'triaged', 'planned', 'assigned', 'accepted', 'en_route', 'on_site', 'reopened']);
const INBOX = new Set(['new', 'triaged', 'reopened']);
const PRIORITY_ORDER = { urgent: 0, high: 1, normal: 2, low: 3 };
const CREW_COLORS = ['#0b63ce', '#1d7a46', '#b54708', '#6b2fb3', '#c0392b', '#00838f', '#8d6e00', '#ad1457',
  '#37474f', '#5e8c00', '#4527a0', '#d84315', '#0277bd', '#6d4c41', '#c2185b', '#00695c', '#7b1fa2', '#9e6b00',
  '#283593', '#558b2f'];

const state = {
  tickets: new Map(),
  categories: [],
  crews: new Map(),
  plan: null,
  selected: null,
  selectedVisit: null,
  markers: new Map(),
  crewMarkers: new Map(),
  routeLayer: null,
  mapApi: null,
};

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ tabs

function selectTab(name) {
  for (const tab of ['inbox', 'plan']) {
    const on = tab === name;
    $(`tab-${tab}`).setAttribute('aria-selected', on ? 'true' : 'false');
    $(`tab-${tab}`).tabIndex = on ? 0 : -1;
    $(`panel-${tab}`).hidden = !on;
  }
}
$('tab-inbox').addEventListener('click', () => selectTab('inbox'));
$('tab-plan').addEventListener('click', () => selectTab('plan'));
document.querySelector('.tabs').addEventListener('keydown', (event) => {
  if (!['ArrowLeft', 'ArrowRight'].includes(event.key)) return;
  const next = $('tab-inbox').getAttribute('aria-selected') === 'true' ? 'plan' : 'inbox';
  selectTab(next);
  $(`tab-${next}`).focus();
});

// ------------------------------------------------------------------ tickets: loading, map, inbox

async function loadTickets() {
  let page = 1;
  for (;;) {
    const answer = await api(`/api/tickets?open=true&per_page=200&page=${page}&sort=created_at`);
    for (const ticket of answer.items) state.tickets.set(ticket.id, ticket);
    if (page >= answer.pages) break;
    page += 1;
  }
}

function ticketTitle(ticket) {
  return `${named(ticket.category_name)} · ${ticket.tracking_code}`;
}

function drawTicket(ticket) {
  const { L, map } = state.mapApi;
  const old = state.markers.get(ticket.id);
  if (old) old.remove();
  state.markers.delete(ticket.id);
  if (!OPEN.has(ticket.status)) return;
  const age = ageHours(ticket.created_at);
  const marker = L.circleMarker([ticket.lat, ticket.lon], {
    radius: 5 + Math.min(age, 48) / 8,
    color: ticket.overdue ? '#111' : '#fff',
    weight: ticket.overdue ? 3 : 1.5,
    fillColor: PRIORITY_COLORS[ticket.priority] || PRIORITY_COLORS.normal,
    fillOpacity: INBOX.has(ticket.status) ? 0.95 : 0.55,
  }).addTo(map);
  marker.bindTooltip(`${ticketTitle(ticket)} — ${t(`status.${ticket.status}`)} — ${ageText(ticket.created_at)}`);
  marker.on('click', () => { selectTab('inbox'); openTriage(ticket.id); });
  state.markers.set(ticket.id, marker);
}

function inboxTickets() {
  const text = $('inbox-filter').value.trim().toLowerCase();
  const priority = $('inbox-priority').value;
  return [...state.tickets.values()]
    .filter((tk) => INBOX.has(tk.status))
    .filter((tk) => !priority || tk.priority === priority)
    .filter((tk) => !text || `${tk.address} ${tk.tracking_code} ${tk.category_name.fa} ${tk.category_name.en} ${tk.description}`
      .toLowerCase().includes(text))
    .sort((a, b) => (PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority])
      || (a.status === 'new' ? -1 : 0) - (b.status === 'new' ? -1 : 0)
      || a.created_at.localeCompare(b.created_at));
}

function renderInbox() {
  const items = inboxTickets();
  const all = [...state.tickets.values()].filter((tk) => INBOX.has(tk.status)).length;
  $('inbox-count').textContent = num(all);
  const list = $('inbox-list');
  if (!items.length) {
    list.replaceChildren(h('li', { class: 'empty' }, t('console.inbox.empty')));
    return;
  }
  list.replaceChildren(...items.slice(0, 300).map((tk) => {
    const age = ageHours(tk.created_at);
    return h('li', {},
      h('button', {
        type: 'button',
        class: `inbox-item priority-${tk.priority}`,
        'aria-current': state.selected === tk.id ? 'true' : 'false',
        dataset: { ticketId: tk.id, status: tk.status },
        onclick: () => openTriage(tk.id),
      },
      h('span', { class: 'inbox-line' },
        h('span', { class: 'inbox-title' }, named(tk.category_name)),
        h('span', { class: `badge priority-${tk.priority}` }, t(`priority.${tk.priority}`)),
        h('span', { class: `badge badge-status status-${tk.status}` }, t(`status.${tk.status}`)),
        h('span', { class: age > 24 ? 'age-old' : 'muted' }, ageText(tk.created_at)),
        tk.repeat_count ? h('span', { class: 'badge', title: t('console.calls', { n: tk.repeat_count + 1 }) },
          t('console.calls', { n: tk.repeat_count + 1 })) : null),
      h('span', { class: 'inbox-address', dir: 'auto' }, `${tk.tracking_code} · ${tk.address || ''}`)));
  }));
}

$('inbox-filter').addEventListener('input', renderInbox);
$('inbox-priority').addEventListener('change', renderInbox);

// ------------------------------------------------------------------ triage

function actionValue() {
  return document.querySelector('input[name="triage-action"]:checked').value;
}

function syncTriageFields() {
  const ticket = state.tickets.get(state.selected);
  if (!ticket) return;
  const action = actionValue();
  $('triage-reason-field').hidden = action === 'keep';
  $('triage-agency-field').hidden = action !== 'refer';
  $('triage-duplicate-field').hidden = action !== 'duplicate';
  const changed = $('triage-category').value !== ticket.category || $('triage-priority').value !== ticket.priority;
  $('triage-change-reason-field').hidden = !changed;
}

for (const input of document.querySelectorAll('input[name="triage-action"]')) input.addEventListener('change', syncTriageFields);
$('triage-category').addEventListener('change', syncTriageFields);
$('triage-priority').addEventListener('change', syncTriageFields);

async function openTriage(id) {
  const ticket = state.tickets.get(id);
  if (!ticket) return;
  state.selected = id;
  const form = $('triage');
  form.hidden = false;
  form.dataset.ticketId = String(id);
  $('triage-title').textContent = ticketTitle(ticket);
  const phone = ticket.reporter_phone ? ` · ${ticket.reporter_phone}` : '';
  $('triage-meta').textContent = `${ticket.address || ''} · ${named(ticket.district_name)} · ${ageText(ticket.created_at)} · `
    + `${ticket.reporter_name || ''}${phone}`;
  $('triage-desc').textContent = ticket.description || '';
  $('triage-category').value = ticket.category;
  $('triage-priority').value = ticket.priority;
  $('triage-change-reason').value = '';
  $('triage-reason').value = '';
  $('triage-duplicate').value = '';
  document.querySelector('input[name="triage-action"][value="keep"]').checked = true;
  $('triage-error').hidden = true;
  $('triage-insert').hidden = !(ticket.priority === 'urgent' && livePlan());
  syncTriageFields();
  renderInbox();
  const marker = state.markers.get(id);
  if (marker) {
    state.mapApi.map.panTo(marker.getLatLng());
    marker.openTooltip();
  }
  $('triage-photos').replaceChildren();
  try {
    const photos = await api(`/api/tickets/${id}/intake-photos`);
    $('triage-photos').replaceChildren(...photos.items.map((p, i) =>
      h('a', { href: p.url, target: '_blank', rel: 'noopener' },
        h('img', { src: p.url, alt: t('console.photo', { n: i + 1 }) }))));
  } catch (error) { /* photos are optional */ }
  $('triage-category').focus();
}

$('triage-close').addEventListener('click', () => {
  $('triage').hidden = true;
  state.selected = null;
  renderInbox();
});

async function resolveDuplicate(text) {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const found = await api(`/api/tickets?q=${encodeURIComponent(value)}&per_page=1`);
  return found.items.length ? found.items[0].id : null;
}

$('triage').addEventListener('submit', async (event) => {
  event.preventDefault();
  const ticket = state.tickets.get(state.selected);
  if (!ticket) return;
  const errorBox = $('triage-error');
  errorBox.hidden = true;
  const action = actionValue();
  const body = { version: ticket.version, action };
  const changeReason = $('triage-change-reason').value.trim();
  if ($('triage-category').value !== ticket.category) {
    body.category = $('triage-category').value;
    body.category_reason = changeReason;
  }
  if ($('triage-priority').value !== ticket.priority) {
    body.priority = $('triage-priority').value;
    body.priority_reason = changeReason;
  }
  if (action !== 'keep') body.reason = $('triage-reason').value.trim();
  if (action === 'refer') body.agency = $('triage-agency').value;
  if (action === 'duplicate') {
    body.duplicate_of = await resolveDuplicate($('triage-duplicate').value);
  }
  try {
    const saved = await api(`/api/tickets/${ticket.id}/triage`, { method: 'POST', json: body });
    updateTicket(saved);
    notice(t('console.triaged', { id: saved.tracking_code }));
    if (INBOX.has(saved.status)) openTriage(saved.id);
    else { $('triage').hidden = true; state.selected = null; renderInbox(); }
  } catch (error) {
    errorBox.textContent = problemText(error);
    errorBox.hidden = false;
  }
});

$('triage-insert').addEventListener('click', async () => {
  const plan = livePlan();
  if (!plan || !state.selected) return;
  try {
    const id = state.selected;
    const answer = await api(`/api/plans/${plan.id}/insert`, { method: 'POST', json: { ticket_id: id } });
    const updated = answer.plan || answer;
    setPlan(updated);
    const left = (updated.unassigned || []).find((u) => u.ticket_id === id);
    const code = state.tickets.get(id) ? state.tickets.get(id).tracking_code : id;
    if (left) notice(t('console.not.inserted', { id: code, reason: t(`reason.${left.reason}`) }), 'error');
    else notice(t('console.inserted', { id: code }));
  } catch (error) { showError(error); }
});

function updateTicket(ticket) {
  state.tickets.set(ticket.id, ticket);
  drawTicket(ticket);
  if (state.selected === ticket.id && !INBOX.has(ticket.status)) {
    $('triage').hidden = true;
    state.selected = null;
  }
  renderInbox();
}

// ------------------------------------------------------------------ plans

function livePlan() {
  return state.plan && state.plan.status === 'done' ? state.plan : null;
}

// Crews of the plan get distinct colours in route order (the same on the map and the timeline).
function crewColor(crewId) {
  const ids = state.plan && state.plan.routes ? state.plan.routes.map((r) => r.crew_id) : [];
  let index = ids.indexOf(crewId);
  if (index < 0) index = [...state.crews.keys()].sort().indexOf(crewId);
  return CREW_COLORS[Math.max(0, index) % CREW_COLORS.length];
}

function crewName(crewId) {
  const crew = state.crews.get(crewId);
  return crew ? named({ fa: crew.name_fa, en: crew.name_en }) : crewId;
}

function planStatusText(plan) {
  if (!plan) return t('console.plan.none');
  if (plan.status === 'failed') return t('console.plan.failed', { detail: plan.error || '' });
  if (plan.status !== 'done') return t('console.plan.running', { stage: t(`stage.${plan.stage}`) });
  const s = plan.summary || {};
  const base = t('console.plan.done', { assigned: s.assigned || 0, crews: s.crews_used || 0, unassigned: s.unassigned || 0 });
  return `${base} — ${plan.published_at ? t('console.plan.published') : t('console.plan.unpublished')}`;
}

function setPlan(plan) {
  state.plan = plan;
  if (!plan) $('timeline').replaceChildren(h('p', { class: 'muted' }, t('console.plan.none')));
  $('plan-progress').value = plan ? plan.progress : 0;
  $('plan-status').textContent = planStatusText(plan);
  $('plan-publish').disabled = !(plan && plan.status === 'done');
  document.body.dataset.planStatus = plan ? plan.status : 'none';
  document.body.dataset.planPublished = plan && plan.published_at ? 'true' : 'false';
  if (plan && plan.status === 'done' && plan.routes) {
    drawRoutes(plan);
    renderTimeline(plan);
    renderUnassigned(plan);
    renderMoveCrews(plan);
  }
}

async function loadPlan(id) {
  const plan = await api(`/api/plans/${id}`);
  setPlan(plan);
  return plan;
}

let polling = null;
function watchPlan(id) {
  clearInterval(polling);
  polling = setInterval(async () => {
    try {
      const plan = await loadPlan(id);
      if (plan.status === 'done' || plan.status === 'failed') clearInterval(polling);
    } catch (error) { /* the next tick tries again */ }
  }, 1000);
}

$('plan-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const districts = [...document.querySelectorAll('#district-picks input:checked')].map((i) => Number(i.value));
  $('plan-run').disabled = true;
  try {
    const plan = await api('/api/plans', {
      method: 'POST',
      json: { districts, time_limit_s: Number($('plan-time').value), date: $('plan-day').value },
    });
    setPlan(plan);
    watchPlan(plan.id);
  } catch (error) { showError(error); } finally { $('plan-run').disabled = false; }
});

$('plan-publish').addEventListener('click', async () => {
  const plan = livePlan();
  if (!plan) return;
  $('plan-publish').disabled = true;
  try {
    const answer = await api(`/api/plans/${plan.id}/publish`, { method: 'POST' });
    setPlan(answer.plan);
    notice(t('console.plan.published'));
    await refreshTickets();
  } catch (error) { showError(error); $('plan-publish').disabled = false; }
});

function drawRoutes(plan) {
  const { L, map } = state.mapApi;
  if (state.routeLayer) state.routeLayer.remove();
  state.routeLayer = L.layerGroup().addTo(map);
  for (const route of plan.routes) {
    if (!route.line || !route.line.coordinates || route.line.coordinates.length < 2) continue;
    const color = crewColor(route.crew_id);
    L.polyline(route.line.coordinates.map(([lon, lat]) => [lat, lon]), {
      color, weight: 4, opacity: 0.85, className: 'route-line',
    }).bindTooltip(`${crewName(route.crew_id)} — ${t('console.visits', { n: route.stops.length })}`)
      .addTo(state.routeLayer);
  }
  document.body.dataset.routesDrawn = String(plan.routes.length);
}

function renderTimeline(plan) {
  const box = $('timeline');
  const routes = plan.routes.filter((r) => r.stops.length);
  if (!routes.length) { box.replaceChildren(h('p', { class: 'muted' }, t('console.plan.none'))); return; }
  const starts = routes.map((r) => new Date(r.start_at || r.stops[0].eta).getTime());
  const ends = routes.map((r) => new Date(r.end_at || r.stops[r.stops.length - 1].departure_at).getTime());
  const t0 = Math.min(...starts);
  const t1 = Math.max(...ends);
  const span = Math.max(t1 - t0, 3600000);
  const pct = (iso) => ((new Date(iso).getTime() - t0) / span) * 100;
  const ticks = [];
  for (let hour = Math.ceil(t0 / 3600000) * 3600000; hour <= t1; hour += 3600000) {
    ticks.push(h('span', { style: `left:${((hour - t0) / span) * 100}%` }, formatTime(new Date(hour).toISOString())));
  }
  const rows = routes.map((route) => h('div', { class: 'timeline-row', dataset: { crewId: route.crew_id } },
    h('div', { class: 'timeline-crew', title: crewName(route.crew_id) },
      h('span', { class: 'crew-swatch', style: `background:${crewColor(route.crew_id)}` }), crewName(route.crew_id)),
    h('div', { class: 'timeline-track' }, ...route.stops.map((stop) => {
      const ticket = state.tickets.get(stop.ticket_id);
      const left = pct(stop.start_at || stop.eta);
      const width = Math.max(0.6, pct(stop.departure_at) - left);
      const label = `${stop.sequence}. ${ticket ? ticketTitle(ticket) : `#${stop.ticket_id}`} — ${formatTime(stop.eta)}`;
      const selected = state.selectedVisit && state.selectedVisit.ticketId === stop.ticket_id;
      return h('button', {
        type: 'button',
        class: `visit priority-${ticket ? ticket.priority : 'normal'}${stop.locked ? ' is-locked' : ''}`,
        style: `left:${left}%;width:${width}%;background:${crewColor(route.crew_id)}`,
        title: label,
        'aria-label': label,
        'aria-pressed': selected ? 'true' : 'false',
        dataset: { ticketId: stop.ticket_id, crewId: route.crew_id, sequence: stop.sequence },
        onclick: () => selectVisit(stop, route.crew_id),
      }, num(stop.sequence));
    }))));
  box.replaceChildren(h('div', { class: 'timeline-scale', 'aria-hidden': 'true' }, ...ticks), ...rows);
}

function renderUnassigned(plan) {
  const list = $('unassigned-list');
  $('unassigned-count').textContent = num((plan.unassigned || []).length);
  if (!plan.unassigned.length) {
    list.replaceChildren(h('li', { class: 'muted' }, t('console.unassigned.none')));
    return;
  }
  list.replaceChildren(...plan.unassigned.map((u) => {
    const ticket = state.tickets.get(u.ticket_id);
    return h('li', { dataset: { ticketId: u.ticket_id, reason: u.reason } },
      h('strong', {}, ticket ? ticketTitle(ticket) : `#${u.ticket_id}`), ' — ',
      t(`reason.${u.reason}`), u.detail ? h('div', { class: 'muted', dir: 'ltr' }, u.detail) : null);
  }));
}

function renderMoveCrews(plan) {
  const select = $('move-crew');
  const current = select.value;
  const ids = new Set(plan.routes.map((r) => r.crew_id));
  for (const crew of state.crews.values()) ids.add(crew.id);
  select.replaceChildren(...[...ids].sort().map((id) => h('option', { value: id }, crewName(id))));
  if (current) select.value = current;
}

function selectVisit(stop, crewId) {
  state.selectedVisit = { ticketId: stop.ticket_id, crewId, sequence: stop.sequence };
  const ticket = state.tickets.get(stop.ticket_id);
  $('move-selected').textContent = `${ticket ? ticketTitle(ticket) : `#${stop.ticket_id}`} — ${crewName(crewId)} #${stop.sequence}`;
  $('move-apply').disabled = false;
  selectTab('plan');
  for (const b of document.querySelectorAll('.visit')) {
    b.setAttribute('aria-pressed', Number(b.dataset.ticketId) === stop.ticket_id ? 'true' : 'false');
  }
}

$('move-apply').addEventListener('click', async () => {
  const plan = livePlan();
  if (!plan || !state.selectedVisit) return;
  const crewId = $('move-crew').value;
  const position = Math.max(1, Number($('move-position').value) || 1);
  $('move-apply').disabled = true;
  try {
    const answer = await api(`/api/plans/${plan.id}/moves`, {
      method: 'POST', json: { ticket_id: state.selectedVisit.ticketId, crew_id: crewId, position },
    });
    const ticket = state.tickets.get(state.selectedVisit.ticketId);
    setPlan(answer.plan || answer);
    notice(t('console.moved', { id: ticket ? ticket.tracking_code : state.selectedVisit.ticketId, crew: crewName(crewId) }));
    document.body.dataset.lastMove = `${state.selectedVisit.ticketId}:${crewId}`;
  } catch (error) { showError(error); } finally { $('move-apply').disabled = false; }
});

// ------------------------------------------------------------------ crews' positions

function drawPosition(position) {
  const { L, map } = state.mapApi;
  const old = state.crewMarkers.get(position.crew_id);
  const latlng = [position.lat, position.lon];
  const label = t('console.crew.position', { crew: crewName(position.crew_id), time: formatTime(position.at) });
  if (old) {
    old.setLatLng(latlng);
    old.setTooltipContent(label);
    return;
  }
  const marker = L.marker(latlng, {
    icon: L.divIcon({ className: 'crew-marker', html: '', iconSize: [18, 18] }),
    title: label,
    alt: label,
    keyboard: false,
  }).bindTooltip(label).addTo(map);
  state.crewMarkers.set(position.crew_id, marker);
}

// ------------------------------------------------------------------ live updates

async function refreshTicket(id) {
  try {
    updateTicket(await api(`/api/tickets/${id}`));
  } catch (error) { /* a ticket another district's manager cannot see, or gone */ }
}

async function refreshTickets() {
  await loadTickets();
  for (const ticket of state.tickets.values()) drawTicket(ticket);
  renderInbox();
}

function connectLive() {
  const live = $('live-state');
  const source = new EventSource('/api/events');
  source.onopen = () => { live.dataset.state = 'up'; live.textContent = t('console.live'); };
  source.onerror = () => { live.dataset.state = 'down'; live.textContent = t('console.reconnecting'); };
  source.addEventListener('ticket.updated', (event) => {
    const data = JSON.parse(event.data);
    refreshTicket(data.id);
  });
  source.addEventListener('plan.updated', (event) => {
    const data = JSON.parse(event.data);
    if (state.plan && data.id === state.plan.id) {
      if (data.status === 'done') loadPlan(data.id).catch(showError);
      else setPlan({ ...state.plan, ...data });
    }
  });
  source.addEventListener('plan.published', (event) => {
    const data = JSON.parse(event.data);
    if (state.plan && data.id === state.plan.id) loadPlan(data.id).catch(showError);
  });
  source.addEventListener('crew.position', (event) => drawPosition(JSON.parse(event.data)));
}

// ------------------------------------------------------------------ start

async function start() {
  const [categories, crews, districts] = await Promise.all([
    api('/api/categories?per_page=200'),
    api('/api/crews?per_page=200'),
    api('/api/city/districts.geojson'),
  ]);
  state.categories = categories.items;
  for (const crew of crews.items) state.crews.set(crew.id, crew);
  $('triage-category').replaceChildren(...state.categories.map((c) => h('option', { value: c.code }, named(c.name))));
  $('district-picks').append(...districts.features
    .sort((a, b) => a.properties.code - b.properties.code)
    .map((f) => h('label', {},
      h('input', { type: 'checkbox', value: f.properties.code, checked: true }),
      config.lang === 'fa' ? f.properties.name_fa : f.properties.name_en)));
  state.mapApi = await cityMap('console-map');
  await refreshTickets();
  try {
    const positions = await api('/api/positions');
    for (const p of positions.items) drawPosition(p);
  } catch (error) { /* positions appear live */ }
  const plans = await api('/api/plans?per_page=1');
  const latest = plans.items.find((p) => p.service_date >= config.today);
  if (latest) {
    $('plan-day').value = latest.service_date;
    const plan = await loadPlan(latest.id);
    if (plan.status === 'queued' || plan.status === 'running') watchPlan(plan.id);
  } else {
    setPlan(null);
  }
  connectLive();
  ready();
}

start().catch(showError);
