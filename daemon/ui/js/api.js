// api.js - the admin and evaluation APIs over fetch, with the session's
// token as X-API-Key. Every failure is an ApiError carrying the server's
// stable code, its message and the field it concerns, so views can put a
// message next to the right input. The UI uses nothing else: whatever it
// does, a script can do with the same requests.
import { token } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

const listeners = new Set();
// fn(err) is called on every 401, so the app can return to sign-in.
export function onUnauthorized(fn) {
  listeners.add(fn);
}

// The responses prefetch.js started (path -> promise of a Response), for
// the requests made in the same task as the first one; null afterwards.
let early = null;
function prefetched(method, path, secret) {
  if (early === null) {
    const p = window.vexilPrefetch;
    window.vexilPrefetch = false; // too late for prefetch.js from now on
    early = p && p.token === secret ? p.responses : new Map();
    setTimeout(() => early.clear(), 0);
  }
  const res = method === 'GET' ? early.get(path) : undefined;
  early.delete(path);
  return res || null;
}

// request('GET', '/api/v1/admin/flags') -> parsed JSON. opts: body (sent
// as JSON), revision (sent as If-Match, for optimistic concurrency),
// secret (a token other than the session's).
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const secret = opts.secret ?? token();
  if (secret) headers['X-API-Key'] = secret;
  if (opts.revision !== undefined && opts.revision !== null) {
    headers['If-Match'] = `"${opts.revision}"`;
  }
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await (prefetched(method, path, secret)
      ?? fetch(path, { method, headers, body, cache: 'no-store' }));
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `Vexil cannot be reached (${e.message}).`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json?.code || json?.errorCode || 'HTTP_ERROR',
      json?.message || json?.errorDetails || `${res.status} ${res.statusText}`, json?.field);
    if (res.status === 401 && !opts.secret) listeners.forEach((fn) => fn(err));
    throw err;
  }
  return json;
}

const enc = encodeURIComponent;
const A = '/api/v1/admin/';

export const admin = {
  flags: (archived = 'any') => request('GET', `${A}flags?archived=${archived}`),
  flag: (key) => request('GET', `${A}flags/${enc(key)}`),
  createFlag: (doc) => request('POST', `${A}flags`, { body: doc }),
  patchFlag: (key, doc, revision) => request('PATCH', `${A}flags/${enc(key)}`, { body: doc, revision }),
  archive: (key) => request('POST', `${A}flags/${enc(key)}/archive`),
  restore: (key) => request('POST', `${A}flags/${enc(key)}/restore`),
  toggle: (key, env, on) => request('POST', `${A}flags/${enc(key)}/environments/${enc(env)}/${on ? 'on' : 'off'}`),
  explain: (key, env, context) => request('POST', `${A}flags/${enc(key)}/environments/${enc(env)}/explain`, { body: { context } }),
  environments: () => request('GET', `${A}environments`),
  strategies: () => request('GET', `${A}strategies`),
  segments: () => request('GET', `${A}segments`),
  audit: (flag, before) => {
    const q = new URLSearchParams({ limit: '30' });
    if (flag) q.set('flag', flag);
    if (before) q.set('before', String(before));
    return request('GET', `${A}audit?${q}`);
  },
  revert: (id) => request('POST', `${A}audit/${id}/revert`),
  tokens: () => request('GET', `${A}tokens`),
  createToken: (doc) => request('POST', `${A}tokens`, { body: doc }),
  revokeToken: (id) => request('DELETE', `${A}tokens/${id}`),
};

// Checks a secret without keeping it: 200 for an admin token.
export function checkToken(secret) {
  return request('GET', `${A}environments`, { secret });
}
