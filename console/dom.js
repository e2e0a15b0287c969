// Building the page with DOM calls only: no innerHTML, so no markup from
// data ever reaches the parser, and nothing inline for the CSP to block.

const SVG_NS = 'http://www.w3.org/2000/svg';

function attach(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('p', {class: 'x'}, 'text', child...): an HTML element.
export function h(tag, attrs, ...children) {
  return attach(document.createElement(tag), attrs, children);
}

// s('rect', {x: 1}): an SVG element.
export function s(tag, attrs, ...children) {
  return attach(document.createElementNS(SVG_NS, tag), attrs, children);
}

// Replaces what the main area shows.
export function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
  const heading = main.querySelector('h1');
  if (heading) heading.focus();
}

// A labelled form field: label for= its control, the hint described-by.
let fieldCount = 0;
export function field(label, control, hint) {
  const id = control.id || (control.id = `f${++fieldCount}`);
  const hintEl = hint ? h('span', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {class: 'label', for: id}, label), control, hintEl);
}

export function when(iso) {
  if (!iso) return 'unscheduled';
  return new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'});
}

// A problem document's lines: its detail and each field error.
export function problemView(p) {
  return h('div', {class: 'problem', role: 'alert'},
    h('strong', {}, p.title || 'Something went wrong'), p.detail ? ' ' + p.detail : '',
    p.errors ? h('ul', {}, p.errors.map((e) => h('li', {}, h('code', {}, e.field), ' ', e.message))) : null);
}
