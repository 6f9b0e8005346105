// prefetch.js - a classic script (not a module; the first in
// <head>), so that the flag list's data is on its way while the modules
// load: when the tab is signed in and opens on the flag list, it starts
// that list's four GET requests at once and leaves their responses in
// window.vexilPrefetch. api.js takes them on its first request: only the
// requests of that same task (the first load of the list) use them, for
// the same path and token; every other request, and every later load,
// goes out as usual. If api.js came first, it has set vexilPrefetch to
// false and this does nothing.
// The paths are the ones flag_list.js's load() asks api.js for.
(() => {
  if (window.vexilPrefetch !== undefined) return;
  let token = null;
  try {
    token = sessionStorage.getItem('vexil.adminToken');
  } catch {
    return;
  }
  const route = location.hash.replace(/^#/, '') || '/flags';
  if (!token || route !== '/flags') return;
  const A = '/api/v1/admin/';
  const headers = { Accept: 'application/json', 'X-API-Key': token };
  const responses = new Map();
  for (const path of [`${A}audit?limit=30`, `${A}flags?archived=any`, `${A}environments`, `${A}strategies`]) {
    const res = fetch(path, { method: 'GET', headers, cache: 'no-store', priority: 'high' });
    res.catch(() => {}); // api.js reports the failure when it takes it
    responses.set(path, res);
  }
  window.vexilPrefetch = { token, responses };
})();
