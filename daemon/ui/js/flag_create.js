// flag_create.js - the form that creates a flag: key, description, type.
// It starts switched off in every environment, with no strategy.
import { admin } from './api.js';
import { h } from './dom.js';
import { clearFieldErrors, showFieldError } from './errors.js';
import { toast } from './notify.js';
import { field } from './widgets.js';

export function createFlagForm({ onCreated, onCancel }) {
  const key = h('input', { id: 'new-key', name: 'key', required: true, autocomplete: 'off', spellcheck: 'false', pattern: '[^\\/\\\\]*[^\\/\\\\.]', title: 'No / or \\, and no . at the end: the key is part of URLs', placeholder: 'e.g. new-checkout' });
  const desc = h('input', { id: 'new-description', name: 'description', autocomplete: 'off', placeholder: 'what it is for' });
  const type = h('select', { id: 'new-type', name: 'type' },
    ['boolean', 'string', 'number', 'object'].map((t) => h('option', { value: t }, t)));
  const general = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'card create', 'aria-label': 'New flag', dataset: { field: '' } },
    h('h2', {}, 'New flag'),
    h('div', { class: 'row-fields' },
      field({ label: 'Key', control: key, field: 'key', help: 'Services ask for the flag by this name. It cannot change.' }),
      field({ label: 'Description', control: desc, field: 'description' }),
      field({ label: 'Type', control: type, field: 'type', help: 'The type of its value on OFREP.' })),
    general,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: onCancel }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Create flag')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    try {
      const flag = await admin.createFlag({ key: key.value.trim(), description: desc.value.trim(), type: type.value });
      toast(`Created ${flag.key}`);
      onCreated(flag);
    } catch (e) {
      const path = e.code === 'ALREADY_EXISTS' ? 'key' : e.field;
      if (!showFieldError(form, path, e.message) || path === '') general.textContent = e.message;
    }
  });
  setTimeout(() => key.focus(), 0);
  return form;
}
