/**
 * A protocol transport into one worker thread, carried by the process's own session:
 * messages go out wrapped in NodeWorker.sendMessageToWorker and come back as
 * NodeWorker.receivedMessageFromWorker. Everything above it (Session, eval, query)
 * works unchanged inside the worker.
 */
import type { NodeWorker } from './node-protocol.js';
import { Session } from './session.js';
import type { Transport } from './transport.js';
import { AttachError, ProtocolError } from '../errors.js';

export interface WorkerConnection {
  transport: Transport;
  info: NodeWorker.WorkerInfo;
}

/**
 * A worker's threadId (what `require('node:worker_threads').threadId` says inside it), from
 * the title Node.js gives it ("[worker 3] name"). The inspector's own workerId is a
 * different counter, so probing names workers by threadId: w3 is threadId 3.
 */
export function threadIdOf(info: NodeWorker.WorkerInfo): number | undefined {
  const match = /^\[worker (\d+)\]/.exec(info.title);
  return match ? Number(match[1]) : undefined;
}

/** The name probing gives a worker in targets and tables: w<threadId>. */
export function workerName(info: NodeWorker.WorkerInfo): string {
  return `w${threadIdOf(info) ?? info.workerId}`;
}

/** The probing agent's own thread (src/agent names it so): not one of the application's workers. */
export function isAgentWorker(info: NodeWorker.WorkerInfo): boolean {
  return info.url === '' && /^\[worker \d+\] probing-agent$/.test(info.title);
}

/** The worker threads of a process, as the inspector lists them, without the probing agent's. */
export async function listWorkers(parent: Session): Promise<NodeWorker.AttachedToWorkerEvent[]> {
  const attached: NodeWorker.AttachedToWorkerEvent[] = [];
  const stop = parent.on('NodeWorker.attachedToWorker', (event) => void (isAgentWorker(event.workerInfo) ? undefined : attached.push(event)));
  try {
    await parent.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  } finally {
    stop();
  }
  return attached;
}

/** Detaches the sessions of the given workers and turns the NodeWorker domain off again. */
export async function releaseWorkers(parent: Session, workers: readonly NodeWorker.AttachedToWorkerEvent[]): Promise<void> {
  for (const w of workers) await parent.send('NodeWorker.detach', { sessionId: w.sessionId }, { timeoutMs: 1000 }).catch(() => {});
  await parent.send('NodeWorker.disable', undefined, { timeoutMs: 1000 }).catch(() => {});
}

/** A transport into the worker that `worker` announced; close() detaches its session. */
export function workerTransport(parent: Session, worker: NodeWorker.AttachedToWorkerEvent): Transport {
  const { sessionId } = worker;
  const workerId = worker.workerInfo.workerId;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const eventListeners = new Map<string, Set<(params: unknown) => void>>();
  const closeListeners: Array<() => void> = [];
  let closed = false;
  const fireClose = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
  };
  const stopMessages = parent.on('NodeWorker.receivedMessageFromWorker', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (message.id !== undefined) {
      const p = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) p?.reject(Object.assign(new Error(message.error.message), { response: message.error }));
      else p?.resolve(message.result);
    } else if (message.method) for (const l of eventListeners.get(message.method) ?? []) l(message.params);
  });
  const stopDetached = parent.on('NodeWorker.detachedFromWorker' as 'NodeWorker.attachedToWorker', (event: unknown) => {
    if ((event as { sessionId?: string }).sessionId === sessionId) fireClose();
  });
  void parent.whenClosed().then(fireClose);
  return {
    send(method, params) {
      if (closed) return Promise.reject(new ProtocolError('WORKER_GONE', `worker w${workerId} is gone`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Non-ASCII characters in a message to a worker were lost on the way (Node 20:
        // the worker never answered); as JSON \u escapes they arrive intact.
        const message = JSON.stringify({ id, method, params: params ?? {} }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        parent.fire('NodeWorker.sendMessageToWorker', { sessionId, message });
      });
    },
    onClose: (listener) => void closeListeners.push(listener),
    onEvent(method, listener) {
      const set = eventListeners.get(method) ?? new Set();
      set.add(listener);
      eventListeners.set(method, set);
      return () => void set.delete(listener);
    },
    async close() {
      stopMessages();
      stopDetached();
      await parent.send('NodeWorker.detach', { sessionId }, { timeoutMs: 1000 }).catch(() => {});
      fireClose();
    },
  };
}

/** One worker, by its threadId (w<threadId>); the others are detached at once. Closing it also turns the domain off. */
export async function connectWorker(parent: Session, workerId: string): Promise<WorkerConnection> {
  const workers = await listWorkers(parent);
  const chosen = workers.find((w) => workerName(w.workerInfo) === `w${workerId}`);
  await releaseWorkers(parent, workers.filter((w) => w !== chosen)).catch(() => {});
  if (!chosen) {
    throw new AttachError('NO_SUCH_WORKER', `the process has no worker thread w${workerId}`, {
      hint: workers.length > 0 ? `its workers: ${workers.map((w) => workerName(w.workerInfo)).join(', ')}` : 'it has no worker threads; SELECT * FROM process.workers lists them',
    });
  }
  const transport = workerTransport(parent, chosen);
  return {
    transport: {
      ...transport,
      async close() {
        await transport.close();
        await releaseWorkers(parent, []);
      },
    },
    info: chosen.workerInfo,
  };
}

/**
 * Runs work with a session into every worker thread of the process, one after the
 * other, then detaches them all. A worker whose work fails gets its error instead.
 */
export async function withWorkers<T>(parent: Session, timeoutMs: number, work: (session: Session, info: NodeWorker.WorkerInfo) => Promise<T>): Promise<Array<{ info: NodeWorker.WorkerInfo; result: T | Error }>> {
  const workers = await listWorkers(parent);
  try {
    const results: Array<{ info: NodeWorker.WorkerInfo; result: T | Error }> = [];
    for (const worker of workers) {
      const transport = workerTransport(parent, worker);
      try {
        results.push({ info: worker.workerInfo, result: await work(new Session(transport, timeoutMs), worker.workerInfo) });
      } catch (error) {
        results.push({ info: worker.workerInfo, result: error as Error });
      } finally {
        await transport.close();
      }
    }
    return results;
  } finally {
    await releaseWorkers(parent, []);
  }
}
