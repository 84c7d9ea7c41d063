import { h, clear } from './dom.js';
import { api, seg, ApiError } from './api.js';
import { subnav, problemBox, canAdmin, ask } from './common.js';

/** The whole cluster as one JSON document (GET/PUT .../spec), with validation errors pointed at their place. */
export function specView(main, name) {
  const path = `/v1/clusters/${seg(name)}/spec`;
  const admin = canAdmin(name);
  const doc = h('textarea', { id: 'spec-doc', class: 'doc', spellcheck: 'false', readonly: !admin, 'aria-describedby': 'spec-errors' });
  const errors = h('div', { id: 'spec-errors', 'aria-live': 'polite' });
  let etag = null;
  const check = h('button', { type: 'button', id: 'spec-check' }, 'Check (dry run)');
  const apply = h('button', { type: 'button', id: 'spec-apply', class: 'primary' }, 'Apply…');
  const reload = h('button', { type: 'button', id: 'spec-reload' }, 'Reload');
  clear(main, h('h1', {}, `Cluster ${name}: document`), subnav(name, 'spec'),
    h('p', {}, admin ? 'Edit the cluster as one document; applying makes the cluster exactly this (what it leaves out is removed).'
      : 'This token may read the document but not apply it.'),
    h('label', { for: 'spec-doc' }, 'Cluster document (JSON)'), doc, errors,
    h('p', { class: 'actions' }, reload, admin ? check : null, admin ? apply : null));

  async function load() {
    clear(errors);
    doc.removeAttribute('aria-invalid');
    try {
      const res = await api('GET', path);
      etag = res.headers.get('ETag');
      doc.value = JSON.stringify(res.data, null, 2);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) clear(errors, problemBox(e));
    }
  }

  function parsed() {
    try {
      return JSON.parse(doc.value);
    } catch (e) {
      throw new ApiError(400, { title: 'Not JSON', detail: e.message });
    }
  }

  async function put(dryRun, reason) {
    clear(errors);
    doc.removeAttribute('aria-invalid');
    try {
      const res = await api('PUT', path, { body: parsed(), dryRun, reason, ifMatch: etag });
      const n = res.headers.get('Lvscp-Events-Appended');
      if (dryRun) {
        const types = res.headers.get('Lvscp-Dry-Run-Events');
        clear(errors, h('p', { class: 'notice', role: 'status' }, `Valid. Applying would append ${n} events${types ? ': ' + types : ''}.`));
      } else {
        await load();
        clear(errors, h('p', { class: 'notice', role: 'status' }, `Applied: ${n} events appended.`));
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      showErrors(e);
      if (!dryRun) throw e;
    }
  }

  // Each error links to its field in the document: the caret goes to the key (or the nearest enclosing one).
  function showErrors(e) {
    const list = (e.problem && e.problem.errors) || [];
    if (!list.length) { clear(errors, problemBox(e)); return; }
    doc.setAttribute('aria-invalid', 'true');
    clear(errors, h('div', { class: 'problem errors', role: 'alert' },
      h('strong', {}, e.problem.title), e.problem.detail ? `: ${e.problem.detail}` : '',
      h('ul', {}, list.map(err => {
        const at = locate(doc.value, err.pointer || '');
        const line = doc.value.slice(0, at).split('\n').length;
        return h('li', { 'data-pointer': err.pointer },
          h('button', { type: 'button', onclick: () => { doc.focus(); doc.setSelectionRange(at, lineEnd(doc.value, at)); } },
            `line ${line}, ${err.pointer}`), `: ${err.detail}`);
      }))));
  }

  reload.addEventListener('click', load);
  check.addEventListener('click', () => put(true));
  apply.addEventListener('click', () => ask({ title: `Apply the document to ${name}`, submit: 'Apply', danger: true,
    description: 'The cluster becomes exactly this document.', run: v => put(false, v.reason || undefined) }));
  return { cluster: name, refresh: () => (doc.value ? Promise.resolve() : load()) };
}

function lineEnd(text, at) {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl;
}

/**
 * Where a JSON Pointer lands in the text: the offset of the key (or array element) it names, or of the nearest
 * enclosing one that exists (a missing field points at its object). A small scanner rather than JSON.parse,
 * which keeps no positions.
 */
export function locate(text, pointer) {
  const found = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const str = () => {
    let j = i + 1;
    let out = '';
    while (j < text.length && text[j] !== '"') {
      if (text[j] === '\\') { const n = text[j + 1] === 'u' ? 6 : 2; out += JSON.parse(`"${text.slice(j, j + n)}"`); j += n; } else out += text[j++];
    }
    i = j + 1;
    return out;
  };
  const value = (p, at) => {
    ws();
    if (!found.has(p)) found.set(p, at === undefined ? i : at);
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      while (i < text.length) {
        ws();
        const keyAt = i;
        const k = str();
        ws(); i++;
        value(`${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, keyAt);
        ws();
        if (text[i++] !== ',') return;
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; i < text.length; n++) {
        value(`${p}/${n}`);
        ws();
        if (text[i++] !== ',') return;
      }
    } else if (c === '"') str();
    else while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  };
  try { value(''); } catch (e) { /* broken JSON: the best found so far */ }
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    if (found.has(p)) return found.get(p);
    if (!p) return 0;
  }
}
