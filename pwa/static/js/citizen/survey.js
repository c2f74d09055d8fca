// The one-question survey: a rating from 1 to 5 and an optional comment; each link answers once.
import { ApiError } from '../lib/api.js';
import { api, named, problemText, ready, t } from '../console/common.js';

const form = document.getElementById('survey-form');
const done = document.getElementById('survey-done');
const errorBox = document.getElementById('survey-error');
const token = form.dataset.token;

function finished(message) {
  form.hidden = true;
  done.textContent = message;
  done.hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const picked = form.querySelector('input[name="rating"]:checked');
  if (!picked) {
    errorBox.textContent = t('citizen.survey.pick');
    errorBox.hidden = false;
    form.querySelector('input[name="rating"]').focus();
    return;
  }
  const button = document.getElementById('survey-submit');
  button.disabled = true;
  try {
    await api(`/api/surveys/${encodeURIComponent(token)}`, {
      method: 'POST',
      json: { rating: Number(picked.value), comment: document.getElementById('survey-comment').value, lang: document.documentElement.lang },
    });
    finished(t('citizen.survey.thanks'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) finished(t('citizen.survey.already'));
    else {
      errorBox.textContent = error instanceof ApiError ? problemText(error) : t('error.offline');
      errorBox.hidden = false;
      button.disabled = false;
    }
  }
});

async function start() {
  try {
    const survey = await api(`/api/surveys/${encodeURIComponent(token)}`);
    document.getElementById('survey-about').textContent = t('citizen.survey.about', {
      category: named(survey.category_name), code: survey.tracking_code,
    });
    if (survey.answered) finished(t('citizen.survey.already'));
    else form.hidden = false;
  } catch (error) {
    finished(error instanceof ApiError && error.status === 404 ? t('citizen.survey.unknown') : t('error.offline'));
  }
  ready();
}

start();
