import type { Session } from '../attach/session.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets a profiler run for durationMs, reporting progress, and stops early if the target goes away. */
export async function runFor(session: Session, durationMs: number, onProgress?: (elapsedMs: number) => void): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < durationMs && !session.closed) {
    await sleep(Math.min(250, durationMs - (Date.now() - started)));
    onProgress?.(Date.now() - started);
  }
}
