/** What the sampler of top and the ui reads in a target each interval (target/top-probe.ts): types only, no imports (the ui's page type-checks them too). */

export interface TopSample {
  /** Since the previous read (or 'start'). */
  interval_ms: number;
  /** Event-loop utilization over the interval, 0–1. */
  utilization: number;
  /** Event-loop delay over the interval (10 ms resolution), ms; null when nothing was recorded. */
  delay: { p50: number; p99: number; max: number } | null;
  heap: { used: number; total: number; rss: number; external: number };
  gc: { ms: number; count: number };
  /** Active handles and requests (process.getActiveResourcesInfo), by type. */
  resources: Record<string, number>;
  /** Requests served in the interval and their durations (ms), when the HTTP sampler is on; else null. */
  http: { count: number; durations: number[] } | null;
  /** The last stalls the watchdog recorded (runtime.stalls), newest first, when it is on; else null. */
  stalls: Array<{ ts: number; duration_ms: number; top_function: string | null; file: string | null; line: number | null }> | null;
  /** Main-thread time this read took in the target, ms. */
  cost_ms: number;
}
