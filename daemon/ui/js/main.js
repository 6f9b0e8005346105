// main.js - starts the UI: sign-in when there is no token, else the
// routes; the live indicator and sign-out in the header. The flag list,
// the page most visits start on, comes with main.js; the other views are
// loaded when first shown, or once the browser is idle after the first
// page, whichever comes first.
import { onUnauthorized } from './api.js';
import { flagListView } from './flag_list.js';
import { onStatus, startLive, stopLive } from './live.js';
import { lazy, route, start, render } from './router.js';
import { signOut, token } from './session.js';
import { signInView } from './signin.js';

const nav = document.getElementById('nav');
const signout = document.getElementById('signout');
const live = document.getElementById('live');

onStatus((s) => {
  live.dataset.state = s;
  live.textContent = s === 'live' ? 'Live' : s === 'connecting' ? 'Connecting…' : 'Offline: retrying';
  live.title = s === 'live' ? 'Changes made elsewhere appear here at once' : '';
});

function signedIn(yes) {
  nav.hidden = !yes;
  signout.hidden = !yes;
  live.hidden = !yes;
}

function showSignIn() {
  stopLive();
  signedIn(false);
  signInView(document.getElementById('main'), () => {
    signedIn(true);
    startLive();
    render();
  });
}

signout.addEventListener('click', () => {
  signOut();
  showSignIn();
});

onUnauthorized(() => {
  signOut();
  showSignIn();
});

const later = [
  ['/flags/:key', lazy(() => import('./flag_page.js').then((m) => m.flagPageView))],
  ['/history', lazy(() => import('./history.js').then((m) => m.historyView))],
  ['/tokens', lazy(() => import('./tokens.js').then((m) => m.tokensView))],
];
route('/flags', flagListView);
for (const [pattern, view] of later) route(pattern, view);

if (token()) {
  signedIn(true);
  startLive();
} else {
  showSignIn();
}
start(() => !!token());
// The other views' modules, fetched once the first page is on screen.
const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));
idle(() => later.forEach(([, view]) => view.warm()), { timeout: 3000 });
