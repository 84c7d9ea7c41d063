import { h, clear, table, time, field, rfc3339 } from './dom.js';
import { get, query } from './api.js';
import { render, me, json } from './common.js';

/** The event log, filtered: who did what, when and why. */
export function auditView(main) {
  const cluster = h('select', { id: 'audit-cluster' });
  const type = h('input', { id: 'audit-type', type: 'text', placeholder: 'RealServerDrained', pattern: '[A-Za-z]{1,64}' });
  const actor = h('input', { id: 'audit-actor', type: 'text' });
  const since = h('input', { id: 'audit-since', type: 'datetime-local', step: 1 });
  const until = h('input', { id: 'audit-until', type: 'datetime-local', step: 1 });
  const form = h('form', { class: 'inline', id: 'audit-form', role: 'search' },
    field('Cluster', cluster), field('Event type', type), field('Actor', actor), field('Since (local time)', since), field('Until', until),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  const out = h('div', { id: 'audit-results' });
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true }, 'Load more');
  const tbody = h('tbody');
  let next = null;
  let filters = {};
  clear(main, h('h1', {}, 'Audit log'), form, out, more);

  async function load(append) {
    const page = await get(`/v1/events${query({ ...filters, limit: 100, cursor: append ? next : undefined })}`);
    next = page.nextCursor;
    more.hidden = page.items.length < 100;
    tbody.append(...page.items.map(row));
    return page.items.length;
  }

  form.addEventListener('submit', ev => {
    ev.preventDefault();
    filters = { cluster: cluster.value, type: type.value.trim(), actor: actor.value.trim(), since: rfc3339(since.value), until: rfc3339(until.value) };
    tbody.replaceChildren();
    render(out, async () => {
      const n = await load(false);
      return n ? h('table', { id: 'audit-table', 'aria-label': 'Events, oldest first' },
        h('thead', {}, h('tr', {}, ['When', 'Cluster', 'Revision', 'Event', 'Who', 'Why', 'Details'].map(x => h('th', { scope: 'col' }, x)))), tbody)
        : h('p', {}, 'No events match.');
    });
  });
  more.addEventListener('click', () => load(true).catch(() => {}));

  return {
    async refresh() {
      if (cluster.options.length) return;
      const list = (await get('/v1/clusters')).items;
      // A scoped token must name one of its clusters to read the log.
      if (!me.clusters) cluster.append(h('option', { value: '' }, 'All clusters'));
      cluster.append(...list.map(c => h('option', { value: c.name }, c.name)));
      form.requestSubmit();
    },
  };
}

function row(e) {
  const data = { ...e.data };
  return h('tr', { 'data-type': e.type },
    h('td', {}, time(e.recordedAt)), h('td', {}, e.cluster || ''), h('td', { class: 'num' }, e.revision),
    h('td', {}, e.type), h('td', { class: 'actor' }, e.metadata.actor), h('td', { class: 'reason' }, e.metadata.reason || ''),
    h('td', {}, json(data)));
}
