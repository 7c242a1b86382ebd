/**
 * What the page holds: the server's config, the targets opened (each with its sample
 * poller), which one shows, and the heap snapshots taken this page session.
 */
import type { Opened, Snapshot, UiConfig } from '../api.js';
import { errorBody, postJson, targetPath, type ErrorBody } from './client.js';
import { SamplePoller } from './sample-poller.js';
import { Store } from './store.js';

export interface OpenTarget {
  /** As asked for: a pid, or pid/w<id> for a worker. */
  key: string;
  opened: Opened | null;
  error: ErrorBody | null;
  poller: SamplePoller | null;
}

export class Workspace {
  readonly config: UiConfig;
  readonly targets = new Store<OpenTarget[]>([]);
  readonly active = new Store<string | null>(null);
  readonly snapshots = new Store<Snapshot[]>([]);

  constructor(config: UiConfig) {
    this.config = config;
  }

  /** Opens the target unless it is open already, and shows it (unless show is false and another shows). */
  async open(key: string, show = true): Promise<void> {
    if (show || this.active.get() === null) this.active.set(key);
    const existing = this.#find(key);
    if (existing && !existing.error) return;
    this.#put({ key, opened: null, error: null, poller: null });
    try {
      const opened = await postJson<Opened>(targetPath(key, 'open'));
      if (!this.#find(key)) return; // closed while opening
      const poller = new SamplePoller(opened.target, this.config.sampleMs, this.config.historyMs);
      this.#put({ key, opened, error: null, poller });
    } catch (error) {
      if (this.#find(key)) this.#put({ key, opened: null, error: errorBody(error), poller: null });
    }
  }

  /** Stops sampling and detaches (the server would after 15 s without a request anyway). */
  async close(key: string): Promise<void> {
    const target = this.#find(key);
    if (!target) return;
    target.poller?.stop();
    const left = this.targets.get().filter((t) => t.key !== key);
    this.targets.set(left);
    if (this.active.get() === key) this.active.set(left[left.length - 1]?.key ?? null);
    if (target.opened) {
      try {
        await postJson(targetPath(target.opened.target, 'close'));
      } catch {
        // already gone: nothing to undo
      }
    }
  }

  #find(key: string): OpenTarget | undefined {
    return this.targets.get().find((t) => t.key === key);
  }

  #put(target: OpenTarget): void {
    const list = this.targets.get();
    const at = list.findIndex((t) => t.key === target.key);
    this.targets.set(at < 0 ? [...list, target] : list.map((t, i) => (i === at ? target : t)));
  }
}

/** The name API calls use for an opened target. */
export function apiTarget(target: OpenTarget): string {
  return target.opened?.target ?? target.key;
}
