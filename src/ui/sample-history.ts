/**
 * The live charts' readings of one held target, kept by the server (the last historyMs)
 * so that every page showing the target gets the same, whole series.
 *
 * A sampler's read covers the time since the previous read (its GC time, delay histogram
 * and utilization are reset by each read). Were each page to read for itself, two pages
 * on one target would each get about half of every interval's GC and miss the delay
 * spikes the other read: a wrong number on both. So the target is read at most once per
 * MIN_GAP of sampleMs whoever asks, and each page asks for the readings newer than the
 * last it has.
 */
import type { TopSample } from '../target/top-sample.js';
import type { Sample } from './api.js';

/** A request within this share of sampleMs of the last read is answered from the history. */
const MIN_GAP = 0.6;

export class SampleHistory {
  readonly #read: () => Promise<TopSample>;
  readonly #sampleMs: number;
  readonly #historyMs: number;
  #samples: Sample[] = [];
  #lastReadAt = -Infinity;
  #first = true;
  #reading: Promise<void> | undefined;

  constructor(read: () => Promise<TopSample>, sampleMs: number, historyMs: number) {
    this.#read = read;
    this.#sampleMs = sampleMs;
    this.#historyMs = historyMs;
  }

  /** The readings newer than `after` (ms since the epoch), oldest first; the target is read first unless it just was. */
  async since(after: number): Promise<Sample[]> {
    if (Date.now() - this.#lastReadAt >= this.#sampleMs * MIN_GAP) {
      // two requests at once share one read
      this.#reading ??= this.#readOnce().finally(() => (this.#reading = undefined));
      await this.#reading;
    } else if (this.#reading) {
      await this.#reading;
    }
    return this.#samples.filter((s) => s.ts > after);
  }

  async #readOnce(): Promise<void> {
    this.#lastReadAt = Date.now();
    const s = await this.#read();
    const last = this.#samples[this.#samples.length - 1];
    // strictly increasing: a page's `after` never skips or repeats a reading
    const ts = Math.max(Date.now(), (last?.ts ?? 0) + 1);
    this.#samples.push({ ts, interval_ms: s.interval_ms, utilization: s.utilization, delay: s.delay, heap: s.heap, gc: s.gc, resources: s.resources, ...(this.#first ? { first: true as const } : {}) });
    this.#first = false;
    const cutoff = ts - this.#historyMs;
    while (this.#samples.length > 0 && this.#samples[0]!.ts <= cutoff) this.#samples.shift();
  }
}
