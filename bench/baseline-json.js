// The naive JSON client, the baseline for pulling a large value out of a target:
// SIGUSR1, wait for 127.0.0.1:9229, connect, Runtime.evaluate JSON.stringify(<expression>)
// by value in one message, JSON.parse it here, print how many rows, close the inspector.
import { get } from 'node:http';
import WebSocket from 'ws';

const pid = Number(process.argv[2]);
const expression = process.argv[3] ?? 'globalThis.rows';

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
// ws caps a message at 100 MiB by default; the JSON of 1,000,000 rows is larger
const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { maxPayload: 2 ** 31 - 1 });
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
const answer = await send('Runtime.evaluate', { expression: `JSON.stringify(${expression})`, returnByValue: true });
if (typeof answer.result?.result?.value !== 'string') {
  console.error(`Runtime.evaluate did not return the JSON: ${JSON.stringify(answer).slice(0, 500)}`);
  process.exit(1);
}
const rows = JSON.parse(answer.result.result.value);
console.log(`rows: ${rows.length}`);
ws.send(JSON.stringify({ id: ++id, method: 'Runtime.evaluate', params: { expression: "setImmediate(require('node:inspector').close)", includeCommandLineAPI: true } }));
await new Promise((r) => ws.once('close', r));
