/**
 * Heap snapshots: the target stalls while V8 writes one (seconds to tens of seconds
 * for a large heap) and needs about twice its heap in memory, so probing says so
 * first. The snapshot streams to disk as it arrives; a snapshot cut short is removed. With
 * `-o -` it streams to stdout instead.
 */
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Attachment } from '../attach/attach.js';
import { FileError, InterruptedError, TargetClosedError } from '../errors.js';
import { evaluateValue } from '../run/remote-value.js';

/**
 * What a snapshot costs the target, from its heap in use. Measured on Node.js 20 (2-core
 * Linux VM, heaps of 23 to 167 MiB; bench/snapshot-cost.js measures it again in every npm
 * run bench): the target's peak RSS rose by 10.6-12.8x the heap, its RSS stayed 6.6-10x
 * the heap higher afterwards (the allocator keeps it), and its JavaScript stopped for
 * 0.08-0.15 s per MiB of heap (the whole command, with the CLI reading the stream). The
 * figures are rounded up.
 */
export const SNAPSHOT_COST = { peakPerHeapByte: 13, keptPerHeapByte: 10, secondsPerMiB: 0.15 };

export function snapshotCost(heapUsed: number): { peakBytes: number; keptBytes: number; seconds: number } {
  return {
    peakBytes: heapUsed * SNAPSHOT_COST.peakPerHeapByte,
    keptBytes: heapUsed * SNAPSHOT_COST.keptPerHeapByte,
    seconds: Math.max(1, Math.ceil((heapUsed / 1048576) * SNAPSHOT_COST.secondsPerMiB)),
  };
}

/**
 * Memory the target can still get: the host's MemAvailable and, when its cgroup has a
 * limit (v1 or v2), what is left under it. Undefined where this platform cannot tell.
 */
export async function memoryRoom(pid: number): Promise<{ bytes: number; by: string } | undefined> {
  if (process.platform !== 'linux') return undefined;
  const { readFile } = await import('node:fs/promises');
  const read = (path: string) => readFile(path, 'utf8').then((t) => t.trim(), () => undefined);
  const rooms: Array<{ bytes: number; by: string }> = [];
  const available = /MemAvailable:\s+(\d+) kB/.exec((await read('/proc/meminfo')) ?? '');
  if (available) rooms.push({ bytes: Number(available[1]) * 1024, by: "the host's available memory" });
  for (const line of ((await read(`/proc/${pid}/cgroup`)) ?? '').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    const [limit, usage] =
      controllers === ''
        ? [await read(`/sys/fs/cgroup${path}/memory.max`), await read(`/sys/fs/cgroup${path}/memory.current`)]
        : controllers!.split(',').includes('memory')
          ? [await read(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`), await read(`/sys/fs/cgroup/memory${path}/memory.usage_in_bytes`)]
          : [undefined, undefined];
    // no limit: "max" (v2), or a number near 2^63 (v1)
    if (limit === undefined || usage === undefined || limit === 'max' || Number(limit) >= 2 ** 62) continue;
    rooms.push({ bytes: Math.max(0, Number(limit) - Number(usage)), by: "what is left under its cgroup's memory limit" });
  }
  return rooms.sort((a, b) => a.bytes - b.bytes)[0];
}

export function heapUsed(attachment: Attachment, timeoutMs: number): Promise<{ heapUsed: number; heapTotal: number; rss: number }> {
  return evaluateValue(attachment.session, 'process.memoryUsage()', 'reading its heap size', timeoutMs);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export interface SnapshotPlan {
  pid: number;
  /** How long the target will stall, the memory it takes and may keep: said before asking. */
  warning: string;
  seconds: number;
  peakBytes: number;
  /** Why it must not be taken (memory it may not have, a stall past the time limit), with the fix; undefined when it may. */
  refused?: { code: string; message: string; hint: string };
}

/**
 * What a snapshot of the target would cost and whether to refuse it before it starts (a
 * snapshot cannot be stopped once V8 has begun it): more memory than the host or the
 * target's cgroup has left (unless `force`), or a stall longer than `timeoutMs`.
 */
export async function planSnapshot(attachment: Attachment, timeoutMs: number, force = false): Promise<SnapshotPlan> {
  const memory = await heapUsed(attachment, timeoutMs);
  const cost = snapshotCost(memory.heapUsed);
  const pid = attachment.target.pid;
  const warning = `pid ${pid}: a heap snapshot stops its JavaScript until it is written (about ${cost.seconds} s, more under load), takes up to ${mib(cost.peakBytes)} more memory while it is written, and its RSS may stay up to ${mib(cost.keptBytes)} higher afterwards (its heap holds ${mib(memory.heapUsed)}).`;
  const plan = { pid, warning, seconds: cost.seconds, peakBytes: cost.peakBytes };
  const room = await memoryRoom(pid);
  if (room && cost.peakBytes > room.bytes && !force) {
    return {
      ...plan,
      refused: {
        code: 'SNAPSHOT_MEMORY',
        message: `pid ${pid}: a heap snapshot may need ${mib(cost.peakBytes)} more memory, and ${room.by} is ${mib(room.bytes)}; it could be killed for lack of memory, so no snapshot was taken`,
        hint: 'use probing heap sample (cheap), free memory, or add --force to take it anyway',
      },
    };
  }
  if (cost.seconds * 1000 > timeoutMs) {
    return {
      ...plan,
      refused: {
        code: 'SNAPSHOT_TIMEOUT',
        message: `pid ${pid}: a heap snapshot would stop its JavaScript for about ${cost.seconds} s, longer than --timeout (${timeoutMs / 1000} s); no snapshot was taken`,
        hint: `add --timeout ${Math.ceil(cost.seconds * 2)}s if the process may stall that long (a snapshot cannot be stopped once begun), or use probing heap sample`,
      },
    };
  }
  return plan;
}

/**
 * Streams a snapshot of the target into `sink` as V8 sends it. Writing stops at the sink's
 * first error or when `signal` aborts, but the snapshot runs to its end either way (V8
 * cannot stop one it has begun): it resolves once V8 is done, with the bytes it sent and
 * the sink's error, if any. It rejects only when the target could not finish it.
 */
async function streamSnapshot(attachment: Attachment, sink: Writable, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<{ bytes: number; writeError?: Error }> {
  const { session } = attachment;
  let bytes = 0;
  let writeError: Error | undefined;
  const onError = (error: Error) => (writeError ??= error);
  sink.on('error', onError);
  const stopChunks = session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
    bytes += chunk.length;
    if (!writeError && !signal?.aborted) sink.write(chunk);
  });
  const stopProgress = session.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => onProgress?.(done, total));
  try {
    await session.send('HeapProfiler.enable');
    // the target is stalled for all of it: no client-side limit shorter than 30 minutes
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true, captureNumericValue: false }, { timeoutMs: 30 * 60_000 });
    await session.send('HeapProfiler.disable').catch(() => {});
  } catch (error) {
    if (error instanceof TargetClosedError && !signal?.aborted) {
      throw new TargetClosedError('TARGET_CLOSED', 'the target went away while writing its heap snapshot', { hint: 'a snapshot needs about twice the heap in memory: the target may have run out' });
    }
    throw error;
  } finally {
    stopChunks();
    stopProgress();
  }
  if (!writeError && !signal?.aborted) {
    // what the sink still holds, written (or its error)
    await new Promise<void>((resolve) => sink.write('', (error) => (error && onError(error), resolve())));
  }
  sink.off('error', onError);
  return { bytes, writeError };
}

/**
 * Streams a snapshot into `file`. When `signal` aborts (Ctrl-C, SIGTERM, SIGHUP), writing
 * stops and the file is removed before this rejects — also when V8 had just finished.
 */
export async function takeSnapshot(attachment: Attachment, file: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<number> {
  const out = createWriteStream(file);
  out.on('error', () => {}); // heard by streamSnapshot; a late one changes nothing
  const remove = async () => {
    out.destroy();
    await unlink(file).catch(() => {});
  };
  let streamed: { bytes: number; writeError?: Error };
  try {
    streamed = await streamSnapshot(attachment, out, onProgress, signal);
  } catch (error) {
    await remove();
    if (signal?.aborted) throw new InterruptedError('INTERRUPTED', 'interrupted; the partial snapshot was removed');
    if (error instanceof TargetClosedError) throw new TargetClosedError('TARGET_CLOSED', `${error.message}; the partial file was removed`, { hint: error.hint });
    throw error;
  }
  if (signal?.aborted) {
    await remove();
    throw new InterruptedError('INTERRUPTED', 'interrupted; the snapshot was removed');
  }
  const { writeError } = streamed;
  if (!writeError) await new Promise<void>((resolve) => out.end(resolve));
  if (writeError) {
    await remove();
    const code = (writeError as NodeJS.ErrnoException).code;
    throw new FileError('WRITE_FAILED', `could not write ${file}: ${code === 'ENOSPC' ? 'the disk is full' : writeError.message}; the partial file was removed`, {
      hint: code === 'ENOSPC' ? 'a snapshot is about as large as the heap, often larger: free space or write elsewhere with -o' : 'choose a path you can write with -o',
    });
  }
  return streamed.bytes;
}

/**
 * Streams a snapshot into `stream` (stdout, for `-o -`), which stays open. A reader that
 * left (EPIPE: `| head`) is not an error: V8 finishes the snapshot, unread, and this
 * resolves with `readerLeft`. Interrupted, the reader has an incomplete snapshot: said.
 */
export async function snapshotToStream(attachment: Attachment, stream: Writable, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<{ bytes: number; readerLeft: boolean }> {
  const { bytes, writeError } = await streamSnapshot(attachment, stream, onProgress, signal);
  if (signal?.aborted) throw new InterruptedError('INTERRUPTED', 'interrupted; the snapshot written to stdout is incomplete');
  if (writeError) {
    const code = (writeError as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED') return { bytes, readerLeft: true };
    throw new FileError('WRITE_FAILED', `could not write the snapshot to stdout: ${writeError.message}; what was written is incomplete`, { hint: 'write it to a file instead: -o app.heapsnapshot' });
  }
  return { bytes, readerLeft: false };
}
