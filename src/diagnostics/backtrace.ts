/** `probing <target> backtrace`: where the main thread is right now. */
import type { Attachment } from '../attach/attach.js';
import type { Session } from '../attach/session.js';
import { evaluateJson } from '../run/remote-json.js';
import { captureStack } from '../target/stack.js';
import { loadSourceMaps, NO_SOURCE_MAPS, type SourceMaps } from './source-maps.js';
import type { Backtrace, Frame } from './stack-types.js';

export type { Backtrace, Frame } from './stack-types.js';

/**
 * The frames at their original places where a source map covers them (read through
 * `session`, the thread the stack was taken in), and the maps used.
 */
export async function mapFrames(session: Session, frames: Frame[], timeoutMs: number): Promise<{ frames: Frame[]; maps: SourceMaps }> {
  const files = frames.filter((f) => !f.native && f.file !== null).map((f) => f.file!);
  const maps = files.length === 0 ? NO_SOURCE_MAPS : await loadSourceMaps(session, files, timeoutMs);
  if (maps.read === 0) return { frames, maps };
  return {
    maps,
    frames: frames.map((f) => {
      if (f.file === null || f.line === null) return f;
      const place = maps.original(f.file, f.line, f.column ?? 1);
      return place ? { ...f, file: place.url, line: place.line, column: place.column, generated: { file: f.file, line: f.line, column: f.column ?? 1 } } : f;
    }),
  };
}

async function readStack(session: Session, read: () => Promise<Backtrace>, timeoutMs: number, sourceMaps: boolean): Promise<{ trace: Backtrace; maps: SourceMaps }> {
  const trace = await read();
  if (!sourceMaps || trace.frames.length === 0) return { trace, maps: NO_SOURCE_MAPS };
  const { frames, maps } = await mapFrames(session, trace.frames, timeoutMs);
  return { trace: { ...trace, frames }, maps };
}

/** The main thread's stack (or the worker's, for a <pid>/w<id> target), source-mapped unless `sourceMaps` is false. */
export function backtrace(attachment: Attachment, timeoutMs: number, sourceMaps = true): Promise<{ trace: Backtrace; maps: SourceMaps }> {
  const read = () => evaluateJson<Backtrace>(attachment, `(${captureStack.toString()})(null, 200)`, { timeoutMs, what: 'the stack', async: false });
  return readStack(attachment.session, read, timeoutMs, sourceMaps);
}

export type WorkerTrace = { id: string; title: string; url: string } & ({ trace: Backtrace; maps: SourceMaps } | { error: string });

/** The stack of every worker thread, each read (and source-mapped) in its own session. */
export async function workerBacktraces(attachment: Attachment, timeoutMs: number, sourceMaps = true): Promise<WorkerTrace[]> {
  const [{ withWorkers, workerName }, { evaluateValue }] = await Promise.all([import('../attach/worker-transport.js'), import('../run/remote-value.js')]);
  const results = await withWorkers(attachment.session, timeoutMs, (session) =>
    readStack(session, () => evaluateValue<Backtrace>(session, `(${captureStack.toString()})(null, 200)`, 'the worker\'s stack', timeoutMs), timeoutMs, sourceMaps),
  );
  return results.map(({ info, result }) => ({
    id: workerName(info),
    title: info.title,
    url: info.url,
    ...(result instanceof Error ? { error: result.message } : result),
  }));
}

/** `thread` names what was read: "the main thread", or "worker thread w2" for a <pid>/w2 target. */
export function formatBacktrace(trace: Backtrace, pid: number, thread = 'the main thread'): string {
  if (trace.idle) {
    const alive = Object.entries(trace.resources).map(([type, n]) => `${n} ${type}`).join(', ');
    return `pid ${pid}: idle — ${thread} waits in the event loop${alive ? `, kept alive by ${alive}` : ' with nothing keeping it alive'}\n`;
  }
  const lines = trace.frames.map((f, i) => {
    const where = f.file === null ? '<native>' : `${f.file}${f.line === null ? '' : `:${f.line}:${f.column}`}`;
    return `#${String(i).padEnd(3)} ${f.async ? 'async ' : ''}${f.function}  ${where}`;
  });
  return `pid ${pid}: running JavaScript on ${thread}\n${lines.join('\n')}\n`;
}
