/**
 * A typed inspector session: every call has a time limit, every pending call is
 * rejected at once when the connection closes, and protocol errors name the method.
 */
import type { ProtocolMapping } from 'devtools-protocol/types/protocol-mapping.js';
import type { NodeCommands, NodeEvents } from './node-protocol.js';
import { ProtocolError, TargetClosedError, TimeoutError } from '../errors.js';
import { debug } from '../debug.js';
import type { Transport } from './transport.js';

type Commands = ProtocolMapping.Commands & NodeCommands;
type Events = ProtocolMapping.Events & NodeEvents;
export type Method = keyof Commands;
export type Params<M extends Method> = Commands[M]['paramsType'] extends [] ? undefined : Commands[M]['paramsType'][0];
export type Result<M extends Method> = Commands[M]['returnType'];

export interface CallOptions {
  /** Client-side limit for the answer, in milliseconds. */
  timeoutMs?: number;
  /** Added to the timeout error, naming the fix. */
  timeoutHint?: string;
}

const log = debug('protocol');

export class Session {
  readonly #transport: Transport;
  readonly #pending = new Set<(error: Error) => void>();
  readonly #defaultTimeoutMs: number;
  #closed = false;
  /** Object groups that calls put remote objects in, to release before leaving. */
  readonly #groups = new Set<string>();
  readonly #closedPromise: Promise<void>;
  #markClosed!: () => void;
  /** Why we hung up, when it was for a reason the user should read instead of "closed". */
  #reason: TargetClosedError | undefined;

  constructor(transport: Transport, defaultTimeoutMs: number) {
    this.#transport = transport;
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#closedPromise = new Promise((resolve) => (this.#markClosed = resolve));
    transport.onClose(() => {
      this.#closed = true;
      this.#markClosed();
      const error =
        this.#reason ??
        new TargetClosedError('TARGET_CLOSED', 'the connection to the target closed', {
          hint: 'the target exited or its inspector was closed; check that it is still running',
        });
      for (const reject of [...this.#pending]) reject(error);
      this.#pending.clear();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why we hung up (closeBecause), if we did. */
  get reason(): TargetClosedError | undefined {
    return this.#reason;
  }

  /** Resolves when the connection has ended, from either side. */
  whenClosed(): Promise<void> {
    return this.#closedPromise;
  }

  send<M extends Method>(method: M, params?: Params<M>, options: CallOptions = {}): Promise<Result<M>> {
    if (this.#closed) {
      return Promise.reject(this.#reason ?? new TargetClosedError('TARGET_CLOSED', `cannot call ${method}: the connection to the target is closed`));
    }
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const group = (params as { objectGroup?: unknown } | undefined)?.objectGroup;
    if (typeof group === 'string') this.#groups.add(group);
    log('SEND ►', method);
    return new Promise<Result<M>>((resolve, reject) => {
      const settle = (error: Error | undefined, value?: unknown) => {
        if (!this.#pending.delete(fail)) return;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value as Result<M>);
      };
      const fail = (error: Error) => settle(error);
      const timer = setTimeout(() => {
        settle(
          new TimeoutError('TIMEOUT', `${method} did not answer within ${timeoutMs} ms`, {
            hint: options.timeoutHint ?? 'increase --timeout, or check whether the target is blocked in native code',
          }),
        );
      }, timeoutMs);
      this.#pending.add(fail);
      this.#transport.send(method, params ?? undefined).then(
        (value) => {
          log('◀ RECV', method);
          settle(undefined, value);
        },
        (error: unknown) =>
          settle(this.#reason ?? (this.#closed ? new TargetClosedError('TARGET_CLOSED', `${method}: the connection to the target closed`) : protocolError(method, error))),
      );
    });
  }

  /** Sends without waiting for the answer (for commands whose answer never comes, like closing the inspector). */
  fire<M extends Method>(method: M, params?: Params<M>): void {
    if (this.#closed) return;
    this.#transport.send(method, params ?? undefined).catch(() => {});
  }

  /** Listens to a protocol event until the returned function is called. */
  on<E extends keyof Events>(event: E, listener: (params: Events[E][0]) => void): () => void {
    return this.#transport.onEvent(event, listener as (params: unknown) => void);
  }

  /** Releases every remote object our calls created, so the target can collect them. */
  async releaseObjects(): Promise<void> {
    const groups = [...this.#groups];
    this.#groups.clear();
    // one at a time: a second request in flight makes its answer wait for our delayed ACK (~40 ms)
    for (const objectGroup of groups) await this.send('Runtime.releaseObjectGroup', { objectGroup }, { timeoutMs: 500 }).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#transport.close().catch(() => {});
  }

  /** Hangs up, failing what is pending with `reason`. */
  async closeBecause(reason: TargetClosedError): Promise<void> {
    this.#reason ??= reason;
    await this.close();
  }
}

function protocolError(method: string, error: unknown): ProtocolError {
  const response = (error as { response?: { message?: string; data?: string } }).response;
  const message = response?.message ?? (error as Error).message ?? String(error);
  return new ProtocolError('PROTOCOL_ERROR', `Protocol error (${method}): ${message}${response?.data ? ` — ${response.data}` : ''}`, {
    cause: error,
  });
}
