// The floor the baselines share: a minimal hand-written inspector client with none of
// probing's checks — SIGUSR1, wait for 127.0.0.1:9229, connect; close() closes the
// inspector again.
import { get } from 'node:http';
import WebSocket from 'ws';

const list = () =>
  new Promise((resolve) => {
    get('http://127.0.0.1:9229/json/list', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', () => resolve(undefined));
  });

export async function openBareSession(pid, wsOptions = {}) {
  process.kill(pid, 'SIGUSR1');
  let targets;
  while (!(targets = await list())) await new Promise((r) => setTimeout(r, 5));
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, wsOptions);
  await new Promise((r) => ws.once('open', r));
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data);
    pending.get(message.id)?.(message);
  });
  const send = (method, params) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  const close = async () => {
    ws.send(JSON.stringify({ id: ++id, method: 'Runtime.evaluate', params: { expression: "setImmediate(require('node:inspector').close)", includeCommandLineAPI: true } }));
    await new Promise((r) => ws.once('close', r));
  };
  return { send, close };
}
