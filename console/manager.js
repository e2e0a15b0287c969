// The hiring manager's pages: loops to decide, the decision packet drawn as
// pictures, and the decision form.
import {call, read, readAll} from './api.js';
import {field, h, problemView, s, show} from './dom.js';

const label = (key) => key.replace(/_/g, ' ');
const fig = (x) => (x === null || x === undefined ? '–' : Number(x).toFixed(2));

// #/decide: the loops this manager manages.
export async function managed(me) {
  const rows = await readAll(`/v1/loops?hiring_manager_id=${me.id}`);
  show(h('h1', {tabindex: -1}, 'Loops to decide'),
    rows.length ? h('ul', {class: 'rows'}, rows.map((l) => h('li', {class: 'row'},
      h('a', {href: `#/packet/${l.id}`}, `${l.candidate.name}: ${l.position}`),
      h('span', {class: `badge st-${l.status}`}, label(l.status))))) : h('p', {class: 'empty'}, 'No loops.'));
}

// Per criterion, the raw mean (hollow) and the calibrated mean (filled) on
// the 1-4 scale, each interviewer's raw rating as a tick.
function criteriaChart(criteria) {
  const W = 720, left = 300, right = 20, row = 34, top = 28;
  const x = (v) => left + ((v - 1) / 3) * (W - left - right);
  const H = top + row * criteria.length + 8;
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': 'Raw and calibrated mean rating per criterion on the 1 to 4 scale'});
  for (let v = 1; v <= 4; v++)
    svg.append(s('line', {x1: x(v), x2: x(v), y1: top - 6, y2: H - 4, class: 'grid'}),
      s('text', {x: x(v), y: top - 12, class: 'axis', 'text-anchor': 'middle'}, String(v)));
  criteria.forEach((c, i) => {
    const y = top + i * row + row / 2;
    const g = s('g', {class: 'crit', 'data-criterion': c.key});
    g.append(s('text', {x: left - 10, y: y + 4, 'text-anchor': 'end', class: 'name'}, c.title),
      s('title', {}, `${c.title}: raw ${fig(c.mean)}, calibrated ${fig(c.calibrated_mean)}, spread ${c.spread ?? '–'}`));
    for (const r of c.ratings) g.append(s('line', {x1: x(r.rating), x2: x(r.rating), y1: y - 9, y2: y + 9, class: 'tick'}));
    if (c.mean !== null && c.calibrated_mean !== null)
      g.append(s('line', {x1: x(c.mean), x2: x(c.calibrated_mean), y1: y, y2: y, class: 'shift'}),
        s('circle', {cx: x(c.mean), cy: y, r: 7, class: 'raw'}),
        s('circle', {cx: x(Math.min(4, Math.max(1, c.calibrated_mean))), cy: y, r: 4, class: 'calibrated'}));
    svg.append(g);
  });
  return h('figure', {}, svg, h('figcaption', {}, h('span', {class: 'key raw'}, 'raw mean'),
    h('span', {class: 'key calibrated'}, 'calibrated mean'), h('span', {class: 'key tick'}, 'one interviewer’s rating')));
}

// Each interviewer's leniency estimate as a bar either side of zero.
function leniencyChart(interviewers) {
  const W = 720, left = 300, row = 28, mid = left + (W - left) / 2, unit = (W - left) / 2 / 1.5;
  const H = row * interviewers.length + 24;
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': 'Leniency estimate per interviewer'});
  svg.append(s('line', {x1: mid, x2: mid, y1: 0, y2: H - 16, class: 'grid'}),
    s('text', {x: mid, y: H - 2, class: 'axis', 'text-anchor': 'middle'}, '0 = calibrated'));
  interviewers.forEach((iv, i) => {
    const y = i * row + row / 2, e = Math.max(-1.5, Math.min(1.5, iv.leniency.estimate));
    svg.append(s('text', {x: left - 10, y: y + 4, 'text-anchor': 'end', class: 'name'}, iv.name || 'Interviewer'),
      s('rect', {x: Math.min(mid, mid + e * unit), y: y - 8, width: Math.max(1, Math.abs(e * unit)), height: 16,
        class: e >= 0 ? 'lenient' : 'harsh'}),
      s('text', {x: mid + e * unit + (e >= 0 ? 6 : -6), y: y + 4, 'text-anchor': e >= 0 ? 'start' : 'end', class: 'value'},
        `${iv.leniency.estimate >= 0 ? '+' : ''}${fig(iv.leniency.estimate)} (n=${iv.leniency.n})`));
  });
  return h('figure', {}, svg, h('figcaption', {}, 'Above zero rates more generously than colleagues on the same candidates; the estimate is subtracted from their ratings.'));
}

function disagreements(p) {
  const split = p.reasons.filter((r) => r.code === 'recommendations_split');
  const wide = p.criteria.filter((c) => c.spread !== null && c.spread >= 2);
  if (!split.length && !wide.length) return h('p', {class: 'empty'}, 'No disagreements.');
  return h('ul', {}, split.map((r) => h('li', {}, r.message)),
    wide.map((c) => h('li', {}, `${c.title}: ratings from ${c.min} to ${c.max}`)));
}

function redFlags(p) {
  if (!p.red_flags.length) return h('p', {class: 'empty'}, 'No red flags.');
  return h('ul', {class: 'flags'}, p.red_flags.map((f) => h('li', {class: `sev-${f.severity}`},
    h('strong', {}, f.title), ` (${f.severity}${f.blocks ? ', blocks hire' : ''}) raised by ${f.interviewer_name || 'an interviewer'}: `, f.evidence)));
}

// What the packet recommends is followed without justification; anything
// else is an override (needs_debrief and incomplete make both outcomes one).
function decisionForm(loopId, p, reload) {
  const just = h('textarea', {name: 'override_justification', rows: 3, minlength: 30});
  const justField = h('div', {class: 'override', hidden: true},
    field('Override justification', just, 'At least 30 characters: why you decide against the packet.'));
  const out = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'card decision'},
    h('fieldset', {}, h('legend', {}, 'Outcome'), ['hire', 'no_hire'].map((o) => h('label', {class: 'pill'},
      h('input', {type: 'radio', name: 'outcome', value: o, required: true}), label(o)))),
    field('Rationale', h('textarea', {name: 'rationale', rows: 3, required: true})), justField,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Record decision')), out);
  form.addEventListener('change', () => {
    const o = form.elements.outcome.value;
    justField.hidden = !o || o === p.recommendation;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    if (justField.hidden) delete v.override_justification;
    const r = await call('POST', `/v1/loops/${loopId}/decision`, {json: v});
    if (!r.ok) return out.replaceChildren(problemView(r.body));
    await reload();
  });
  return form;
}

async function decided(loopId) {
  const r = await call('GET', `/v1/loops/${loopId}/decision`);
  if (!r.ok) return null;
  const d = r.body;
  return h('section', {class: 'card decided', role: 'status'}, h('h2', {}, `Decided: ${label(d.outcome)}`),
    h('p', {}, d.rationale), d.override ? h('p', {}, h('strong', {}, 'Override: '), d.override_justification) : null);
}

// #/packet/{id}: the decision packet, then the decision.
export async function packet(loopId) {
  const [l, p] = await Promise.all([read(`/v1/loops/${loopId}`), read(`/v1/loops/${loopId}/decision-packet`)]);
  const reload = () => packet(loopId);
  const done = await decided(loopId);
  show(h('h1', {tabindex: -1}, `Decision packet: ${l.candidate.name}`),
    h('p', {class: 'meta'}, l.position),
    h('section', {class: `verdict rec-${p.recommendation}`}, h('h2', {}, `Packet recommends: ${label(p.recommendation)}`),
      h('p', {}, `Calibrated score ${fig(p.score)} (raw ${fig(p.raw_score)}), hire threshold ${fig(p.hire_threshold)}`)),
    h('section', {}, h('h2', {}, 'Reasons'), h('ol', {class: 'reasons'}, p.reasons.map((r) => h('li', {}, h('code', {}, r.code), ' ', r.message)))),
    h('section', {}, h('h2', {}, 'Ratings per criterion'), p.criteria.length ? criteriaChart(p.criteria) : h('p', {class: 'empty'}, 'No ratings yet.')),
    h('section', {}, h('h2', {}, 'Interviewer leniency'), p.interviewers.length ? leniencyChart(p.interviewers) : h('p', {class: 'empty'}, 'No interviewers.')),
    h('section', {}, h('h2', {}, 'Red flags'), redFlags(p)),
    h('section', {}, h('h2', {}, 'Disagreements'), disagreements(p)),
    done || h('section', {}, h('h2', {}, 'Decide'), decisionForm(loopId, p, reload)));
}
