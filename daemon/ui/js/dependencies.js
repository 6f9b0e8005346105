// dependencies.js - the flags this one depends on in an environment: a
// parent, whether it must be on or off, and (when on) the variants it
// must serve. A cycle or a second level is refused by the server, whose
// message then appears here.
import { h, mount, uid } from './dom.js';
import { tagEditor } from './widgets.js';

export function dependenciesEditor(deps, base, otherFlags, onChange) {
  const box = h('div', { class: 'deps', dataset: { field: base } });
  const list = uid('flags');
  const prefix = uid('dep');
  const draw = () => {
    mount(box,
      h('datalist', { id: list }, otherFlags.map((k) => h('option', { value: k }))),
      deps.length ? null : h('p', { class: 'muted' }, 'No dependencies.'),
      deps.map((d, i) => {
        const id = `${prefix}-${i}`; // stable across redraws, to keep the focus
        const must = d.enabled === false ? 'off' : 'on';
        return h('fieldset', { class: 'dep', dataset: { field: `${base}[${i}]` } },
          h('legend', { class: 'sr-only' }, `Dependency ${i + 1}`),
          h('div', { class: 'var-grid' },
            h('div', {}, h('label', { for: `${id}-f` }, 'Parent flag'),
              h('input', { id: `${id}-f`, list, value: d.feature || '', oninput: (e) => { d.feature = e.target.value.trim(); onChange(); } })),
            h('div', {}, h('label', { for: `${id}-e` }, 'Parent must be'),
              h('select', {
                id: `${id}-e`,
                onchange: (e) => { d.enabled = e.target.value === 'on'; if (!d.enabled) delete d.variants; onChange(); draw(); document.getElementById(`${id}-e`)?.focus(); },
              }, ['on', 'off'].map((v) => h('option', { value: v, selected: v === must }, v)))),
            must === 'on' ? h('div', { class: 'grow' }, h('label', { for: `${id}-v` }, 'serving one of these variants (optional)'),
              tagEditor({ id: `${id}-v`, values: d.variants || [], onChange: (v) => { if (v.length) d.variants = v; else delete d.variants; onChange(); } })) : null,
            h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove dependency ${i + 1}`, onclick: () => { deps.splice(i, 1); onChange(); draw(); } }, 'Remove')),
          h('p', { class: 'field-error', role: 'alert' }));
      }),
      h('button', { type: 'button', class: 'small', onclick: () => { deps.push({ feature: '', enabled: true }); onChange(); draw(); } }, '+ Dependency'),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  draw();
  return box;
}
