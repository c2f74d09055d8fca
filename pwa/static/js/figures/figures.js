// Managers' figures: the city's key numbers, four charts per group (district, contractor, category,
// crew) and the full table, for a chosen period; the same numbers as CSV.
import { api, config, h, named, num, percent, ready, showError, t } from '../console/common.js';

const Chart = window.Chart;
const form = document.getElementById('figures-form');
const preset = document.getElementById('figures-preset');
const fromInput = document.getElementById('figures-from');
const toInput = document.getElementById('figures-to');
const dimension = document.getElementById('figures-dimension');
const charts = {};

const COLUMNS = [
  ['tickets_in', 'count'], ['closed', 'count'], ['backlog', 'count'],
  ['response_median_h', 'hours'], ['response_p90_h', 'hours'],
  ['resolution_median_h', 'hours'], ['resolution_p90_h', 'hours'], ['sla_target_median_h', 'hours'],
  ['within_sla_share', 'share'], ['repeat_rate', 'share'], ['backlog_median_age_h', 'hours'],
  ['referrals', 'count'], ['referrals_overdue', 'count'],
  ['satisfaction_avg', 'rating'], ['survey_response_rate', 'share'],
];

function shown(value, kind) {
  if (value === null || value === undefined) return '—';
  if (kind === 'share') return percent(value);
  if (kind === 'hours') return num(value, 1);
  if (kind === 'rating') return num(value, 2);
  return num(value);
}

function isoDay(date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: config.timezone }).format(date);
}

function applyPreset() {
  if (preset.value === 'custom') return;
  const days = Number(preset.value);
  const today = new Date();
  toInput.value = isoDay(today);
  fromInput.value = isoDay(new Date(today.getTime() - (days - 1) * 86400000));
}

preset.addEventListener('change', () => { applyPreset(); load(); });
for (const input of [fromInput, toInput]) input.addEventListener('change', () => { preset.value = 'custom'; });
dimension.addEventListener('change', () => load());
form.addEventListener('submit', (event) => { event.preventDefault(); load(); });

function kpis(city) {
  const cards = [
    ['tickets_in', 'count', t('figures.calls', { n: num(city.calls) })],
    ['closed', 'count', null],
    ['within_sla_share', 'share', null],
    ['resolution_median_h', 'hours', t('figures.p90', { v: shown(city.resolution_p90_h, 'hours') })],
    ['response_median_h', 'hours', t('figures.p90', { v: shown(city.response_p90_h, 'hours') })],
    ['repeat_rate', 'share', null],
    ['backlog', 'count', t('figures.median.age', { v: shown(city.backlog_median_age_h, 'hours') })],
    ['referrals', 'count', t('figures.overdue', { n: num(city.referrals_overdue) })],
    ['satisfaction_avg', 'rating', t('figures.answered', { n: num(city.surveys_answered), rate: shown(city.survey_response_rate, 'share') })],
  ];
  document.getElementById('kpis').replaceChildren(...cards.map(([key, kind, sub]) => h('li', { class: 'kpi', dataset: { kpi: key } },
    h('span', { class: 'kpi-label' }, t(`figures.${key}`)),
    h('span', { class: 'kpi-value' }, shown(city[key], kind)),
    sub ? h('span', { class: 'kpi-sub' }, sub) : null)));
}

function chart(id, labels, datasets, { percentAxis = false, max, secondPercent = false } = {}) {
  if (charts[id]) charts[id].destroy();
  const font = { family: "'Vazirmatn', system-ui, sans-serif" };
  charts[id] = new Chart(document.getElementById(id), {
    type: 'bar',
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: config.intlLocale,
      plugins: { legend: { position: 'bottom', rtl: config.dir === 'rtl', labels: { font } }, tooltip: { rtl: config.dir === 'rtl' } },
      scales: {
        x: { reverse: config.dir === 'rtl', ticks: { font, autoSkip: false, maxRotation: 60 } },
        y: { beginAtZero: true, max, ticks: { font, callback: (v) => (percentAxis ? `${num(v)}${config.lang === 'fa' ? '٪' : '%'}` : num(v)) } },
        ...(secondPercent ? {
          y1: {
            beginAtZero: true, max: 100, position: config.dir === 'rtl' ? 'left' : 'right', grid: { drawOnChartArea: false },
            ticks: { font, callback: (v) => `${num(v)}${config.lang === 'fa' ? '٪' : '%'}` },
          },
        } : {}),
      },
    },
  });
}

function render(body) {
  const dim = dimension.value;
  const names = body.names[dim] || {};
  const groups = Object.entries(body.dimensions[dim]);
  const labels = groups.map(([key]) => named(names[key]) || key);
  const pick = (field, scale = 1) => groups.map(([, f]) => (f[field] === null ? null : f[field] * scale));
  document.getElementById('figures-period').textContent = t('figures.period', {
    from: new Intl.DateTimeFormat(config.intlLocale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(body.period.from)),
    to: new Intl.DateTimeFormat(config.intlLocale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(body.period.to)),
  });
  kpis(body.city);
  chart('chart-volume', labels, [
    { label: t('figures.tickets_in'), data: pick('tickets_in'), backgroundColor: '#0b63ce' },
    { label: t('figures.closed'), data: pick('closed'), backgroundColor: '#1d7a46' },
    { label: t('figures.backlog'), data: pick('backlog'), backgroundColor: '#b54708' },
  ]);
  chart('chart-time', labels, [
    { label: t('figures.resolution_median_h'), data: pick('resolution_median_h'), backgroundColor: '#1f5f99' },
    { label: t('figures.resolution_p90_h'), data: pick('resolution_p90_h'), backgroundColor: '#8fb3d9' },
    { type: 'line', label: t('figures.sla_target_median_h'), data: pick('sla_target_median_h'), borderColor: '#b3261e', backgroundColor: '#b3261e', pointRadius: 4, showLine: false },
  ]);
  chart('chart-sla', labels, [
    { label: t('figures.within_sla_share'), data: pick('within_sla_share', 100), backgroundColor: '#1d7a46' },
    { label: t('figures.repeat_rate'), data: pick('repeat_rate', 100), backgroundColor: '#d9730d' },
  ], { percentAxis: true, max: 100 });
  chart('chart-satisfaction', labels, [
    { label: t('figures.satisfaction_avg'), data: pick('satisfaction_avg'), backgroundColor: '#6b2fb3', yAxisID: 'y' },
    { label: t('figures.survey_response_rate'), data: pick('survey_response_rate', 100), backgroundColor: '#9aa5b1', yAxisID: 'y1' },
  ], { max: 5, secondPercent: true });
  const head = h('tr', {}, h('th', { scope: 'col' }, t(`figures.dim.${dim}`)),
    ...COLUMNS.map(([key]) => h('th', { scope: 'col' }, t(`figures.${key}`))));
  const rows = [['city', body.city, t('figures.city')], ...groups.map(([key, f]) => [key, f, named(names[key]) || key])]
    .map(([key, f, label]) => h('tr', { dataset: { key } },
      h('th', { scope: 'row' }, label),
      ...COLUMNS.map(([field, kind]) => h('td', {
        class: field === 'within_sla_share' && f[field] !== null ? (f[field] < 0.8 ? 'bad' : 'good') : null,
        dataset: { field },
      }, shown(f[field], kind)))));
  document.getElementById('figures-table').replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows));
  const query = `from=${body.period.from}&to=${body.period.to}&lang=${config.lang}`;
  document.getElementById('figures-csv').href = `/api/figures.csv?${query}`;
  document.body.dataset.ticketsIn = String(body.city.tickets_in);
}

async function load() {
  try {
    const body = await api(`/api/figures?from=${fromInput.value}&to=${toInput.value}`);
    render(body);
  } catch (error) { showError(error); }
  ready();
}

applyPreset();
load();
