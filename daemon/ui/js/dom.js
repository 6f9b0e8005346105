// dom.js - building elements without a framework: h() creates an element
// with attributes, properties, event handlers and children; small helpers
// format times and show loading, empty and error states.

// h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', child)
// Attributes whose value is false, null or undefined are left out; `on*`
// keys add listeners; `dataset`, `value`, `checked` and `hidden` are set
// as properties.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' || k === 'checked' || k === 'hidden' || k === 'disabled') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the children of el.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
// A unique id for label/aria wiring.
export function uid(prefix = 'f') {
  ids += 1;
  return `${prefix}-${ids}`;
}

// "2026-12-01 18:39" in local time, and a relative "3 min ago".
export function when(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ago(ms) {
  if (!ms) return '';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'state loading', role: 'status' }, text);
}

export function empty(text, ...actions) {
  return h('div', { class: 'state empty' }, h('p', {}, text), actions);
}

export function failure(err, retry) {
  return h('div', { class: 'state error', role: 'alert' },
    h('p', {}, err && err.message ? err.message : String(err)),
    retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null);
}
