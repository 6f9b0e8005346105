// env_editor.js - one environment of a flag: its switch (saved at once),
// and a draft of its strategies, variants and dependencies saved together
// with one PATCH carrying the revision it was based on (If-Match). So a
// refused write saves nothing (the server checks it all first), a
// server's message lands next to its field, and an edit based on a stale
// revision gets 409 CONFLICT explained instead of overwriting.
import { admin } from './api.js';
import { h } from './dom.js';
import { dependenciesEditor } from './dependencies.js';
import { clearFieldErrors, showFieldError } from './errors.js';
import { toast } from './notify.js';
import { strategiesEditor } from './strategies.js';
import { variantsEditor } from './variants.js';
import { toggleSwitch } from './widgets.js';

// page: {flag, ctx, onSaved(flag), onConflict(err)}; returns {el, dirty()}
export function envEditor(page, env) {
  const state = page.flag.environments[env] || { enabled: false, strategies: [] };
  const draft = {
    strategies: structuredClone(state.strategies || []),
    variants: structuredClone(state.variants || []),
    dependencies: structuredClone(state.dependencies || []),
  };
  let dirty = false;
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Save changes');
  const discard = h('button', { type: 'button', disabled: true, onclick: () => page.reload() }, 'Discard');
  const general = h('p', { class: 'field-error', role: 'alert' });
  const changed = () => {
    dirty = true;
    save.disabled = false;
    discard.disabled = false;
    status.textContent = 'Unsaved changes';
  };
  const archived = page.flag.archived;
  const others = page.ctx.flagKeys.filter((k) => k !== page.flag.key);
  const form = h('form', { class: 'env-editor', novalidate: true, dataset: { field: '' }, 'aria-label': `${page.flag.key} in ${env}` },
    h('div', { class: 'env-head' },
      archived ? h('p', { class: 'muted' }, `Archived: restore it to change it. It is ${state.enabled ? 'on' : 'off'} in ${env}.`)
        : h('div', { class: 'env-switch' },
          toggleSwitch({
            checked: state.enabled,
            label: `${page.flag.key} in ${env}`,
            save: async (next) => {
              general.textContent = '';
              const saved = await admin.toggle(page.flag.key, env, next);
              page.adopt(saved);
              toast(`${page.flag.key} is ${next ? 'on' : 'off'} in ${env}`);
              return saved.environments[env].enabled;
            },
            onError: (e) => { general.textContent = `Not saved: ${e.message}`; },
          }),
          h('span', {}, `Enabled in ${env}`))),
    general,
    h('section', { class: 'block' }, h('h2', {}, 'Strategies'),
      h('p', { class: 'muted' }, 'The flag is on when it is enabled and any strategy is on; the first one that is on decides.'),
      strategiesEditor(draft.strategies, page.ctx, changed)),
    h('section', { class: 'block' }, h('h2', {}, 'Variants'), variantsEditor(draft.variants, 'variants', changed)),
    h('section', { class: 'block' }, h('h2', {}, 'Dependencies'), dependenciesEditor(draft.dependencies, 'dependencies', others, changed)),
    archived ? null : h('div', { class: 'savebar' }, status, h('span', { class: 'grow' }), discard, save));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    save.disabled = true;
    status.textContent = 'Saving…';
    try {
      const saved = await admin.patchFlag(page.flag.key, { environments: { [env]: draft } }, page.base);
      dirty = false;
      toast(`Saved ${page.flag.key} in ${env} (revision ${saved.revision})`);
      page.onSaved(saved);
    } catch (e) {
      save.disabled = false;
      status.textContent = 'Not saved';
      if (e.code === 'CONFLICT') {
        page.onConflict(e);
        return;
      }
      // Next to its field the place is plain: "production: strategies[0]
      // (flexibleRollout): rollout must..." reads "rollout must...".
      const short = e.message.startsWith(`${env}: `)
        ? e.message.slice(env.length + 2).replace(/^strategies\[\d+\]( \([^)]*\))?: /, '') : e.message;
      const where = showFieldError(form, e.field, e.field ? short : e.message, `environments.${env}.`);
      if (!where || where === form) general.textContent = e.message;
    }
  });
  return { el: form, dirty: () => dirty };
}
