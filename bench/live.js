// What watching costs the watched: a node:http server under a bounded load on loopback,
// its throughput with nothing attached against the same while `probing top` runs, and
// while `probing query … --every 500ms` runs, and while `probing ui` serves a page that
// shows the target (a sample each second), alternated in one run. probing, the load
// generator and the server share the machine's cores, as they would on a small host.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serverLoad } from './server-load.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const REQUESTS = Number(process.env.BENCH_LIVE_REQUESTS ?? 150_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS_LIVE ?? 5);
const IDLE_MS = Number(process.env.BENCH_LIVE_IDLE_MS ?? 10_000);

export async function benchLive() {
  const server = spawn(process.execPath, [here('targets/http.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { pid, port } = await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  const load = serverLoad(pid, port, REQUESTS);
  /** The load, while `probing <pid> ...args` runs beside it (attached before the load starts). */
  const loadWhile = async (args, ready) => {
    const watcher = spawn(process.execPath, [here('../bin/probing.js'), String(pid), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    watcher.stdout.setEncoding('utf8').on('data', (c) => (seen += c));
    // the first frame says it is attached and measuring
    while (!ready(seen)) {
      if (watcher.exitCode !== null) throw new Error(`probing ${args.join(' ')} ended early`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = load();
    const exited = new Promise((resolve) => watcher.once('exit', resolve));
    watcher.kill('SIGINT');
    await exited;
    return result;
  };
  /** The load while `probing ui <pid>` serves, and a stand-in for its page asks for a sample each second. */
  const loadWhileUi = async () => {
    const { stop } = await uiOpen(pid)();
    const result = load();
    await stop();
    return result;
  };
  try {
    load(); // warm up
    const alone = [];
    const top = [];
    const every = [];
    const ui = [];
    // the order turns each round: a run right after another is not the same as a first one
    // (bench/stalls.js saw a fixed order alone move the ratio by 5-10%)
    const runs = [
      async () => alone.push(load()),
      async () => top.push(await loadWhile(['top', '--interval', '1s'], (s) => s.includes('OWN%'))),
      async () => every.push(await loadWhile(['query', 'SELECT heap_used, rss FROM process.memory', '--every', '500ms', '-f', 'ndjson'], (s) => s.includes('heap_used'))),
      async () => ui.push(await loadWhileUi()),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < runs.length; i++) await runs[(round + i) % runs.length]();
    }
    const base = median(alone.map((r) => r.perSecond));
    const baseCpu = median(alone.map((r) => r.cpuUs));
    console.log(`\nWatching a live server: node:http, ${REQUESTS} requests over 16 keep-alive connections on loopback per run, median of ${ROUNDS} runs each, alternated`);
    console.log(`  nothing attached                     ${base.toFixed(0).padStart(7)} requests/s   ${baseCpu.toFixed(1)} µs of server CPU per request`);
    for (const [name, runs] of [['probing top (1 s frames, 100 Hz)', top], ['query --every 500ms', every], ['probing ui, page open (1 s samples)', ui]]) {
      const rate = median(runs.map((r) => r.perSecond));
      const cpu = median(runs.map((r) => r.cpuUs));
      console.log(`  ${name.padEnd(36)} ${rate.toFixed(0).padStart(7)} requests/s   ${cpu.toFixed(1)} µs of server CPU per request`);
      console.log(`    throughput kept ${(rate / base).toFixed(3)}  (aim: >= 0.97)   server CPU per request ${(cpu / baseCpu).toFixed(3)}×`);
    }
    await idleCost(pid, { top: ['top', '--interval', '1s'], every: ['query', 'SELECT heap_used, rss FROM process.memory', '--every', '500ms', '-f', 'ndjson'] });
  } finally {
    server.kill('SIGKILL');
  }
}

/**
 * What each watcher costs the target itself, with no load: the target's own CPU (all its
 * threads, /proc) per second over IDLE_MS while it is watched. On this shared VM the
 * throughput medians above move by ±10–20% from run to run; this figure is steady, and it
 * bounds what a watcher can take from a server that is busy on one core.
 */
async function idleCost(pid, args) {
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const watching = (argv, ready) => async () => {
    const watcher = spawn(process.execPath, [here('../bin/probing.js'), ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    watcher.stdout.setEncoding('utf8').on('data', (c) => (seen += c));
    while (!ready(seen)) {
      if (watcher.exitCode !== null) throw new Error(`probing ${argv.join(' ')} ended early`);
      await sleep(20);
    }
    return {
      stop: async () => {
        const exited = new Promise((resolve) => watcher.once('exit', resolve));
        watcher.kill('SIGINT');
        await exited;
      },
    };
  };
  const cases = [
    ['nothing attached', async () => ({ stop: async () => {} })],
    ['probing top (1 s frames, 100 Hz)', watching([String(pid), ...args.top], (s) => s.includes('OWN%'))],
    ['query --every 500ms', watching([String(pid), ...args.every], (s) => s.includes('heap_used'))],
    ['probing ui, page open (1 s samples)', uiOpen(pid)],
  ];
  console.log(`\nWhat watching costs an idle target: its own CPU per second over ${IDLE_MS / 1000} s (after 2 s to settle)`);
  for (const [name, start] of cases) {
    const { stop } = await start();
    await sleep(2000);
    const before = cpuMs();
    await sleep(IDLE_MS);
    const spent = cpuMs() - before;
    await stop();
    const perSecond = spent / (IDLE_MS / 1000);
    console.log(`  ${name.padEnd(36)} ${perSecond.toFixed(1).padStart(6)} ms CPU per s   (${(perSecond / 10).toFixed(1)}% of one core)`);
  }
}

/** `probing ui` serving, and the page's stand-in asking for the target's samples each second. */
function uiOpen(pid) {
  return async () => {
    const ui = spawn(process.execPath, [here('../bin/probing.js'), 'ui'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const url = await new Promise((resolve) => createInterface({ input: ui.stdout }).once('line', resolve));
    const page = spawn(process.execPath, [here('ui-poller.cjs'), url, String(pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      createInterface({ input: page.stdout }).once('line', resolve);
      page.once('exit', () => reject(new Error('the ui poller ended early')));
    });
    return {
      stop: async () => {
        page.kill('SIGKILL');
        const exited = new Promise((resolve) => ui.once('exit', resolve));
        ui.kill('SIGINT');
        await exited;
      },
    };
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLive();
