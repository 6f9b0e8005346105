// strategies.js - an environment's strategies, in order: each a card with
// its plugin, the parameter form from that plugin's table, constraints,
// segments and strategy-level variants; move up or down, remove, add.
// The first strategy that is on decides. Edits the array in place.
import { constraintsEditor } from './constraints.js';
import { h, mount, uid } from './dom.js';
import { paramForm } from './params.js';
import { variantsEditor } from './variants.js';

// ctx: {plugins: [table entries], segments: [SEGMENT]}
export function strategiesEditor(strategies, ctx, onChange) {
  const box = h('div', { class: 'strategies', dataset: { field: 'strategies' } });
  const byName = new Map(ctx.plugins.map((p) => [p.name, p]));
  const draw = () => {
    mount(box,
      strategies.length ? null : h('p', { class: 'muted' }, 'No strategies: when enabled, the flag is on for everyone.'),
      h('ol', { class: 'strategy-list' }, strategies.map((s, i) => h('li', {}, card(s, i)))),
      adder(),
      h('p', { class: 'field-error', role: 'alert' }));
  };
  const move = (i, d) => {
    const [s] = strategies.splice(i, 1);
    strategies.splice(i + d, 0, s);
    onChange();
    draw();
  };
  const card = (s, i) => {
    const plugin = byName.get(s.name);
    const base = `strategies[${i}]`;
    s.constraints = s.constraints || [];
    s.segments = s.segments || [];
    s.variants = s.variants || [];
    const segId = uid('seg');
    return h('section', { class: 'strategy card', dataset: { field: base }, 'aria-label': `Strategy ${i + 1}: ${s.name}` },
      h('div', { class: 'strategy-head' },
        h('span', { class: 'step', 'aria-hidden': 'true' }, String(i + 1)),
        h('h3', {}, s.name, plugin ? h('span', { class: `badge kind-${plugin.kind}` }, plugin.kind) : h('span', { class: 'badge warn' }, 'no such plugin')),
        h('span', { class: 'grow' }),
        h('button', { type: 'button', class: 'small', disabled: i === 0, 'aria-label': `Move strategy ${i + 1} up`, onclick: () => move(i, -1) }, '↑'),
        h('button', { type: 'button', class: 'small', disabled: i === strategies.length - 1, 'aria-label': `Move strategy ${i + 1} down`, onclick: () => move(i, 1) }, '↓'),
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove strategy ${i + 1}`, onclick: () => { strategies.splice(i, 1); onChange(); draw(); } }, 'Remove')),
      plugin?.description ? h('p', { class: 'muted' }, plugin.description) : null,
      h('p', { class: 'field-error', role: 'alert' }),
      paramForm(s, plugin, base, onChange),
      h('details', { open: s.constraints.length > 0 || undefined },
        h('summary', {}, `Constraints (${s.constraints.length})`),
        constraintsEditor(s.constraints, `${base}.constraints`, onChange)),
      ctx.segments.length ? h('details', { open: s.segments.length > 0 || undefined, dataset: { field: `${base}.segments` } },
        h('summary', {}, `Segments (${s.segments.length})`),
        h('div', { class: 'checks', id: segId }, ctx.segments.map((g) => h('label', { class: 'check' },
          h('input', {
            type: 'checkbox', checked: s.segments.includes(g.id),
            onchange: (e) => { s.segments = e.target.checked ? [...s.segments, g.id] : s.segments.filter((x) => x !== g.id); onChange(); },
          }), g.name || `segment ${g.id}`))),
        h('p', { class: 'field-error', role: 'alert' })) : null,
      h('details', { open: s.variants.length > 0 || undefined },
        h('summary', {}, `Strategy variants (${s.variants.length})`),
        variantsEditor(s.variants, `${base}.variants`, onChange)));
  };
  const adder = () => {
    const id = uid('add');
    const sel = h('select', { id }, ctx.plugins.map((p) => h('option', { value: p.name }, p.name)));
    return h('div', { class: 'adder' },
      h('label', { for: id }, 'Add a strategy'), sel,
      h('button', {
        type: 'button', class: 'small',
        onclick: () => {
          const p = byName.get(sel.value);
          const parameters = {};
          for (const x of p.params) if (x.required) parameters[x.name] = x.type === 'percentage' ? '0' : '';
          strategies.push({ name: p.name, parameters, constraints: [], segments: [], variants: [] });
          onChange();
          draw();
        },
      }, 'Add'));
  };
  draw();
  return box;
}
