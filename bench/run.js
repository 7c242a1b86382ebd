// npm run bench — each benchmark measures probing and a baseline in the same run
// and prints both medians and the ratio. Nothing here fails on a timing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

function startTarget() {
  const child = spawn(process.execPath, [here('../test/fixtures/targets/server.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, pid: JSON.parse(line).pid }));
  });
}

// The CLI's compile cache (src/compile-cache.ts), in directories of the bench's own: one
// kept for the run (a command run before, as a user runs it), and an empty one for each
// first run (the first command after an install or an upgrade: compile, then write it)
const cacheRoot = mkdtempSync(join(tmpdir(), 'probing-bench-cache-'));
process.on('exit', () => rmSync(cacheRoot, { recursive: true, force: true }));
const warm = { ...process.env, XDG_CACHE_HOME: join(cacheRoot, 'warm') };
let colds = 0;
const cold = () => ({ ...process.env, XDG_CACHE_HOME: join(cacheRoot, `cold-${colds++}`) });

function timeCommand(args, check, env = warm) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 || !check(result.stdout)) {
    throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Alternates probing and the baseline against one target, so that drift hits both alike. */
async function compare({ title, probingArgs, baselineExpression, check, aim }) {
  const { child, pid } = await startTarget();
  try {
    const ours = [here('../bin/probing.js'), String(pid), ...probingArgs];
    const baseline = [here('baseline-eval.js'), String(pid), baselineExpression];
    timeCommand(ours, check);
    timeCommand(baseline, () => true);
    const a = [];
    const b = [];
    const first = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(timeCommand(ours, check));
      b.push(timeCommand(baseline, () => true));
      first.push(timeCommand(ours, check, cold()));
    }
    const p = median(a);
    const q = median(b);
    const f = median(first);
    console.log(`\n${title}, ${ROUNDS} rounds each (attach by pid, work, print, close the inspector)`);
    console.log(`  probing ${probingArgs.map((x) => (x.includes(' ') ? JSON.stringify(x) : x)).join(' ')}`.padEnd(60) + ` median ${p.toFixed(1)} ms`);
    console.log(`  the same, first run (empty compile cache)`.padEnd(60) + ` median ${f.toFixed(1)} ms`);
    console.log(`  minimal hand-written client (${baselineExpression})`.padEnd(60) + ` median ${q.toFixed(1)} ms`);
    console.log(`  ratio probing / baseline ${(p / q).toFixed(2)}  (aim: <= ${aim}); first run ${(f / q).toFixed(2)}`);
  } finally {
    child.kill('SIGKILL');
  }
}

{
  // start-up alone: `probing --version` against Node.js doing nothing, alternated
  const bare = [];
  const version = [];
  const time = (args) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  time([here('../bin/probing.js'), '--version']);
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(time(['-e', '0']));
    version.push(time([here('../bin/probing.js'), '--version']));
  }
  console.log(`start-up, ${ROUNDS} rounds each`);
  console.log(`  probing --version`.padEnd(60) + ` median ${median(version).toFixed(1)} ms`);
  console.log(`  node -e 0`.padEnd(60) + ` median ${median(bare).toFixed(1)} ms`);
  console.log(`  ratio ${(median(version) / median(bare)).toFixed(2)}  (aim: <= 1.3)`);
}

await compare({ title: 'eval "1+1" end to end', probingArgs: ['eval', '1+1'], baselineExpression: '1+1', check: (out) => out.trim() === '2', aim: 1.1 });
await compare({
  title: 'SELECT * FROM process.memory end to end (answered without the SQL engine)',
  probingArgs: ['query', 'SELECT * FROM process.memory'],
  baselineExpression: 'JSON.stringify(process.memoryUsage())',
  check: (out) => out.includes('heap_used'),
  aim: 1.2,
});
await compare({
  title: 'a query through the SQL engine, end to end',
  probingArgs: ['query', 'SELECT heap_used, rss FROM process.memory WHERE rss > 0'],
  baselineExpression: 'JSON.stringify(process.memoryUsage())',
  check: (out) => out.includes('heap_used'),
  aim: 1.6,
});
// BENCH_ONLY=startup: the start-up and end-to-end ratios above, and nothing else
if (process.env.BENCH_ONLY === 'startup') process.exit(0);
const { benchRows } = await import('./rows.js');
await benchRows();
const { benchRuntime } = await import('./runtime.js');
await benchRuntime();
const { benchLive } = await import('./live.js');
await benchLive();
const { benchStalls } = await import('./stalls.js');
await benchStalls();
const { benchExtensions } = await import('./extensions.js');
await benchExtensions();
const { benchFanout } = await import('./fanout.js');
await benchFanout();
const { benchSnapshot } = await import('./snapshot.js');
await benchSnapshot();
const { benchSql } = await import('./sql.js');
await benchSql();
const { benchSnapshotCost } = await import('./snapshot-cost.js');
await benchSnapshotCost();
const { benchAgent } = await import('./agent.js');
await benchAgent();
const { benchSigusr1Window } = await import('./sigusr1-window.js');
await benchSigusr1Window();
