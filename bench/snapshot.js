// Read a heap snapshot of over 100 MB into the class table (streaming, typed arrays)
// against JSON.parse of the same file, each in a fresh process, in the same run:
// time and the process's peak memory (max RSS).
import { spawn, spawnSync } from 'node:child_process';
import { statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { attach } from '../build/index.js';
import { takeSnapshot } from '../build/diagnostics/heap-snapshot.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function measure(script, file) {
  const result = spawnSync(process.execPath, ['--max-old-space-size=8192', '--input-type=module', '-e', script, file], { encoding: 'utf8', cwd: here('..') });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

export async function benchSnapshot() {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', here('targets/big-heap.cjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { pid } = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l))));
  const file = join(tmpdir(), `probing-bench-${process.pid}.heapsnapshot`);
  try {
    const attachment = await attach({ kind: 'pid', pid }, { timeoutMs: 600_000, attachTimeoutMs: 5000 });
    try {
      await takeSnapshot(attachment, file);
    } finally {
      await attachment.detach();
    }
    const size = statSync(file).size;
    const ours = measure(
      `const { readSnapshot, analyse } = await import('./build/diagnostics/snapshot-parser.js'); const t = performance.now(); const s = await readSnapshot(process.argv[1]); const read = performance.now() - t; const r = analyse(s); console.log(JSON.stringify({ ms: performance.now() - t, read, rss: process.resourceUsage().maxRSS * 1024, classes: r.classes.length }));`,
      file,
    );
    const naive = measure(
      `import { readFileSync } from 'node:fs'; const t = performance.now(); const s = JSON.parse(readFileSync(process.argv[1], 'utf8')); console.log(JSON.stringify({ ms: performance.now() - t, rss: process.resourceUsage().maxRSS * 1024, nodes: s.nodes.length }));`,
      file,
    );
    const mib = (b) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`\nheap snapshot of ${mib(size)} (${ours.classes} classes), each reader in a fresh process`);
    console.log(`  probing: stream + class table with retained sizes  ${ours.ms.toFixed(0).padStart(6)} ms   peak RSS ${mib(ours.rss)}   (reading ${ours.read.toFixed(0)} ms, dominators and tables ${(ours.ms - ours.read).toFixed(0)} ms)`);
    console.log(`  JSON.parse of the file (no analysis at all)        ${naive.ms.toFixed(0).padStart(6)} ms   peak RSS ${mib(naive.rss)}`);
    console.log(`  ratio time ${(ours.ms / naive.ms).toFixed(2)}, peak memory ${(ours.rss / naive.rss).toFixed(2)}  (aim: faster, with peak memory well under)`);
  } finally {
    child.kill('SIGKILL');
    try {
      unlinkSync(file);
    } catch {}
  }
}
