// notify.js - short messages in the corner (a polite live region, so a
// screen reader hears them too), and a confirmation dialog built on
// <dialog> that resolves to true or false.
import { h } from './dom.js';

export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const t = h('div', { class: `toast ${kind}` }, text);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

// await confirmDialog('Revert this change?', 'Revert') -> boolean
export function confirmDialog(question, action, detail) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', class: 'primary', value: 'ok' }, action);
    const dlg = h('dialog', { class: 'confirm', 'aria-label': question },
      h('form', { method: 'dialog' },
        h('p', { class: 'question' }, question),
        detail ? h('p', { class: 'muted' }, detail) : null,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', value: 'cancel' }, 'Cancel'), ok)));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
    ok.focus();
  });
}
