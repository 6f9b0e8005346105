// flag_page.js - one flag: description, archive and restore, a tab per
// environment (env_editor.js), the playground and the flag's history. It
// follows the event stream: a change made elsewhere reloads the page when
// nothing is being edited, and otherwise says that saving would conflict.
import { admin } from './api.js';
import { failure, h, loading, mount, when } from './dom.js';
import { envEditor } from './env_editor.js';
import { historyList } from './history.js';
import { onChange } from './live.js';
import { confirmDialog, toast } from './notify.js';
import { playground } from './playground.js';

export function flagPageView(main, { key }) {
  let tab = null;
  let editor = null;
  const banner = h('div', { class: 'banner-slot', 'aria-live': 'assertive' });
  const page = {
    flag: null, base: null, ctx: null,
    adopt(saved) {
      if (page.base === page.flag.revision) page.base = saved.revision;
      page.flag = saved;
      head();
      dots();
    },
    onSaved(saved) {
      page.flag = saved;
      page.base = saved.revision;
      banner.replaceChildren();
      draw();
    },
    async onConflict(err) {
      let latest = null;
      try { latest = await admin.flag(key); } catch { /* shown below anyway */ }
      showBanner('conflict',
        `Not saved: ${err.message}. Someone else changed this flag after you started editing, so saving would overwrite their change.`,
        latest ? `The latest is revision ${latest.revision}. Load it to see what changed (your edits are discarded), or save yours over it.` : '',
        [h('button', { type: 'button', onclick: () => page.reload() }, 'Load the latest'),
          latest ? h('button', {
            type: 'button', class: 'danger',
            onclick: () => { page.base = latest.revision; banner.replaceChildren(); editor.el.requestSubmit(); },
          }, 'Save mine over it') : null]);
    },
    reload: () => load(),
  };
  const showBanner = (kind, text, detail, actions = []) => {
    mount(banner, h('div', { class: `banner ${kind}`, role: kind === 'conflict' ? 'alert' : 'status' },
      h('p', {}, text), detail ? h('p', { class: 'muted' }, detail) : null,
      h('div', { class: 'actions' }, actions)));
  };

  const headEl = h('div', { class: 'flag-head' });
  const tabsEl = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Environments' });
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel' });
  const side = h('div', { class: 'side' });
  const historyEl = h('section', { class: 'block history-block' });

  const head = () => {
    const f = page.flag;
    const desc = h('input', { id: 'flag-description', value: f.description || '', disabled: f.archived, 'aria-describedby': 'desc-error' });
    const descErr = h('p', { id: 'desc-error', class: 'field-error', role: 'alert' });
    const descForm = h('form', { class: 'desc-form' },
      h('label', { for: 'flag-description' }, 'Description'),
      h('div', { class: 'inline-row' }, desc, f.archived ? null : h('button', { type: 'submit', class: 'small' }, 'Save')),
      descErr);
    descForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        page.adopt(await admin.patchFlag(f.key, { description: desc.value }, page.base === f.revision ? f.revision : undefined));
        toast('Description saved');
      } catch (e) { descErr.textContent = e.message; }
    });
    mount(headEl,
      h('p', { class: 'crumbs' }, h('a', { href: '#/flags' }, '← All flags')),
      h('div', { class: 'page-head' },
        h('h1', {}, f.key),
        h('span', { class: 'badge type' }, f.type),
        f.archived ? h('span', { class: 'badge' }, 'archived') : null,
        h('span', { class: 'grow' }),
        h('span', { class: 'muted', title: `updated ${when(f.updated_at)}` }, `revision ${f.revision}`),
        f.archived
          ? h('button', { type: 'button', onclick: async () => { try { page.onSaved(await admin.restore(f.key)); toast(`Restored ${f.key}`); } catch (e) { toast(e.message, 'error'); } } }, 'Restore')
          : h('button', {
            type: 'button', class: 'danger',
            onclick: async () => {
              if (!await confirmDialog(`Archive ${f.key}?`, 'Archive', 'Services then get "flag not found" for it. You can restore it later.')) return;
              try { page.onSaved(await admin.archive(f.key)); toast(`Archived ${f.key}`); } catch (e) { toast(e.message, 'error'); }
            },
          }, 'Archive')),
      descForm);
  };

  // The on/off dot of each environment's tab.
  const dots = () => {
    for (const e of page.ctx.envs) {
      const dot = document.querySelector(`#tab-${CSS.escape(e)} .dot`);
      const on = !!page.flag.environments[e]?.enabled;
      if (dot) { dot.classList.toggle('on', on); dot.setAttribute('aria-label', on ? 'on' : 'off'); }
    }
  };

  const draw = () => {
    head();
    const envs = page.ctx.envs;
    if (!tab || !envs.includes(tab)) tab = envs.includes(page.ctx.defaultEnv) ? page.ctx.defaultEnv : envs[0];
    mount(tabsEl, envs.map((e) => {
      const st = page.flag.environments[e];
      return h('button', {
        type: 'button', role: 'tab', id: `tab-${e}`, 'aria-selected': String(e === tab), tabindex: e === tab ? '0' : '-1',
        onclick: () => { if (editor?.dirty()) { toast('Save or discard the changes first', 'error'); return; } tab = e; draw(); },
        onkeydown: (ev) => {
          const i = envs.indexOf(e);
          const next = ev.key === 'ArrowRight' ? envs[(i + 1) % envs.length] : ev.key === 'ArrowLeft' ? envs[(i + envs.length - 1) % envs.length] : null;
          if (next) document.getElementById(`tab-${next}`).focus();
        },
      }, e, h('span', { class: `dot ${st?.enabled ? 'on' : ''}`, 'aria-label': st?.enabled ? 'on' : 'off' }));
    }));
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    editor = envEditor(page, tab);
    mount(panel, editor.el);
    mount(side, playground(page.flag.key, page.ctx.envs, tab));
    historyList(historyEl, { flag: page.flag.key, title: 'History of this flag', onReverted: (saved) => page.onSaved(saved) });
  };

  const load = async () => {
    try {
      const [flag, envs, strategies, segments, flags] = await Promise.all([
        admin.flag(key), admin.environments(), admin.strategies(), admin.segments(), admin.flags('false'),
      ]);
      page.flag = flag;
      page.base = flag.revision;
      page.ctx = {
        envs: envs.environments.map((e) => e.name),
        defaultEnv: envs.default,
        plugins: strategies.strategies,
        segments: segments.segments,
        flagKeys: flags.flags.map((f) => f.key),
      };
      banner.replaceChildren();
      mount(main, h('div', { class: 'flag-page' }, headEl, banner,
        h('div', { class: 'columns' },
          h('div', { class: 'col-main' }, tabsEl, panel),
          h('aside', { class: 'col-side', 'aria-label': 'Try it' }, side)),
        historyEl));
      draw();
    } catch (e) {
      if (e.status === 404) mount(main, h('div', { class: 'state empty' }, h('p', {}, `There is no flag “${key}”.`), h('a', { href: '#/flags' }, 'All flags')));
      else if (e.status !== 401) mount(main, failure(e, load));
    }
  };

  mount(main, loading('Loading the flag…'));
  load();
  return onChange(async (ev) => {
    if (!page.flag) return;
    let fresh = null;
    if (ev.catchUp) {
      // The stream connected: this flag may have changed since it was read.
      try { fresh = await admin.flag(key); } catch { return; }
      if (fresh.revision <= page.flag.revision) return;
    } else if (!(ev.reset || (ev.flags || []).includes(key)) || ev.revision <= page.flag.revision) {
      return;
    }
    const revision = fresh ? fresh.revision : ev.revision;
    if (editor?.dirty()) {
      showBanner('warn', `Someone else changed ${key} (revision ${revision}) while you were editing.`,
        `Your edits are based on revision ${page.base}: saving them will be refused with a conflict until you load the latest or choose to save over it.`,
        [h('button', { type: 'button', onclick: () => page.reload() }, 'Load the latest')]);
      return;
    }
    try {
      const flag = fresh || await admin.flag(key);
      page.flag = flag;
      page.base = flag.revision;
      draw();
      showBanner('info', `Updated: someone changed this flag (revision ${flag.revision}).`, '', []);
    } catch { /* the next event or a reload will show it */ }
  });
}
