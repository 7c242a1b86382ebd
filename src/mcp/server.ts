/**
 * `probing mcp`: the probe as Model Context Protocol tools, over the same library as the
 * CLI (no second implementation). Read-only unless the server was started with
 * --allow-eval: eval and inject are then listed, and otherwise not at all. Every call
 * attaches, works and detaches (the target left as found); a call the client cancels, or
 * one in flight when the client goes away, is abandoned and its target detached. Errors
 * come back as tool errors with the CLI's message and hint.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Attachment } from '../attach/attach.js';
import { parseTarget } from '../attach/target-spec.js';
import { ProbingError, UsageError, errorReport } from '../errors.js';
import type { Registry } from '../extensions/registry.js';
import { answerContent, TABLE_LIMITS } from './answer.js';
import { QUERY_EXAMPLES, tableGuide } from './descriptions.js';

export interface McpOptions {
  version: string;
  allowEval: boolean;
  timeoutMs: number;
  attachTimeoutMs: number;
  registry: Registry;
  /** Where profiles are written (a temporary directory by default). */
  outputDir?: string;
}

const TARGET = z
  .string()
  .describe('the process: a pid ("4242"), a worker thread of it ("4242/w1"), or an inspector address ("127.0.0.1:9229"); list_processes shows the pids');
const DEFAULT_ROWS = 200;
const DEFAULT_BYTES = 64 * 1024;
const MAX_ROWS = 10_000;
const MAX_BYTES = 4 << 20;

/** A tool's failure as the CLI prints it (after its "probing: "): the message, then the hint that names the fix. */
function failure(error: unknown): CallToolResult {
  const text = error instanceof ProbingError ? errorReport(error).trimEnd() : `internal error: ${(error as Error)?.message ?? String(error)}`;
  return { isError: true, content: [{ type: 'text', text }] };
}

function ok(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) };
}

export function createMcpServer(options: McpOptions): { server: McpServer; settled: () => Promise<void> } {
  const server = new McpServer({ name: 'probing', version: options.version }, { capabilities: { tools: {} } });
  const limits = { ...TABLE_LIMITS, timeoutMs: options.timeoutMs };
  const attachOptions = { timeoutMs: options.timeoutMs, attachTimeoutMs: options.attachTimeoutMs, onNotice: (text: string) => process.stderr.write(`probing: note: ${text}\n`) };

  /**
   * What a call has to add to its answer, whatever it is: an inspector probing opened and
   * could not close (a target that does not return to its event loop), as the CLI says it.
   */
  const notes = new AsyncLocalStorage<string[]>();
  /** Runs `work` attached to `target`; detached after it, and when the client cancels. */
  const onTarget = async <T>(target: string, signal: AbortSignal, work: (attachment: Attachment, signal: AbortSignal) => Promise<T>): Promise<T> => {
    const { withTarget } = await import('../run/with-target.js');
    const { value, leftOpen } = await withTarget(parseTarget(target), { ...attachOptions, signal }, work);
    if (leftOpen) notes.getStore()?.push(leftOpen);
    return value;
  };
  /** Calls in flight, so that the server's end can wait for each to have detached. */
  const calls = new Set<Promise<CallToolResult>>();
  const track = (call: () => Promise<CallToolResult>): Promise<CallToolResult> => {
    const said: string[] = [];
    const settled = notes
      .run(said, call)
      .catch(failure)
      .then((result) => (said.length === 0 ? result : { ...result, content: [...result.content, ...said.map((note) => ({ type: 'text' as const, text: `note: ${note}` }))] }));
    calls.add(settled);
    void settled.finally(() => calls.delete(settled));
    return settled;
  };
  const tool = <A>(run: (args: A, signal: AbortSignal) => Promise<CallToolResult>) => (args: A, extra: { signal: AbortSignal }) => track(() => run(args, extra.signal));
  /** A tool that takes no arguments: the SDK calls it with `extra` alone. */
  const tool0 = (run: () => Promise<CallToolResult>) => (_extra: { signal: AbortSignal }) => track(run);
  const tableList = async () => (await import('../extensions/builtin/catalog.js')).catalog(options.registry);

  server.registerTool(
    'list_processes',
    {
      title: 'Node.js processes',
      description: 'The Node.js processes on this host that can be probed, with how probing reaches each: "agent" (its socket, no signal), "inspector" (already open), "signal" (SIGUSR1 opens the inspector for the call and it is closed after), or "none" (note says why). Use a pid from here as the target of the other tools.',
      annotations: { readOnlyHint: true },
    },
    tool0(async () => {
      const { listNodeProcesses } = await import('../attach/list.js');
      const processes = (await listNodeProcesses()).filter((p) => p.pid !== process.pid).map((p) => ({ pid: p.pid, ppid: p.ppid, command: p.command, node: p.node, way: p.way, note: p.note }));
      const text = processes.map((p) => `${p.pid}  ${p.node ?? '?'}  ${p.way}${p.note ? ` (${p.note})` : ''}  ${p.command}`).join('\n') || '(no Node.js processes)';
      return ok(text, { processes });
    }),
  );

  server.registerTool(
    'list_tables',
    {
      title: 'Tables a query can read',
      description:
        'Every table `query` can read, each with what it holds in full (the query tool\'s description lists them shortly): process (identity, memory, resources, env, stack, …), v8 (heap spaces, statistics), node (loaded modules), os, runtime (tables the application or probing/runtime samplers write), probing (this catalog), an extension\'s namespaces, and js.`<expression>` — any JavaScript value of the target as a table, e.g. js.`[...app.sessions.values()]`. describe_table gives a table\'s columns.',
      annotations: { readOnlyHint: true },
    },
    tool0(async () => {
      const tables = (await tableList()).map((t) => ({ table: `${t.namespace}.${t.name}`, description: t.description }));
      return ok(tables.map((t) => `${t.table} — ${t.description}`).join('\n'), { tables });
    }),
  );

  server.registerTool(
    'describe_table',
    {
      title: 'A table\'s columns',
      description: 'The columns of one table (name, type, what it holds), and the conditions it applies inside the process, as probing describe gives them. js.`<expression>` tables take their columns from the value.',
      inputSchema: { table: z.string().describe('namespace.name, e.g. process.memory') },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ table }: { table: string }) => {
      const { describeTable } = await import('../extensions/describe.js');
      const described = await describeTable(options.registry, table);
      const columns = (described.columns ?? []).map((c) => ({ name: c.name, type: c.type, doc: c.doc }));
      const lines = [`${described.namespace}.${described.name} — ${described.description}`];
      if (described.pushdown) lines.push(`applied inside the target: ${described.pushdown}`);
      lines.push(...(described.columns ? columns.map((c) => `  ${c.name} ${c.type} — ${c.doc}`) : ['its columns come from the value: an array of objects gives a column per key, scalars a value column, a Map key and value']));
      return ok(lines.join('\n'), { table: `${described.namespace}.${described.name}`, description: described.description, pushdown: described.pushdown, columns: described.columns ? columns : null });
    }),
  );

  server.registerTool(
    'query',
    {
      title: 'SQL over live processes',
      description:
        'Read-only SQL (DuckDB) over a live Node.js process, or over several at once (targets: their rows unioned, with _target, _pid and _host columns first). ' +
        `The tables (describe_table gives a table's columns, list_tables the full descriptions):\n${tableGuide(options.registry)}\n` +
        `js.\`<expression>\` makes any JavaScript value of the process a table (await allowed): an array of objects gives a row per element, an array of scalars or a Set a value column, a Map key and value columns, a plain object one row of its properties, a scalar one value row; it runs in the process, so keep it a cheap read.\nExamples:\n${QUERY_EXAMPLES.join('\n')}\n` +
        `The answer is bounded: at most max_rows rows (default ${DEFAULT_ROWS}) and about max_bytes of them as JSON (default ${DEFAULT_BYTES}); row_count says how many the answer had, and "cut" says what was cut and why — aggregate in SQL rather than reading many rows. Each table read from the process is limited to ${TABLE_LIMITS.maxRows} rows and ${TABLE_LIMITS.maxBytes >> 20} MiB, as the CLI's is (a cut there is said in "cut" too). Unknown tables and columns are errors with a hint.`,
      inputSchema: {
        target: TARGET.optional(),
        targets: z.array(z.string()).optional().describe('several processes at once (instead of target)'),
        sql: z.string().describe('one SELECT statement'),
        max_rows: z.number().int().min(1).max(MAX_ROWS).default(DEFAULT_ROWS).describe(`rows returned at most (1–${MAX_ROWS})`),
        max_bytes: z.number().int().min(1024).max(MAX_BYTES).default(DEFAULT_BYTES).describe(`about how many bytes the returned rows may take as JSON (1024–${MAX_BYTES})`),
      },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ target, targets, sql, max_rows, max_bytes }: { target?: string; targets?: string[]; sql: string; max_rows: number; max_bytes: number }, signal) => {
      const bounds = { maxRows: max_rows, maxBytes: max_bytes };
      const { prepareQuery, runQuery, collectTables, answer } = await import('../sql/query.js');
      const many = targets !== undefined && targets.length > 0;
      if (many === (target !== undefined)) throw new UsageError('TARGET', 'give either target (one process) or targets (several)', { hint: 'list_processes shows the pids' });
      const prepared = await prepareQuery(sql, options.registry, { tagged: many });
      if (!many) return answerContent(await onTarget(target!, signal, (attachment) => runQuery(attachment, prepared, limits)), bounds);
      const [{ forEachTarget }, { hostname }] = await Promise.all([import('../run/fan-out.js'), import('node:os')]);
      const labelled = targets!.map((label) => ({ label, spec: parseTarget(label) }));
      const outcomes = await forEachTarget(labelled, { ...attachOptions, concurrency: 8, signal }, (attachment, t) =>
        collectTables(attachment, prepared, limits, { showSecrets: false }, { _target: t.label, _pid: attachment.target.pid, _host: hostname() }),
      );
      for (const o of outcomes) if (o.leftOpen) notes.getStore()?.push(`target ${o.target.label}: ${o.leftOpen}`);
      const failed = outcomes.filter((o) => o.error);
      if (failed.length === outcomes.length) throw failed[0]!.error!;
      const content = await answerContent(await answer(prepared, outcomes.filter((o) => o.value).map((o) => o.value!), { timeoutMs: options.timeoutMs }), bounds);
      if (failed.length > 0) {
        const said = failed.map((f) => `target ${f.target.label} failed: ${f.error!.message}`);
        content.content.unshift({ type: 'text', text: said.join('\n') });
        (content.structuredContent as Record<string, unknown>).failed = failed.map((f) => ({ target: f.target.label, error: f.error!.message }));
      }
      return content;
    }),
  );

  server.registerTool(
    'backtrace',
    {
      title: 'Stacks now',
      description: 'The JavaScript stack of the main thread now, innermost frame first, and of each worker thread — or "idle" and what keeps the event loop alive. Works on a process spinning in a loop (no pause). Frames of transpiled code are at their original file and line where a source map covers them.',
      inputSchema: { target: TARGET },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ target }: { target: string }, signal) => {
      const { backtrace, formatBacktrace, workerBacktraces } = await import('../diagnostics/backtrace.js');
      const value = await onTarget(target, signal, async (a) => ({
        main: (await backtrace(a, options.timeoutMs)).trace,
        workers: parseTarget(target).worker === undefined ? await workerBacktraces(a, options.timeoutMs) : [],
        pid: a.target.pid,
      }));
      const workers = value.workers.map(({ id, title, url, ...w }) => ({ id, title, url, ...('trace' in w ? { trace: w.trace } : { error: w.error }) }));
      let text = formatBacktrace(value.main, value.pid);
      for (const w of workers) text += `\nworker ${w.id} (${w.url || w.title}):\n${'trace' in w ? formatBacktrace(w.trace, value.pid, `worker ${w.id}`) : `could not read its stack: ${w.error}\n`}`;
      return ok(text, { main: value.main, workers });
    }),
  );

  const seconds = z.number().min(0.5).max(60).default(5).describe('how long to record, 0.5–60 s');
  const written = async (name: string, files: Array<[string, string]>) => {
    const dir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'probing-mcp-')));
    const paths: string[] = [];
    for (const [suffix, content] of files) {
      const path = join(dir, `${name}${suffix}`);
      await writeFile(path, content);
      paths.push(path);
    }
    return paths;
  };

  server.registerTool(
    'profile_cpu',
    {
      title: 'CPU profile',
      description: "Samples where the process spends its CPU for `seconds` (V8's profiler, 1 ms interval), then returns the top functions by self time and the paths of the .cpuprofile (Chrome DevTools opens it) and of a flame graph (.svg). The profiler is stopped before the call ends, also when it is cancelled.",
      inputSchema: { target: TARGET, seconds, top: z.number().int().min(1).max(200).default(15) },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ target, seconds: s, top }: { target: string; seconds: number; top: number }, signal) => {
      const [cpu, { cpuFindings }] = await Promise.all([import('../diagnostics/cpu-profile.js'), import('../diagnostics/findings.js')]);
      const { profile, note, tables, svg, samples, durationMs: duration, pid } = await onTarget(target, signal, async (a) => ({
        ...(await cpuFindings(a, await cpu.profileCpu(a, { durationMs: s * 1000, intervalUs: 1000 }), { sourceMaps: true, timeoutMs: options.timeoutMs, seconds: String(s) })),
        pid: a.target.pid,
      }));
      const [cpuprofile, flame] = await written(`cpu-${pid}-${Date.now()}`, [['.cpuprofile', JSON.stringify(profile)], ['.svg', svg]]);
      const functions = tables.functions.slice(0, top).map((f) => ({ ...f, self_ms: Math.round(f.self_ms * 10) / 10, total_ms: Math.round(f.total_ms * 10) / 10 }));
      const text = `${samples} samples over ${duration.toFixed(0)} ms; top functions by self time:\n${functions.map((f) => `${String(f.self_ms).padStart(8)} ms self ${String(f.total_ms).padStart(8)} ms total  ${f.function}  ${f.url}${f.url ? `:${f.line}` : ''}`).join('\n')}\n${note}wrote ${cpuprofile} and ${flame}`;
      return ok(text, { functions, samples, duration_ms: duration, cpuprofile, flamegraph: flame, ...(note ? { note: note.trim() } : {}) });
    }),
  );

  server.registerTool(
    'heap_sample',
    {
      title: 'Allocation sampling',
      description: "Samples which functions allocate memory for `seconds` (V8's sampling heap profiler: cheap, safe in production), then returns the allocation sites by bytes allocated (sampled; objects collected since included), and the paths of the .heapprofile (Chrome DevTools, Memory tab) and of a flame graph (.svg) it wrote.",
      inputSchema: { target: TARGET, seconds, top: z.number().int().min(1).max(200).default(15) },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ target, seconds: s, top }: { target: string; seconds: number; top: number }, signal) => {
      const [heap, { heapFindings }] = await Promise.all([import('../diagnostics/heap-sample.js'), import('../diagnostics/findings.js')]);
      const { profile, note, tables, svg, pid } = await onTarget(target, signal, async (a) => ({
        ...(await heapFindings(a, await heap.sampleHeap(a, { durationMs: s * 1000, intervalBytes: 32_768 }), { sourceMaps: true, timeoutMs: options.timeoutMs, seconds: String(s) })),
        pid: a.target.pid,
      }));
      const [heapprofile, flame] = await written(`heap-${pid}-${Date.now()}`, [['.heapprofile', JSON.stringify(profile)], ['.svg', svg]]);
      const sites = tables.sites.slice(0, top);
      const lines = sites.map((x) => `${String(x.self_bytes).padStart(10)} B self ${String(x.total_bytes).padStart(10)} B total  ${x.function}  ${x.url}${x.url ? `:${x.line}` : ''}`);
      const text = `allocation sites by bytes sampled (objects collected since included):\n${lines.join('\n')}\n${note}wrote ${heapprofile} and ${flame}`;
      return ok(text, { sites, heapprofile, flamegraph: flame, ...(note ? { note: note.trim() } : {}) });
    }),
  );

  server.registerTool(
    'heap_snapshot_summary',
    {
      title: 'Heap snapshot: classes by retained size',
      description:
        'Takes a full heap snapshot and returns its classes (count, self and retained size) and the largest objects with a retainer path. WARNING: the process\'s JavaScript stops while the snapshot is written (seconds for a large heap) and it needs several times its heap in memory. Call it first without confirm to read the cost for this process; call again with confirm: true only if that stall is acceptable.',
      inputSchema: { target: TARGET, confirm: z.boolean().default(false).describe('true to take it, after reading the cost'), top: z.number().int().min(1).max(200).default(20) },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    tool(async ({ target, confirm, top }: { target: string; confirm: boolean; top: number }, signal) => {
      const [snap, { readSnapshot, analyse }, { rm }] = await Promise.all([import('../diagnostics/heap-snapshot.js'), import('../diagnostics/snapshot-parser.js'), import('node:fs/promises')]);
      const dir = await mkdtemp(join(tmpdir(), 'probing-mcp-snapshot-'));
      try {
        const outcome = await onTarget(target, signal, async (a, aborted) => {
          const plan = await snap.planSnapshot(a, options.timeoutMs);
          if (plan.refused) throw new UsageError(plan.refused.code, plan.refused.message, { hint: plan.refused.hint });
          if (!confirm) return { warning: plan.warning };
          const file = join(dir, 'x.heapsnapshot');
          await snap.takeSnapshot(a, file, undefined, aborted);
          return { file };
        });
        if ('warning' in outcome) return ok(`not taken: ${outcome.warning}\nCall again with confirm: true to take it.`, { taken: false, warning: outcome.warning });
        const result = analyse(await readSnapshot(outcome.file), top);
        const classes = result.classes.slice(0, top);
        const text = `${result.nodeCount} objects, ${result.totalSize} bytes; classes by retained size:\n${classes.map((c) => `${String(c.retained_size).padStart(12)} B retained ${String(c.count).padStart(8)} × ${c.class}`).join('\n')}`;
        return ok(text, { taken: true, node_count: result.nodeCount, total_size: result.totalSize, classes, objects: result.objects.slice(0, top) });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
  );

  if (options.allowEval) {
    server.registerTool(
      'eval',
      {
        title: 'Run JavaScript in the process',
        description: 'Evaluates JavaScript in the process (top-level await and require() work; declarations stay local) and returns the value as util.inspect prints it. It can change the process: use query for reading. Stopped by V8 after the time limit.',
        inputSchema: { target: TARGET, code: z.string() },
        annotations: { readOnlyHint: false, destructiveHint: true },
      },
      tool(async ({ target, code }: { target: string; code: string }, signal) => {
        const { evaluate } = await import('../run/evaluate.js');
        const formatted = await onTarget(target, signal, (a) => evaluate(a, code, { json: false, colors: false, depth: 2, columns: 100, maxBytes: 1 << 20, timeoutMs: options.timeoutMs }));
        return ok(formatted.text, { value: formatted.text });
      }),
    );
    server.registerTool(
      'inject',
      {
        title: 'Load a script into the process',
        description: 'Loads a JavaScript file (a path on this host) into the process, as probing inject does, and returns what its default export or last value gave.',
        inputSchema: { target: TARGET, file: z.string().describe('path of the script') },
        annotations: { readOnlyHint: false, destructiveHint: true },
      },
      tool(async ({ target, file }: { target: string; file: string }, signal) => {
        const { inject, readScript } = await import('../run/inject.js');
        await readScript(file); // a missing or unsupported file is refused before attaching
        const formatted = await onTarget(target, signal, (a) => inject(a, file, { json: false, colors: false, depth: 2, columns: 100, maxBytes: 1 << 20, timeoutMs: options.timeoutMs }));
        return ok(formatted.text, { value: formatted.text });
      }),
    );
  }
  return { server, settled: async () => void (await Promise.all(calls)) };
}

