// signin.js - the sign-in form: an admin token, checked against the
// admin API before it is kept. Enter submits; a wrong token says so.
import { checkToken } from './api.js';
import { h, mount } from './dom.js';
import { signIn } from './session.js';

export function signInView(main, onDone) {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'current-password',
    required: true, spellcheck: 'false', 'aria-describedby': 'token-help token-error',
  });
  const error = h('p', { id: 'token-error', class: 'field-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to Vexil'),
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'admin', hidden: true, 'aria-hidden': 'true' }),
    h('label', { for: 'token' }, 'Admin token'),
    input,
    h('p', { id: 'token-help', class: 'muted' },
      'The token vexild printed at first start, or VEXIL_ADMIN_TOKEN. It is kept in this tab only and sent as a header.'),
    error,
    button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const secret = input.value.trim();
    error.textContent = '';
    if (!secret) {
      error.textContent = 'Enter a token.';
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await checkToken(secret);
      signIn(secret);
      onDone();
    } catch (e) {
      error.textContent = e.status === 401 ? 'This token is not valid: check it and try again.'
        : e.status === 403 ? 'This is a client token; the UI needs an admin token.'
          : e.message;
      input.setAttribute('aria-invalid', 'true');
      input.select();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
  mount(main, h('div', { class: 'center' }, form));
  input.focus();
}
