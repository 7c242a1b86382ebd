// probing-node/runtime: append throughput against Array.push, and the HTTP sampler's cost
// on a node:http server under load on loopback, with and without it in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchRuntime() {
  const append = JSON.parse(spawnSync(process.execPath, [here('targets/append.cjs')], { encoding: 'utf8', cwd: here('..') }).stdout);
  const push = median(append.push);
  const app = median(append.append);
  console.log('\nprobing-node/runtime append, 1,000,000 rows of 3 columns, median of 5 rounds');
  console.log(`  Array.prototype.push          ${push.toFixed(1).padStart(7)} ms  (${(1e6 / push / 1000).toFixed(1)} M rows/s)`);
  console.log(`  table.append                  ${app.toFixed(1).padStart(7)} ms  (${(1e6 / app / 1000).toFixed(1)} M rows/s)`);
  console.log(`  ratio append / push           ${(app / push).toFixed(1)}  (append coerces each row to the schema and stamps it)`);

  const server = spawn(process.execPath, [here('targets/http.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { pid, port } = await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  // CPU time the server spent (user + system, from /proc on Linux): steadier than throughput
  // on a 2-core machine where the load generator competes for the same cores.
  const cpuMs = () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks, usually 100/s
    } catch {
      return NaN;
    }
  };
  const REQUESTS = 40_000;
  const load = () => {
    const before = cpuMs();
    const { perSecond } = JSON.parse(spawnSync(process.execPath, [here('load.cjs'), String(port), String(REQUESTS), '16'], { encoding: 'utf8' }).stdout);
    return { perSecond, cpuUs: ((cpuMs() - before) * 1000) / REQUESTS };
  };
  const probing = (...args) => spawnSync(process.execPath, [here('../bin/probing.js'), String(pid), ...args], { encoding: 'utf8' });
  try {
    load(); // warm up
    const off = [];
    const on = [];
    for (let round = 0; round < 5; round++) {
      off.push(load());
      probing('config', 'set', 'sampler.http', 'on');
      on.push(load());
      probing('config', 'set', 'sampler.http', 'off');
    }
    const a = median(off.map((r) => r.perSecond));
    const b = median(on.map((r) => r.perSecond));
    const ca = median(off.map((r) => r.cpuUs));
    const cb = median(on.map((r) => r.cpuUs));
    console.log(`\nHTTP sampler cost: node:http server, ${REQUESTS} requests over 16 keep-alive connections on loopback per run, median of 5 runs each`);
    console.log(`  without the sampler           ${a.toFixed(0).padStart(7)} requests/s   ${ca.toFixed(1)} µs of server CPU per request`);
    console.log(`  with the sampler              ${b.toFixed(0).padStart(7)} requests/s   ${cb.toFixed(1)} µs of server CPU per request`);
    console.log(`  throughput ratio with/without ${(b / a).toFixed(3)}  (aim: cost under 3%, ratio >= 0.97)`);
    console.log(`  server CPU per request, with/without ${(cb / ca).toFixed(3)}  (the steadier measure on a shared 2-core machine)`);
  } finally {
    server.kill('SIGKILL');
  }
}
