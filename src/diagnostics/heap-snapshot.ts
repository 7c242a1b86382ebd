/**
 * Heap snapshots: the target stalls while V8 writes one (seconds to tens of seconds
 * for a large heap) and needs about twice its heap in memory, so probing says so
 * first. The snapshot streams to disk as it arrives; a snapshot cut short is removed.
 */
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Attachment } from '../attach/attach.js';
import { InterruptedError, ProbingError, TargetClosedError } from '../errors.js';
import { evaluateValue } from '../run/remote-value.js';

export function heapUsed(attachment: Attachment, timeoutMs: number): Promise<{ heapUsed: number; heapTotal: number; rss: number }> {
  return evaluateValue(attachment.session, 'process.memoryUsage()', 'reading its heap size', timeoutMs);
}

/**
 * Streams a snapshot into `file`. When `signal` aborts (Ctrl-C, SIGTERM, SIGHUP), writing
 * stops and the file is removed before this rejects — also when V8 had just finished.
 */
export async function takeSnapshot(attachment: Attachment, file: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<number> {
  const { session } = attachment;
  const out = createWriteStream(file);
  let bytes = 0;
  let writeError: Error | undefined;
  out.on('error', (error) => (writeError ??= error));
  const stopChunks = session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
    bytes += chunk.length;
    if (!writeError && !signal?.aborted) out.write(chunk);
  });
  const stopProgress = session.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => onProgress?.(done, total));
  const remove = async () => {
    out.destroy();
    await unlink(file).catch(() => {});
  };
  try {
    await session.send('HeapProfiler.enable');
    // the target is stalled for all of it: no client-side limit shorter than 30 minutes
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true, captureNumericValue: false }, { timeoutMs: 30 * 60_000 });
    await session.send('HeapProfiler.disable').catch(() => {});
    if (signal?.aborted) throw new InterruptedError('INTERRUPTED', 'interrupted; the partial snapshot was removed');
  } catch (error) {
    await remove();
    if (signal?.aborted) throw new InterruptedError('INTERRUPTED', 'interrupted; the partial snapshot was removed');
    if (error instanceof TargetClosedError) {
      throw new TargetClosedError('TARGET_CLOSED', 'the target went away while writing its heap snapshot; the partial file was removed', { hint: 'a snapshot needs about twice the heap in memory: the target may have run out' });
    }
    throw error;
  } finally {
    stopChunks();
    stopProgress();
  }
  await new Promise<void>((resolve) => out.end(resolve));
  if (signal?.aborted) {
    await remove();
    throw new InterruptedError('INTERRUPTED', 'interrupted; the snapshot was removed');
  }
  if (writeError) {
    await remove();
    const code = (writeError as NodeJS.ErrnoException).code;
    throw new ProbingError('WRITE_FAILED', `could not write ${file}: ${code === 'ENOSPC' ? 'the disk is full' : writeError.message}; the partial file was removed`, {
      hint: code === 'ENOSPC' ? 'a snapshot is about as large as the heap, often larger: free space or write elsewhere with -o' : 'choose a path you can write with -o',
    });
  }
  return bytes;
}
