// variants.js - the variants editor: name, weight (with each one's share
// shown), stickiness, a typed payload (string, json, csv, number) and
// overrides (a context field and the values that always get this
// variant). Used for a flag's variants and a strategy's. Edits in place.
import { h, mount, uid } from './dom.js';
import { tagEditor } from './widgets.js';

const PAYLOADS = ['', 'string', 'json', 'csv', 'number'];

export function variantsEditor(variants, base, onChange) {
  const box = h('div', { class: 'variants', dataset: { field: base } });
  const draw = () => {
    const total = variants.reduce((t, v) => t + (Number(v.weight) || 0), 0);
    mount(box,
      variants.length ? null : h('p', { class: 'muted' }, 'No variants: an “on” answers true.'),
      variants.map((v, i) => row(v, i, total)),
      h('button', {
        type: 'button', class: 'small',
        onclick: () => { variants.push({ name: `variant-${variants.length + 1}`, weight: variants.length ? 0 : 1000, stickiness: 'default' }); onChange(); draw(); },
      }, '+ Variant'),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  const row = (v, i, total) => {
    const id = uid('var');
    const share = total > 0 ? `${Math.round(((Number(v.weight) || 0) / total) * 1000) / 10}%` : '—';
    const change = (redraw) => { onChange(); if (redraw) draw(); };
    const payloadType = v.payload?.type || '';
    const o = (v.overrides || [])[0];
    return h('fieldset', { class: 'variant', dataset: { field: `${base}[${i}]` } },
      h('legend', { class: 'sr-only' }, `Variant ${i + 1}`),
      h('div', { class: 'var-grid' },
        h('div', {}, h('label', { for: `${id}-name` }, 'Name'),
          h('input', { id: `${id}-name`, value: v.name || '', required: true, oninput: (e) => { v.name = e.target.value; change(); } })),
        h('div', {}, h('label', { for: `${id}-weight` }, `Weight (${share})`),
          h('input', { id: `${id}-weight`, type: 'number', min: '0', step: '1', class: 'num', value: v.weight ?? 0, onchange: (e) => { v.weight = Number(e.target.value); change(true); } })),
        h('div', {}, h('label', { for: `${id}-stick` }, 'Stickiness'),
          h('input', { id: `${id}-stick`, value: v.stickiness || 'default', oninput: (e) => { v.stickiness = e.target.value; change(); } })),
        h('div', {}, h('label', { for: `${id}-ptype` }, 'Payload type'),
          h('select', {
            id: `${id}-ptype`,
            onchange: (e) => {
              if (!e.target.value) delete v.payload;
              else v.payload = { type: e.target.value, value: v.payload?.value ?? '' };
              change(true);
            },
          }, PAYLOADS.map((p) => h('option', { value: p, selected: p === payloadType }, p || 'none')))),
        payloadType ? h('div', { class: 'grow' }, h('label', { for: `${id}-pvalue` }, 'Payload'),
          h(payloadType === 'json' ? 'textarea' : 'input', {
            id: `${id}-pvalue`, rows: payloadType === 'json' ? 2 : undefined, value: typeof v.payload.value === 'string' ? v.payload.value : JSON.stringify(v.payload.value),
            oninput: (e) => { v.payload.value = e.target.value; change(); },
          })) : null),
      h('div', { class: 'var-grid' },
        h('div', {}, h('label', { for: `${id}-ofield` }, 'Override: context field'),
          h('input', {
            id: `${id}-ofield`, value: o?.contextName || '', placeholder: 'e.g. userId',
            oninput: (e) => {
              const name = e.target.value.trim();
              if (!name) delete v.overrides;
              else v.overrides = [{ contextName: name, values: o?.values || [] }];
              change(true);
            },
          })),
        o ? h('div', { class: 'grow' }, h('label', { for: `${id}-ovalues` }, 'always get this variant'),
          tagEditor({ id: `${id}-ovalues`, values: o.values || [], onChange: (vals) => { v.overrides = [{ contextName: o.contextName, values: vals }]; change(); } })) : null,
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove variant ${v.name}`, onclick: () => { variants.splice(i, 1); change(true); } }, 'Remove')),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  draw();
  return box;
}
