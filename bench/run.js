// npm run bench — each benchmark measures probing and a baseline in the same run
// and prints both medians and the ratio. Nothing here fails on a timing.
import { spawn, spawnSync } from 'node:child_process';
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

function timeCommand(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 || result.stdout.trim() !== '2') {
    throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function benchEval() {
  const { child, pid } = await startTarget();
  try {
    const probingRuns = [];
    const baselineRuns = [];
    // warm the file cache for both, then alternate so that drift hits both alike
    timeCommand([here('../bin/probing.js'), String(pid), 'eval', '1+1']);
    timeCommand([here('baseline-eval.js'), String(pid), '1+1']);
    for (let i = 0; i < ROUNDS; i++) {
      probingRuns.push(timeCommand([here('../bin/probing.js'), String(pid), 'eval', '1+1']));
      baselineRuns.push(timeCommand([here('baseline-eval.js'), String(pid), '1+1']));
    }
    const bare = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      bare.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const p = median(probingRuns);
    const b = median(baselineRuns);
    console.log(`eval "1+1" end to end, ${ROUNDS} rounds each (attach by pid, evaluate, print, close the inspector)`);
    console.log(`  probing <pid> eval "1+1"          median ${p.toFixed(1)} ms`);
    console.log(`  minimal hand-written client       median ${b.toFixed(1)} ms`);
    console.log(`  (bare \`node -e 0\`                 median ${median(bare).toFixed(1)} ms)`);
    console.log(`  ratio probing / baseline          ${(p / b).toFixed(2)}  (aim: <= 1.3)`);
  } finally {
    child.kill('SIGKILL');
  }
}

await benchEval();
const { benchRows } = await import('./rows.js');
await benchRows();
