// Pull a 1,000,000-row, 4-column (then 7-column) array from a target into an Arrow table in the CLI:
// probing's js.`rows` (serialized column-wise in the target, fetched in slices) against
// the naive way (Runtime.evaluate of JSON.stringify(rows) with returnByValue, then
// JSON.parse here). Also reports how long each blocked the target's event loop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tableFromJSON } from 'apache-arrow';
import { attach } from '../build/index.js';
import { defaultRegistry } from '../build/extensions/builtin/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS_ROWS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchRows() {
  await benchRowsOf(4);
  await benchRowsOf(7);
}

async function benchRowsOf(columns) {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', fileURLToPath(new URL('targets/rows.cjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, COLUMNS: String(columns) } });
  const { pid } = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  const attachment = await attach({ kind: 'pid', pid }, { timeoutMs: 120_000, attachTimeoutMs: 5000 });
  const { session } = attachment;
  const block = async (reset) => {
    await new Promise((r) => setTimeout(r, 200)); // let the monitor tick after the work
    const { result } = await session.send('Runtime.evaluate', { expression: reset ? 'globalThis.maxBlockMs = 0' : 'globalThis.maxBlockMs', returnByValue: true });
    return result.value;
  };
  try {
    const source = defaultRegistry().resolve('js', 'rows', true);
    const ours = [];
    const naive = [];
    const naiveArrow = [];
    const oursBlock = [];
    const naiveBlock = [];
    let rows = 0;
    for (let i = 0; i < ROUNDS; i++) {
      await block(true);
      let t = performance.now();
      const { table } = await source.generate({ attachment, constraints: {}, limits: { maxRows: 2_000_000, maxBytes: 2 ** 31, timeoutMs: 120_000 } });
      ours.push(performance.now() - t);
      rows = table.numRows;
      oursBlock.push(await block(false));

      await block(true);
      t = performance.now();
      const { result } = await session.send('Runtime.evaluate', { expression: 'JSON.stringify(globalThis.rows)', returnByValue: true }, { timeoutMs: 120_000 });
      const parsed = JSON.parse(result.value);
      naive.push(performance.now() - t);
      naiveBlock.push(await block(false));
      t = performance.now();
      tableFromJSON(parsed);
      naiveArrow.push(naive.at(-1) + performance.now() - t);
    }
    const o = median(ours);
    const n = median(naive);
    console.log(`\njs.\`rows\` → Arrow, ${rows.toLocaleString('en')} rows × ${columns} columns, median of ${ROUNDS}`);
    console.log(`  probing (column-wise, in 15 ms slices) ${o.toFixed(0).padStart(5)} ms   target event loop blocked up to ${median(oursBlock).toFixed(0)} ms (aim: <= 50)`);
    console.log(`  naive JSON.stringify + JSON.parse     ${n.toFixed(0).padStart(6)} ms   target event loop blocked up to ${median(naiveBlock).toFixed(0)} ms`);
    console.log(`  naive, then tableFromJSON → Arrow     ${median(naiveArrow).toFixed(0).padStart(6)} ms`);
    console.log(`  ratio probing / naive                 ${(o / n).toFixed(2)}  (aim: < 1, with a shorter block)`);
  } finally {
    await attachment.detach();
    child.kill('SIGKILL');
  }
}
