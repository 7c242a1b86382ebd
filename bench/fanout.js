// The same query against 1, 4 and 16 targets: total time and time per target.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

async function start(n) {
  return Promise.all(
    Array.from({ length: n }, () => {
      const child = spawn(process.execPath, [here('../test/fixtures/targets/server.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
      return new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve({ child, pid: JSON.parse(l).pid })));
    }),
  );
}

export async function benchFanout() {
  const targets = await start(16);
  try {
    console.log('\nSELECT _pid, heap_used FROM process.memory against several targets (end to end, median of 3)');
    let one;
    for (const n of [1, 4, 16]) {
      const list = targets.slice(0, n).map((t) => t.pid).join(n === 1 ? '' : ',');
      const args = [here('../bin/probing.js'), n === 1 ? list : list, 'query', 'SELECT _pid, heap_used FROM process.memory', '-f', 'json'];
      if (n === 1) args[1] = `${list},`; // a one-element list, so that rows are tagged the same way
      const times = [];
      for (let r = 0; r < 3; r++) {
        const t = performance.now();
        const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
        if (result.status !== 0) throw new Error(result.stderr);
        if (JSON.parse(result.stdout).length !== n) throw new Error(`expected ${n} rows`);
        times.push(performance.now() - t);
      }
      const ms = times.sort((a, b) => a - b)[1];
      one ??= ms;
      console.log(`  ${String(n).padStart(2)} target${n === 1 ? ' ' : 's'}  ${ms.toFixed(0).padStart(6)} ms total  ${(ms / n).toFixed(0).padStart(5)} ms per target  (${(ms / (one * n)).toFixed(2)} of ${n} × one target)`);
    }
  } finally {
    for (const t of targets) t.child.kill('SIGKILL');
  }
}
