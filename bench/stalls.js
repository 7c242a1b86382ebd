// What the stall watchdog costs the watched, and how soon it catches a stall: a node:http
// server with the agent preloaded, under a bounded load on loopback, with the watchdog
// (stalls.threshold 100ms) on and off in alternate rounds; then twenty 300 ms stalls, each
// caught with its stack: how long after the block had lasted the threshold the stack was taken.
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serverLoad } from './server-load.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const REQUESTS = Number(process.env.BENCH_LIVE_REQUESTS ?? 150_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS_LIVE ?? 5);
const THRESHOLD = Number(process.env.BENCH_STALLS_THRESHOLD ?? 100);

const probing = (args) => {
  const r = spawnSync(process.execPath, [here('../bin/probing.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probing ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const get = (port, path) =>
  new Promise((resolve, reject) => request({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject).end());

export async function benchStalls() {
  const server = spawn(process.execPath, ['--require', here('../dist/agent/index.cjs'), here('targets/stall-http.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { pid, port } = await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  const load = serverLoad(pid, port, REQUESTS);
  try {
    load(); // warm up
    const off = [];
    const on = [];
    for (let round = 0; round < ROUNDS; round++) {
      // the order flips each round: a run right after another is not the same as a first one
      const both = [() => off.push(load()), () => {
        probing([String(pid), 'config', 'set', 'stalls.threshold', `${THRESHOLD}ms`]);
        on.push(load());
        probing([String(pid), 'config', 'set', 'stalls.threshold', 'off']);
      }];
      for (const run of round % 2 === 0 ? both : [...both].reverse()) run();
    }
    probing([String(pid), 'config', 'set', 'stalls.threshold', `${THRESHOLD}ms`]);
    for (let i = 0; i < 20; i++) {
      await get(port, '/stall');
      await new Promise((r) => setTimeout(r, 150));
    }
    probing([String(pid), 'config', 'set', 'stalls.threshold', 'off']);
    const rows = JSON.parse(probing([String(pid), 'query', '-f', 'json', "SELECT ts, stack_after_ms FROM runtime.stalls WHERE top_function = 'blockStall'"]));
    // The detection delay: from the moment the block had lasted the threshold (its start, as
    // the target noted it, plus the threshold) to the moment the stack was taken (the row's
    // start plus stack_after_ms: both the agent thread's clock, the same wall clock)
    const starts = JSON.parse(probing([String(pid), 'eval', '--json', 'globalThis.stallStarts']));
    const delays = rows.map((r) => {
      const taken = Date.parse(r.ts) + r.stack_after_ms;
      const start = Math.max(...starts.filter((s) => s <= taken));
      return taken - (start + THRESHOLD);
    });
    const [a, b] = [median(off.map((r) => r.perSecond)), median(on.map((r) => r.perSecond))];
    const [ca, cb] = [median(off.map((r) => r.cpuUs)), median(on.map((r) => r.cpuUs))];
    console.log(`\nThe stall watchdog (threshold ${THRESHOLD} ms, agent preloaded): node:http, ${REQUESTS} requests over 16 keep-alive connections per run, median of ${ROUNDS} runs each, alternated`);
    console.log(`  watchdog off                         ${a.toFixed(0).padStart(7)} requests/s   ${ca.toFixed(1)} µs of server CPU per request`);
    console.log(`  watchdog on                          ${b.toFixed(0).padStart(7)} requests/s   ${cb.toFixed(1)} µs of server CPU per request`);
    console.log(`    throughput kept ${(b / a).toFixed(3)}  (aim: >= 0.99)   server CPU per request ${(cb / ca).toFixed(3)}×`);
    console.log(`    each run (requests/s): off ${off.map((r) => r.perSecond.toFixed(0)).join(' ')}; on ${on.map((r) => r.perSecond.toFixed(0)).join(' ')}`);
    console.log(`  ${rows.length} of ${starts.length} stalls of 300 ms caught with their stack; taken after the block had lasted the threshold by: median ${median(delays).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms (beat every ${THRESHOLD / 2} ms, checked every ${THRESHOLD / 4} ms)`.replace('median NaN', 'median –'));
  } finally {
    server.kill('SIGKILL');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStalls();
