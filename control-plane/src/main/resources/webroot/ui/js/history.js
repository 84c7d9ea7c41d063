import { h, clear, table, time, field, rfc3339 } from './dom.js';
import { api, get, seg, query } from './api.js';
import { render, subnav, ask, canAdmin, problemBox, json } from './common.js';

/** A cluster through time: its revisions, the cluster at one of them, two compared, and going back. */
export function historyView(main, name) {
  const base = `/v1/clusters/${seg(name)}`;
  const revisions = h('div', { id: 'revisions' }, h('p', { class: 'muted' }, 'Loading…'));
  const pastOut = h('div', { id: 'past' });
  const diffOut = h('div', { id: 'diff' });
  const rollbackOut = h('div', { id: 'rollback-preview' });

  const revInput = h('input', { id: 'past-revision', type: 'number', min: 1 });
  const atInput = h('input', { id: 'past-at', type: 'datetime-local', step: 1 });
  const pastForm = h('form', { class: 'inline', id: 'past-form' },
    field('Revision', revInput), h('span', {}, 'or'), field('Time (local)', atInput),
    h('button', { type: 'submit', class: 'primary' }, 'Show the cluster then'));
  pastForm.addEventListener('submit', ev => {
    ev.preventDefault();
    const at = rfc3339(atInput.value);
    const params = revInput.value ? { revision: revInput.value } : { at };
    render(pastOut, async () => pastState(await get(`${base}/state${query(params)}`)));
  });

  const fromInput = h('input', { id: 'diff-from', type: 'number', min: 0, required: true });
  const toInput = h('input', { id: 'diff-to', type: 'number', min: 0 });
  const diffForm = h('form', { class: 'inline', id: 'diff-form' },
    field('From revision', fromInput), field('To revision (empty: now)', toInput),
    h('button', { type: 'submit', class: 'primary' }, 'Compare'));
  diffForm.addEventListener('submit', ev => {
    ev.preventDefault();
    render(diffOut, async () => {
      const d = await get(`${base}/diff${query({ from: fromInput.value, to: toInput.value })}`);
      return [h('p', {}, `From revision ${d.from} to ${d.to}: ${d.changes.length} changes.`), changeList(d.changes)];
    });
  });

  const sections = [
    h('section', { class: 'card', 'aria-labelledby': 'h-past' }, h('h2', { id: 'h-past' }, 'The cluster as it was'), pastForm, pastOut),
    h('section', { class: 'card', 'aria-labelledby': 'h-diff' }, h('h2', { id: 'h-diff' }, 'Difference between two revisions'), diffForm, diffOut),
  ];
  if (canAdmin(name)) {
    const rbInput = h('input', { id: 'rollback-revision', type: 'number', min: 1, required: true });
    const rbForm = h('form', { class: 'inline', id: 'rollback-form' },
      field('Roll back to revision', rbInput), h('button', { type: 'submit', class: 'primary' }, 'Preview the rollback'));
    rbForm.addEventListener('submit', ev => {
      ev.preventDefault();
      const target = Number(rbInput.value);
      render(rollbackOut, () => preview(target));
    });
    sections.push(h('section', { class: 'card', 'aria-labelledby': 'h-rb' }, h('h2', { id: 'h-rb' }, 'Roll back'),
      h('p', {}, 'A rollback appends the events that lead back to the chosen revision; history is kept. Preview first: nothing is changed until you confirm.'),
      rbForm, rollbackOut));
  }
  clear(main, h('h1', {}, `Cluster ${name}: history`), subnav(name, 'history'), sections,
    h('section', { class: 'card', 'aria-labelledby': 'h-revs' }, h('h2', { id: 'h-revs' }, 'Revisions'), revisions));

  // The dry run says which events the rollback would append; the diff from now to the target shows them in full.
  // The confirmation carries If-Match with the revision previewed: if the cluster moved meanwhile, it is refused (412).
  async function preview(target) {
    const dry = await api('POST', `${base}/rollback`, { body: { revision: target }, dryRun: true });
    const etag = dry.headers.get('ETag');
    const head = Number((etag || '').replace(/\D/g, ''));
    const d = await get(`${base}/diff${query({ from: head, to: target })}`);
    const count = Number(dry.headers.get('Lvscp-Events-Appended') || d.changes.length);
    if (!count) return h('p', { class: 'notice' }, `Revision ${head} already is what revision ${target} was: a rollback would append nothing.`);
    const confirm = h('button', {
      type: 'button', class: 'primary danger', id: 'rollback-confirm',
      onclick: () => ask({
        title: `Roll back ${name} to revision ${target}`, submit: 'Roll back', danger: true,
        description: `Appends ${count} events to revision ${head}.`,
        run: async v => {
          const res = await api('POST', `${base}/rollback`, { body: { revision: target }, reason: v.reason || undefined, ifMatch: etag });
          clear(rollbackOut, h('p', { class: 'notice', role: 'status' }, `Rolled back: the cluster is now at revision ${res.data.revision}.`));
          view.refresh();
        },
      }),
    }, `Roll back to revision ${target}…`);
    return [h('p', {}, `From revision ${head}, rolling back to revision ${target} would append ${count} events:`),
      changeList(d.changes, 'rollback-events'), confirm];
  }

  const view = {
    cluster: name,
    async refresh() {
      await render(revisions, async () => {
        const events = [];
        let cursor;
        // Oldest first, a page at a time; the observations of routers share the cluster's log but are not revisions.
        for (let i = 0; i < 20; i++) {
          const page = await get(`/v1/events${query({ cluster: name, limit: 1000, cursor })}`);
          events.push(...page.items.filter(e => e.stream === `cluster/${name}`));
          if (page.items.length < 1000) break;
          cursor = page.nextCursor;
        }
        events.reverse();
        return table(null, ['Revision', 'When', 'Event', 'Who', 'Why'], events.map(e => h('tr', { 'data-revision': e.revision },
          h('td', { class: 'num' }, e.revision), h('td', {}, time(e.recordedAt)), h('td', {}, e.type),
          h('td', {}, e.metadata.actor), h('td', {}, e.metadata.reason || ''))), { 'aria-label': 'Revisions, newest first' });
      });
    },
  };
  return view;
}

function changeList(changes, id) {
  if (!changes.length) return h('p', { class: 'muted' }, 'No changes.');
  return h('ol', { class: 'events', id }, changes.map(c => h('li', {}, h('strong', {}, c.type), ' ', summary(c.data))));
}

function summary(data) {
  const d = { ...data };
  delete d.type;
  return h('code', {}, JSON.stringify(d));
}

function pastState(c) {
  const rows = [];
  for (const vs of c.virtualServers || []) for (const rs of vs.realServers || []) {
    rows.push(h('tr', { 'data-rs': `${vs.name}/${rs.name}` }, h('td', {}, vs.name), h('th', { scope: 'row' }, rs.name),
      h('td', {}, rs.address), h('td', { class: 'num weight' }, rs.weight), h('td', { class: 'state' }, rs.state)));
  }
  return [h('p', { id: 'past-revision-shown' }, `Cluster ${c.name} at revision ${c.revision}: ${(c.virtualServers || []).length} virtual servers, ${(c.routers || []).length} routers.`),
    rows.length ? table('Real servers then', ['Virtual server', 'Real server', 'Address', 'Weight', 'State'], rows, { id: 'past-table' }) : h('p', {}, 'No real servers then.')];
}

export { problemBox };
