import { h, clear } from './dom.js';
import { get, seg } from './api.js';
import { render, routersTable, healthCounts } from './common.js';

/** Every cluster the token sees: its routers and how its real servers are doing. */
export function overview(main) {
  const body = h('div', { id: 'overview' }, h('p', { class: 'muted' }, 'Loading…'));
  clear(main, h('h1', {}, 'Clusters'), body);
  let clusters = [];
  const view = {
    async refresh() {
      await render(body, async () => {
        const list = (await get('/v1/clusters')).items;
        clusters = await Promise.all(list.map(c => get(`/v1/clusters/${seg(c.name)}`)));
        if (!clusters.length) return h('p', {}, 'No clusters yet.');
        return clusters.map(card);
      });
    },
    lagging: () => clusters.some(lags),
  };
  return view;
}

export function lags(c) {
  return (c.routers || []).some(r => r.status && r.status.connected && r.status.appliedRevision < c.revision);
}

function card(c) {
  const n = healthCounts(c);
  return h('section', { class: 'card', 'data-cluster': c.name, 'aria-labelledby': `cl-${c.name}` },
    h('h2', { id: `cl-${c.name}` }, h('a', { href: `#/clusters/${encodeURIComponent(c.name)}` }, c.name),
      h('span', { class: 'muted' }, ` revision ${c.revision}, ${c.routingMethod}, ${c.virtualServerCount} virtual server${c.virtualServerCount === 1 ? '' : 's'}`)),
    routersTable(c),
    h('p', { class: 'counts', 'aria-label': 'Real servers' },
      h('span', { class: 'ok', 'data-count': 'healthy' }, `${n.healthy} healthy`),
      h('span', { class: n.unhealthy ? 'bad' : 'muted', 'data-count': 'unhealthy' }, `${n.unhealthy} unhealthy`),
      h('span', { class: n.drained ? 'warn' : 'muted', 'data-count': 'drained' }, `${n.drained} drained`),
      n.unchecked ? h('span', { class: 'muted', 'data-count': 'unchecked' }, `${n.unchecked} not checked yet`) : null));
}
