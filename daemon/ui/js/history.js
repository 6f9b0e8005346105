// history.js - the audit log, of one flag or of everything: who changed
// what and when, a before/after diff, and a revert button on each entry
// (after a confirmation) that restores the flag as it was before it.
import { admin } from './api.js';
import { ago, empty, failure, h, loading, mount, when } from './dom.js';
import { diff } from './diff.js';
import { onChange } from './live.js';
import { confirmDialog, toast } from './notify.js';

function diffTable(entry) {
  const lines = diff(entry.before, entry.after);
  if (!lines.length) return h('p', { class: 'muted' }, 'No visible change.');
  const table = h('table', { class: 'diff' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'what'), h('th', { scope: 'col' }, 'before'), h('th', { scope: 'col' }, 'after'))),
    h('tbody', {}, lines.slice(0, 40).map((l) => h('tr', {},
      h('th', { scope: 'row' }, l.path),
      h('td', { class: 'before' }, l.before === undefined ? h('span', { class: 'muted' }, '—') : l.before),
      h('td', { class: 'after' }, l.after === undefined ? h('span', { class: 'muted' }, '—') : l.after))),
    lines.length > 40 ? h('tr', {}, h('td', { colspan: '3', class: 'muted' }, `and ${lines.length - 40} more`)) : null));
  // A creation or a deletion lists every setting: folded.
  if (!entry.before || !entry.after) {
    return h('details', {}, h('summary', {}, `${entry.before ? 'Removed' : 'Created'} with ${lines.length} settings`), table);
  }
  return table;
}

// Renders the log into el. opts: {flag?, title, onReverted?(flag)}
export function historyList(el, opts) {
  // Each load draws into its own list, and only the latest load's is
  // shown: a revert and the stream's event may both ask for a reload.
  let generation = 0;
  const entry = (e, reload) => h('li', { class: 'audit-entry', dataset: { id: String(e.id) } },
    h('div', { class: 'audit-head' },
      h('strong', {}, e.action),
      e.flag && !opts.flag ? h('a', { href: `#/flags/${encodeURIComponent(e.flag)}` }, e.flag) : null,
      h('span', { class: 'muted' }, `by ${e.actor}`),
      h('span', { class: 'muted', title: when(e.time) }, `${when(e.time)} (${ago(e.time)})`),
      h('span', { class: 'muted' }, `revision ${e.revision}`),
      h('span', { class: 'grow' }),
      e.flag ? h('button', {
        type: 'button', class: 'small',
        'aria-label': `Revert ${e.action} of ${e.flag} at revision ${e.revision}`,
        onclick: async () => {
          const ok = await confirmDialog(`Revert this ${e.action} of ${e.flag}?`, 'Revert',
            e.before ? `The flag goes back to how it was before revision ${e.revision}. The revert is itself a new entry and can be reverted.`
              : 'This entry created the flag: reverting it archives the flag.');
          if (!ok) return;
          try {
            const saved = await admin.revert(e.id);
            toast(`Reverted: ${e.flag} is at revision ${saved.revision}`);
            if (opts.onReverted) opts.onReverted(saved);
            else reload();
          } catch (err) {
            toast(`Not reverted: ${err.message}`, 'error');
          }
        },
      }, 'Revert') : null),
    diffTable(e));
  const load = async () => {
    generation += 1;
    const mine = generation;
    const items = h('ol', { class: 'audit', 'aria-label': opts.title });
    const more = h('div');
    const page = async (before) => {
      const res = await admin.audit(opts.flag, before);
      if (mine !== generation) return res;
      items.append(...res.entries.map((e) => entry(e, load)));
      mount(more, res.next ? h('button', { type: 'button', onclick: () => page(res.next).catch((err) => mount(more, failure(err))) }, 'Older entries') : null);
      return res;
    };
    if (!el.firstChild) mount(el, h('h2', {}, opts.title), loading('Loading the history…'));
    try {
      const res = await page(null);
      if (mine !== generation) return;
      mount(el, h('h2', {}, opts.title), res.entries.length ? items : empty('No change recorded yet.'), more);
    } catch (err) {
      if (err.status !== 401 && mine === generation) mount(el, h('h2', {}, opts.title), failure(err, load));
    }
  };
  load();
  return load;
}

export function historyView(main) {
  const box = h('section', { class: 'history-page' });
  mount(main, box);
  const reload = historyList(box, { title: 'History' });
  return onChange(() => reload());
}
