// widgets.js - the UI's controls: an on/off switch that shows only what
// the server confirmed, a percentage slider with its number field, and a
// tag editor for lists.
import { h, uid } from './dom.js';

// A switch (role="switch"). save(next) must return a promise resolving to
// the saved state; until then the switch is busy and keeps its old state;
// on an error it stays as it was and onError(err) says why.
export function toggleSwitch({ checked, label, save, onError }) {
  const el = h('button', {
    type: 'button', role: 'switch', class: 'switch',
    'aria-checked': String(!!checked), 'aria-label': label, title: label,
  }, h('span', { class: 'knob', 'aria-hidden': 'true' }));
  el.addEventListener('click', async () => {
    if (el.getAttribute('aria-busy') === 'true') return;
    const next = el.getAttribute('aria-checked') !== 'true';
    el.setAttribute('aria-busy', 'true');
    try {
      const saved = await save(next);
      el.setAttribute('aria-checked', String(!!saved));
    } catch (e) {
      if (onError) onError(e);
    } finally {
      el.removeAttribute('aria-busy');
    }
  });
  el.set = (v) => el.setAttribute('aria-checked', String(!!v));
  return el;
}

// A 0..100 slider bound to a number field; value as a string (Unleash's
// parameters are strings). onInput(value) on every change.
export function percentField({ id, value, onInput, describedBy }) {
  const v = value === undefined || value === '' ? '0' : String(value);
  const range = h('input', { type: 'range', min: '0', max: '100', step: '1', value: v, 'aria-hidden': 'true', tabindex: '-1' });
  const num = h('input', { id, type: 'number', min: '0', max: '100', step: '1', value: v, class: 'num', 'aria-describedby': describedBy });
  range.addEventListener('input', () => { num.value = range.value; onInput(range.value); });
  num.addEventListener('input', () => { range.value = num.value; onInput(num.value); });
  return h('div', { class: 'percent' }, range, num, h('span', { class: 'unit' }, '%'));
}

// Tags: type and press Enter or comma to add, Backspace on an empty field
// or × to remove. onChange(array) after each change.
export function tagEditor({ id, values, onChange, placeholder, describedBy }) {
  const tags = [...values];
  const list = h('ul', { class: 'tags', 'aria-label': 'values' });
  const input = h('input', { id, type: 'text', placeholder: placeholder || 'add, then Enter', 'aria-describedby': describedBy });
  const draw = () => {
    list.replaceChildren(...tags.map((t, i) => h('li', {},
      h('span', {}, t),
      h('button', {
        type: 'button', class: 'tag-x', 'aria-label': `remove ${t}`,
        onclick: () => { tags.splice(i, 1); draw(); onChange([...tags]); input.focus(); },
      }, '×'))));
  };
  const add = () => {
    const parts = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!parts.length) return;
    for (const p of parts) if (!tags.includes(p)) tags.push(p);
    input.value = '';
    draw();
    onChange([...tags]);
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ',') {
      ev.preventDefault();
      add();
    } else if (ev.key === 'Backspace' && input.value === '' && tags.length) {
      tags.pop();
      draw();
      onChange([...tags]);
    }
  });
  input.addEventListener('blur', add);
  draw();
  return h('div', { class: 'tag-editor' }, list, input);
}

// A labelled field: label, control, help and an error slot that
// showFieldErrors (errors.js) fills. field: the server's path for it.
// id: the labelled input's id when control is a wrapper around it.
export function field({ label, control, help, field: path, id }) {
  const target = id || control.id || (control.id = uid());
  const err = h('p', { class: 'field-error', role: 'alert' });
  return h('div', { class: 'field', dataset: path !== undefined ? { field: path } : {} },
    h('label', { for: target }, label),
    control,
    help ? h('p', { class: 'help', id: `${target}-help` }, help) : null,
    err);
}
