// What a heap snapshot costs the target, against what probing tells the user before it
// takes one (src/diagnostics/heap-snapshot.ts, snapshotCost): on three heap sizes, the
// target's peak RSS while the snapshot is written, the RSS it keeps afterwards, and how
// long its JavaScript stops. Linux (reads /proc).
import { spawn } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { attach } from '../build/index.js';
import { snapshotCost, takeSnapshot } from '../build/diagnostics/heap-snapshot.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
const status = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

export async function benchSnapshotCost() {
  if (process.platform !== 'linux') {
    console.log('\nheap snapshot cost: skipped (reads /proc; Linux only)');
    return;
  }
  console.log('\nheap snapshot: what probing says before it, against what it cost the target');
  for (const objects of (process.env.BENCH_SNAPSHOT_OBJECTS ?? '100000,300000,600000').split(',').map(Number)) {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', here('targets/big-heap.cjs')], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, OBJECTS: String(objects) } });
    const { pid } = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l))));
    const file = join(tmpdir(), `probing-bench-cost-${process.pid}.heapsnapshot`);
    try {
      const attachment = await attach({ kind: 'pid', pid }, { timeoutMs: 600_000, attachTimeoutMs: 5000 });
      try {
        const { result } = await attachment.session.send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
        const heapUsed = result.value;
        const estimate = snapshotCost(heapUsed);
        const rssBefore = status(pid, 'VmRSS');
        // resets the peak (VmHWM) to the RSS now
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        const started = performance.now();
        await takeSnapshot(attachment, file);
        const seconds = (performance.now() - started) / 1000;
        const peak = status(pid, 'VmHWM') - rssBefore;
        const kept = status(pid, 'VmRSS') - rssBefore;
        console.log(
          `  heap ${mib(heapUsed).padStart(8)}:  more at peak ${mib(peak).padStart(9)} (said ${mib(estimate.peakBytes)}, ${(peak / estimate.peakBytes).toFixed(2)} of it)` +
            `  kept after ${mib(kept).padStart(9)} (said ${mib(estimate.keptBytes)}, ${(kept / estimate.keptBytes).toFixed(2)})` +
            `  stopped ${seconds.toFixed(1)} s (said ${estimate.seconds} s, ${(seconds / estimate.seconds).toFixed(2)})`,
        );
      } finally {
        await attachment.detach();
      }
    } finally {
      child.kill('SIGKILL');
      try {
        unlinkSync(file);
      } catch {}
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchSnapshotCost();
