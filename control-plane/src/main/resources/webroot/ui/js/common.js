import { h, clear, table, time, field } from './dom.js';
import { ApiError } from './api.js';

/** Who the token is (GET /v1/whoami): the console offers only the actions its role and scope allow. */
export const me = { name: null, role: null, clusters: null };

const inScope = c => !me.clusters || me.clusters.includes(c);
// The same rules as the control plane's AccessControl; the server still decides, this only hides what it would refuse.
export const canOperate = c => (me.role === 'operator' || me.role === 'admin') && inScope(c);
export const canAdmin = c => me.role === 'admin' && inScope(c);

/** The API's problem document as a person reads it, with each field error at its pointer. */
export function problemBox(err) {
  const p = err instanceof ApiError ? err.problem : { title: 'Error', detail: String(err && err.message || err) };
  const errors = Array.isArray(p.errors) ? p.errors : [];
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, p.title || `HTTP ${p.status}`), p.detail ? `: ${p.detail}` : '',
    errors.length ? h('ul', {}, errors.map(e => h('li', {}, h('code', {}, e.pointer || '/'), ' ', e.detail))) : null);
}

/** Shows a loading state, runs the view's load, and puts what it returns (or its error) in place. */
export async function render(el, load) {
  try {
    const content = await load();
    clear(el, content);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // the login is already shown
    clear(el, problemBox(e));
  }
}

let dialog;
/**
 * A modal form for one action, with its reason: the reason goes to the audit log with the events. The native
 * <dialog> keeps keyboard focus inside and closes on Escape. {@code run} gets the values; a refusal stays in
 * the dialog with the API's problem message.
 */
export function ask({ title, description, fields = [], submit, danger, run }) {
  if (dialog) dialog.remove();
  const inputs = {};
  const rows = fields.map(f => {
    inputs[f.name] = h('input', { id: `dlg-${f.name}`, name: f.name, type: f.type || 'text', value: f.value, min: f.min, max: f.max, required: f.required, autocomplete: 'off' });
    return field(f.label, inputs[f.name]);
  });
  inputs.reason = h('input', { id: 'dlg-reason', name: 'reason', type: 'text', maxlength: 1024, autocomplete: 'off' });
  const message = h('div', { id: 'dlg-message' });
  const cancel = h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel');
  const ok = h('button', { type: 'submit', class: danger ? 'primary danger' : 'primary', id: 'dlg-submit' }, submit);
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'dlg-title' }, title),
    description ? h('p', {}, description) : null,
    rows,
    field('Reason (recorded in the audit log)', inputs.reason),
    message,
    h('div', { class: 'buttons' }, cancel, ok));
  dialog = h('dialog', { 'aria-labelledby': 'dlg-title', id: 'action-dialog' }, form);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    ok.disabled = true;
    clear(message);
    const values = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]));
    try {
      await run(values);
      dialog.close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { dialog.close(); return; }
      clear(message, problemBox(e));
    } finally {
      ok.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  (rows.length ? inputs[fields[0].name] : inputs.reason).focus();
}

/** Per router: connection, role, applied against desired revision, how far behind (drift), last error. */
export function routersTable(cluster) {
  const rows = (cluster.routers || []).map(r => {
    const s = r.status || {};
    const behind = cluster.revision - (s.appliedRevision || 0);
    return h('tr', { 'data-router': r.name },
      h('th', { scope: 'row' }, r.name, h('span', { class: 'muted' }, ` (${r.rolePreference || ''})`)),
      h('td', { class: s.connected ? 'ok' : 'bad' }, s.connected ? 'connected' : 'not connected'),
      h('td', {}, s.role || h('span', { class: 'muted' }, 'unknown')),
      h('td', { class: 'num applied' }, `${s.appliedRevision || 0} / ${cluster.revision}`),
      h('td', { class: behind === 0 ? 'ok drift' : 'warn drift' },
        behind === 0 ? 'in step' : !s.connected && !s.appliedRevision ? 'never applied' : `${behind} behind`),
      h('td', {}, s.lastError ? h('span', { class: 'bad' }, s.lastError, s.lastErrorAt ? [' (', time(s.lastErrorAt), ')'] : '') : h('span', { class: 'muted' }, 'none')));
  });
  if (!rows.length) return h('p', { class: 'muted' }, 'No routers enrolled.');
  return table('Routers', ['Router', 'Link', 'Role', 'Applied / desired revision', 'Drift', 'Last error'], rows, { class: 'routers' });
}

/** A real server's verdicts: healthy only if every router that checked it says so. */
export function healthOf(rs) {
  const verdicts = rs.health || [];
  if (rs.state === 'drained') return 'drained';
  if (!verdicts.length) return 'unchecked';
  return verdicts.every(v => v.healthy) ? 'healthy' : 'unhealthy';
}

export function healthCounts(cluster) {
  const n = { healthy: 0, unhealthy: 0, drained: 0, unchecked: 0 };
  for (const vs of cluster.virtualServers || []) for (const rs of vs.realServers || []) n[healthOf(rs)]++;
  return n;
}

export function subnav(cluster, current) {
  const link = (href, text, key) => h('a', { href, 'aria-current': current === key ? 'page' : null }, text);
  const c = encodeURIComponent(cluster);
  return h('nav', { class: 'subnav', 'aria-label': `Cluster ${cluster}` },
    link(`#/clusters/${c}`, 'Servers', 'servers'),
    link(`#/clusters/${c}/history`, 'History and time travel', 'history'),
    link(`#/clusters/${c}/spec`, 'Document', 'spec'));
}

export function json(v) {
  return h('pre', { class: 'data' }, JSON.stringify(v, null, 1));
}
