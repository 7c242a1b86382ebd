// Rows per second through an out-of-process extension (examples/extensions/js-queue, JSON
// over stdio) against the same table from an in-process one, in the same run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { attach } from '../build/index.js';
import { loadExtensions } from '../build/extensions/loader/load.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROWS = 200_000;

export async function benchExtensions() {
  const child = spawn(process.execPath, [here('../test/fixtures/targets/server.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { pid } = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  const loaded = await loadExtensions({ paths: [here('../examples/extensions/js-queue'), here('extensions/innumbers.mjs')], timeoutMs: 60_000 });
  const attachment = await attach({ kind: 'pid', pid }, { timeoutMs: 60_000, attachTimeoutMs: 5000 });
  try {
    const ctx = { attachment, constraints: {}, limits: { maxRows: ROWS, maxBytes: 2 ** 30, timeoutMs: 60_000 }, flags: { showSecrets: false } };
    const sources = {
      in: loaded.registry.resolve('innumbers', 'numbers', false),
      out: loaded.registry.resolve('jsqueue', 'numbers', false),
    };
    await sources.out.generate(ctx); // starts the program and asks it to describe itself
    const times = { in: [], out: [] };
    for (let round = 0; round < 5; round++) {
      for (const kind of ['in', 'out']) {
        const t = performance.now();
        const { table } = await sources[kind].generate(ctx);
        if (table.numRows !== ROWS) throw new Error(`${kind}: ${table.numRows} rows`);
        times[kind].push(performance.now() - t);
      }
    }
    const a = median(times.in);
    const b = median(times.out);
    console.log(`\nextension rows into an Arrow table, ${ROWS.toLocaleString('en')} rows × 2 columns, median of 5`);
    console.log(`  in-process module            ${a.toFixed(0).padStart(6)} ms  ${((ROWS / a) * 1000).toFixed(0).padStart(9)} rows/s`);
    console.log(`  out-of-process (JSON, stdio) ${b.toFixed(0).padStart(6)} ms  ${((ROWS / b) * 1000).toFixed(0).padStart(9)} rows/s`);
    console.log(`  ratio of rows/s, out / in    ${(a / b).toFixed(2)}`);
  } finally {
    await attachment.detach();
    loaded.dispose();
    child.kill('SIGKILL');
  }
}
