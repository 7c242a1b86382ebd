/**
 * CPU profiles: sample the target with V8's profiler, then turn the profile into a
 * flame graph and into tables (functions with self and total time; the call tree).
 */
import type { Protocol } from 'devtools-protocol';
import type { Attachment } from '../attach/attach.js';
import { TargetClosedError } from '../errors.js';
import type { FlameNode } from './flamegraph.js';
import { runFor } from './wait.js';

export interface ProfileOptions {
  durationMs: number;
  /** Sampling interval, microseconds. */
  intervalUs: number;
  onProgress?: (elapsedMs: number) => void;
  /** Keep what was recorded when the target exits during the profile. */
  partial?: boolean;
}


export async function profileCpu(attachment: Attachment, options: ProfileOptions): Promise<Protocol.Profiler.Profile> {
  const { session } = attachment;
  await session.send('Profiler.enable');
  // if the command is interrupted, the profiler stops before probing leaves
  const stop = attachment.beforeDetach(async () => {
    await session.send('Profiler.stop', undefined, { timeoutMs: 2000 }).catch(() => {});
    await session.send('Profiler.disable', undefined, { timeoutMs: 2000 }).catch(() => {});
  });
  // a target that exits during the profile: what was recorded, only when asked for
  let recorded: Protocol.Profiler.Profile | undefined;
  const stopWatching = attachment.onExiting(async () => {
    if (options.partial) recorded = (await session.send('Profiler.stop', undefined, { timeoutMs: 900 })).profile;
  });
  try {
    await session.send('Profiler.setSamplingInterval', { interval: options.intervalUs });
    await session.send('Profiler.start');
    await runFor(session, options.durationMs, options.onProgress);
    const { profile } = await session.send('Profiler.stop', undefined, { timeoutMs: 30_000 }).catch((error: unknown) => {
      if (recorded) return { profile: recorded };
      if (attachment.exiting) {
        throw new TargetClosedError('TARGET_EXITING', `pid ${attachment.target.pid} exited during the profile; probing let it go at once and wrote nothing`, {
          hint: 'add --partial to keep what was recorded until then',
        });
      }
      if (error instanceof TargetClosedError) {
        throw new TargetClosedError('TARGET_CLOSED', 'the target went away during the profile; nothing was written', { hint: 'check whether it crashed or was stopped' });
      }
      throw error;
    });
    await session.send('Profiler.disable').catch(() => {});
    return profile;
  } finally {
    stop();
    stopWatching();
  }
}

export interface FunctionRow {
  function: string;
  url: string;
  line: number;
  self_ms: number;
  total_ms: number;
  samples: number;
  [key: string]: unknown;
}

export interface CallTreeRow {
  id: number;
  parent: number | null;
  depth: number;
  function: string;
  url: string;
  line: number;
  self_ms: number;
  total_ms: number;
  [key: string]: unknown;
}

const label = (frame: Protocol.Runtime.CallFrame) => frame.functionName || (frame.url ? '(anonymous)' : '(root)');

/** Functions with self and total time, and the call tree, from a .cpuprofile. */
export function profileTables(profile: Protocol.Profiler.Profile): { functions: FunctionRow[]; calltree: CallTreeRow[]; root: FlameNode } {
  const duration = (profile.endTime - profile.startTime) / 1000;
  const samples = profile.samples?.length ?? 0;
  const msPerSample = samples > 0 ? duration / samples : 0;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const root = profile.nodes.find((n) => !parent.has(n.id))!;

  const calltree: CallTreeRow[] = [];
  const functions = new Map<string, FunctionRow>();
  const total = (id: number, depth: number, onStack: Set<string>): { samples: number; flame: FlameNode } => {
    const node = byId.get(id)!;
    const key = `${node.callFrame.functionName}\u0000${node.callFrame.url}\u0000${node.callFrame.lineNumber}`;
    const self = hits.get(id) ?? node.hitCount ?? 0;
    const row: CallTreeRow = { id, parent: parent.get(id) ?? null, depth, function: label(node.callFrame), url: node.callFrame.url, line: node.callFrame.lineNumber + 1, self_ms: self * msPerSample, total_ms: 0 };
    calltree.push(row);
    const nested = onStack.has(key);
    onStack.add(key);
    let sum = self;
    const children: FlameNode[] = [];
    for (const child of node.children ?? []) {
      const t = total(child, depth + 1, onStack);
      sum += t.samples;
      children.push(t.flame);
    }
    if (!nested) onStack.delete(key);
    row.total_ms = sum * msPerSample;
    if (node.callFrame.url || node.callFrame.functionName) {
      const fn = functions.get(key) ?? { function: label(node.callFrame), url: node.callFrame.url, line: node.callFrame.lineNumber + 1, self_ms: 0, total_ms: 0, samples: 0 };
      fn.self_ms += self * msPerSample;
      fn.samples += self;
      // a recursive function counts its total once, at its outermost call
      if (!nested) fn.total_ms += sum * msPerSample;
      functions.set(key, fn);
    }
    const where = node.callFrame.url ? `${node.callFrame.url}:${node.callFrame.lineNumber + 1}` : '';
    return { samples: sum, flame: { name: label(node.callFrame), detail: where, self, children } };
  };
  const { flame } = total(root.id, 0, new Set());
  flame.name = 'all';
  return { functions: [...functions.values()].sort((a, b) => b.self_ms - a.self_ms), calltree, root: flame };
}
