// variants.js - the variants editor: name, weight (with each one's share
// shown), stickiness, a typed payload (string, json, csv, number) and
// overrides (a context field and the values that always get this
// variant). Used for a flag's variants and a strategy's. Edits in place.
import { h, mount, uid } from './dom.js';
import { tagEditor } from './widgets.js';

const PAYLOADS = ['', 'string', 'json', 'csv', 'number'];

// Edits update the array in place and never redraw the row being typed
// in (a redraw would take the focus away); only adding or removing a
// variant redraws the list.
export function variantsEditor(variants, base, onChange) {
  const box = h('div', { class: 'variants', dataset: { field: base } });
  let shares = [];
  const total = () => variants.reduce((t, v) => t + (Number(v.weight) || 0), 0);
  const updateShares = () => {
    const t = total();
    shares.forEach((el, i) => {
      el.textContent = t > 0 ? `${Math.round(((Number(variants[i].weight) || 0) / t) * 1000) / 10}%` : '—';
    });
  };
  const draw = () => {
    shares = [];
    mount(box,
      variants.length ? null : h('p', { class: 'muted' }, 'No variants: an “on” answers true.'),
      variants.map((v, i) => row(v, i)),
      h('button', {
        type: 'button', class: 'small',
        onclick: () => { variants.push({ name: `variant-${variants.length + 1}`, weight: variants.length ? 0 : 1000, stickiness: 'default' }); onChange(); draw(); },
      }, '+ Variant'),
      h('p', { class: 'field-error', role: 'alert' }));
    updateShares();
  };
  const row = (v, i) => {
    const id = uid('var');
    const share = h('span', { class: 'share' });
    shares.push(share);
    const payloadType = v.payload?.type || '';
    const pvalue = h(payloadType === 'json' ? 'textarea' : 'input', {
      id: `${id}-pvalue`, rows: '2',
      value: v.payload ? (typeof v.payload.value === 'string' ? v.payload.value : JSON.stringify(v.payload.value)) : '',
      oninput: (e) => { if (v.payload) { v.payload.value = e.target.value; onChange(); } },
    });
    const pbox = h('div', { class: 'grow', hidden: !payloadType }, h('label', { for: `${id}-pvalue` }, 'Payload'), pvalue);
    const o = (v.overrides || [])[0] || { contextName: '', values: [] };
    const setOverride = () => {
      if (!o.contextName) delete v.overrides;
      else v.overrides = [{ contextName: o.contextName, values: [...o.values] }];
      onChange();
    };
    return h('fieldset', { class: 'variant', dataset: { field: `${base}[${i}]` } },
      h('legend', { class: 'sr-only' }, `Variant ${i + 1}`),
      h('div', { class: 'var-grid' },
        h('div', {}, h('label', { for: `${id}-name` }, 'Name'),
          h('input', { id: `${id}-name`, value: v.name || '', required: true, oninput: (e) => { v.name = e.target.value; onChange(); } })),
        h('div', {}, h('label', { for: `${id}-weight` }, 'Weight ', share),
          h('input', { id: `${id}-weight`, type: 'number', min: '0', step: '1', class: 'num', value: v.weight ?? 0, oninput: (e) => { v.weight = Number(e.target.value); updateShares(); onChange(); } })),
        h('div', {}, h('label', { for: `${id}-stick` }, 'Stickiness'),
          h('input', { id: `${id}-stick`, value: v.stickiness || 'default', oninput: (e) => { v.stickiness = e.target.value; onChange(); } })),
        h('div', {}, h('label', { for: `${id}-ptype` }, 'Payload type'),
          h('select', {
            id: `${id}-ptype`,
            onchange: (e) => {
              if (!e.target.value) delete v.payload;
              else v.payload = { type: e.target.value, value: pvalue.value };
              pbox.hidden = !e.target.value;
              onChange();
            },
          }, PAYLOADS.map((p) => h('option', { value: p, selected: p === payloadType }, p || 'none')))),
        pbox),
      h('div', { class: 'var-grid' },
        h('div', {}, h('label', { for: `${id}-ofield` }, 'Override: context field'),
          h('input', { id: `${id}-ofield`, value: o.contextName, placeholder: 'e.g. userId', oninput: (e) => { o.contextName = e.target.value.trim(); setOverride(); } })),
        h('div', { class: 'grow' }, h('label', { for: `${id}-ovalues` }, 'values that always get this variant'),
          tagEditor({ id: `${id}-ovalues`, values: o.values, onChange: (vals) => { o.values = vals; setOverride(); } })),
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove variant ${i + 1}`, onclick: () => { variants.splice(i, 1); onChange(); draw(); } }, 'Remove')),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  draw();
  return box;
}
