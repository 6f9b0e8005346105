// params.js - a strategy's parameter form, generated from the plugin's
// parameter table (GET /api/v1/admin/strategies): a slider with a number
// field for a percentage, a tag editor for a list, a number field, a
// checkbox for a boolean, a text field for a string. A strategy from a new
// plugin gets its form the same way, with no change here. Parameters are
// Unleash's: every value is a string (a list is comma-separated).
import { h, uid } from './dom.js';
import { field, percentField, tagEditor } from './widgets.js';

const STICKINESS = ['default', 'userId', 'sessionId', 'random'];

function control(p, value, set, id) {
  const help = p.help ? `${id}-help` : undefined;
  switch (p.type) {
    case 'percentage':
      return percentField({ id, value, onInput: set, describedBy: help });
    case 'list':
      return tagEditor({
        id,
        values: String(value ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        onChange: (vals) => set(vals.join(',')),
        describedBy: help,
      });
    case 'number':
      return h('input', { id, type: 'number', value: value ?? '', 'aria-describedby': help, oninput: (e) => set(e.target.value) });
    case 'boolean': {
      const box = h('input', { id, type: 'checkbox', checked: value === 'true' || value === true, 'aria-describedby': help, onchange: (e) => set(e.target.checked ? 'true' : 'false') });
      return box;
    }
    default: {
      const input = h('input', { id, type: 'text', value: value ?? '', 'aria-describedby': help, oninput: (e) => set(e.target.value) });
      if (p.name === 'stickiness') {
        const list = uid('dl');
        input.setAttribute('list', list);
        return h('span', { class: 'with-list' }, input, h('datalist', { id: list }, STICKINESS.map((s) => h('option', { value: s }))));
      }
      return input;
    }
  }
}

// The form for strategy s (its parameters object is edited in place;
// onChange after each edit). plugin: the table entry, or undefined for a
// strategy no loaded plugin provides (its parameters are then shown as
// text). base: the data-field prefix, e.g. "strategies[0]".
export function paramForm(s, plugin, base, onChange) {
  s.parameters = s.parameters || {};
  const table = plugin ? [...plugin.params] : [];
  for (const name of Object.keys(s.parameters)) {
    if (!table.some((p) => p.name === name)) table.push({ name, type: 'string', required: false, help: 'not declared by the plugin' });
  }
  if (!table.length) return h('p', { class: 'muted' }, 'This strategy has no parameters.');
  return h('div', { class: 'params' }, table.map((p) => {
    const id = uid('param');
    const set = (v) => {
      if (v === '' && !p.required) delete s.parameters[p.name];
      else s.parameters[p.name] = v;
      onChange();
    };
    const ctl = control(p, s.parameters[p.name], set, id);
    const label = `${p.name}${p.required ? '' : ' (optional)'}`;
    const wrap = field({ label, control: ctl, help: p.help, field: `${base}.parameters.${p.name}`, id });
    if (p.type === 'boolean') wrap.classList.add('inline');
    return wrap;
  }));
}
