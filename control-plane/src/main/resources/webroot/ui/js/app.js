// The lvscp web console. Plain ES modules, no framework and no Node toolchain: some 900 lines that the
// browser runs as they are, so Maven stays the only build, the jar carries exactly what is reviewed here, and
// nothing is fetched from outside (no CDN, no fonts) — it works on a management network with no internet.
// It is a client of the public REST API only, like the CLI: everything it shows or does, the API allows.

import { h, clear, field } from './dom.js';
import { session, onUnauthorized, get, ApiError } from './api.js';
import { follow } from './feed.js';
import { me, problemBox } from './common.js';
import { overview } from './overview.js';
import { clusterView } from './cluster.js';
import { historyView } from './history.js';
import { auditView } from './audit.js';
import { specView } from './spec.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
const live = document.getElementById('live');

// Acks and connections of routers are not events of the log (an ack per router per revision would swamp it), so
// the feed does not carry them: while a connected router is behind, the page re-reads often; otherwise now and
// then, which is also how an expired token is noticed on a page left open.
const LAGGING_MILLIS = 1000;
const IDLE_MILLIS = 10000;

let view = null;
let feeds = [];
let timer = null;
let pending = null;

function stopLive() {
  feeds.forEach(f => f.close());
  feeds = [];
  clearTimeout(timer);
  clearTimeout(pending);
}

function login(message) {
  stopLive();
  session.clear();
  view = null;
  top.hidden = true;
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('div', { id: 'login-message' }, message ? h('p', { class: 'notice', role: 'alert' }, message) : null);
  const form = h('form', { id: 'login-form' },
    h('h1', {}, 'lvscp console'),
    h('p', {}, 'Log in with an API token (lvscp_…). It is kept in this browser tab only, until you log out or close it.'),
    field('API token', input), status, h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Log in')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    session.set(input.value.trim());
    try {
      await whoami();
      // Changing the hash starts the page through hashchange; otherwise start it here.
      if (location.hash === '#/login') location.hash = '#/';
      else start();
    } catch (e) {
      session.clear();
      clear(status, problemBox(e));
    }
  });
  clear(main, h('div', { class: 'login' }, form));
  input.focus();
}

async function whoami() {
  Object.assign(me, { name: null, role: null, clusters: null }, await get('/v1/whoami'));
  if (me.role === 'agent') throw new ApiError(403, { title: 'Forbidden', detail: 'agent credentials are for routers, not people' });
}

onUnauthorized(problem => {
  if (!session.token) return;
  login(`Your session ended: ${problem && problem.detail || 'the token is no longer valid'}. Log in again.`);
});

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'clusters' && parts[1]) {
    if (parts[2] === 'history') return historyView(main, parts[1]);
    if (parts[2] === 'spec') return specView(main, parts[1]);
    return clusterView(main, parts[1]);
  }
  if (parts[0] === 'audit') return auditView(main);
  return overview(main);
}

function start() {
  clearTimeout(timer);
  clearTimeout(pending);
  top.hidden = false;
  document.getElementById('who').textContent = `${me.name} (${me.role}${me.clusters ? ': ' + me.clusters.join(', ') : ''})`;
  for (const a of document.querySelectorAll('.top nav a')) {
    const current = a.id === 'nav-audit' ? location.hash.startsWith('#/audit') : !location.hash.startsWith('#/audit');
    a.toggleAttribute('aria-current', false);
    if (current) a.setAttribute('aria-current', 'page');
  }
  view = route();
  refresh();
  // A scoped token reads the feed of one cluster at a time, so it follows each of its clusters, up to three: each
  // feed holds one of the six HTTP/1.1 connections a browser opens to a host, and the API calls need the rest.
  // Clusters past those are kept up to date by the re-reading below.
  if (feeds.length) return;
  const scopes = me.clusters ? me.clusters.slice(0, 3) : [undefined];
  feeds = scopes.map(cluster => follow({
    cluster,
    onEvent: e => {
      if (!view || (view.cluster && e.cluster && e.cluster !== view.cluster)) return;
      clearTimeout(pending);
      pending = setTimeout(refresh, 150);
    },
    onState: s => { live.textContent = s === 'live' ? 'Live' : 'Reconnecting…'; },
  }));
}

async function refresh() {
  clearTimeout(timer);
  const current = view;
  if (!current) return;
  try {
    await current.refresh();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401) && current === view) clear(main, problemBox(e));
  }
  if (current !== view || !session.token) return;
  timer = setTimeout(refresh, current.lagging && current.lagging() ? LAGGING_MILLIS : IDLE_MILLIS);
}

document.getElementById('logout').addEventListener('click', () => {
  login('Logged out.');
  location.hash = '#/login';
});

window.addEventListener('hashchange', () => {
  if (!session.token || location.hash === '#/login') return;
  start();
  main.focus();
});

(async () => {
  if (!session.token) return login();
  try {
    await whoami();
    start();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) login(e.message);
  }
})();
