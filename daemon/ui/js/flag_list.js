// flag_list.js - every flag: search by key or description, filters
// (environment, state, strategy, archived), a row per flag with its
// description, a switch per environment, its rollout and its last change.
// The list follows the event stream: a change made elsewhere shows up.
import { admin } from './api.js';
import { ago, empty, failure, h, loading, mount, when } from './dom.js';
import { createFlagForm } from './flag_create.js';
import { onChange } from './live.js';
import { toast } from './notify.js';
import { go } from './router.js';
import { rolloutText } from './summary.js';
import { toggleSwitch } from './widgets.js';

const filters = { q: '', env: '', state: 'any', strategy: '', archived: 'false' };
// The order of String.localeCompare, without its cost on every compare.
const byKey = new Intl.Collator().compare;

export function flagListView(main) {
  let data = null; // {flags, envs, strategies, lastChange}
  const list = h('div', { class: 'flag-list' }, loading('Loading flags…'));
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const controls = h('div', { class: 'filters', role: 'search' });
  const creator = h('div');
  const newButton = h('button', {
    type: 'button', class: 'primary', 'aria-expanded': 'false',
    onclick: () => {
      const open = !creator.firstChild;
      newButton.setAttribute('aria-expanded', String(open));
      if (!open) { creator.replaceChildren(); return; }
      mount(creator, createFlagForm({
        onCreated: (flag) => go(`/flags/${encodeURIComponent(flag.key)}`),
        onCancel: () => { creator.replaceChildren(); newButton.setAttribute('aria-expanded', 'false'); newButton.focus(); },
      }));
    },
  }, 'New flag');

  mount(main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Flags'), count, h('span', { class: 'grow' }), newButton),
    creator, controls, list);

  const drawControls = () => {
    const sel = (id, label, value, options, key) => {
      const s = h('select', { id, onchange: () => { filters[key] = s.value; draw(); } },
        options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
      return h('div', { class: 'filter' }, h('label', { for: id }, label), s);
    };
    const search = h('input', {
      id: 'flag-search', type: 'search', value: filters.q, placeholder: 'key or description',
      oninput: () => { filters.q = search.value; draw(); },
    });
    mount(controls,
      h('div', { class: 'filter grow' }, h('label', { for: 'flag-search' }, 'Search'), search),
      sel('filter-env', 'Environment', filters.env, [['', 'all'], ...data.envs.map((e) => [e, e])], 'env'),
      sel('filter-state', 'State', filters.state, [['any', 'on or off'], ['on', 'on'], ['off', 'off']], 'state'),
      sel('filter-strategy', 'Strategy', filters.strategy, [['', 'any'], ...data.strategies.map((s) => [s, s])], 'strategy'),
      sel('filter-archived', 'Archived', filters.archived, [['false', 'active'], ['true', 'archived'], ['any', 'both']], 'archived'));
  };

  const matches = (f) => {
    const q = filters.q.trim().toLowerCase();
    if (q && !f.key.toLowerCase().includes(q) && !(f.description || '').toLowerCase().includes(q)) return false;
    if (filters.archived !== 'any' && String(!!f.archived) !== filters.archived) return false;
    const envs = filters.env ? [filters.env] : data.envs;
    const states = envs.map((e) => f.environments?.[e]).filter(Boolean);
    if (filters.state !== 'any' && !states.some((s) => !!s.enabled === (filters.state === 'on'))) return false;
    if (filters.strategy && !states.some((s) => (s.strategies || []).some((x) => x.name === filters.strategy))) return false;
    return true;
  };

  const row = (f) => {
    const last = data.lastChange.get(f.key);
    const envs = filters.env ? [filters.env] : data.envs;
    const error = h('p', { class: 'row-error', role: 'alert' });
    const link = `#/flags/${encodeURIComponent(f.key)}`;
    return h('li', { class: `flag-row${f.archived ? ' archived' : ''}`, dataset: { key: f.key } },
      h('div', { class: 'flag-main' },
        h('a', { class: 'flag-key', href: link }, f.key),
        f.archived ? h('span', { class: 'badge' }, 'archived') : null,
        h('span', { class: 'badge type' }, f.type || 'boolean'),
        h('p', { class: 'desc' }, f.description || h('span', { class: 'muted' }, 'no description')),
        h('p', { class: 'rollout' }, rolloutText(f.environments?.[envs[0]])),
        error),
      h('div', { class: 'flag-envs' }, envs.map((e) => {
        const st = f.environments?.[e];
        if (!st) return h('div', { class: 'env-toggle' }, h('span', { class: 'env-name' }, e), h('span', { class: 'muted' }, '—'));
        return h('div', { class: 'env-toggle' },
          h('span', { class: 'env-name', 'aria-hidden': 'true' }, e),
          f.archived ? h('span', { class: 'muted' }, st.enabled ? 'on' : 'off') : toggleSwitch({
            checked: st.enabled,
            label: `${f.key} in ${e}`,
            save: async (next) => {
              error.textContent = '';
              const saved = await admin.toggle(f.key, e, next);
              Object.assign(f, saved);
              data.known = Math.max(data.known, saved.revision);
              data.lastChange.set(f.key, { time: saved.updated_at, actor: 'you' });
              toast(`${f.key} is ${next ? 'on' : 'off'} in ${e}`);
              return saved.environments[e].enabled;
            },
            onError: (err) => { error.textContent = `Not saved: ${err.message}`; },
          }));
      })),
      h('div', { class: 'flag-meta' },
        last ? h('span', { title: when(last.time) }, `${ago(last.time)} by ${last.actor}`)
          : h('span', { title: when(f.updated_at) }, ago(f.updated_at))));
  };

  // The rows that fill a screen are built at once, the others in the
  // tasks after the next frame (BATCH at a time), so that a long list is
  // on screen before all its rows are built. A new draw() (a filter, a
  // reload) drops what an older one still had to add.
  const FIRST = 30;
  const BATCH = 200;
  let drawing = 0;
  const draw = () => {
    if (!data) return;
    const mine = ++drawing;
    const shown = data.flags.filter(matches);
    count.textContent = `${shown.length} of ${data.flags.length}`;
    if (!data.flags.length) {
      mount(list, empty('No flags yet. Create the first one with “New flag”.'));
    } else if (!shown.length) {
      mount(list, empty('No flag matches these filters.',
        h('button', { type: 'button', onclick: () => { Object.assign(filters, { q: '', env: '', state: 'any', strategy: '', archived: 'false' }); drawControls(); draw(); } }, 'Clear filters')));
    } else {
      const rows = h('ul', { class: 'rows', 'aria-label': 'flags' }, shown.slice(0, FIRST).map(row));
      mount(list, rows);
      let next = FIRST;
      const more = () => {
        if (mine !== drawing) return;
        rows.append(...shown.slice(next, next + BATCH).map(row));
        next += BATCH;
        if (next < shown.length) setTimeout(more, 0);
      };
      if (next < shown.length) requestAnimationFrame(() => setTimeout(more, 0));
    }
  };

  const load = async () => {
    try {
      // Who changed each flag last comes from the audit log: asked at once,
      // but the rows do not wait for it (nor are they drawn twice when it
      // came first).
      let auditIn = null;
      const audit = admin.audit(null).catch(() => ({ entries: [] })).then((a) => (auditIn = a));
      const [flags, envs, strategies] = await Promise.all([
        admin.flags('any'), admin.environments(), admin.strategies(),
      ]);
      const lastChange = new Map();
      const fill = (a) => {
        for (const e of a.entries) if (e.flag && !lastChange.has(e.flag)) lastChange.set(e.flag, e);
      };
      data = {
        flags: flags.flags.sort((a, b) => byKey(a.key, b.key)),
        envs: envs.environments.map((e) => e.name),
        strategies: strategies.strategies.map((s) => s.name),
        lastChange,
      };
      data.known = flags.revision;
      if (auditIn) fill(auditIn);
      if (!controls.firstChild) drawControls();
      draw();
      if (auditIn) return;
      const mine = data;
      fill(await audit);
      if (data === mine && lastChange.size) draw();
    } catch (e) {
      if (e.status !== 401) mount(list, failure(e, load));
    }
  };
  load();
  // Changes made elsewhere (the stream), not the ones this page made.
  return onChange((ev) => { if (!data || ev.reset || ev.revision > data.known) load(); });
}
