// The live event feed (GET /v1/events?follow=true, Server-Sent Events). EventSource cannot send an
// Authorization header, and a token in the URL would end up in access logs and browser history, so the feed
// is read with fetch() and a streamed body, parsed here; on a broken connection it resumes after the last
// event received (Last-Event-ID), so nothing is missed or repeated.

import { session, unauthorized, readProblem } from './api.js';

const RETRY_MILLIS = 2000;

export function follow({ cluster, onEvent, onState }) {
  const controller = new AbortController();
  let lastId = null;
  let closed = false;

  async function connect() {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token}` };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const url = '/v1/events?follow=true' + (cluster ? `&cluster=${encodeURIComponent(cluster)}` : '');
    const res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
    if (res.status === 401) {
      closed = true;
      unauthorized(await readProblem(res));
      return;
    }
    if (!res.ok || !res.body) throw new Error(`feed answered ${res.status}`);
    onState('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let message = { data: [], id: null, event: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (message.id) lastId = message.id;
          if (message.data.length && !message.event) {
            try { onEvent(JSON.parse(message.data.join('\n'))); } catch (e) { /* not an event: ignore */ }
          }
          message = { data: [], id: null, event: null };
        } else if (line.startsWith(':')) {
          // a comment: "following from", keep-alive
        } else {
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (name === 'data') message.data.push(val);
          else if (name === 'id') message.id = val;
          else if (name === 'event') message.event = val;
        }
      }
    }
  }

  (async () => {
    while (!closed) {
      try {
        await connect();
      } catch (e) {
        if (closed) return;
      }
      if (closed) return;
      onState('reconnecting');
      await new Promise(resolve => {
        const t = setTimeout(resolve, RETRY_MILLIS);
        controller.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  })();

  return { close() { closed = true; controller.abort(); } };
}
