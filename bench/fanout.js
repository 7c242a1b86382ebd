// The same query against 1, 4 and 16 targets: locally, through --via "sh -c" (one remote
// command for all of them), and as 1, 4 and 16 "hosts" (one remote command and one
// probing process each, docker:// through a local stand-in for docker): total time, time
// per target, the ratio to n × one target, and what the probing over there costs per host.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROUNDS = 3;
const SQL = 'SELECT _pid, heap_used FROM process.memory';

async function start(n) {
  return Promise.all(
    Array.from({ length: n }, () => {
      const child = spawn(process.execPath, [here('../test/fixtures/targets/server.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
      return new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve({ child, pid: JSON.parse(l).pid })));
    }),
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the asking probing (its own CPU and peak RSS appended to `own`) and checks its n rows. */
function timed(args, n, env = {}, own) {
  const t = performance.now();
  const result = spawnSync(process.execPath, ['--require', here('remote-cost.cjs'), here('../bin/probing.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env, BENCH_REMOTE_COST: own } });
  const ms = performance.now() - t;
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  if (JSON.parse(result.stdout).length !== n) throw new Error(`expected ${n} rows: ${result.stdout}`);
  return ms;
}

export async function benchFanout() {
  const targets = await start(16);
  const dir = mkdtempSync(join(tmpdir(), 'probing-bench-remote-'));
  const costFile = join(dir, 'cost.ndjson');
  const ownFile = join(dir, 'own.ndjson');
  const remoteProbing = `BENCH_REMOTE_COST=${costFile} PROBING_HOME=${dir} ${process.execPath} --require ${here('remote-cost.cjs')} ${here('../bin/probing.js')}`;
  const modes = [
    { name: 'local fan-out', args: (pids) => [pids.length === 1 ? `${pids[0]},` : pids.join(','), 'query', SQL, '-f', 'json'] },
    { name: 'through --via "sh -c" (one command)', args: (pids) => ['--via', 'sh -c', '--remote-probing', remoteProbing, pids.join(','), 'query', SQL, '-f', 'json'] },
    { name: 'as n hosts (a command and a probing each)', args: (pids) => ['--remote-probing', remoteProbing, pids.map((p, i) => `docker://host${i}/${p}`).join(','), 'query', SQL, '-f', 'json'], env: { PROBING_DOCKER: `sh ${here('../test/fixtures/remote/local-docker.sh')}` } },
  ];
  try {
    console.log(`\n${SQL} against several targets (end to end, median of ${ROUNDS}; --concurrency 8)`);
    for (const mode of modes) {
      console.log(`  ${mode.name}`);
      let one;
      for (const n of [1, 4, 16]) {
        const pids = targets.slice(0, n).map((t) => t.pid);
        rmSync(costFile, { force: true });
        rmSync(ownFile, { force: true });
        const ms = median(Array.from({ length: ROUNDS }, () => timed(mode.args(pids), n, mode.env, ownFile)));
        one ??= ms;
        const own = readFileSync(ownFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        let cost = `   here: ${median(own.map((r) => r.cpuMs)).toFixed(0)} ms CPU, ${(median(own.map((r) => r.rssBytes)) / 2 ** 20).toFixed(0)} MiB`;
        if (mode.env) {
          const runs = readFileSync(costFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
          cost += `; per host: ${median(runs.map((r) => r.wallMs)).toFixed(0)} ms wall, ${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU, ${(median(runs.map((r) => r.rssBytes)) / 2 ** 20).toFixed(0)} MiB peak RSS`;
        }
        console.log(`    ${String(n).padStart(2)} target${n === 1 ? ' ' : 's'}  ${ms.toFixed(0).padStart(6)} ms total  ${(ms / n).toFixed(0).padStart(5)} ms per target  (${(ms / (one * n)).toFixed(2)} of ${n} × one target)${cost}`);
      }
    }
  } finally {
    for (const t of targets) t.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchFanout();
