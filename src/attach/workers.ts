/**
 * Worker threads, through the NodeWorker domain: each worker gets a session of its
 * own, reached by wrapping protocol messages in NodeWorker.sendMessageToWorker and
 * reading NodeWorker.receivedMessageFromWorker. Workers are never paused on start
 * (waitForDebuggerOnStart: false), and every session is detached again.
 */
import type { Protocol } from 'devtools-protocol';
import type { NodeWorker } from './node-protocol.js';
import type { Session } from './session.js';
import { ProtocolError, TimeoutError } from '../errors.js';

export interface WorkerHandle {
  id: string;
  title: string;
  url: string;
  /** Runtime.evaluate inside the worker (returnByValue). */
  evaluate(expression: string, timeoutMs: number): Promise<unknown>;
}

export async function withWorkers<T>(session: Session, work: (worker: WorkerHandle) => Promise<T>): Promise<Array<{ worker: WorkerHandle; result: T | Error }>> {
  const attached: NodeWorker.AttachedToWorkerEvent[] = [];
  const pending = new Map<string, (message: { result?: Protocol.Runtime.EvaluateResponse; error?: { message: string } }) => void>();
  const stopAttached = session.on('NodeWorker.attachedToWorker', (event) => void attached.push(event));
  const stopMessages = session.on('NodeWorker.receivedMessageFromWorker', ({ sessionId, message }) => {
    const parsed = JSON.parse(message) as { id?: number; result?: Protocol.Runtime.EvaluateResponse; error?: { message: string } };
    if (parsed.id !== undefined) pending.get(`${sessionId}:${parsed.id}`)?.(parsed);
  });
  try {
    // the workers that exist are announced before enable answers
    await session.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
    let nextId = 1;
    const handles = attached.map((event): WorkerHandle => ({
      id: event.workerInfo.workerId,
      title: event.workerInfo.title,
      url: event.workerInfo.url,
      evaluate(expression, timeoutMs) {
        const id = nextId++;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(`${event.sessionId}:${id}`);
            reject(new TimeoutError('TIMEOUT', `worker ${event.workerInfo.workerId} did not answer within ${timeoutMs} ms`, { hint: 'it may be blocked in native code (Atomics.wait, a synchronous call)' }));
          }, timeoutMs + 250);
          pending.set(`${event.sessionId}:${id}`, (message) => {
            clearTimeout(timer);
            pending.delete(`${event.sessionId}:${id}`);
            if (message.error) reject(new ProtocolError('PROTOCOL_ERROR', `Protocol error (worker Runtime.evaluate): ${message.error.message}`));
            else if (message.result?.exceptionDetails) reject(new ProtocolError('WORKER_EXCEPTION', message.result.exceptionDetails.exception?.description ?? message.result.exceptionDetails.text));
            else resolve(message.result?.result.value);
          });
          session.fire('NodeWorker.sendMessageToWorker', {
            sessionId: event.sessionId,
            // non-ASCII as JSON escapes: otherwise lost on the way to the worker (see worker-transport.ts)
            message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, returnByValue: true, silent: true, timeout: timeoutMs, includeCommandLineAPI: true } }).replace(
              /[\u0080-\uffff]/g,
              (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
            ),
          });
        });
      },
    }));
    const results: Array<{ worker: WorkerHandle; result: T | Error }> = [];
    for (const handle of handles) {
      try {
        results.push({ worker: handle, result: await work(handle) });
      } catch (error) {
        results.push({ worker: handle, result: error as Error });
      }
    }
    return results;
  } finally {
    stopAttached();
    stopMessages();
    for (const event of attached) await session.send('NodeWorker.detach', { sessionId: event.sessionId }, { timeoutMs: 1000 }).catch(() => {});
    await session.send('NodeWorker.disable', undefined, { timeoutMs: 1000 }).catch(() => {});
  }
}
