/**
 * What `probing top` measures in the target besides the CPU profile, once a frame:
 * event-loop delay and utilization, heap and GC, active resources by type, and — when
 * the runtime's HTTP sampler is on — the requests served since the last frame.
 *
 * Sent as source (Runtime.evaluate) with `load` (LOAD_BUILTIN), the state key and this
 * command's id: self-contained, no closures. The state lives under a symbol, one entry
 * per `top` (several may watch one process), and 'stop' removes it with everything it
 * started. Nothing here throws into the target: the GC observer's callback cannot fail.
 */
import type { TopSample } from './top-sample.js';

export type { TopSample } from './top-sample.js';

export function topProbe(load: (id: string) => unknown, key: string, id: string, action: 'start' | 'read' | 'stop'): TopSample | null {
  type Histogram = { enable(): void; disable(): void; reset(): void; percentile(p: number): number; max: number; count: number };
  type Perf = {
    performance: { now(): number; eventLoopUtilization(prev?: unknown): { utilization: number } };
    monitorEventLoopDelay(options: { resolution: number }): Histogram;
    PerformanceObserver: new (callback: (list: { getEntries(): Array<{ duration: number }> }) => void) => { observe(options: { entryTypes: string[] }): void; disconnect(): void };
  };
  type Ring = { next: number; capacity: number; rows: Array<{ duration_ms?: unknown } | undefined> };
  type State = { delay: Histogram; gc: { ms: number; count: number }; observer: { disconnect(): void }; elu: unknown; at: number; httpSeq: number };
  const perf = load('node:perf_hooks') as Perf;
  const began = perf.performance.now();
  const symbol = Symbol.for(key);
  const g = globalThis as unknown as Record<symbol, Record<string, State> | undefined>;
  const all = g[symbol] ?? (g[symbol] = {});
  const httpRing = (): Ring | undefined => {
    try {
      const runtime = (globalThis as unknown as Record<symbol, { tables?: Map<string, Ring>; state?: Map<string, Map<string, unknown>> } | undefined>)[Symbol.for('probing.runtime')];
      // the ring outlives its sampler: only while the sampler runs does it say anything about now
      if (!runtime?.state?.get('samplers')?.has('http')) return undefined;
      return runtime.tables?.get('runtime.http');
    } catch {
      return undefined;
    }
  };

  if (action === 'stop') {
    const state = all[id];
    if (state) {
      state.delay.disable();
      state.observer.disconnect();
      delete all[id];
    }
    if (Object.keys(all).length === 0) delete g[symbol];
    return null;
  }
  let state = all[id];
  if (!state || action === 'start') {
    if (state) {
      state.delay.disable();
      state.observer.disconnect();
    }
    const delay = perf.monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const gc = { ms: 0, count: 0 };
    const observer = new perf.PerformanceObserver((list) => {
      try {
        for (const entry of list.getEntries()) {
          gc.ms += entry.duration;
          gc.count++;
        }
      } catch {
        // a GC entry we cannot read is not counted; nothing is thrown into the target
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    state = all[id] = { delay, gc, observer, elu: perf.performance.eventLoopUtilization(), at: began, httpSeq: httpRing()?.next ?? -1 };
  }

  const h = state.delay;
  const ms = (ns: number) => ns / 1e6;
  const delay = h.count > 0 ? { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } : null;
  h.reset();
  const utilization = perf.performance.eventLoopUtilization(state.elu).utilization;
  state.elu = perf.performance.eventLoopUtilization();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  const info = (process as unknown as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  if (typeof info === 'function') for (const type of info.call(process)) resources[type] = (resources[type] ?? 0) + 1;
  let http: TopSample['http'] = null;
  const ring = httpRing();
  if (ring) {
    const from = state.httpSeq < 0 ? ring.next : Math.max(state.httpSeq, ring.next - ring.capacity);
    const durations: number[] = [];
    // bounded: at most 20,000 durations cross the wire in one frame
    for (let seq = Math.max(from, ring.next - 20_000); seq < ring.next; seq++) {
      const value = ring.rows[seq % ring.capacity]?.duration_ms;
      if (typeof value === 'number') durations.push(value);
    }
    http = { count: ring.next - from, durations };
    state.httpSeq = ring.next;
  }
  // the watchdog's last three stalls, while it runs (a few references read, no copy of the ring)
  let stalls: TopSample['stalls'] = null;
  try {
    const runtime = (globalThis as unknown as Record<symbol, { tables?: Map<string, Ring & { rows: Array<Record<string, unknown> | undefined> }>; state?: Map<string, Map<string, unknown>> } | undefined>)[Symbol.for('probing.runtime')];
    const ring = runtime?.state?.get('samplers')?.has('stalls') ? runtime.tables?.get('runtime.stalls') : undefined;
    if (runtime?.state?.get('samplers')?.has('stalls')) {
      stalls = [];
      for (let seq = ring ? ring.next - 1 : -1; ring && seq >= 0 && seq >= ring.next - Math.min(3, ring.capacity); seq--) {
        const row = ring.rows[seq % ring.capacity];
        if (!row) continue;
        const at = row.ts instanceof Date ? row.ts.getTime() : Number(row.ts);
        stalls.push({ ts: at, duration_ms: Number(row.duration_ms), top_function: (row.top_function as string | null) ?? null, file: (row.file as string | null) ?? null, line: (row.line as number | null) ?? null });
      }
    }
  } catch {
    stalls = null;
  }
  const gc = { ms: state.gc.ms, count: state.gc.count };
  state.gc.ms = 0;
  state.gc.count = 0;
  const now = perf.performance.now();
  const sample: TopSample = {
    interval_ms: now - state.at,
    utilization,
    delay,
    heap: { used: memory.heapUsed, total: memory.heapTotal, rss: memory.rss, external: memory.external },
    gc,
    resources,
    http,
    stalls,
    cost_ms: 0,
  };
  state.at = now;
  sample.cost_ms = perf.performance.now() - began;
  return sample;
}
