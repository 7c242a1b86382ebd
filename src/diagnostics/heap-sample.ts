/** Sampling heap profiles: V8's allocation sampler, cheap enough for production. */
import type { Protocol } from 'devtools-protocol';
import type { Attachment } from '../attach/attach.js';
import type { FlameNode } from './flamegraph.js';
import type { ProfileOptions } from './cpu-profile.js';
import { runFor } from './wait.js';


export async function sampleHeap(attachment: Attachment, options: Omit<ProfileOptions, 'intervalUs'> & { intervalBytes: number }): Promise<Protocol.HeapProfiler.SamplingHeapProfile> {
  const { session } = attachment;
  await session.send('HeapProfiler.enable');
  const stop = attachment.beforeDetach(async () => {
    await session.send('HeapProfiler.stopSampling', undefined, { timeoutMs: 2000 }).catch(() => {});
    await session.send('HeapProfiler.disable', undefined, { timeoutMs: 2000 }).catch(() => {});
  });
  try {
    // count allocations that were collected again too: what allocates, not only what stays
    await session.send('HeapProfiler.startSampling', { samplingInterval: options.intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await runFor(session, options.durationMs, options.onProgress);
    const { profile } = await session.send('HeapProfiler.stopSampling', undefined, { timeoutMs: 30_000 });
    await session.send('HeapProfiler.disable').catch(() => {});
    return profile;
  } finally {
    stop();
  }
}

export interface AllocationRow {
  function: string;
  url: string;
  line: number;
  self_bytes: number;
  total_bytes: number;
  [key: string]: unknown;
}

/** Allocation sites with the bytes they allocated (self) and below them (total). */
export function heapSampleTables(profile: Protocol.HeapProfiler.SamplingHeapProfile): { sites: AllocationRow[]; root: FlameNode } {
  const sites = new Map<string, AllocationRow>();
  const walk = (node: Protocol.HeapProfiler.SamplingHeapProfileNode): { bytes: number; flame: FlameNode } => {
    let sum = node.selfSize;
    const children: FlameNode[] = [];
    for (const child of node.children) {
      const t = walk(child);
      sum += t.bytes;
      children.push(t.flame);
    }
    const f = node.callFrame;
    const name = f.functionName || (f.url ? '(anonymous)' : '(root)');
    if (f.url || f.functionName) {
      const key = `${f.functionName}\u0000${f.url}\u0000${f.lineNumber}`;
      const row = sites.get(key) ?? { function: name, url: f.url, line: f.lineNumber + 1, self_bytes: 0, total_bytes: 0 };
      row.self_bytes += node.selfSize;
      row.total_bytes += sum;
      sites.set(key, row);
    }
    return { bytes: sum, flame: { name, detail: f.url ? `${f.url}:${f.lineNumber + 1}` : '', self: node.selfSize, children } };
  };
  const { flame } = walk(profile.head);
  flame.name = 'all';
  return { sites: [...sites.values()].sort((a, b) => b.self_bytes - a.self_bytes), root: flame };
}
