/** `probing <target> backtrace`: where the main thread is right now. */
import type { Attachment } from '../attach/attach.js';
import { evaluateJson } from '../run/remote-json.js';
import { captureStack } from '../target/stack.js';

export interface Frame {
  function: string;
  file: string | null;
  line: number | null;
  column: number | null;
  async: boolean;
  native: boolean;
}

export interface Backtrace {
  frames: Frame[];
  /** Nothing was running: the thread waits in the event loop. */
  idle: boolean;
  /** What keeps the event loop alive, by resource type. */
  resources: Record<string, number>;
}

export function backtrace(attachment: Attachment, timeoutMs: number): Promise<Backtrace> {
  return evaluateJson<Backtrace>(attachment, `(${captureStack.toString()})(null, 200, false)`, { timeoutMs, what: 'the stack', async: false });
}

export type WorkerTrace = { id: string; title: string; url: string } & ({ trace: Backtrace } | { error: string });

/** The stack of every worker thread, each read in its own session. */
export async function workerBacktraces(attachment: Attachment, timeoutMs: number): Promise<WorkerTrace[]> {
  const [{ withWorkers, workerName }, { evaluateValue }] = await Promise.all([import('../attach/worker-transport.js'), import('../run/remote-value.js')]);
  const results = await withWorkers(attachment.session, timeoutMs, (session) =>
    evaluateValue<Backtrace>(session, `(${captureStack.toString()})(null, 200, false)`, 'the worker\'s stack', timeoutMs),
  );
  return results.map(({ info, result }) => ({
    id: workerName(info),
    title: info.title,
    url: info.url,
    ...(result instanceof Error ? { error: result.message } : { trace: result }),
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
