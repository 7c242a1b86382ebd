// The baseline for `probing <pid> eval "1+1"`: a minimal hand-written inspector
// client doing the same work with none of probing's checks — SIGUSR1, wait for
// 127.0.0.1:9229, connect, Runtime.evaluate, print, close the inspector again.
import { get } from 'node:http';
import WebSocket from 'ws';

const pid = Number(process.argv[2]);
const expression = process.argv[3] ?? '1+1';

const list = () =>
  new Promise((resolve) => {
    get('http://127.0.0.1:9229/json/list', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', () => resolve(undefined));
  });

process.kill(pid, 'SIGUSR1');
let targets;
while (!(targets = await list())) await new Promise((r) => setTimeout(r, 5));
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
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
const { result } = await send('Runtime.evaluate', { expression });
console.log(result.result.description ?? result.result.value);
ws.send(JSON.stringify({ id: ++id, method: 'Runtime.evaluate', params: { expression: "setImmediate(require('node:inspector').close)", includeCommandLineAPI: true } }));
await new Promise((r) => ws.once('close', r));
