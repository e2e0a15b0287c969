// The recruiter's pages: candidates, loops, a loop's rounds, overdue scorecards.
import {call, read, readAll} from './api.js';
import {field, h, problemView, show, when} from './dom.js';

const STATUSES = ['', 'draft', 'scheduled', 'in_progress', 'awaiting_decision', 'decided', 'cancelled'];
const ROLES = ['lead', 'bar_raiser', 'shadow'];
const label = (key) => key.replace(/_/g, ' ');

// #/candidates: prefix search on name or email.
export async function candidates() {
  const results = h('ul', {class: 'rows', 'aria-live': 'polite'});
  const q = h('input', {type: 'search', name: 'q', autocomplete: 'off'});
  const load = async () => {
    const rows = await readAll('/v1/candidates' + (q.value ? '?q=' + encodeURIComponent(q.value) : ''));
    results.replaceChildren(...rows.map((c) => h('li', {class: 'row'}, h('span', {}, c.name),
      h('span', {class: 'meta'}, [c.email, c.source].filter(Boolean).join(' · ')))));
    if (!rows.length) results.append(h('li', {class: 'empty'}, 'No candidate matches.'));
  };
  q.addEventListener('input', () => load());
  show(h('h1', {tabindex: -1}, 'Candidates'),
    h('form', {class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault()},
      field('Search by name or email prefix', q)), results);
  await load();
}

function loopRow(l) {
  return h('li', {class: 'row'}, h('a', {href: `#/loop/${l.id}`}, `${l.candidate.name}: ${l.position}`),
    h('span', {class: `badge st-${l.status}`}, label(l.status)));
}

// #/loops: filtered by status on the server and by text here.
export async function loops() {
  const status = h('select', {name: 'status'}, STATUSES.map((s) => h('option', {value: s}, s ? label(s) : 'any status')));
  const text = h('input', {type: 'search', name: 'text', autocomplete: 'off'});
  const results = h('ul', {class: 'rows', 'aria-live': 'polite'});
  let rows = [];
  const filter = () => {
    const t = text.value.trim().toLowerCase();
    const hits = rows.filter((l) => !t || `${l.candidate.name} ${l.position}`.toLowerCase().includes(t));
    results.replaceChildren(...(hits.length ? hits.map(loopRow) : [h('li', {class: 'empty'}, 'No loop matches.')]));
  };
  const load = async () => { rows = await readAll('/v1/loops' + (status.value ? `?status=${status.value}` : '')); filter(); };
  status.addEventListener('change', load);
  text.addEventListener('input', filter);
  show(h('h1', {tabindex: -1}, 'Loops'), h('p', {}, h('a', {href: '#/loops/new', class: 'button'}, 'New loop from a template')),
    h('form', {class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault()},
      field('Status', status), field('Candidate or position contains', text)), results);
  await load();
}

// The directory's people holding role ({id, name}, oldest first), narrowed
// to those whose name contains q.
const directory = (role, q = '') =>
  readAll(`/v1/people?role=${role}` + (q ? '&q=' + encodeURIComponent(q) : ''));

// A searchable select of the people holding role, starting with rows: the
// search box asks the directory for the names containing what is typed
// (the last answer wins); the select keeps its choice while it is listed.
function personPicker(title, role, name, rows) {
  const select = h('select', {name, required: true});
  const find = h('input', {type: 'search', autocomplete: 'off', maxlength: 200});
  const fill = (people, q) => {
    const keep = select.value;
    select.replaceChildren(...people.map((p) => h('option', {value: p.id}, p.name)));
    if (!people.length) select.append(h('option', {value: '', disabled: true, selected: true}, q ? 'Nobody matches' : `No ${title.toLowerCase()} yet`));
    else if (people.some((p) => p.id === keep)) select.value = keep;
  };
  let asked = 0;
  find.addEventListener('input', async () => {
    const mine = ++asked, q = find.value.trim();
    const people = await directory(role, q).catch(() => null);
    if (people && mine === asked) fill(people, q);
  });
  fill(rows, '');
  return [field('Find by name', find, `Narrows the ${title.toLowerCase()} list.`), field(title, select)];
}

// #/loops/new: a loop created from a template, its rounds unscheduled.
export async function newLoop(me) {
  const [cands, templates, managers] = await Promise.all([readAll('/v1/candidates'), read('/v1/loop-templates'), directory('hiring_manager')]);
  const out = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'card'},
    field('Candidate', h('select', {name: 'candidate_id', required: true}, cands.map((c) => h('option', {value: c.id}, c.name)))),
    field('Position', h('input', {name: 'position', required: true, maxlength: 200})),
    field('Template', h('select', {name: 'template'}, templates.data.map((t) => h('option', {value: t.key}, t.title)))),
    personPicker('Hiring manager', 'hiring_manager', 'hiring_manager_id', managers),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Create loop')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    const r = await call('POST', '/v1/loops', {json: {...v, recruiter_id: me.id}});
    if (!r.ok) return out.replaceChildren(problemView(r.body));
    location.hash = `#/loop/${r.body.id}`;
  });
  show(h('h1', {tabindex: -1}, 'New loop'), form);
}

async function conflictView(p) {
  const c = p.conflict;
  const other = await call('GET', `/v1/rounds/${c.round_id}`);
  const what = other.ok ? `${label(other.body.kind)} round` : 'another round';
  return h('div', {class: 'problem conflict', role: 'alert'}, h('strong', {}, 'Double-booked. '),
    `${p.detail || p.title} `, h('br'), 'Conflicting round: ',
    other.ok ? h('a', {href: `#/loop/${other.body.loop_id}`}, what) : what, ` from ${when(c.starts_at)} to ${when(c.ends_at)}`);
}

function localInput(d) {
  const z = new Date(d.getTime() - d.getTimezoneOffset() * 6e4);
  return z.toISOString().slice(0, 16);
}

// Sets the round's time, then books the interviewer; a 409 shows the conflict.
function scheduleForm(rnd, people, reload) {
  const out = h('div', {'aria-live': 'polite'});
  const start = rnd.starts_at ? new Date(rnd.starts_at) : new Date(Date.now() + 864e5);
  const form = h('form', {class: 'schedule', 'aria-label': `Schedule ${label(rnd.kind)}`},
    field('Starts', h('input', {type: 'datetime-local', name: 'starts', required: true, value: localInput(start)})),
    field('Minutes', h('input', {type: 'number', name: 'minutes', min: 5, max: 480, value: 60, required: true})),
    personPicker('Interviewer', 'interviewer', 'user_id', people),
    field('Role', h('select', {name: 'role'}, ROLES.map((r) => h('option', {value: r}, label(r))))),
    h('button', {type: 'submit'}, 'Schedule'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    const s = new Date(v.starts);
    const times = {starts_at: s.toISOString(), ends_at: new Date(s.getTime() + v.minutes * 6e4).toISOString()};
    let r = await call('PATCH', `/v1/rounds/${rnd.id}`, {json: times, ifMatch: `"${rnd.version}"`});
    if (r.ok) { rnd.version = r.body.version; r = await call('PUT', `/v1/rounds/${rnd.id}/interviewers/${v.user_id}`, {json: {role: v.role}}); }
    if (r.status === 409 && r.body.code === 'double_booked') return out.replaceChildren(await conflictView(r.body));
    if (!r.ok) return out.replaceChildren(problemView(r.body));
    await reload();
  });
  return form;
}

function roundItem(rnd, people, reload) {
  return h('li', {class: 'round'},
    h('h3', {}, label(rnd.kind), rnd.required ? '' : h('span', {class: 'meta'}, ' (optional)')),
    h('p', {class: 'meta'}, `${rnd.status} · ${when(rnd.starts_at)} · `,
      rnd.interviewers.map((i) => `${i.name} (${label(i.role)})`).join(', ') || 'nobody booked'),
    ['unscheduled', 'scheduled'].includes(rnd.status) ? scheduleForm(rnd, people, reload) : null);
}

// #/loop/{id}: the loop's rounds, each schedulable.
export async function loop(id) {
  const [l, people] = await Promise.all([read(`/v1/loops/${id}`), directory('interviewer')]);
  const reload = () => loop(id);
  const rounds = (await read(`/v1/loops/${id}/rounds`)).data;
  show(h('h1', {tabindex: -1}, `${l.candidate.name}: ${l.position}`),
    h('p', {}, h('span', {class: `badge st-${l.status}`}, label(l.status)), ' ',
      h('a', {href: `#/packet/${id}`}, 'Decision packet')),
    h('ol', {class: 'rounds'}, rounds.map((r) => roundItem(r, people, reload))));
}

// #/overdue: scorecards past their due time.
export async function overdue() {
  const rows = await readAll('/v1/scorecards/overdue');
  show(h('h1', {tabindex: -1}, 'Overdue scorecards'),
    rows.length ? h('table', {class: 'table'}, h('thead', {}, h('tr', {}, ['Interviewer', 'Round', 'Ended', 'State', 'Hours late'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows.map((o) => h('tr', {}, h('td', {}, o.interviewer.name), h('td', {}, h('a', {href: `#/loop/${o.loop_id}`}, label(o.kind))),
        h('td', {}, when(o.ends_at)), h('td', {}, o.state), h('td', {class: 'num'}, o.hours_late.toFixed(1))))))
      : h('p', {class: 'empty'}, 'Nothing overdue.'));
}
