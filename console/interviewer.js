// The interviewer's pages: my rounds, and one round's rubric and scorecard.
import {call, read, readAll} from './api.js';
import {field, h, problemView, show, when} from './dom.js';

const AUTOSAVE_MS = 800;
const RECOMMENDATIONS = [['strong_no', 'Strong no'], ['no', 'No'], ['yes', 'Yes'], ['strong_yes', 'Strong yes']];
const LEVELS = ['1 strong no', '2 no', '3 yes', '4 strong yes'];

function roundRow(m) {
  const r = m.round;
  return h('li', {class: 'row'},
    h('a', {href: `#/round/${r.id}`}, `${r.kind.replace(/_/g, ' ')} with ${m.candidate.name}`),
    h('span', {class: 'meta'}, `${m.position} · ${when(r.starts_at)} · ${m.role.replace('_', ' ')} · ${r.status}`));
}

// #/rounds: upcoming and past rounds (the last 60 days).
export async function myRounds() {
  const from = new Date(Date.now() - 60 * 864e5).toISOString().replace(/\.\d+Z$/, 'Z');
  const rows = await readAll(`/v1/me/rounds?from=${from}`);
  const now = Date.now();
  const upcoming = rows.filter((m) => Date.parse(m.round.ends_at) > now);
  const past = rows.filter((m) => Date.parse(m.round.ends_at) <= now).reverse();
  const list = (items) => items.length ? h('ul', {class: 'rows'}, items.map(roundRow)) : h('p', {class: 'empty'}, 'None.');
  show(h('h1', {tabindex: -1}, 'My rounds'),
    h('section', {}, h('h2', {}, 'Upcoming'), list(upcoming)),
    h('section', {}, h('h2', {}, 'Past'), list(past)));
}

function criterionFieldset(c, saved) {
  const name = `rating-${c.key}`;
  const choices = c.anchors.map((a) => h('label', {class: 'anchor'},
    h('input', {type: 'radio', name, value: a.level, checked: saved.rating === a.level}),
    h('span', {class: 'level'}, LEVELS[a.level - 1]), h('span', {class: 'desc'}, a.description)));
  return h('fieldset', {class: 'criterion', 'data-criterion': c.key},
    h('legend', {}, c.title, c.required ? h('span', {class: 'req'}, ' (required)') : ''),
    h('p', {class: 'measures'}, c.measures),
    h('div', {class: 'anchors', role: 'radiogroup', 'aria-label': `${c.title} rating`}, choices),
    field(`Evidence for ${c.title}`, h('textarea', {name: `evidence-${c.key}`, rows: 3, text: saved.evidence || ''}),
      'What the candidate said or did.'),
    h('ul', {class: 'field-errors', 'aria-live': 'polite'}));
}

function redFlagFieldset(f, saved) {
  return h('div', {class: 'flag', 'data-flag': f.key},
    h('label', {class: 'check'}, h('input', {type: 'checkbox', name: `flag-${f.key}`, checked: !!saved}),
      h('span', {}, f.title), h('span', {class: `sev sev-${f.severity}`}, f.severity)),
    h('p', {class: 'why'}, h('strong', {}, 'Why it matters: '), f.why),
    field(`Evidence for red flag ${f.title}`, h('textarea', {name: `flag-evidence-${f.key}`, rows: 2, text: (saved && saved.evidence) || ''})),
    h('ul', {class: 'field-errors'}));
}

function recommendationFieldset(saved) {
  return h('fieldset', {class: 'recommendation', 'data-field': 'recommendation'},
    h('legend', {}, 'Recommendation'),
    RECOMMENDATIONS.map(([v, t]) => h('label', {class: 'pill'},
      h('input', {type: 'radio', name: 'recommendation', value: v, checked: saved === v}), t)),
    h('ul', {class: 'field-errors'}));
}

// The scorecard body the form holds, in rubric order.
function formBody(form, rubric) {
  const val = (n) => (form.elements[n] ? form.elements[n].value.trim() : '');
  const ratings = [];
  for (const c of rubric.criteria) {
    const checked = form.querySelector(`input[name="rating-${c.key}"]:checked`);
    const r = {criterion: c.key};
    if (checked) r.rating = Number(checked.value);
    if (val(`evidence-${c.key}`)) r.evidence = val(`evidence-${c.key}`);
    if (r.rating || r.evidence) ratings.push(r);
  }
  const red_flags = rubric.red_flags.filter((f) => form.elements[`flag-${f.key}`].checked)
    .map((f) => (val(`flag-evidence-${f.key}`) ? {key: f.key, evidence: val(`flag-evidence-${f.key}`)} : {key: f.key}));
  const body = {ratings, red_flags};
  const rec = form.querySelector('input[name="recommendation"]:checked');
  if (rec) body.recommendation = rec.value;
  if (val('summary')) body.summary = val('summary');
  return body;
}

// Where an error of the API's 422 belongs in the form.
function errorTarget(form, e, sent) {
  const m = /^(ratings|red_flags)\[(\d+)\]/.exec(e.field);
  if (m && m[1] === 'ratings' && sent.ratings[m[2]])
    return form.querySelector(`[data-criterion="${sent.ratings[m[2]].criterion}"]`);
  if (m && m[1] === 'red_flags' && sent.red_flags[m[2]])
    return form.querySelector(`[data-flag="${sent.red_flags[m[2]].key}"]`);
  if (e.code === 'missing_criterion')
    return [...form.querySelectorAll('[data-criterion]')].find((el) => e.message.includes(el.dataset.criterion));
  return form.querySelector(`[data-field="${e.field}"]`);
}

function showErrors(form, summary, errors, sent) {
  form.querySelectorAll('.field-errors').forEach((ul) => ul.replaceChildren());
  form.querySelectorAll('.invalid').forEach((el) => el.classList.remove('invalid'));
  summary.replaceChildren();
  if (!errors.length) return;
  summary.append(h('h2', {}, `${errors.length} thing${errors.length > 1 ? 's' : ''} missing before you can submit`),
    h('ul', {}, errors.map((e) => h('li', {}, h('code', {}, e.field), ' ', e.message))));
  for (const e of errors) {
    const target = errorTarget(form, e, sent);
    if (!target) continue;
    target.classList.add('invalid');
    target.querySelector('.field-errors').append(h('li', {}, e.message));
  }
  summary.focus();
}

function scorecardView(sc) {
  return h('article', {class: 'scorecard'},
    h('h3', {}, `${(sc.author && sc.author.name) || 'Interviewer'} (${sc.role.replace('_', ' ')})`,
      sc.recommendation ? h('span', {class: `rec rec-${sc.recommendation}`}, sc.recommendation.replace('_', ' ')) : ''),
    sc.summary ? h('p', {}, sc.summary) : null,
    h('ul', {}, sc.ratings.map((r) => h('li', {}, h('strong', {}, `${r.criterion.replace(/_/g, ' ')}: ${r.rating ?? '–'}`),
      r.evidence ? ` ${r.evidence}` : ''))));
}

// Colleagues' scorecards: exactly what GET /v1/loops/{id}/scorecards gives.
async function colleagues(loopId, me) {
  const r = await call('GET', `/v1/loops/${loopId}/scorecards`);
  if (!r.ok) return h('section', {class: 'colleagues'}, h('h2', {}, 'Colleagues’ scorecards'), problemView(r.body));
  const others = r.body.data.filter((sc) => sc.author.id !== me.id);
  return h('section', {class: 'colleagues'}, h('h2', {}, 'Colleagues’ scorecards'),
    others.length ? others.map(scorecardView)
      : h('p', {class: 'empty'}, 'None to show: you see colleagues’ scorecards once you have submitted yours for every round you sit on.'));
}

// #/round/{id}: the rubric beside the scorecard form, autosaved as a draft.
export async function round(id, me) {
  const first = await call('GET', `/v1/rounds/${id}/scorecard`);
  if (!first.ok) throw Object.assign(new Error(''), {problem: first.body});
  let sc = first.body;
  const rubric = await read(`/v1/rubrics/${sc.round.rubric.key}/versions/${sc.round.rubric.version}`);
  const saved = Object.fromEntries(sc.ratings.map((r) => [r.criterion, r]));
  const flags = Object.fromEntries(sc.red_flags.map((f) => [f.key, f]));
  const status = h('p', {class: 'status', role: 'status', 'aria-live': 'polite'},
    sc.status === 'submitted' ? `Submitted ${when(sc.submitted_at)}` : sc.version ? 'Draft saved' : 'Not saved yet');
  const summary = h('div', {class: 'error-summary', tabindex: -1, role: 'alert'});
  const locked = sc.status === 'submitted';
  const form = h('form', {class: 'scorecard-form', novalidate: true},
    h('h2', {}, 'Criteria'), rubric.criteria.map((c) => criterionFieldset(c, saved[c.key] || {})),
    h('h2', {}, 'Red flags'), rubric.red_flags.map((f) => redFlagFieldset(f, flags[f.key])),
    recommendationFieldset(sc.recommendation),
    h('div', {'data-field': 'summary'}, field('Summary', h('textarea', {name: 'summary', rows: 4, text: sc.summary || ''})),
      h('ul', {class: 'field-errors'})),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary', disabled: locked}, 'Submit scorecard')));
  if (locked) form.querySelectorAll('input, textarea').forEach((el) => { el.disabled = true; });

  let timer = null;
  let saving = Promise.resolve();
  const save = () => {
    clearTimeout(timer);
    saving = saving.then(async () => {
      const r = await call('PUT', `/v1/rounds/${id}/scorecard`, {json: formBody(form, rubric), ifMatch: sc.version ? `"${sc.version}"` : null});
      if (r.ok) { sc = r.body; status.textContent = `Draft saved ${new Date().toLocaleTimeString()}`; return true; }
      status.textContent = r.status === 412 ? 'Changed elsewhere: reload the page to see the newer draft.' : `Not saved: ${r.body.title}`;
      return false;
    });
    return saving;
  };
  form.addEventListener('input', () => { clearTimeout(timer); status.textContent = 'Editing…'; timer = setTimeout(save, AUTOSAVE_MS); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const sent = formBody(form, rubric);
    if (!(await save())) return;
    const r = await call('POST', `/v1/rounds/${id}/scorecard/submit`);
    if (r.status === 422) return showErrors(form, summary, r.body.errors || [], sent);
    if (!r.ok) { summary.replaceChildren(problemView(r.body)); return summary.focus(); }
    await round(id, me);
  });

  show(h('h1', {tabindex: -1}, `${rubric.title}`),
    h('p', {class: 'meta'}, `${when(sc.round.starts_at)} · rubric ${rubric.key} v${rubric.version} · your role: ${sc.role.replace('_', ' ')}`),
    rubric.summary ? h('p', {}, rubric.summary) : null,
    status, summary, form, await colleagues(sc.loop_id, me));
}
