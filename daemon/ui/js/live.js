// live.js - the change stream (/api/v1/stream). EventSource cannot send
// a header, and the stream needs the token, so this reads it with fetch()
// and a ReadableStream reader, parses the server-sent events itself, and
// reconnects with Last-Event-ID after a drop (the daemon then sends what
// was missed, or "reset": true). Views subscribe with onChange(fn):
// fn({revision, flags: [keys], reset}).
//
// The stream starts at the revision its first comment names (": connected
// at revision N"), and what a view read before that may be older (the
// first page's requests start before the stream connects). So the first
// connection also tells every view that revision: fn({revision: N, flags:
// [], catchUp: true}); a view whose data is older reloads. Reconnects
// resume from the last id, so they need no catch-up.
import { token } from './session.js';

const subscribers = new Set();
let controller = null;
let lastId = null;
let status = () => {};

export function onChange(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

// fn('live' | 'connecting' | 'offline') for the header's indicator.
export function onStatus(fn) {
  status = fn;
}

function dispatch(data, id) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch {
    return;
  }
  if (id) lastId = id;
  subscribers.forEach((fn) => fn(ev));
}

// Parses one event block ("id: 3\ndata: {...}").
function parseBlock(block) {
  let id = null;
  const data = [];
  for (const line of block.split('\n')) {
    const hello = /^: connected at revision (\d+)/.exec(line);
    if (hello && lastId === null) {
      lastId = hello[1];
      const ev = { revision: Number(hello[1]), flags: [], catchUp: true };
      subscribers.forEach((fn) => fn(ev));
    }
    if (line.startsWith(':') || line === '') continue;
    const i = line.indexOf(':');
    const name = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (name === 'id') id = value;
    else if (name === 'data') data.push(value);
  }
  if (data.length) dispatch(data.join('\n'), id);
}

async function connect(signal) {
  const headers = { 'X-API-Key': token(), Accept: 'text/event-stream' };
  if (lastId) headers['Last-Event-ID'] = lastId;
  const res = await fetch('/api/v1/stream', { headers, signal, cache: 'no-store' });
  if (!res.ok) throw new Error(`stream: ${res.status}`);
  status('live');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      parseBlock(buf.slice(0, end));
      buf = buf.slice(end + 2);
    }
  }
}

export function startLive() {
  stopLive();
  const ctl = new AbortController();
  controller = ctl;
  (async () => {
    let delay = 500;
    while (!ctl.signal.aborted && token()) {
      status('connecting');
      try {
        await connect(ctl.signal);
        delay = 500;
      } catch {
        if (ctl.signal.aborted) return;
        status('offline');
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
}

export function stopLive() {
  if (controller) controller.abort();
  controller = null;
  lastId = null;
}
