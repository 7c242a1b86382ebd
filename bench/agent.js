// The agent (src/agent): attach + eval "1+1" through its Unix socket against the bare
// TCP inspector client (SIGUSR1, wait for the port, WebSocket) in the same run; 1,000
// sequential queries through it, with the target's heap and handles before and after;
// its idle cost (RSS, threads, CPU) against the same program without it.
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const AGENT = here('../dist/agent/index.cjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const QUERIES = Number(process.env.BENCH_AGENT_QUERIES ?? 1000);

function start(nodeArgs, script = here('../test/fixtures/targets/server.cjs')) {
  const child = spawn(process.execPath, [...nodeArgs, script], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NODE_OPTIONS: '' } });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, pid: JSON.parse(line).pid }));
  });
}

/** Until `probing <pid> agent status` says the agent answers (its socket comes a few ms after start). */
async function agentReady(pid) {
  for (let i = 0; i < 500; i++) {
    const r = spawnSync(process.execPath, [here('../bin/probing.js'), String(pid), 'agent', 'status'], { encoding: 'utf8' });
    if (r.stdout.includes('answers')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the agent of ${pid} does not answer`);
}

function time(args, check) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 || !check(result.stdout)) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function attachAndEval() {
  const withAgent = await start(['--require', AGENT]);
  const plain = await start([]);
  try {
    await agentReady(withAgent.pid);
    const ours = [here('../bin/probing.js'), String(withAgent.pid), 'eval', '1+1'];
    const floor = [here('baseline-eval.js'), String(plain.pid), '1+1'];
    time(ours, (o) => o.trim() === '2');
    time(floor, () => true);
    const a = [];
    const b = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(time(ours, (o) => o.trim() === '2'));
      b.push(time(floor, () => true));
    }
    const p = median(a);
    const q = median(b);
    console.log(`\nattach + eval "1+1" through the agent, ${ROUNDS} rounds each`);
    console.log(`  probing <pid> eval 1+1 (agent socket)`.padEnd(60) + ` median ${p.toFixed(1)} ms`);
    console.log(`  bare TCP inspector client (SIGUSR1, port, WebSocket)`.padEnd(60) + ` median ${q.toFixed(1)} ms`);
    console.log(`  ratio agent / TCP floor ${(p / q).toFixed(2)}  (aim: <= 0.7)`);
  } finally {
    withAgent.child.kill('SIGKILL');
    plain.child.kill('SIGKILL');
  }
}

/** One connection per query, as a CLI command makes it; the library's own attach and query. */
export async function sequentialQueries() {
  const [{ attach }, { parseTarget }, { defaultRegistry }, { prepareQuery, runQuery }] = await Promise.all([
    import('../build/attach/attach.js'),
    import('../build/attach/target-spec.js'),
    import('../build/extensions/builtin/index.js'),
    import('../build/sql/query.js'),
  ]);
  const target = await start(['--expose-gc', '--require', AGENT]);
  try {
    await agentReady(target.pid);
    const registry = defaultRegistry();
    const spec = parseTarget(String(target.pid));
    const options = { timeoutMs: 10_000, attachTimeoutMs: 10_000 };
    const limits = { maxRows: 1000, maxBytes: 1 << 20, timeoutMs: 10_000 };
    const prepared = await prepareQuery('SELECT heap_used, rss FROM process.memory WHERE rss > 0', registry);
    // the target's own view of itself, after a full GC
    const measure = async () => {
      const a = await attach(spec, options);
      try {
        const r = await a.session.send('Runtime.evaluate', {
          expression: 'gc(), JSON.stringify({ heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length, rss: process.memoryUsage().rss })',
          returnByValue: true,
        });
        return JSON.parse(r.result.value);
      } finally {
        await a.detach();
      }
    };
    const run = async (n) => {
      for (let i = 0; i < n; i++) {
        const a = await attach(spec, options);
        try {
          const { table } = await runQuery(a, prepared, limits);
          if (table.rowCount !== 1) throw new Error(`expected one row, got ${table.rowCount}`);
        } finally {
          await a.detach();
        }
      }
    };
    await run(20); // warm-up: the first queries load the snippets the target keeps
    const before = await measure();
    const started = performance.now();
    const checkpoints = [];
    for (let done = 0; done < QUERIES; ) {
      const n = Math.min(QUERIES / 4, QUERIES - done);
      await run(n);
      done += n;
      checkpoints.push({ done, ...(await measure()) });
    }
    const ms = performance.now() - started;
    const after = checkpoints.at(-1);
    const mb = (bytes) => (bytes / 1048576).toFixed(2);
    console.log(`\n${QUERIES} sequential queries through the agent (a connection each): ${(ms / QUERIES).toFixed(1)} ms per query`);
    console.log(`  target heap after GC   before ${mb(before.heap)} MiB  after ${mb(after.heap)} MiB  (${after.heap >= before.heap ? '+' : ''}${((after.heap - before.heap) / 1024).toFixed(0)} KiB, ratio ${(after.heap / before.heap).toFixed(3)}; aim: flat)`);
    console.log(`  target handles         before ${before.handles}  after ${after.handles}  (aim: the same)`);
    console.log(`  target RSS             ${[before, ...checkpoints].map((c) => `${c.done ?? 0}: ${mb(c.rss)} MiB`).join('  ')}`);
  } finally {
    target.child.kill('SIGKILL');
  }
}

async function procStat(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return {
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]),
    threads: Number(/Threads:\s+(\d+)/.exec(status)[1]),
    // utime + stime, in clock ticks (100 per second on Linux)
    ticks: Number(stat[11]) + Number(stat[12]),
  };
}

async function idleCost() {
  if (process.platform !== 'linux') {
    console.log('\nthe agent idle: skipped (reads /proc; Linux only)');
    return;
  }
  const idle = here('targets/idle.cjs');
  const withAgent = await start(['--require', AGENT], idle);
  const plain = await start([], idle);
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const [a0, b0] = await Promise.all([procStat(withAgent.pid), procStat(plain.pid)]);
    const seconds = Number(process.env.BENCH_AGENT_IDLE_S ?? 10);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const [a1, b1] = await Promise.all([procStat(withAgent.pid), procStat(plain.pid)]);
    console.log(`\nthe agent idle: an idle program with and without it, measured ${seconds} s from 2 s after start`);
    console.log(`  RSS        with ${(a1.rssKb / 1024).toFixed(1)} MiB  without ${(b1.rssKb / 1024).toFixed(1)} MiB  (+${((a1.rssKb - b1.rssKb) / 1024).toFixed(1)} MiB, ratio ${(a1.rssKb / b1.rssKb).toFixed(2)})`);
    console.log(`  threads    with ${a1.threads}  without ${b1.threads}`);
    console.log(`  CPU        with ${(a1.ticks - a0.ticks) * 10} ms  without ${(b1.ticks - b0.ticks) * 10} ms  over ${seconds} s`);
  } finally {
    withAgent.child.kill('SIGKILL');
    plain.child.kill('SIGKILL');
  }
}

export async function benchAgent() {
  await attachAndEval();
  await sequentialQueries();
  await idleCost();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchAgent();
