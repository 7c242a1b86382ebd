/**
 * Runs in a child process (engine-host.ts starts it through load-ts.mjs): attaches
 * once to the fixture target and answers queries one at a time through the library
 * path — prepareQuery + runQuery, as `probing <pid> query` does — reusing that one
 * attachment. A child, so that the parent can stop a query that runs past its time
 * limit even when the engine blocks its thread (alasql runs synchronously).
 */
import { parseTarget } from '../../src/attach/target-spec.js';
import { defaultRegistry } from '../../src/extensions/builtin/index.js';
import { withTarget } from '../../src/run/with-target.js';
import type { EngineName } from '../../src/sql/engines/contract.js';
import { prepareQuery, runQuery } from '../../src/sql/query.js';
import type { ResultType } from '../../src/sql/result.js';

export interface ErrorInfo {
  /** The error's class (SqlError, TimeoutError, …). */
  name: string;
  code?: string;
  message: string;
  hint?: string;
}

export type EngineAnswer = { ok: true; columns: Array<{ name: string; type: ResultType; values: unknown[] }> } | { ok: false; error: ErrorInfo };

export type Request = { type: 'query'; id: number; sql: string } | { type: 'close' };
export type Reply = { type: 'ready' } | { type: 'unavailable'; reason: string } | { type: 'answer'; id: number; answer: EngineAnswer };

export interface HostOptions {
  pid: number;
  engine: EngineName;
  /** Each read in the target and the engine's run are bounded by this (probing's --timeout). */
  timeoutMs: number;
  attachTimeoutMs: number;
}

export function errorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, hint } = error as Error & { code?: unknown; hint?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof hint === 'string' ? { hint } : {}),
  };
}

function send(reply: Reply): Promise<void> {
  return new Promise((resolve, reject) => process.send!(reply, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

/** Requests from the parent, in order; ends (close) when the parent goes away. */
function inbox(): () => Promise<Request> {
  const queue: Request[] = [];
  let waiting: ((r: Request) => void) | undefined;
  const push = (r: Request) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(r);
    } else queue.push(r);
  };
  process.on('message', (m: Request) => push(m));
  process.on('disconnect', () => push({ type: 'close' }));
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => (waiting = resolve)));
}

export async function main(args: string[]): Promise<number> {
  try {
    return await serve(JSON.parse(args[0]!) as HostOptions);
  } finally {
    // the IPC channel would keep this process alive
    process.disconnect?.();
  }
}

async function serve(options: HostOptions): Promise<number> {
  const next = inbox();
  try {
    const { loadEngine } = await import('../../src/sql/engines/index.js');
    await loadEngine(options.engine);
  } catch (error) {
    await send({ type: 'unavailable', reason: errorInfo(error).message.split('\n')[0]! });
    return 0;
  }
  const registry = defaultRegistry();
  const limits = { maxRows: 100_000, maxBytes: 64 * 1024 * 1024, timeoutMs: options.timeoutMs };
  await withTarget(parseTarget(String(options.pid)), { timeoutMs: options.timeoutMs, attachTimeoutMs: options.attachTimeoutMs }, async (attachment) => {
    await send({ type: 'ready' });
    for (;;) {
      const request = await next();
      if (request.type === 'close') return;
      let answer: EngineAnswer;
      try {
        const prepared = await prepareQuery(request.sql, registry, { engine: options.engine });
        const { table } = await runQuery(attachment, prepared, limits);
        answer = { ok: true, columns: table.columns.map((c) => ({ name: c.name, type: c.type, values: Array.from(c.values) })) };
      } catch (error) {
        answer = { ok: false, error: errorInfo(error) };
      }
      await send({ type: 'answer', id: request.id, answer });
    }
  });
  return 0;
}
