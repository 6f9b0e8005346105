// playground.js - "Try it": type a context (userId, sessionId, address,
// properties...) and see the decision, the variant and why: which
// strategy, constraint or dependency decided. It asks the admin explain
// endpoint, which evaluates on the same snapshot services read.
import { admin } from './api.js';
import { h, uid } from './dom.js';

const FIELDS = [
  ['userId', 'User id', 'e.g. user-42'],
  ['sessionId', 'Session id', ''],
  ['remoteAddress', 'IP address', 'e.g. 10.1.2.3'],
  ['appName', 'App name', ''],
];

function result(r) {
  const v = r.variant || {};
  return h('div', { class: 'pg-result', role: 'status' },
    h('p', { class: `decision ${r.enabled ? 'on' : 'off'}` }, r.enabled ? 'On' : 'Off',
      h('span', { class: 'badge' }, r.reason)),
    v.name && v.name !== 'disabled' ? h('p', {}, 'Variant ', h('strong', {}, v.name),
      v.payload ? h('code', {}, ` ${v.payload.type}: ${v.payload.value}`) : null) : null,
    h('p', { class: 'why' }, r.explanation),
    (r.strategies || []).length ? h('ol', { class: 'pg-steps' }, r.strategies.map((s) => h('li', { class: s.result },
      h('span', { class: 'step-name' }, `${s.index + 1}. ${s.name}`), ' ',
      h('span', { class: 'muted' }, s.summary),
      (s.constraints || []).filter((c) => !c.holds).map((c) => h('div', { class: 'pg-con' },
        `✗ ${c.contextName} ${c.inverted ? 'NOT ' : ''}${c.operator} ${c.values ? c.values.join(', ') : c.value ?? ''}`,
        c.actual !== undefined && c.actual !== null ? ` (context has “${c.actual}”)` : ' (context has no value)'))))) : null,
    (r.dependencies || []).length ? h('ul', { class: 'pg-deps' }, r.dependencies.map((d) => h('li', { class: d.holds ? 'on' : 'off' },
      `${d.holds ? '✓' : '✗'} needs ${d.feature} ${d.enabled === false ? 'off' : 'on'}: it is ${d.parent_enabled ? 'on' : 'off'}`))) : null);
}

export function playground(key, envs, env) {
  const id = uid('pg');
  const inputs = {};
  const props = h('textarea', { id: `${id}-props`, rows: '3', placeholder: 'country=NO\nappVersion=2.1.0', spellcheck: 'false' });
  const envSel = h('select', { id: `${id}-env` }, envs.map((e) => h('option', { value: e, selected: e === env }, e)));
  const out = h('div', { class: 'pg-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'card playground', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, 'Try it'),
    h('p', { class: 'muted' }, 'A context, and what this flag decides for it.'),
    h('div', { class: 'field' }, h('label', { for: `${id}-env` }, 'Environment'), envSel),
    FIELDS.map(([k, label, ph]) => {
      inputs[k] = h('input', { id: `${id}-${k}`, name: k, placeholder: ph, autocomplete: 'off' });
      return h('div', { class: 'field' }, h('label', { for: `${id}-${k}` }, label), inputs[k]);
    }),
    h('div', { class: 'field' }, h('label', { for: `${id}-props` }, 'Properties (name=value, one a line)'), props),
    h('button', { type: 'submit', class: 'primary' }, 'Evaluate'),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const context = {};
    for (const [k, input] of Object.entries(inputs)) if (input.value.trim()) context[k] = input.value.trim();
    const properties = {};
    for (const line of props.value.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) properties[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (Object.keys(properties).length) context.properties = properties;
    out.replaceChildren(h('p', { class: 'muted' }, 'Evaluating…'));
    try {
      out.replaceChildren(result(await admin.explain(key, envSel.value, context)));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, e.message));
    }
  });
  return form;
}
