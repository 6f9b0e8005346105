// tokens.js - client and admin tokens: create one (per environment for a
// client token; the secret is shown once, here), list them with their last
// use, revoke one. The last active admin token cannot be revoked (the
// server answers 409 LAST_ADMIN): its button is disabled, and the row says
// why before anyone clicks.
import { admin } from './api.js';
import { ago, empty, failure, h, loading, mount, when } from './dom.js';
import { clearFieldErrors, showFieldError } from './errors.js';
import { confirmDialog, toast } from './notify.js';
import { field } from './widgets.js';

export function tokensView(main) {
  const list = h('div', {}, loading('Loading tokens…'));
  const created = h('div', { 'aria-live': 'polite' });
  const formBox = h('div');
  mount(main, h('div', { class: 'page-head' }, h('h1', {}, 'Tokens')),
    h('p', { class: 'muted' }, 'Services evaluate with a client token, bound to one environment. Admin tokens may do everything, including this page.'),
    formBox, created, list);

  const form = (envs) => {
    const name = h('input', { id: 'tok-name', required: true, autocomplete: 'off', placeholder: 'e.g. checkout-service' });
    const role = h('select', { id: 'tok-role' }, h('option', { value: 'client' }, 'client (evaluate only)'), h('option', { value: 'admin' }, 'admin'));
    const env = h('select', { id: 'tok-env' }, envs.environments.map((e) => h('option', { value: e.name, selected: e.default }, e.name)));
    const envField = field({ label: 'Environment', control: env, field: 'environment' });
    role.addEventListener('change', () => { envField.hidden = role.value !== 'client'; });
    const general = h('p', { class: 'field-error', role: 'alert' });
    const f = h('form', { class: 'card', 'aria-label': 'New token', dataset: { field: '' } },
      h('h2', {}, 'New token'),
      h('div', { class: 'row-fields' },
        field({ label: 'Name', control: name, field: 'name' }),
        field({ label: 'Role', control: role, field: 'role' }),
        envField),
      general,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create token')));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearFieldErrors(f);
      general.textContent = '';
      try {
        const body = { name: name.value.trim(), role: role.value };
        if (role.value === 'client') body.environment = env.value;
        const t = await admin.createToken(body);
        const secret = h('input', { id: 'tok-secret', readonly: true, value: t.secret, class: 'secret', 'aria-describedby': 'tok-secret-help' });
        mount(created, h('div', { class: 'banner ok', role: 'status' },
          h('p', {}, `Token “${t.name}” created. Copy its secret now: it is not shown again.`),
          h('label', { for: 'tok-secret' }, 'Secret'),
          h('div', { class: 'inline-row' }, secret,
            h('button', { type: 'button', class: 'small', onclick: async () => { secret.select(); try { await navigator.clipboard.writeText(t.secret); toast('Copied'); } catch { toast('Select and copy it by hand', 'error'); } } }, 'Copy'),
            h('button', { type: 'button', class: 'small', onclick: () => created.replaceChildren() }, 'Done')),
          h('p', { id: 'tok-secret-help', class: 'muted' }, 'Send it as X-API-Key or Authorization: Bearer.')));
        secret.select();
        name.value = '';
        load();
      } catch (e) {
        if (!showFieldError(f, e.field, e.message) || !e.field) general.textContent = e.message;
      }
    });
    return f;
  };

  // The last active admin token's button is disabled, with the reason
  // next to it (and read out with the button).
  const revokeButton = (t, last) => {
    if (last) {
      const why = `last-admin-${t.id}`;
      return h('div', { class: 'last-admin' },
        h('button', { type: 'button', class: 'small danger', disabled: true, 'aria-label': `Revoke ${t.name}`, 'aria-describedby': why }, 'Revoke'),
        h('p', { id: why, class: 'muted note' }, 'The last admin token cannot be revoked: create another admin token first.'));
    }
    return h('button', {
      type: 'button', class: 'small danger', 'aria-label': `Revoke ${t.name}`,
      onclick: async () => {
        if (!await confirmDialog(`Revoke the token “${t.name}”?`, 'Revoke', 'Requests with it are refused from now on. This cannot be undone.')) return;
        try { await admin.revokeToken(t.id); toast(`Revoked ${t.name}`); load(); } catch (e) { toast(e.message, 'error'); load(); }
      },
    }, 'Revoke');
  };

  const load = async () => {
    try {
      const [tokens, envs] = await Promise.all([admin.tokens(), admin.environments()]);
      if (!formBox.firstChild) mount(formBox, form(envs));
      const rows = tokens.tokens.sort((a, b) => (!!a.revoked_at - !!b.revoked_at) || b.id - a.id);
      if (!rows.length) { mount(list, empty('No tokens.')); return; }
      const admins = rows.filter((t) => t.role === 'admin' && !t.revoked_at);
      const lastAdmin = admins.length === 1 ? admins[0].id : null;
      mount(list, h('table', { class: 'tokens' },
        h('thead', {}, h('tr', {}, ['Name', 'Role', 'Environment', 'Created', 'Last used', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((t) => h('tr', { class: t.revoked_at ? 'revoked' : '', dataset: { id: String(t.id) } },
          h('th', { scope: 'row' }, t.name),
          h('td', {}, t.role),
          h('td', {}, t.environment || h('span', { class: 'muted' }, 'all')),
          h('td', {}, when(t.created_at)),
          h('td', { title: t.last_used ? new Date(t.last_used).toISOString() : null },
            t.last_used ? ago(t.last_used) : h('span', { class: 'muted' }, 'never')),
          h('td', {}, t.revoked_at ? `revoked ${when(t.revoked_at)}` : 'active'),
          h('td', {}, t.revoked_at ? null : revokeButton(t, t.id === lastAdmin)))))));
    } catch (e) {
      if (e.status !== 401) mount(list, failure(e, load));
    }
  };
  load();
  return null;
}
