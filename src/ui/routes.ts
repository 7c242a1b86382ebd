/**
 * The API of `probing ui` (src/ui/api.ts), over the same library the CLI's commands
 * call: the catalog, prepareQuery/runQuery and render, backtrace, the profilers, the
 * flame graph, the snapshot reader. Nothing here attaches, plans or renders its own way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTarget } from '../attach/target-spec.js';
import type { Registry } from '../extensions/registry.js';
import type { QueryResult } from '../sql/query.js';
import type * as Api from './api.js';
import { HttpError, type Reply, type Request, type Router } from './server.js';
import type { Held, TargetPool } from './targets.js';

export interface RouteContext {
  pool: TargetPool;
  registry: Registry;
  config: Api.UiConfig;
  timeoutMs: number;
}

const LIMITS = { maxRows: 10_000, maxBytes: 64 << 20 };
/** The routes under api/t/<target>/, by method. */
const ACTIONS = { GET: ['samples', 'stacks', 'snapshot-cost'], POST: ['open', 'query', 'profile', 'heap-sample', 'heap-snapshot', 'eval', 'inject'] };
/** Run code in the target: only with --allow-eval. */
const CODE_ACTIONS = ['eval', 'inject'];
const EXPORTS = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8', arrow: 'application/vnd.apache.arrow.stream' } as const;

/** The rows of a result as JSON-safe values: exact integers past 2^53 and decimals as text. */
async function answer(result: QueryResult, ms: number): Promise<Api.QueryAnswer> {
  const { wireValue, cutNotes } = await import('../output/render.js');
  const { columns, rowCount } = result.table;
  const rows = Array.from({ length: rowCount }, (_, r) => columns.map((c) => wireValue(c, r)));
  return { columns: columns.map((c) => ({ name: c.name, type: c.type })), rows, cut: cutNotes(result.truncated), ms };
}

function seconds(body: unknown): number {
  const s = Number((body as Api.ProfileRequest).seconds);
  if (!Number.isFinite(s) || s < 1 || s > 60) throw new HttpError(400, 'BAD_SECONDS', 'seconds must be from 1 to 60');
  return s;
}

function text(body: unknown, field: string): string {
  const value = (body as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.trim() === '') throw new HttpError(400, 'MISSING_FIELD', `the request needs "${field}" (text)`);
  return value;
}

export function uiRoutes(ctx: RouteContext): { route: Router; dispose(): Promise<void> } {
  /** Flame graphs served as documents (files/<id>.svg), the last 20. */
  const svgs = new Map<string, string>();
  const keepSvg = (svg: string): string => {
    const id = randomBytes(9).toString('base64url');
    svgs.set(id, svg);
    for (const old of svgs.keys()) if (svgs.size > 20) svgs.delete(old);
    return `files/${id}.svg`;
  };
  /** Snapshots taken here, by id: their class tables, for diffs; the files are removed once read. */
  const snapshots = new Map<string, { classes: import('../diagnostics/snapshot-parser.js').ClassRow[] }>();
  let snapshotDir: string | undefined;

  const query = async (held: Held, sql: string, format: string | null): Promise<Reply> => {
    const [{ prepareQuery, runQuery }, { render }] = await Promise.all([import('../sql/query.js'), import('../output/render.js')]);
    const started = Date.now();
    const prepared = await prepareQuery(sql, ctx.registry);
    const result = await runQuery(held.attachment, prepared, { ...LIMITS, timeoutMs: ctx.timeoutMs });
    if (format === null) return { json: await answer(result, Date.now() - started) };
    if (!(format in EXPORTS)) throw new HttpError(400, 'BAD_FORMAT', `format=${format}: csv, json or arrow`);
    const body = await render(result, format as keyof typeof EXPORTS, { width: undefined, colors: false });
    return { body, type: EXPORTS[format as keyof typeof EXPORTS], filename: `probing-${held.attachment.target.pid}.${format}` };
  };

  const opened = async (held: Held): Promise<Api.Opened> => {
    const { attachment } = held;
    const info = (await query(held, 'SELECT * FROM process.info', null)) as { json: Api.QueryAnswer };
    const { columns, rows } = info.json;
    return {
      target: held.key,
      pid: attachment.target.pid,
      nodeVersion: attachment.target.nodeVersion,
      title: attachment.target.title,
      argv: attachment.target.argv,
      address: attachment.address,
      info: Object.fromEntries(columns.map((c, i) => [c.name, rows[0]?.[i] ?? null])),
    };
  };

  const onTarget = async (held: Held, action: string, request: Request): Promise<Reply | undefined> => {
    const { attachment } = held;
    const { method, body } = request;
    if (method === 'POST' && action === 'open') return { json: await opened(held) };
    if (method === 'GET' && action === 'samples') {
      const after = Number(request.query.get('after') ?? 0);
      if (!Number.isFinite(after)) throw new HttpError(400, 'BAD_AFTER', 'after is a time in ms since the epoch (the ts of the last sample the page has)');
      const samples: Api.Sample[] = await held.history.since(after);
      return { json: samples };
    }
    if (method === 'POST' && action === 'query') return query(held, text(body, 'sql'), request.query.get('format'));
    if (method === 'GET' && action === 'stacks') {
      const { backtrace, workerBacktraces } = await import('../diagnostics/backtrace.js');
      // a worker's own threads are not listed from inside it (its session has no NodeWorker domain)
      const inWorker = parseTarget(held.key).worker !== undefined;
      const [main, workers] = [await backtrace(attachment, ctx.timeoutMs), inWorker ? [] : await workerBacktraces(attachment, ctx.timeoutMs)];
      const stacks: Api.Stacks = { main: main.trace, workers: workers.map(({ id, title, url, ...w }) => ({ id, title, url, ...('trace' in w ? { trace: w.trace } : { error: w.error }) })) };
      return { json: stacks };
    }
    if (method === 'POST' && action === 'profile') {
      const durationMs = seconds(body) * 1000;
      const [cpu, { cpuFindings }] = await Promise.all([import('../diagnostics/cpu-profile.js'), import('../diagnostics/findings.js')]);
      const recorded = await cpu.profileCpu(attachment, { durationMs, intervalUs: 1000 });
      const { tables, svg, samples, durationMs: duration } = await cpuFindings(attachment, recorded, { sourceMaps: true, timeoutMs: ctx.timeoutMs, seconds: String(durationMs / 1000) });
      const answer: Api.Profile = { svg, svgPath: keepSvg(svg), functions: tables.functions.slice(0, 200), samples, duration_ms: duration };
      return { json: answer };
    }
    if (method === 'POST' && action === 'heap-sample') {
      const durationMs = seconds(body) * 1000;
      const [heap, { heapFindings }] = await Promise.all([import('../diagnostics/heap-sample.js'), import('../diagnostics/findings.js')]);
      const sampled = await heap.sampleHeap(attachment, { durationMs, intervalBytes: 32_768 });
      const { tables, svg } = await heapFindings(attachment, sampled, { sourceMaps: true, timeoutMs: ctx.timeoutMs, seconds: String(durationMs / 1000) });
      const answer: Api.HeapSample = { svg, svgPath: keepSvg(svg), sites: tables.sites.slice(0, 200) };
      return { json: answer };
    }
    if (method === 'GET' && action === 'snapshot-cost') {
      const { planSnapshot } = await import('../diagnostics/heap-snapshot.js');
      const plan = await planSnapshot(attachment, ctx.timeoutMs);
      const cost: Api.SnapshotCost = { warning: plan.warning, seconds: plan.seconds, peakBytes: plan.peakBytes, refused: plan.refused ? `${plan.refused.message} (${plan.refused.hint})` : null };
      return { json: cost };
    }
    if (method === 'POST' && action === 'heap-snapshot') {
      if ((body as Api.SnapshotRequest).confirm !== true) {
        throw new HttpError(400, 'CONFIRM', 'a heap snapshot stops the target while it is written: confirm it ({"confirm": true}) after reading snapshot-cost');
      }
      const [{ planSnapshot, takeSnapshot }, { readSnapshot, analyse }] = await Promise.all([import('../diagnostics/heap-snapshot.js'), import('../diagnostics/snapshot-parser.js')]);
      const plan = await planSnapshot(attachment, ctx.timeoutMs);
      if (plan.refused) throw new HttpError(400, plan.refused.code, plan.refused.message, { hint: plan.refused.hint });
      snapshotDir ??= await mkdtemp(join(tmpdir(), 'probing-ui-'));
      const id = randomBytes(6).toString('hex');
      const file = join(snapshotDir, `${id}.heapsnapshot`);
      try {
        await takeSnapshot(attachment, file, undefined, request.signal);
        const result = analyse(await readSnapshot(file), 20);
        snapshots.set(id, { classes: result.classes });
        const snapshot: Api.Snapshot = {
          id,
          takenAt: Date.now(),
          target: held.key,
          nodeCount: result.nodeCount,
          totalSize: result.totalSize,
          classes: result.classes.slice(0, 200) as unknown as Api.Snapshot['classes'],
          objects: result.objects as unknown as Api.Snapshot['objects'],
        };
        return { json: snapshot };
      } finally {
        await rm(file, { force: true });
      }
    }
    if (method === 'POST' && action === 'eval' && ctx.config.allowEval) {
      const { evaluate } = await import('../run/evaluate.js');
      const formatted = await evaluate(attachment, text(body, 'code'), { json: false, colors: false, depth: 2, columns: 100, maxBytes: 1 << 20, timeoutMs: ctx.timeoutMs });
      const reply: Api.EvalAnswer = { text: formatted.text };
      return { json: reply };
    }
    if (method === 'POST' && action === 'inject' && ctx.config.allowEval) {
      const { inject } = await import('../run/inject.js');
      const formatted = await inject(attachment, text(body, 'file'), { json: false, colors: false, depth: 2, columns: 100, maxBytes: 1 << 20, timeoutMs: ctx.timeoutMs });
      const reply: Api.EvalAnswer = { text: formatted.text };
      return { json: reply };
    }
    return undefined;
  };

  const route: Router = async (request) => {
    const { method, parts } = request;
    if (parts[0] === 'files' && parts.length === 2 && method === 'GET') {
      const svg = svgs.get(parts[1]!.replace(/\.svg$/, ''));
      return svg === undefined ? undefined : { body: svg, type: 'image/svg+xml; charset=utf-8' };
    }
    const [, what, target, action] = parts;
    if (parts.length === 2 && method === 'GET' && what === 'config') return { json: ctx.config };
    if (parts.length === 2 && method === 'GET' && what === 'processes') {
      const { listNodeProcesses } = await import('../attach/list.js');
      const held = new Set(ctx.pool.keys);
      const rows: Api.ProcessRow[] = (await listNodeProcesses())
        .filter((p) => p.pid !== process.pid)
        .map((p) => ({ pid: p.pid, ppid: p.ppid, command: p.command, node: p.node, way: p.way, address: p.address, note: p.note, open: held.has(String(p.pid)) }));
      return { json: rows };
    }
    if (parts.length === 2 && method === 'GET' && what === 'catalog') {
      const { catalog } = await import('../extensions/builtin/catalog.js');
      const entries: Api.CatalogEntry[] = catalog(ctx.registry).map((t) => ({ namespace: t.namespace, name: t.name, description: t.description, columns: (t.columns ?? []).map((c) => ({ name: c.name, type: c.type, doc: c.doc })) }));
      return { json: entries };
    }
    if (parts.length === 2 && method === 'POST' && what === 'heap-diff') {
      const { diffClasses } = await import('../diagnostics/snapshot-parser.js');
      const [before, after] = [snapshots.get(text(request.body, 'before')), snapshots.get(text(request.body, 'after'))];
      if (!before || !after) throw new HttpError(404, 'NO_SNAPSHOT', 'no snapshot with that id was taken by this server', { hint: 'take two snapshots first' });
      const rows = diffClasses(before.classes, after.classes).slice(0, 200);
      const names = ['class', 'count_before', 'count_after', 'count_delta', 'size_delta'];
      const diff: Api.QueryAnswer = { columns: names.map((name) => ({ name, type: name === 'class' ? 'string' : 'int64' })), rows: rows.map((r) => names.map((n) => r[n] ?? null)), cut: [], ms: 0 };
      return { json: diff };
    }
    if (parts.length === 4 && what === 't' && target && action) {
      if (method === 'POST' && action === 'close') {
        await ctx.pool.close(target);
        return { json: {} };
      }
      // what is not a route is answered without attaching to anything
      const actions = ACTIONS[method as 'GET' | 'POST'] ?? [];
      if (!actions.includes(action) || (CODE_ACTIONS.includes(action) && !ctx.config.allowEval)) return undefined;
      return ctx.pool.use(target, (held) => onTarget(held, action, request));
    }
    return undefined;
  };

  return {
    route,
    dispose: async () => {
      if (snapshotDir) await rm(snapshotDir, { recursive: true, force: true });
    },
  };
}
