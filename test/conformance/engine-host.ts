/**
 * The parent's side of host.ts: one child per engine, attached once to the fixture
 * target, asked one query at a time. A query that outlives its time limit is a
 * hang: the child is killed and a new one attached for the next query.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineName } from '../../src/sql/engines/contract.js';
import type { EngineAnswer, HostOptions, Reply, Request } from './host.js';

const loader = fileURLToPath(new URL('./load-ts.mjs', import.meta.url));
const hostModule = fileURLToPath(new URL('./host.ts', import.meta.url));

export type HostOutcome = EngineAnswer | { ok: false; hang: true; afterMs: number } | { ok: false; crashed: string };

/**
 * Time a child gets to start: Vite transforms the sources it imports (CPU work with
 * no limit of its own, so a budget), then it attaches (bounded by attachTimeoutMs,
 * then by timeoutMs for each call while identifying the target).
 */
const MODULE_LOAD_BUDGET_MS = 60_000;

type Limits = Pick<HostOptions, 'timeoutMs' | 'attachTimeoutMs'>;

export const HOST_START_LIMIT_MS = (o: Limits) => MODULE_LOAD_BUDGET_MS + o.attachTimeoutMs + 2 * o.timeoutMs;
/** Detaching: releasing objects and closing the inspector, each call bounded by timeoutMs, and the target's close wait. */
export const HOST_CLOSE_LIMIT_MS = (o: Limits) => 2 * o.timeoutMs + 5000;

export class EngineHost {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private pending: { id: number; resolve: (o: HostOutcome) => void } | undefined;
  /** Set when the engine cannot load here: the reason. */
  unavailable: string | undefined;
  restarts = 0;

  constructor(private readonly options: HostOptions) {}

  get engine(): EngineName {
    return this.options.engine;
  }

  /** Starts the child and waits until it is attached (or says the engine cannot load). */
  async start(): Promise<void> {
    const child = fork(loader, [hostModule, JSON.stringify(this.options)], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.child = child;
    // a send racing the child's exit reports here; the exit itself is handled below
    child.on('error', () => {});
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const startLimit = HOST_START_LIMIT_MS(this.options);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the ${this.engine} host did not attach within ${startLimit} ms: ${stderr}`));
      }, startLimit);
      const onMessage = (reply: Reply) => {
        if (reply.type !== 'ready' && reply.type !== 'unavailable') return;
        clearTimeout(timer);
        child.off('exit', onExit);
        if (reply.type === 'unavailable') this.unavailable = reply.reason;
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`the ${this.engine} host exited (${signal ?? code}) before attaching: ${stderr}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    child.on('message', (reply: Reply) => {
      if (reply.type === 'answer' && this.pending?.id === reply.id) {
        const { resolve } = this.pending;
        this.pending = undefined;
        resolve(reply.answer);
      }
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve({ ok: false, crashed: `the engine's process exited (${signal ?? code}) during the query: ${stderr.slice(-2000)}` });
    });
  }

  /**
   * One query. `limitMs` is what the query may take: each table read in the target
   * and the engine's run are each bounded by timeoutMs inside the child.
   */
  async ask(sql: string, limitMs: number): Promise<HostOutcome> {
    if (!this.child?.connected) {
      this.child?.kill('SIGKILL');
      this.restarts++;
      await this.start();
    }
    const child = this.child!;
    const id = ++this.nextId;
    const started = Date.now();
    return new Promise<HostOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        // a hang: stop it where it runs, and let the next query start a new child
        this.child = undefined;
        child.kill('SIGKILL');
        resolve({ ok: false, hang: true, afterMs: Date.now() - started });
      }, limitMs);
      this.pending = {
        id,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      child.send({ type: 'query', id, sql } satisfies Request);
    });
  }

  /** Detaches (the child closes what it opened) and waits for the child to exit. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), HOST_CLOSE_LIMIT_MS(this.options));
    if (child.connected) child.send({ type: 'close' } satisfies Request);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the child at once (on failure paths). */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
