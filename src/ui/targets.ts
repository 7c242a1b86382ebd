/**
 * The targets `probing ui` holds open: one attachment per target while the page shows it
 * (the page asks for a sample each second), detached after IDLE_MS without a request, and
 * all of them when the server stops. Each carries a sampler for the live charts, stopped
 * in the target before the detach, however it comes.
 */
import type { Attachment } from '../attach/attach.js';
import { parseTarget } from '../attach/target-spec.js';
import { ProbingError } from '../errors.js';
import { sampler, type Sampler } from '../run/sampler.js';
import { SampleHistory } from './sample-history.js';

export interface Held {
  key: string;
  attachment: Attachment;
  sampler: Sampler;
  /** The sampler's readings, shared by every page that shows the target. */
  history: SampleHistory;
  /** Requests in progress: a held target is not let go under one (a 30 s profile). */
  busy: number;
  lastUsed: number;
}

export interface PoolOptions {
  timeoutMs: number;
  attachTimeoutMs: number;
  /** A target no request has touched for this long is detached. */
  idleMs: number;
  /** The live charts' interval and how much of their history the server keeps. */
  sampleMs: number;
  historyMs: number;
  onNotice: (text: string) => void;
}

export class TargetPool {
  readonly #held = new Map<string, Promise<Held>>();
  readonly #options: PoolOptions;
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#sweep = setInterval(() => void this.#letGoIdle(), Math.min(5000, options.idleMs / 3));
    this.#sweep.unref();
  }

  /** The keys of the targets held now. */
  get keys(): string[] {
    return [...this.#held.keys()];
  }

  /**
   * Runs `work` with the target's attachment, attaching first if it is not held (two
   * requests at once share one attach). The target stays held while work runs.
   */
  async use<T>(key: string, work: (held: Held) => Promise<T>): Promise<T> {
    const held = await this.#open(key);
    held.busy++;
    held.lastUsed = Date.now();
    try {
      return await work(held);
    } finally {
      held.busy--;
      held.lastUsed = Date.now();
    }
  }

  #open(key: string): Promise<Held> {
    if (this.#closed) return Promise.reject(new ProbingError('UI_CLOSING', 'the ui server is stopping'));
    let pending = this.#held.get(key);
    if (!pending) {
      pending = this.#attach(key);
      this.#held.set(key, pending);
      // a failed attach is not kept: the next request tries again
      pending.catch(() => this.#held.delete(key));
    }
    return pending;
  }

  async #attach(key: string): Promise<Held> {
    const { attach } = await import('../attach/attach.js');
    const { timeoutMs, attachTimeoutMs, onNotice } = this.#options;
    // held for long: an inspector we open leaves the shared port (9229), as the repl's does
    const attachment = await attach(parseTarget(key), { timeoutMs, attachTimeoutMs, moveOffSharedPort: true, onNotice });
    const probe = sampler(attachment.session, timeoutMs);
    attachment.beforeDetach(() => probe.stop().catch(() => {}));
    // a target that exits is let go at once, and forgotten
    const pending = this.#held.get(key);
    attachment.onExiting(async () => {
      if (this.#held.get(key) === pending) this.#held.delete(key);
    });
    void attachment.session.whenClosed().then(() => {
      if (this.#held.get(key) === pending) this.#held.delete(key);
    });
    try {
      await probe.start();
    } catch (error) {
      await attachment.detach().catch(() => {});
      throw error;
    }
    const history = new SampleHistory(() => probe.read(), this.#options.sampleMs, this.#options.historyMs);
    return { key, attachment, sampler: probe, history, busy: 0, lastUsed: Date.now() };
  }

  /** Detaches one target now (nothing if it is not held). */
  async close(key: string): Promise<void> {
    const pending = this.#held.get(key);
    if (!pending) return;
    this.#held.delete(key);
    const held = await pending.catch(() => undefined);
    await this.#detach(held);
  }

  /** Detaches every target and stops: every target is left as found. */
  async closeAll(): Promise<string[]> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const all = [...this.#held.values()];
    this.#held.clear();
    return (await Promise.all(all.map(async (pending) => this.#detach(await pending.catch(() => undefined))))).filter((x): x is string => x !== undefined);
  }

  async #detach(held: Held | undefined): Promise<string | undefined> {
    if (!held) return undefined;
    const { leftOpen } = await held.attachment.detach();
    if (leftOpen) this.#options.onNotice(leftOpen);
    return leftOpen;
  }

  async #letGoIdle(): Promise<void> {
    const now = Date.now();
    for (const [key, pending] of this.#held) {
      const held = await pending.catch(() => undefined);
      if (held && held.busy === 0 && now - held.lastUsed > this.#options.idleMs && this.#held.get(key) === pending) {
        this.#held.delete(key);
        await this.#detach(held).catch(() => {});
      }
    }
  }
}
