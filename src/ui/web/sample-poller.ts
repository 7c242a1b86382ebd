/**
 * Asks the server for a target's new samples every sampleMs while the page is open,
 * whichever tab shows, so that the charts' history accumulates and the server keeps the
 * attachment (it lets a target go after 15 s without a request). The server keeps the
 * readings (src/ui/sample-history.ts): the page asks for those after the last it has, so
 * another page on the same target takes nothing from this one. Keeps historyMs of samples.
 */
import type { Sample } from '../api.js';
import { errorBody, getJson, targetPath, type ErrorBody } from './client.js';
import { Store } from './store.js';

export interface History {
  samples: Sample[];
  /** The last request's failure, cleared by the next success. */
  error: ErrorBody | null;
  /** The process is gone: no more requests. */
  ended: boolean;
}

/** After a failure the next request waits at least this long. */
const RETRY_MS = 3000;

export class SamplePoller {
  readonly history = new Store<History>({ samples: [], error: null, ended: false });
  readonly #target: string;
  readonly #sampleMs: number;
  readonly #historyMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();
  #stopped = false;

  constructor(target: string, sampleMs: number, historyMs: number) {
    this.#target = target;
    this.#sampleMs = Math.max(100, sampleMs);
    this.#historyMs = historyMs;
    void this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
  }

  async #tick(): Promise<void> {
    const started = Date.now();
    let wait = this.#sampleMs;
    try {
      const had = this.history.get().samples;
      const after = had[had.length - 1]?.ts ?? 0;
      const fresh = await getJson<Sample[]>(targetPath(this.#target, `samples?after=${after}`), this.#abort.signal);
      if (this.#stopped) return;
      const newest = fresh[fresh.length - 1]?.ts ?? after;
      const cutoff = newest - this.#historyMs;
      const samples = fresh.length === 0 ? had : [...had.filter((s) => s.ts > cutoff), ...fresh.filter((s) => s.ts > after && s.ts > cutoff)];
      this.history.set({ samples, error: null, ended: false });
    } catch (error) {
      if (this.#stopped) return;
      const body = errorBody(error);
      const ended = body.code === 'NO_SUCH_PROCESS';
      this.history.set({ samples: this.history.get().samples, error: body, ended });
      if (ended) return;
      wait = Math.max(wait, RETRY_MS);
    }
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, wait - (Date.now() - started)));
  }
}
