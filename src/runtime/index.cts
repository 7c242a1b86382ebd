/**
 * probing/runtime — diagnostic tables written inside a service and read from
 * outside with `probing <pid> query "SELECT … FROM js.<name>"`.
 *
 *   const { table } = require('probing/runtime')   // or: import { table } from 'probing/runtime'
 *   const requests = table('requests', { capacity: 10_000 })
 *   requests.append({ route: '/login', status: 200, ms: 12.5 })
 *
 * No dependencies; CommonJS (this file) with an ES module entry beside it. Every copy
 * of the runtime in a process — the one an application bundles, the one probing
 * injects — shares one registry on a global symbol: one ring per table, never two.
 */

/** Bumped only when the shared data layout changes; copies with another protocol keep apart. */
const PROTOCOL = 1;
const VERSION = '0.1.0';
const KEY = Symbol.for('probing.runtime');

export type ColumnType = 'number' | 'string' | 'boolean' | 'bigint' | 'timestamp' | 'json';

export interface TableOptions {
  /** Rows kept; beyond it the oldest go (and are counted). Default 10,000. */
  capacity?: number;
  /** Column types; otherwise taken from the first row. */
  schema?: Record<string, ColumnType>;
}

/** The shared state of one table: plain data, so that every runtime copy can use it. */
interface Ring {
  name: string;
  capacity: number;
  schema: Array<[string, ColumnType]> | null;
  rows: Array<Record<string, unknown> | undefined>;
  /** Sequence number of the next row; rows are numbered from 0. */
  next: number;
  dropped: number;
  rejected: number;
  lastRejection: string | null;
  createdAt: number;
  /** Average row size in bytes, estimated from sampled rows. */
  rowBytes: number;
  /** schema, split for the append loop (derived; rebuilt by any copy that finds it missing). */
  keys?: string[];
  types?: ColumnType[];
}

interface Registry {
  protocol: number;
  version: string;
  tables: Map<string, Ring>;
  /** Extra state owned by the samplers and options (see samplers.cts). */
  state: Map<string, unknown>;
}

export interface TableWriter<T extends object = Record<string, unknown>> {
  readonly tableName: string;
  /** Appends one row; never throws at the caller (a row that cannot be stored is counted). */
  append(row: T): void;
  appendMany(rows: Iterable<T>): void;
  /** Rows kept, capacity, rows dropped (ring full), rows rejected (could not be coerced), rows appended in all. */
  stats(): { rows: number; capacity: number; dropped: number; rejected: number; appended: number };
}

/**
 * What table() returns: a writer that is also a class decorator, so that both
 * `table('requests').append(row)` and `@table('requests') class Request {}` work.
 */
export type Table<T extends object = Record<string, unknown>> = TableWriter<T> & (<C extends abstract new (...args: never[]) => object>(target: C, context?: unknown) => C);

function versionNumber(v: string): number {
  const [a = 0, b = 0, c = 0] = v.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return a * 1e6 + b * 1e3 + c;
}

/** The process-wide registry: created by the first copy, adopted by every later one. */
export function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[KEY];
  if (!r) {
    r = { protocol: PROTOCOL, version: VERSION, tables: new Map(), state: new Map() };
    Object.defineProperty(globalThis, KEY, { value: r, enumerable: false, configurable: true, writable: false });
  } else if (r.protocol === PROTOCOL && versionNumber(VERSION) > versionNumber(r.version)) {
    r.version = VERSION;
  }
  if (r.protocol !== PROTOCOL) throw new Error(`probing/runtime ${VERSION} (protocol ${PROTOCOL}) cannot share tables with ${r.version} (protocol ${r.protocol}) already in this process`);
  return r;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function typeOf(value: unknown): ColumnType {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'bigint';
  if (value instanceof Date) return 'timestamp';
  return 'json';
}

const REJECT = Symbol('reject');

/**
 * Coercion rules (documented in the README): null/undefined → NULL; number ← numeric
 * string, boolean (1/0), bigint within ±2^53; string ← any number, boolean or bigint;
 * boolean ← 0/1, 'true'/'false'; bigint ← integer number, integer string;
 * timestamp ← Date, epoch milliseconds, a date string; json ← anything. Anything
 * else rejects the row.
 */
function coerce(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'number':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(value);
      return REJECT;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
      return REJECT;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (value === 'true' || value === 'false') return value === 'true';
      return REJECT;
    case 'bigint':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
      return REJECT;
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'number' || typeof value === 'string' ? new Date(value) : null;
      return d && !Number.isNaN(d.getTime()) ? d : REJECT;
    }
    case 'json':
      return value;
  }
}

function estimateBytes(row: Record<string, unknown>): number {
  let n = 16;
  for (const k in row) {
    const v = row[k];
    n += k.length + (typeof v === 'string' ? v.length * 2 : typeof v === 'object' && v !== null ? 64 : 8);
  }
  return n;
}

/**
 * For the samplers' own rows, built here with the declared types and a ts: kept as
 * they are, without the copy and the per-column checks that rows from outside get.
 */
function storeTrusted(ring: Ring, row: Record<string, unknown>): void {
  const seq = ring.next++;
  const slot = seq % ring.capacity;
  if (ring.rows[slot] !== undefined) ring.dropped++;
  ring.rows[slot] = row;
  if ((seq & 1023) === 0) ring.rowBytes = ring.rowBytes === 0 ? estimateBytes(row) : (ring.rowBytes * 7 + estimateBytes(row)) / 8;
}

function store(ring: Ring, row: unknown): void {
  if (typeof row !== 'object' || row === null) {
    ring.rejected++;
    ring.lastRejection = `not an object: ${typeof row}`;
    return;
  }
  const source = row as Record<string, unknown>;
  if (!ring.schema) {
    const schema: Array<[string, ColumnType]> = [];
    for (const key of Object.keys(source)) if (key !== 'ts') schema.push([key, typeOf(source[key])]);
    ring.schema = schema;
  }
  if (!ring.keys || !ring.types) {
    ring.keys = ring.schema.map(([key]) => key);
    ring.types = ring.schema.map(([, type]) => type);
  }
  const keys = ring.keys;
  const types = ring.types;
  const out: Record<string, unknown> = { ts: Date.now() };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const type = types[i]!;
    let value = source[key];
    // the common case first: the value already has the column's type
    if (value === undefined || value === null) value = null;
    else if (!(typeof value === type || type === 'json' || (type === 'timestamp' && value instanceof Date))) {
      value = coerce(value, type);
      if (value === REJECT) {
        ring.rejected++;
        ring.lastRejection = `${key}: cannot store ${typeof source[key]} as ${type}`;
        return;
      }
    }
    out[key] = value;
  }
  const seq = ring.next++;
  const slot = seq % ring.capacity;
  if (ring.rows[slot] !== undefined) ring.dropped++;
  ring.rows[slot] = out;
  if ((seq & 1023) === 0) ring.rowBytes = ring.rowBytes === 0 ? estimateBytes(out) : (ring.rowBytes * 7 + estimateBytes(out)) / 8;
}

/** The ring behind a name, created on first use (internal names may contain dots: runtime.gc). */
function ringOf(name: string, options: TableOptions): Ring {
  const r = registry();
  let ring = r.tables.get(name);
  if (!ring) {
    const capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 100_000_000) throw new RangeError(`probing/runtime: capacity of "${name}" must be an integer from 1 to 100,000,000`);
    ring = {
      name,
      capacity,
      schema: options.schema ? Object.entries(options.schema).filter(([k]) => k !== 'ts') : null,
      rows: new Array(capacity),
      next: 0,
      dropped: 0,
      rejected: 0,
      lastRejection: null,
      createdAt: Date.now(),
      rowBytes: 0,
    };
    r.tables.set(name, ring);
  }
  return ring;
}

const TABLE_OF = Symbol.for('probing.runtime.table');

function writer<T extends object>(ring: Ring): Table<T> {
  const decorate = <C extends abstract new (...args: never[]) => object>(target: C, _context?: unknown): C => {
    Object.defineProperty(target.prototype, TABLE_OF, { value: decorate, enumerable: false, configurable: true });
    return target;
  };
  const append = (row: T) => {
    try {
      store(ring, row);
    } catch (error) {
      ring.rejected++;
      ring.lastRejection = String((error as Error)?.message ?? error);
    }
  };
  return Object.assign(decorate, {
    tableName: ring.name,
    append,
    appendMany(rows: Iterable<T>) {
      for (const row of rows) append(row);
    },
    stats() {
      return { rows: Math.min(ring.next, ring.capacity), capacity: ring.capacity, dropped: ring.dropped, rejected: ring.rejected, appended: ring.next };
    },
  }) as Table<T>;
}

/**
 * Creates a table, or returns a writer of the one that exists (whichever runtime copy
 * made it). Options apply when the table is created.
 */
export function table<T extends object = Record<string, unknown>>(name: string, options: TableOptions = {}): Table<T> {
  if (!NAME.test(name)) throw new TypeError(`probing/runtime: table name "${name}" must match ${NAME}`);
  return writer<T>(ringOf(name, options));
}

/** Saves instances of a class decorated with @table(name) as rows (their own enumerable fields). */
export function save(...instances: object[]): void {
  for (const instance of instances) {
    const target = (instance as Record<symbol, Table | undefined>)[TABLE_OF];
    if (!target) throw new TypeError('probing/runtime: save() takes instances of a class decorated with @table(name)');
    target.append({ ...instance });
  }
}

// ---------------------------------------------------------------- samplers and options

type Load = (id: string) => any;
const load: Load = (id) => require(id);

interface OptionSpec {
  key: string;
  help: string;
  default: boolean | number;
  /** Applies a new value; samplers start or stop here. */
  apply?(value: boolean | number): void;
  /** Reads a value given as text, where the plain rules (on/off, a whole number) do not fit. */
  parse?(raw: unknown): number;
}

interface Sampler {
  stop(): void;
}

/** Shared sampler state lives in the registry too, so a second runtime copy sees what runs. */
function samplers(): Map<string, Sampler> {
  const state = registry().state;
  let map = state.get('samplers') as Map<string, Sampler> | undefined;
  if (!map) state.set('samplers', (map = new Map()));
  return map;
}

function values(): Map<string, boolean | number> {
  const state = registry().state;
  let map = state.get('options') as Map<string, boolean | number> | undefined;
  if (!map) state.set('options', (map = new Map()));
  return map;
}

const capacity = () => (values().get('sampler.capacity') as number | undefined) ?? 10_000;

function toggle(name: string, start: () => Sampler) {
  return (on: boolean | number) => {
    const running = samplers().get(name);
    if (on && !running) samplers().set(name, start());
    if (!on && running) {
      running.stop();
      samplers().delete(name);
    }
  };
}

function startEventLoop(): Sampler {
  const { monitorEventLoopDelay, performance } = load('node:perf_hooks');
  const out = writer(ringOf('runtime.event_loop', { capacity: capacity(), schema: { interval_ms: 'number', min_ms: 'number', mean_ms: 'number', p50_ms: 'number', p90_ms: 'number', p99_ms: 'number', max_ms: 'number', utilization: 'number' } }));
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let last = performance.eventLoopUtilization();
  let lastAt = performance.now();
  // the histogram records the whole timer period, resolution included (an idle loop reads
  // ~10 ms): the delay is what is beyond it
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const timer = setInterval(() => {
    const now = performance.now();
    const elu = performance.eventLoopUtilization(last);
    last = performance.eventLoopUtilization();
    out.append({
      interval_ms: now - lastAt,
      min_ms: ms(histogram.min),
      mean_ms: ms(histogram.mean),
      p50_ms: ms(histogram.percentile(50)),
      p90_ms: ms(histogram.percentile(90)),
      p99_ms: ms(histogram.percentile(99)),
      max_ms: ms(histogram.max),
      utilization: elu.utilization,
    });
    lastAt = now;
    histogram.reset();
  }, (values().get('sampler.event_loop.interval_ms') as number | undefined) ?? 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak_callbacks' };

function startGc(): Sampler {
  const { PerformanceObserver } = load('node:perf_hooks');
  const out = writer(ringOf('runtime.gc', { capacity: capacity(), schema: { kind: 'string', duration_ms: 'number', started_ms: 'number' } }));
  const observer = new PerformanceObserver((list: { getEntries(): Array<{ detail?: { kind?: number }; duration: number; startTime: number }> }) => {
    for (const e of list.getEntries()) out.append({ kind: GC_KINDS[e.detail?.kind ?? 0] ?? String(e.detail?.kind), duration_ms: e.duration, started_ms: e.startTime });
  });
  observer.observe({ entryTypes: ['gc'] });
  return { stop: () => observer.disconnect() };
}

/** Subscribes to diagnostics_channel channels; stop() unsubscribes every one. */
function subscriptions(handlers: Record<string, (message: any) => void>): Sampler {
  const dc = load('node:diagnostics_channel');
  for (const [name, handler] of Object.entries(handlers)) dc.subscribe(name, handler);
  return {
    stop() {
      for (const [name, handler] of Object.entries(handlers)) dc.unsubscribe(name, handler);
    },
  };
}

function startHttp(): Sampler {
  const { performance } = load('node:perf_hooks');
  const ring = ringOf('runtime.http', { capacity: capacity(), schema: { method: 'string', url: 'string', status: 'number', duration_ms: 'number', remote_address: 'string', request_bytes: 'number' } });
  const started = new WeakMap<object, number>();
  // What a stall names: the request whose handler runs. Node runs a connection's parser
  // callbacks, the 'request' handler among them, in that connection's async resource; the
  // request started there is the one its code is handling. Code run later (after an await,
  // in a body's 'end' event, in a timer) runs in another resource and names none: without
  // async context tracking (a cost on every promise) it cannot be told which request it serves.
  const { executionAsyncResource } = load('node:async_hooks') as { executionAsyncResource(): object };
  const handling = new WeakMap<object, { method?: string; url?: string }>();
  const state = registry().state;
  state.set('http.current', () => {
    const request = handling.get(executionAsyncResource());
    return request ? `${String(request.method)} ${String(request.url)}` : null;
  });
  // on every request of the service: as little work as possible, and no copy
  const sampler = subscriptions({
    'http.server.request.start': ({ request }) => {
      started.set(request, performance.now());
      handling.set(executionAsyncResource(), request);
    },
    'http.server.response.finish': ({ request, response }) => {
      const t0 = started.get(request);
      const length = request.headers['content-length'];
      storeTrusted(ring, {
        ts: Date.now(),
        method: request.method,
        url: request.url,
        status: response.statusCode,
        duration_ms: t0 === undefined ? null : performance.now() - t0,
        remote_address: request.socket?.remoteAddress ?? null,
        request_bytes: length === undefined ? 0 : Number(length),
      });
    },
  });
  return {
    stop() {
      sampler.stop();
      state.delete('http.current');
    },
  };
}

function startHttpClient(): Sampler {
  const { performance } = load('node:perf_hooks');
  const out = writer(ringOf('runtime.http_client', { capacity: capacity(), schema: { client: 'string', method: 'string', url: 'string', status: 'number', duration_ms: 'number' } }));
  const started = new WeakMap<object, number>();
  return subscriptions({
    'http.client.request.start': ({ request }) => started.set(request, performance.now()),
    'http.client.response.finish': ({ request, response }) => {
      const t0 = started.get(request);
      out.append({ client: 'http', method: request.method, url: `${request.protocol ?? 'http:'}//${request.host ?? ''}${request.path ?? ''}`, status: response.statusCode, duration_ms: t0 === undefined ? null : performance.now() - t0 });
    },
    'undici:request:create': ({ request }) => started.set(request, performance.now()),
    'undici:request:headers': ({ request, response }) => {
      const t0 = started.get(request);
      out.append({ client: 'fetch', method: request.method, url: `${request.origin ?? ''}${request.path ?? ''}`, status: response.statusCode, duration_ms: t0 === undefined ? null : performance.now() - t0 });
    },
  });
}

/**
 * What a watched thread keeps for the watchdog: its runtime.stalls ring, and its beat — a
 * counter in a shared Int32Array that an unref'd timer bumps every threshold/2 ms with
 * Atomics.add (a small integer: nothing allocated per beat, where Date.now(), past 2^31, is a
 * new heap number each call: ~20-30 bytes measured on Node 20, interpreted or optimized). The
 * agent's thread keeps the clock: it notes when it saw the counter move.
 */
function stallBeat(threshold: number): { ring: Ring; interval: number; beat: Int32Array; stop(): void } {
  const ring = ringOf('runtime.stalls', { capacity: capacity(), schema: { duration_ms: 'number', top_function: 'string', file: 'string', line: 'number', stack: 'json', stack_later: 'json', request: 'string', thread: 'string', stack_after_ms: 'number' } });
  // Every half threshold, checked by the agent's thread every quarter: a block's stack is
  // taken between one and two thresholds into it (bench/stalls.js: 1.65 median, 1.78 at
  // most), and a duration is at most one threshold too long, never too short.
  // A beat every quarter (checked every eighth) cost an HTTP server 2.5-3.4% more CPU per
  // request in two runs of bench/stalls.js; every half, 0.99-1.00x in two runs.
  const interval = Math.max(5, Math.floor(threshold / 2));
  const beat = new Int32Array(new SharedArrayBuffer(4));
  // (named: the agent's stack snippet knows it — an interrupt that lands here came as the loop came back)
  const timer = setInterval(function probingStallBeat() {
    Atomics.add(beat, 0, 1);
  }, interval);
  timer.unref();
  // the stack snippet reads it: a beat that moved since the stall was seen means the loop
  // came back, and what runs then is not what blocked it
  const state = registry().state;
  state.set('stalls.beat', beat);
  return {
    ring,
    interval,
    beat,
    stop() {
      clearInterval(timer);
      if (state.get('stalls.beat') === beat) state.delete('stalls.beat');
    },
  };
}

/**
 * The stall watchdog (with the agent loaded: it runs in the agent's thread). The main thread
 * bumps a counter in a shared Int32Array from an unref'd timer every threshold/2 ms — no
 * allocation, no message per beat; the agent's thread reads it, and when the beat is
 * late by the threshold it takes the main thread's stack through its own inspector session
 * (V8 interrupts reach a thread that spins), again at twice the threshold, and when the
 * beat comes back it posts the stall here, which stores it in runtime.stalls.
 */
function startStalls(threshold: number): Sampler {
  const threads = load('node:worker_threads') as { isMainThread: boolean; threadId: number; getEnvironmentData?(key: string): unknown };
  if (!threads.isMainThread) return startWorkerStalls(threshold, threads);
  const agent = (globalThis as unknown as Record<symbol, { worker?: { postMessage(m: unknown): void; on(e: string, f: (m: any) => void): void; off(e: string, f: (m: any) => void): void; unref(): void } } | undefined>)[Symbol.for('probing.agent')];
  if (!agent?.worker) throw new Error('stalls are watched from the probing agent\'s thread: start the process with the agent (node --require probing-node/agent …), or probing <pid> agent install');
  const { ring, interval, beat, stop: stopBeat } = stallBeat(threshold);
  const worker = agent.worker;
  const onMessage = (message: any) => {
    if (message?.type !== 'probing.stall') return;
    const row = message.row as Record<string, unknown>;
    storeTrusted(ring, { ...row, ts: new Date(row.ts as number) });
  };
  worker.on('message', onMessage);
  // a 'message' listener refs the Worker again: the agent's thread must never keep the process alive
  worker.unref();
  worker.postMessage({ type: 'probing.stalls', threshold, interval, beat });
  return {
    stop() {
      stopBeat();
      worker.off('message', onMessage);
      worker.postMessage({ type: 'probing.stalls', threshold: 0 });
    },
  };
}

/**
 * The watchdog for a worker thread's own loop: the same beat, written by this thread; the
 * agent's thread hears of it on a BroadcastChannel (a worker has no other way to it) and
 * takes this thread's stack through the main thread's NodeWorker domain.
 */
function startWorkerStalls(threshold: number, threads: { threadId: number; getEnvironmentData?(key: string): unknown }): Sampler {
  if (!threads.getEnvironmentData?.('probing.agent')) throw new Error('stalls are watched from the probing agent\'s thread: start the process with the agent (node --require probing-node/agent …)');
  const { ring, interval, beat, stop: stopBeat } = stallBeat(threshold);
  const { threadId } = threads;
  const { BroadcastChannel: Channel } = load('node:worker_threads') as { BroadcastChannel: new (name: string) => { onmessage: ((event: { data: unknown }) => void) | null; postMessage(m: unknown): void; close(): void; unref?(): void } };
  const channel = new Channel('probing.stalls');
  channel.onmessage = (event) => {
    const message = event.data as { type?: string; threadId?: number; row?: Record<string, unknown> } | undefined;
    if (message?.type !== 'probing.stall' || message.threadId !== threadId || !message.row) return;
    storeTrusted(ring, { ...message.row, ts: new Date(message.row.ts as number) });
  };
  // listening must not keep this worker alive
  channel.unref?.();
  channel.postMessage({ type: 'probing.stalls', threadId, threshold, interval, beat });
  return {
    stop() {
      stopBeat();
      channel.postMessage({ type: 'probing.stalls', threadId, threshold: 0 });
      channel.close();
    },
  };
}

/** The threshold of `stalls.threshold on` (and PROBING_STALLS=on or 1). */
const DEFAULT_STALL_MS = 100;

/** A threshold as `config set` gives it: 100, 100ms, 1s; on is 100ms; off or 0 stops the watchdog. */
function parseThreshold(raw: unknown): number {
  const text = String(raw).trim().toLowerCase();
  if (['off', 'false', 'no', '0', '0ms'].includes(text)) return 0;
  if (['on', 'true', 'yes'].includes(text)) return DEFAULT_STALL_MS;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(text);
  const ms = match ? Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1)) : NaN;
  if (!(ms >= 10 && ms <= 60_000)) throw new Error(`stalls.threshold takes a duration from 10ms to 60s (100ms, 1s), on (${DEFAULT_STALL_MS}ms) or off, not "${String(raw)}"`);
  return ms;
}

function applyStalls(threshold: boolean | number): void {
  const running = samplers().get('stalls');
  if (running) {
    running.stop();
    samplers().delete('stalls');
  }
  if (typeof threshold === 'number' && threshold > 0) samplers().set('stalls', startStalls(threshold));
}

const OPTIONS: OptionSpec[] = [
  { key: 'sampler.event_loop', help: 'record event-loop delay percentiles and utilization per interval into runtime.event_loop', default: false, apply: toggle('event_loop', startEventLoop) },
  { key: 'sampler.event_loop.interval_ms', help: 'interval of the event-loop sampler, ms (applies when it starts)', default: 1000 },
  { key: 'sampler.gc', help: 'record every garbage collection (kind, duration) into runtime.gc', default: false, apply: toggle('gc', startGc) },
  { key: 'sampler.http', help: 'record every HTTP request the process serves (diagnostics_channel, no code changes) into runtime.http', default: false, apply: toggle('http', startHttp) },
  { key: 'sampler.http_client', help: 'record outgoing http/https requests and fetch() calls into runtime.http_client', default: false, apply: toggle('http_client', startHttpClient) },
  { key: 'sampler.capacity', help: 'rows kept per sampler table (applies when the table is created)', default: 10_000 },
  {
    key: 'stalls.threshold',
    help: `record event-loop stalls longer than this (100ms, 1s; on = ${DEFAULT_STALL_MS}ms; off) with the stack that blocked, into runtime.stalls (needs the agent)`,
    default: 0,
    parse: parseThreshold,
    apply: applyStalls,
  },
];

/** The runtime's options with their values, defaults and help. */
export function options(): Array<{ key: string; value: boolean | number; default: boolean | number; help: string }> {
  return OPTIONS.map((o) => ({ key: o.key, value: values().get(o.key) ?? o.default, default: o.default, help: o.help }));
}

/** Sets an option: 'on'/'off'/'true'/'false'/numbers are accepted as text. Returns the new value. */
export function configure(key: string, raw: unknown): boolean | number {
  const option = OPTIONS.find((o) => o.key === key);
  if (!option) throw new Error(`unknown option "${key}"; options: ${OPTIONS.map((o) => o.key).join(', ')}`);
  let value: boolean | number;
  if (option.parse) value = option.parse(raw);
  else if (typeof option.default === 'boolean') {
    const text = String(raw).toLowerCase();
    if (['on', 'true', '1', 'yes'].includes(text)) value = true;
    else if (['off', 'false', '0', 'no'].includes(text)) value = false;
    else throw new Error(`${key} takes on or off, not "${String(raw)}"`);
  } else {
    value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${key} takes a positive whole number, not "${String(raw)}"`);
  }
  option.apply?.(value);
  values().set(key, value);
  return value;
}

export const version = VERSION;

// Injected copies and scripts reach the runtime through the registry.
{
  const state = registry().state;
  const mine = { version: VERSION, table, save, options, configure };
  const theirs = state.get('module') as { version: string } | undefined;
  if (!theirs || versionNumber(VERSION) > versionNumber(theirs.version)) state.set('module', mine);
}
