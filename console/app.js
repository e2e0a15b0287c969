// The console's entry: sign-in, the navigation the user's roles allow, and
// a hash router (#/rounds, #/round/{id}, #/loops, #/loop/{id}, #/packet/{id}, ...).
import {read} from './api.js';
import {completeSignIn, signIn, signOut} from './auth.js';
import {h, problemView, show} from './dom.js';
import * as interviewer from './interviewer.js';
import * as manager from './manager.js';
import * as recruiter from './recruiter.js';

let me = null;

const NAV = [
  ['#/rounds', 'My rounds', ['interviewer']],
  ['#/loops', 'Loops', ['recruiter', 'admin']],
  ['#/candidates', 'Candidates', ['recruiter', 'admin']],
  ['#/overdue', 'Overdue scorecards', ['recruiter', 'admin']],
  ['#/decide', 'Decisions', ['hiring_manager']],
];

const ROUTES = [
  [/^#\/rounds$/, () => interviewer.myRounds()],
  [/^#\/round\/([0-9a-f-]{36})$/, (id) => interviewer.round(id, me)],
  [/^#\/candidates$/, () => recruiter.candidates()],
  [/^#\/loops$/, () => recruiter.loops()],
  [/^#\/loops\/new$/, () => recruiter.newLoop(me)],
  [/^#\/loop\/([0-9a-f-]{36})$/, (id) => recruiter.loop(id)],
  [/^#\/overdue$/, () => recruiter.overdue()],
  [/^#\/decide$/, () => manager.managed(me)],
  [/^#\/packet\/([0-9a-f-]{36})$/, (id) => manager.packet(id)],
];

function navFor(user) {
  const links = NAV.filter(([, , roles]) => roles.some((r) => user.roles.includes(r)));
  return h('nav', {'aria-label': 'Console'}, h('ul', {}, links.map(([href, text]) => h('li', {}, h('a', {href}, text)))),
    h('span', {class: 'who'}, user.name),
    h('button', {type: 'button', onclick: () => signOut()}, 'Sign out'));
}

async function route() {
  if (!me) return;
  const hash = (location.hash !== '#/' && location.hash) || NAV.find(([, , roles]) => roles.some((r) => me.roles.includes(r)))?.[0] || '#/rounds';
  document.querySelectorAll('nav a').forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('href') === hash));
  for (const [re, page] of ROUTES) {
    const m = re.exec(hash);
    if (!m) continue;
    try { await page(...m.slice(1)); } catch (e) {
      show(h('h1', {tabindex: -1}, 'This page could not be shown'), e.problem ? problemView(e.problem) : h('p', {}, String(e.message)));
    }
    return;
  }
  show(h('h1', {tabindex: -1}, 'Not found'), h('p', {}, h('a', {href: '#/rounds'}, 'Back')));
}

function signInScreen(message) {
  me = null;
  document.getElementById('nav').replaceChildren();
  show(h('h1', {tabindex: -1}, 'loopd console'),
    h('p', {}, 'Scorecards, schedules and decisions for your hiring team.'),
    message ? h('p', {class: 'problem', role: 'alert'}, message) : null,
    h('button', {type: 'button', class: 'primary', onclick: () => signIn()}, 'Sign in'));
}

async function start() {
  try {
    if (!(await completeSignIn())) return signInScreen();
    me = await read('/v1/me');
  } catch (e) {
    return signInScreen(e.problem ? e.problem.detail || e.problem.title : e.message);
  }
  document.getElementById('nav').replaceChildren(navFor(me));
  await route();
}

window.addEventListener('hashchange', route);
document.addEventListener('signedout', () => signInScreen('You are signed out.'));
start();
