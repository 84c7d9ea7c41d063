import { h, clear, table } from './dom.js';
import { api, get, seg } from './api.js';
import { render, routersTable, healthOf, subnav, ask, canOperate } from './common.js';
import { lags } from './overview.js';

/** One cluster: its routers, its virtual servers with their real servers, and the operator's actions on them. */
export function clusterView(main, name) {
  const body = h('div', { id: 'cluster' }, h('p', { class: 'muted' }, 'Loading…'));
  clear(main, h('h1', {}, `Cluster ${name}`), subnav(name, 'servers'), body);
  let current = null;
  const base = `/v1/clusters/${seg(name)}`;
  const view = {
    cluster: name,
    async refresh() {
      await render(body, async () => {
        current = await get(base);
        return content(current);
      });
    },
    lagging: () => current && lags(current),
  };

  function act(title, path, { method = 'POST', fields, body: makeBody, submit, danger }) {
    ask({
      title, fields, submit, danger,
      run: async v => {
        await api(method, `${base}${path}`, { reason: v.reason || undefined, body: makeBody ? makeBody(v) : undefined });
        await view.refresh();
      },
    });
  }

  function content(c) {
    const operate = canOperate(c.name);
    const vss = (c.virtualServers || []).map(vs => {
      const vsPath = `/virtual-servers/${seg(vs.name)}`;
      const rows = (vs.realServers || []).map(rs => {
        const rsPath = `${vsPath}/real-servers/${seg(rs.name)}`;
        const health = healthOf(rs);
        const verdicts = (rs.health || []).map(v => h('li', {}, `${v.router}: `,
          h('span', { class: v.healthy ? 'ok' : 'bad' }, v.healthy ? 'healthy' : 'unhealthy'), v.reason ? ` (${v.reason})` : ''));
        const who = `${rs.name} of ${vs.name}`;
        const actions = operate ? h('td', {}, h('div', { class: 'actions' },
          rs.state === 'drained'
            ? h('button', { type: 'button', 'data-action': 'enable', 'aria-label': `Enable ${who}`, onclick: () => act(`Enable ${who}`, `${rsPath}/enable`, { submit: 'Enable' }) }, 'Enable')
            : h('button', { type: 'button', 'data-action': 'drain', 'aria-label': `Drain ${who}`, onclick: () => act(`Drain ${who}`, `${rsPath}/drain`, { submit: 'Drain', danger: true }) }, 'Drain'),
          h('button', {
            type: 'button', 'data-action': 'weight', 'aria-label': `Set the weight of ${who}`,
            onclick: () => act(`Set the weight of ${who}`, `${rsPath}/weight`, {
              method: 'PUT', submit: 'Set weight',
              fields: [{ name: 'weight', label: 'Weight (0-65535)', type: 'number', value: rs.weight, min: 0, max: 65535, required: true }],
              body: v => ({ weight: Number(v.weight) }),
            }),
          }, 'Set weight'))) : null;
        return h('tr', { 'data-rs': `${vs.name}/${rs.name}` },
          h('th', { scope: 'row' }, rs.name),
          h('td', {}, `${rs.address}${rs.port ? ':' + rs.port : ''}`),
          h('td', { class: 'num weight' }, rs.weight),
          h('td', { class: rs.state === 'drained' ? 'warn state' : 'state' }, rs.state),
          h('td', { class: 'health' }, h('span', { class: health === 'healthy' ? 'ok' : health === 'unhealthy' ? 'bad' : 'muted' }, health),
            verdicts.length ? h('ul', {}, verdicts) : null),
          actions);
      });
      const active = vs.active !== false;
      const who = `virtual server ${vs.name}`;
      const toggle = operate ? (active
        ? h('button', { type: 'button', class: 'danger', 'data-action': 'deactivate', onclick: () => act(`Deactivate ${who}`, `${vsPath}/deactivate`, { submit: 'Deactivate', danger: true }) }, `Deactivate ${vs.name}`)
        : h('button', { type: 'button', 'data-action': 'activate', onclick: () => act(`Activate ${who}`, `${vsPath}/activate`, { submit: 'Activate' }) }, `Activate ${vs.name}`)) : null;
      const headers = ['Real server', 'Address', 'Weight', 'State', 'Health per router'];
      if (operate) headers.push('Actions');
      return h('section', { class: 'card', 'data-vs': vs.name, 'aria-labelledby': `vs-${vs.name}` },
        h('h3', { id: `vs-${vs.name}` }, `${vs.name}: ${vs.address}${vs.port ? ':' + vs.port : ''}/${vs.protocol || ''} `,
          h('span', { class: 'muted' }, `${vs.scheduler || ''}, `), h('span', { class: active ? 'ok' : 'warn' }, active ? 'active' : 'inactive')),
        toggle ? h('p', {}, toggle) : null,
        rows.length ? table(null, headers, rows, { 'aria-label': `Real servers of ${vs.name}` }) : h('p', { class: 'muted' }, 'No real servers.'));
    });
    return [
      h('p', { class: 'muted' }, `Revision ${c.revision}. `, operate ? '' : 'This token may look but not change anything here.'),
      routersTable(c),
      h('h2', {}, 'Virtual servers'),
      vss.length ? vss : h('p', { class: 'muted' }, 'No virtual servers.'),
    ];
  }
  return view;
}
