// constraints.js - the constraints editor: context field, every operator
// Unleash has, values (a tag list for list operators, one value for the
// others), inverted and case-insensitive. Edits the array in place.
import { h, mount, uid } from './dom.js';
import { tagEditor } from './widgets.js';

export const OPERATORS = [
  'IN', 'NOT_IN', 'STR_CONTAINS', 'STR_STARTS_WITH', 'STR_ENDS_WITH',
  'NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE',
  'DATE_AFTER', 'DATE_BEFORE',
  'SEMVER_EQ', 'SEMVER_GT', 'SEMVER_LT', 'SEMVER_GTE', 'SEMVER_LTE',
  'REGEX', 'IN_CIDR',
];
const LIST_OPS = new Set(['IN', 'NOT_IN', 'STR_CONTAINS', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'IN_CIDR']);
const CASE_OPS = new Set(['STR_CONTAINS', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'REGEX']);
const FIELDS = ['userId', 'sessionId', 'remoteAddress', 'environment', 'appName', 'currentTime'];
const HINT = {
  DATE_AFTER: 'an ISO date, e.g. 2026-12-24T00:00:00Z',
  DATE_BEFORE: 'an ISO date, e.g. 2026-12-24T00:00:00Z',
  REGEX: 'RE2 syntax, searched anywhere in the value',
  IN_CIDR: 'addresses or ranges, e.g. 10.0.0.0/8',
};

const isList = (op) => LIST_OPS.has(op);

// constraints: the array; base: its data-field path ("strategies[0].constraints").
export function constraintsEditor(constraints, base, onChange) {
  const box = h('div', { class: 'constraints' });
  const fieldsList = uid('ctx');
  const draw = () => {
    mount(box,
      h('datalist', { id: fieldsList }, FIELDS.map((f) => h('option', { value: f }))),
      constraints.length ? null : h('p', { class: 'muted' }, 'No constraints: the strategy applies to every context.'),
      constraints.map((c, i) => row(c, i)),
      h('button', {
        type: 'button', class: 'small',
        onclick: () => { constraints.push({ contextName: 'userId', operator: 'IN', values: [], inverted: false, caseInsensitive: false }); onChange(); draw(); },
      }, '+ Constraint'));
  };
  const prefix = uid('con');
  const row = (c, i) => {
    const id = `${prefix}-${i}`; // stable across redraws, to keep the focus
    const change = () => onChange();
    const name = h('input', { id: `${id}-field`, value: c.contextName || '', list: fieldsList, class: 'ctx', oninput: (e) => { c.contextName = e.target.value; change(); } });
    const op = h('select', {
      id: `${id}-op`,
      onchange: (e) => {
        const was = isList(c.operator);
        c.operator = e.target.value;
        if (was !== isList(c.operator)) {
          if (isList(c.operator)) { c.values = c.value ? [c.value] : []; delete c.value; } else { c.value = (c.values || [])[0] || ''; delete c.values; }
        }
        if (!CASE_OPS.has(c.operator)) c.caseInsensitive = false;
        change();
        draw(); // the values control changes with the operator's kind
        document.getElementById(`${id}-op`)?.focus();
      },
    }, OPERATORS.map((o) => h('option', { value: o, selected: o === c.operator }, o)));
    const values = isList(c.operator)
      ? tagEditor({ id: `${id}-values`, values: c.values || (c.value ? [c.value] : []), onChange: (v) => { c.values = v; change(); } })
      : h('input', { id: `${id}-values`, value: c.value ?? (c.values || [])[0] ?? '', placeholder: HINT[c.operator] || 'value', oninput: (e) => { c.value = e.target.value; change(); } });
    const check = (key, text, enabled = true) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', checked: !!c[key], disabled: !enabled, onchange: (e) => { c[key] = e.target.checked; change(); } }), text);
    return h('fieldset', { class: 'constraint', dataset: { field: `${base}[${i}]` } },
      h('legend', { class: 'sr-only' }, `Constraint ${i + 1}`),
      h('div', { class: 'con-grid' },
        h('div', {}, h('label', { for: `${id}-field` }, 'Context field'), name),
        h('div', {}, h('label', { for: `${id}-op` }, 'Operator'), op),
        h('div', { class: 'grow' }, h('label', { for: `${id}-values` }, isList(c.operator) ? 'Values' : 'Value'), values,
          HINT[c.operator] && isList(c.operator) ? h('p', { class: 'help' }, HINT[c.operator]) : null)),
      h('div', { class: 'con-flags' },
        check('inverted', 'Inverted (NOT)'),
        check('caseInsensitive', 'Case-insensitive', CASE_OPS.has(c.operator)),
        h('span', { class: 'grow' }),
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove constraint ${i + 1}`, onclick: () => { constraints.splice(i, 1); onChange(); draw(); } }, 'Remove')),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  draw();
  return box;
}
