// main.js - starts the UI: sign-in when there is no token, else the
// routes; the live indicator and sign-out in the header.
import { onUnauthorized } from './api.js';
import { flagListView } from './flag_list.js';
import { flagPageView } from './flag_page.js';
import { historyView } from './history.js';
import { onStatus, startLive, stopLive } from './live.js';
import { route, start, render } from './router.js';
import { signOut, token } from './session.js';
import { signInView } from './signin.js';
import { tokensView } from './tokens.js';

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

route('/flags', flagListView);
route('/flags/:key', flagPageView);
route('/history', historyView);
route('/tokens', tokensView);

if (token()) {
  signedIn(true);
  startLive();
} else {
  showSignIn();
}
start(() => !!token());
