// session.js - the admin token of this browser tab. Kept in
// sessionStorage (gone when the tab closes), never in a cookie, and sent
// by api.js as the X-API-Key header.
const KEY = 'vexil.adminToken';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function signIn(secret) {
  sessionStorage.setItem(KEY, secret);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
