// router.js - hash routes (#/flags, #/flags/KEY, #/history, #/tokens), so
// the daemon serves one page and a reload keeps the place.
import { failure, loading, mount } from './dom.js';

const routes = [];

// route('/flags/:key', view): view(main, params) renders into main and may
// return a cleanup function, called when the route changes.
export function route(pattern, view) {
  const names = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => {
    names.push(n);
    return '([^/]+)';
  })}$`);
  routes.push({ re, names, view });
}

// lazy(load): a view whose module is loaded (load() returns a promise of
// the view, from a dynamic import) when it is first shown, or earlier by
// view.warm(), so that the first page waits only for its own modules. Shows "Loading…" meanwhile
// and a retry on a failed load; nothing when the route changed before the
// module came.
export function lazy(load) {
  let loaded = null;
  const get = () => {
    if (!loaded) loaded = load().catch((e) => { loaded = null; throw e; });
    return loaded;
  };
  const view = (main, params) => {
    let gone = false;
    let done = null;
    mount(main, loading());
    get().then((real) => {
      if (!gone) done = real(main, params) || null;
    }, (e) => {
      if (!gone) mount(main, failure(e, render));
    });
    return () => {
      gone = true;
      if (done) done();
    };
  };
  view.warm = () => get().catch(() => {});
  return view;
}

let cleanup = null;

export function current() {
  return location.hash.replace(/^#/, '') || '/flags';
}

export function go(path) {
  if (current() === path) render();
  else location.hash = `#${path}`;
}

export function render() {
  const path = current();
  const main = document.getElementById('main');
  if (cleanup) cleanup();
  cleanup = null;
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    document.querySelectorAll('[data-nav]').forEach((a) => {
      a.toggleAttribute('aria-current', path.startsWith(`/${a.dataset.nav}`));
      if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
    });
    cleanup = r.view(main, params) || null;
    return;
  }
  go('/flags');
}

// Renders on every change of the hash while allowed() says so (the app
// shows sign-in instead when there is no token).
export function start(allowed) {
  window.addEventListener('hashchange', () => { if (allowed()) render(); });
  if (allowed()) render();
}
