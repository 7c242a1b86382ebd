/**
 * Tables written by the target through probing/runtime: js.<name> for the service's
 * own tables, and the `runtime` namespace for the samplers' tables. Rows are read in
 * chunks (each one short evaluation) up to the ring's end as it was when reading
 * began, newest --max-rows rows if there are more.
 */
import type { Table } from 'apache-arrow';
import { RemoteError } from '../../errors.js';
import { evaluateJson } from '../../run/remote-json.js';
import type { ColumnLimits, TablePayload } from '../../target/columns.js';
import { columnsOf } from '../../target/realm.js';
import { readRing, runtimeTables } from '../../target/runtime-read.js';
import type { ColumnSpec, GenerateContext, Generated, Namespace, TableSource } from '../contract.js';
import { snippetTable } from './snippet-table.js';

const CHUNK = 20_000;

interface Chunk {
  exists: boolean;
  runtime?: boolean;
  tables?: string[];
  schema?: Array<[string, string]>;
  next: number;
  end: number;
  skipped: number;
  done: boolean;
  stats: { capacity: number; dropped: number; rejected: number; appended: number };
  table: TablePayload;
}

const TYPES: Record<string, ColumnSpec['type']> = { number: 'float', string: 'string', boolean: 'boolean', bigint: 'bigint', timestamp: 'timestamp', json: 'json' };

/** The columns a projection keeps (names match without regard to case); conform() makes the others NULL. */
function projected(columns: readonly ColumnSpec[], only: readonly string[] | undefined): readonly ColumnSpec[] {
  if (!only) return columns;
  const wanted = new Set(only.map((name) => name.toLowerCase()));
  return columns.filter((c) => wanted.has(c.name.toLowerCase()));
}

/** Rows of a ring, changed in the CLI before they become the table (stalls: frames through source maps). */
type RowsHook = (ctx: GenerateContext, rows: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>;

async function readAll(ctx: GenerateContext, ring: string, written: string, declared: readonly ColumnSpec[] | undefined, hook?: RowsHook): Promise<Generated> {
  const [{ tableFromPayload, conform }, { rowsFromTable }, { tableFromRows }] = await Promise.all([
    import('../../tables/from-payload.js'),
    import('../../tables/to-rows.js'),
    import('../../tables/from-rows.js'),
  ]);
  const only = ctx.constraints.columns;
  const limits: ColumnLimits = { maxRows: CHUNK, maxBytes: ctx.limits.maxBytes, maxString: 64 * 1024, maxColumns: 1000, only: only ?? null };
  const read = (from: number, count: number, until: number | null) =>
    evaluateJson<Chunk>(
      ctx.attachment,
      `(() => { const r = (${readRing.toString()})(${JSON.stringify(ring)}, ${from}, ${count}, ${until}); if (!r.exists) return r; const { rows, ...meta } = r; return { ...meta, table: ${columnsOf('rows', limits)} }; })()`,
      { timeoutMs: ctx.limits.timeoutMs, what: written, async: false },
    );

  // Where to start: the newest maxRows rows of the ring as it is now.
  const first = await read(0, 0, null);
  if (!first.exists) {
    if (declared) return { table: conform(tableFromRows([]), declared) };
    const known = first.tables?.filter((t) => !t.startsWith('runtime.')) ?? [];
    throw new RemoteError('NO_RUNTIME_TABLE', `${written}: the target has no runtime table "${ring}"`, '', {
      hint: !first.runtime
        ? 'the target never loaded probing/runtime; tables are created with table(name) from it (probing <pid> inject installs it); for a JavaScript value write js.`expression`'
        : known.length > 0
          ? `its runtime tables: ${known.join(', ')}`
          : 'its runtime has no tables yet; for a JavaScript value write js.`expression`',
    });
  }
  const end = first.end;
  const kept = Math.min(first.stats.capacity, end);
  let from = Math.max(end - kept, end - ctx.limits.maxRows);
  const rows: Record<string, unknown>[] = [];
  let overwritten = 0;
  let stats = first.stats;
  let schema = first.schema ?? [];
  while (from < end) {
    const chunk = await read(from, CHUNK, end);
    overwritten += chunk.skipped;
    stats = chunk.stats;
    schema = chunk.schema ?? schema;
    for (const row of rowsFromTable(tableFromPayload(chunk.table) as Table)) rows.push(row);
    if (chunk.next <= from) break;
    from = chunk.next;
  }
  const columns = declared ?? [{ name: 'ts', type: 'timestamp' as const, doc: 'when the row was appended' }, ...schema.map(([name, type]) => ({ name, type: TYPES[type] ?? 'json', doc: '' }))];
  if (hook && rows.length > 0) rows.splice(0, rows.length, ...(await hook(ctx, rows)));
  const table = conform(tableFromRows(rows, projected(columns, only).map((c) => c.name)), columns);
  const total = Math.min(stats.capacity, end);
  if (overwritten > 0) return { table, truncated: { reason: 'overwritten', total } };
  if (rows.length < total) return { table, truncated: { reason: 'rows', total } };
  return { table };
}

export function runtimeTable(ring: string, written: string, description: string, declared?: readonly ColumnSpec[], hook?: RowsHook): TableSource {
  return {
    name: written.slice(written.indexOf('.') + 1),
    description,
    ...(declared ? { columns: declared } : {}),
    generate: (ctx) => readAll(ctx, ring, written, declared, hook),
  };
}

type StallFrame = { function: string; file: string | null; line: number | null; column: number | null };

/**
 * A stall's frames at their original places where a source map covers them (as backtrace
 * shows them), its top file and line with them; the frames as V8 ran them stay in
 * `generated` of each mapped frame.
 */
const mapStalls: RowsHook = async (ctx, rows) => {
  const { loadSourceMaps } = await import('../../diagnostics/source-maps.js');
  const frames = (v: unknown) => (Array.isArray(v) ? (v as StallFrame[]) : typeof v === 'string' ? (JSON.parse(v) as StallFrame[]) : []);
  const files = new Set(rows.flatMap((r) => [...frames(r.stack), ...frames(r.stack_later)].map((f) => f.file).filter((f): f is string => typeof f === 'string' && !f.startsWith('node:'))));
  if (files.size === 0) return rows;
  const maps = await loadSourceMaps(ctx.attachment.session, files, ctx.limits.timeoutMs);
  if (maps.read === 0) return rows;
  const map = (list: StallFrame[]) =>
    list.map((f) => {
      const place = f.file && f.line ? maps.original(f.file, f.line, f.column ?? 1) : undefined;
      return place ? { ...f, file: place.url, line: place.line, column: place.column, generated: { file: f.file, line: f.line, column: f.column } } : f;
    });
  return rows.map((row) => {
    const stack = map(frames(row.stack));
    const top = stack[0];
    return { ...row, stack, ...(row.stack_later ? { stack_later: map(frames(row.stack_later)) } : {}), ...(top ? { file: top.file, line: top.line } : {}) };
  });
};

const ts: ColumnSpec = { name: 'ts', type: 'timestamp', doc: 'when the row was written' };
const on = (key: string) => `; off until switched on: probing <pid> config set ${key} on`;

export const runtimeNamespace: Namespace = {
  name: 'runtime',
  description: 'tables the runtime samplers fill inside the target (probing <pid> config lists them)',
  tables: [
    runtimeTable('runtime.event_loop', 'runtime.event_loop', `event-loop delay percentiles and utilization, one row per interval${on('sampler.event_loop')}`, [
      ts,
      { name: 'interval_ms', type: 'float', doc: 'length of the interval' },
      { name: 'min_ms', type: 'float', doc: 'smallest event-loop delay seen' },
      { name: 'mean_ms', type: 'float', doc: 'mean delay' },
      { name: 'p50_ms', type: 'float', doc: 'median delay' },
      { name: 'p90_ms', type: 'float', doc: '90th percentile delay' },
      { name: 'p99_ms', type: 'float', doc: '99th percentile delay' },
      { name: 'max_ms', type: 'float', doc: 'largest delay' },
      { name: 'utilization', type: 'float', doc: 'share of the interval the event loop was busy (0–1)' },
    ]),
    runtimeTable('runtime.gc', 'runtime.gc', `garbage collections${on('sampler.gc')}`, [
      ts,
      { name: 'kind', type: 'string', doc: 'minor (scavenge), major (mark-sweep-compact), incremental, weak_callbacks' },
      { name: 'duration_ms', type: 'float', doc: 'how long it took' },
      { name: 'started_ms', type: 'float', doc: 'when it started, ms since the process started' },
    ]),
    runtimeTable('runtime.http', 'runtime.http', `HTTP requests the process served, seen through diagnostics_channel (no code changes)${on('sampler.http')}`, [
      ts,
      { name: 'method', type: 'string', doc: 'request method' },
      { name: 'url', type: 'string', doc: 'request URL (path and query)' },
      { name: 'status', type: 'float', doc: 'response status code' },
      { name: 'duration_ms', type: 'float', doc: 'from the request starting to the response finishing' },
      { name: 'remote_address', type: 'string', doc: 'client address' },
      { name: 'request_bytes', type: 'float', doc: 'request Content-Length (0 if none)' },
    ]),
    runtimeTable('runtime.http_client', 'runtime.http_client', `outgoing http/https requests and fetch() calls${on('sampler.http_client')}`, [
      ts,
      { name: 'client', type: 'string', doc: "'http' (node:http/https) or 'fetch' (undici)" },
      { name: 'method', type: 'string', doc: 'request method' },
      { name: 'url', type: 'string', doc: 'request URL' },
      { name: 'status', type: 'float', doc: 'response status code' },
      { name: 'duration_ms', type: 'float', doc: 'until the response (its headers, for fetch)' },
    ]),
    runtimeTable(
      'runtime.stalls',
      'runtime.stalls',
      'event-loop stalls longer than stalls.threshold, with the stack that blocked, taken while it still ran (from the agent\'s thread); off until switched on: probing <pid> config set stalls.threshold 100ms (or on; needs the agent)',
      [
        { name: 'ts', type: 'timestamp', doc: "when the stall began: the agent's last check of the beat before it" },
        { name: 'duration_ms', type: 'float', doc: "how long the event loop was blocked: never less, and longer by at most the threshold (the beat's interval, half the threshold, and two of the agent's checks of it), unless the system starves the agent's thread" },
        { name: 'top_function', type: 'string', doc: 'the innermost function of the stack taken at detection; NULL when no JavaScript could be interrupted before the loop came back (the thread in native code or a long GC, or not scheduled by the OS)' },
        { name: 'file', type: 'string', doc: "that function's file (the original source where a source map covers it)" },
        { name: 'line', type: 'float', doc: "that function's line" },
        { name: 'stack', type: 'json', doc: 'the frames at detection (function, file, line, column), innermost first' },
        { name: 'stack_later', type: 'json', doc: 'the frames at twice the threshold, if it was still blocked then' },
        { name: 'request', type: 'string', doc: "the HTTP request whose handler was running (METHOD url), when sampler.http is on: code called from the server's 'request' event; NULL for code run later (after an await, in a body's 'end' event, in a timer)" },
        { name: 'thread', type: 'string', doc: "the thread that stalled ('main')" },
        { name: 'stack_after_ms', type: 'float', doc: 'how long after ts its stack was taken: the threshold, plus the beat\'s interval, plus the detection delay' },
      ],
      mapStalls,
    ),
  ],
};

export const runtimeTablesSource: TableSource = snippetTable({
  namespace: 'probing',
  name: 'runtime_tables',
  description: 'tables written inside the target through probing/runtime, with their fill and losses',
  snippet: runtimeTables,
  // reads the registry probing/runtime keeps on the target's globalThis
  realm: 'target',
  columns: [
    { name: 'table', type: 'string', doc: 'table name (js.<name>; runtime.* for sampler tables)' },
    { name: 'rows', type: 'integer', doc: 'rows held now' },
    { name: 'capacity', type: 'integer', doc: 'rows the ring holds at most' },
    { name: 'appended', type: 'integer', doc: 'rows appended since the table was created' },
    { name: 'dropped', type: 'integer', doc: 'oldest rows overwritten because the ring was full (exact)' },
    { name: 'rejected', type: 'integer', doc: 'rows refused because a value could not be coerced to its column type' },
    { name: 'last_rejection', type: 'string', doc: 'why the last row was refused' },
    { name: 'bytes', type: 'integer', doc: 'estimated memory of the rows held' },
    { name: 'columns', type: 'json', doc: 'column names, ts first' },
    { name: 'created', type: 'timestamp', doc: 'when the table was created' },
    { name: 'runtime_version', type: 'string', doc: 'version of the runtime that owns the registry' },
  ],
});
