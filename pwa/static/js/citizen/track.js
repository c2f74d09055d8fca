// A citizen's view of their request: state, who handles it (contractor and crew), the expected
// time, before/after photos (EXIF-free copies) and, once finished, the one-question survey.
import { ApiError } from '../lib/api.js';
import { api, config, h, named, ready, t } from '../console/common.js';

const STEPS = ['new', 'triaged', 'assigned', 'en_route', 'on_site', 'done'];
const STEP_OF = {
  new: 0, triaged: 1, reopened: 1, planned: 1, assigned: 2, accepted: 2, en_route: 3, on_site: 4, done: 5, closed: 5,
};
const SIDE = new Set(['referred', 'duplicate', 'rejected', 'cancelled']);

const section = document.getElementById('track-status');
const errorBox = document.getElementById('track-error');

const moment = new Intl.DateTimeFormat(config.intlLocale, {
  day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  timeZone: config.timezone,
});

function when(iso) {
  return iso ? moment.format(new Date(iso)) : '—';
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value || '—')];
}

function render(view) {
  section.hidden = false;
  document.getElementById('status-title').textContent = `${named(view.category_name)} · ${view.tracking_code}`;
  const pill = document.getElementById('status-pill');
  pill.textContent = t(`status.${view.status}`);
  pill.className = `status-pill${SIDE.has(view.status) ? ' is-side' : ''}${view.open ? '' : ' is-finished'}`;
  const text = named(view.status_text);
  document.getElementById('status-text').textContent = text === pill.textContent ? '' : text;
  document.getElementById('track-code').value = view.tracking_code;
  const steps = document.getElementById('status-steps');
  if (SIDE.has(view.status)) {
    steps.hidden = true;
  } else {
    const finished = view.status === 'done' || view.status === 'closed';
    const current = finished ? STEPS.length : (STEP_OF[view.status] ?? 0);
    steps.replaceChildren(...STEPS.map((step, i) => h('li', {
      class: i < current ? 'is-done' : (i === current ? 'is-current' : ''),
      'aria-current': i === current ? 'step' : null,
    }, t(`citizen.step.${step}`))));
  }
  const handler = view.handler || {};
  document.getElementById('status-facts').replaceChildren(
    ...fact(t('citizen.fact.address'), view.address),
    ...fact(t('citizen.fact.district'), named(view.district_name)),
    ...fact(t('citizen.fact.filed'), when(view.created_at)),
    ...fact(view.open ? t('citizen.fact.expected') : t('citizen.fact.closed'),
      view.open ? when(view.expected_at) : when(view.closed_at)),
    ...fact(t('citizen.fact.contractor'), handler.contractor ? named(handler.contractor) : null),
    ...fact(t('citizen.fact.crew'), handler.crew ? named(handler.crew) : null),
    ...(view.referral ? fact(t('citizen.fact.agency'), named(view.referral.agency_name)) : []),
  );
  const photos = document.getElementById('track-photos');
  photos.hidden = !view.photos.length;
  document.getElementById('photo-list').replaceChildren(...view.photos.map((p, i) => h('li', {},
    h('figure', {},
      h('img', { src: p.url, alt: t(`citizen.photo.${p.kind}`, { n: i + 1 }), loading: 'lazy' }),
      h('figcaption', {}, t(`citizen.kind.${p.kind}`))))));
  const survey = document.getElementById('track-survey');
  survey.hidden = !view.survey;
  if (view.survey) {
    const link = document.getElementById('survey-link');
    link.href = view.survey.url;
    link.hidden = view.survey.answered;
    document.getElementById('survey-text').textContent = view.survey.answered
      ? t('citizen.survey.answered') : t('citizen.survey.invite');
  }
}

async function start() {
  const code = section.dataset.code;
  if (code) {
    try {
      render(await api(`/api/citizen/${encodeURIComponent(code)}`));
    } catch (error) {
      errorBox.textContent = error instanceof ApiError && error.status === 404 ? t('citizen.notfound') : t('error.offline');
      errorBox.hidden = false;
    }
  } else {
    document.getElementById('track-code').focus();
  }
  ready();
}

start();
