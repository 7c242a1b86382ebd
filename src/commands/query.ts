/** query, tables and describe: SQL over live data, and the catalog. */
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import { debug } from '../debug.js';

const log = debug('query');
import type { Registry } from '../extensions/registry.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface QueryOptions {
  strict?: boolean;
  /** --all: only processes whose command line contains this. */
  match?: string;
  concurrency?: number;
  extension?: string[];
  showSecrets?: boolean;
  timeout: number;
  attachTimeout: number;
  format: 'table' | 'json' | 'ndjson' | 'csv' | 'arrow' | 'parquet';
  output?: string;
  maxRows: number;
  maxBytes: number;
  color?: boolean;
  /** duckdb (default) or alasql. */
  engine?: 'duckdb' | 'alasql';
  /** DuckDB's memory limit, e.g. 1GB. */
  memoryLimit?: string;
  /** --every: collect and answer again at this interval (ms), over one attachment. */
  every?: number;
  /** --count: with --every, stop after this many frames. */
  count?: number;
  /** --via: every target is reached through this command (a shell command line is appended to it). */
  via?: string;
  /** --remote-probing: how the probing on another host is started (default: probing). */
  remoteProbing?: string;
  /** --ssh: the ssh command (options and all) for ssh:// targets. */
  ssh?: string;
  /** --emit-tables: write the tables the query reads (Arrow IPC streams), not its answer: what a remote host sends back. */
  emitTables?: boolean;
}

/** The target word that --all turns into. */
export const ALL_TARGETS = '@@all';

/** The target word of `probing query "<sql>"` with no target: SQL over the catalog, or none. */
export const NO_TARGET = '@@none';

/** Binary formats are refused where they cannot go, before anything is attached. */
function checkFormat(options: QueryOptions): void {
  if (options.format === 'arrow' && !options.output && process.stdout.isTTY && !options.emitTables) {
    throw new UsageError('BINARY_TO_TERMINAL', 'the arrow format is binary and stdout is a terminal', { hint: 'write it to a file with -o results.arrow, or pipe it' });
  }
  // DuckDB writes the file itself (a Parquet file is written whole, its footer last): a path, not a pipe
  if (options.format === 'parquet' && !options.output) {
    throw new UsageError('PARQUET_NEEDS_FILE', 'the parquet format is written to a file: name it with -o', { hint: 'probing <pid> query "…" -f parquet -o results.parquet' });
  }
  if (options.emitTables && options.every !== undefined) throw new UsageError('EMIT_EVERY', '--emit-tables writes the tables once', { hint: 'run it again for another frame' });
  if (options.emitTables && options.output) throw new UsageError('EMIT_OUTPUT', '--emit-tables writes to stdout, for the probing that asked', { hint: 'leave out -o' });
}

export function prepareOptions(options: QueryOptions, tagged = false) {
  return { ...(options.engine ? { engine: options.engine } : {}), tagged };
}

export function runOptions(options: QueryOptions) {
  return { timeoutMs: options.timeout, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) };
}

export async function queryCommand(target: string, sql: string, given: QueryOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  // -o - is stdout; a file that cannot be written is refused before anything is attached
  const { outputFile, checkWritable } = await import('../output/destination.js');
  const { output, ...rest } = given;
  const file = outputFile(output);
  const options: QueryOptions = file === undefined ? rest : { ...rest, output: file };
  if (file !== undefined) await checkWritable(file);
  const { isTargetList } = await import('../attach/target-list.js');
  if (options.match !== undefined && target !== ALL_TARGETS && !/\/@all(,|$)/.test(target)) throw new UsageError('MATCH_WITHOUT_ALL', '--match chooses among the processes of --all', { hint: `probing --all query "…" --match ${JSON.stringify(options.match)}` });
  const { checkEvery } = await import('./every.js');
  checkEvery(options);
  checkFormat(options);
  if (options.via !== undefined && target === NO_TARGET) throw new UsageError('VIA_WITHOUT_TARGET', '--via reaches targets on another host: name them', { hint: `probing --via ${JSON.stringify(options.via)} <pid|@all> query "…"` });
  // DuckDB writes a Parquet file: where it cannot load, say so before anything is attached
  if (options.format === 'parquet') await (await import('../output/parquet.js')).parquetDuckDB();
  // over many targets, on other hosts, or for the probing of another host (--emit-tables): every row tagged
  if (target !== NO_TARGET && (target === ALL_TARGETS || isTargetList(target) || options.via !== undefined || options.emitTables)) {
    return (await import('./query-many.js')).queryManyCommand(target, sql, options, out, err);
  }
  const spec = target === NO_TARGET ? undefined : parseTarget(target);
  if (options.every !== undefined && !spec) {
    throw new UsageError('EVERY_WITHOUT_TARGET', '--every watches a process: name one', { hint: `probing <pid> query "${sql}" --every 1s` });
  }
  // a query other than SELECT * FROM <table> needs the engine: DuckDB starts loading now
  if (options.engine !== 'alasql' && !/^\s*select\s+\*\s+from\s+[^\s;]+\s*;?\s*$/i.test(sql)) void import('../sql/engines/duckdb.js').then((m) => m.warmUp(), () => {});
  const [{ withTarget }, { loadFor }, { runQuery, prepareQuery, collectTables, answer }] = await Promise.all([
    import('../run/with-target.js'),
    import('./ext.js'),
    import('../sql/query.js'),
  ]);
  log('modules loaded');
  const loaded = await loadFor(options.extension, options.timeout);
  log('extensions loaded');
  try {
    return await runQueryCommand(spec, sql, options, loaded.registry, { withTarget, runQuery, prepareQuery, collectTables, answer }, out, err);
  } finally {
    loaded.dispose();
  }
}

async function runQueryCommand(
  spec: ReturnType<typeof parseTarget> | undefined,
  sql: string,
  options: QueryOptions,
  registry: import('../extensions/registry.js').Registry,
  { withTarget, runQuery, prepareQuery, collectTables, answer }: Pick<typeof import('../run/with-target.js'), 'withTarget'> & Pick<typeof import('../sql/query.js'), 'runQuery' | 'prepareQuery' | 'collectTables' | 'answer'>,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  // Bad SQL, unknown tables and (for declared tables) unknown columns are refused before the target is touched.
  const prepared = await prepareQuery(sql, registry, prepareOptions(options));
  log('checked');
  if (prepared.notice) err(`probing: ${prepared.notice}\n`);
  const limits = { maxRows: options.maxRows, maxBytes: options.maxBytes, timeoutMs: options.timeout };
  const flags = { showSecrets: options.showSecrets === true };
  if (!spec) {
    if (prepared.needsTarget) {
      const table = prepared.tables.find((t) => !t.source.local)!.ref.text;
      throw new UsageError('NO_TARGET', `${table} is read from a process: name one`, { hint: `probing <pid> query "${sql}" (probing list shows them)` });
    }
    await print(await runQuery(undefined, prepared, limits, flags, runOptions(options)), options, out, err);
    return ExitCode.ok;
  }
  if (options.every !== undefined) {
    const { queryEvery } = await import('./every.js');
    const { leftOpen } = await queryEvery(spec, sql, prepared, { ...options, every: options.every }, { withTarget, collectTables, answer, limits, flags, run: runOptions(options) }, out, err);
    noteLeftOpen(leftOpen, err);
    return ExitCode.ok;
  }
  // Arrow is loaded before the target opens its inspector (AttachOptions.prepare).
  const prepare = () => import('../tables/from-payload.js');
  // Only the collecting happens attached: the engine runs after the target's inspector is closed again.
  const { value: collected, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, prepare }, (a) =>
    collectTables(a, prepared, limits, flags),
  );
  await print(await answer(prepared, [collected], runOptions(options)), options, out, err);
  noteLeftOpen(leftOpen, err);
  return ExitCode.ok;
}

export async function print(result: import('../sql/query.js').QueryResult, options: QueryOptions, out: (text: string) => void, err: (text: string) => void): Promise<void> {
  if (options.format === 'parquet') {
    // a separate step of ours, after the query: DuckDB writes the typed result into that one path
    const { writeParquet } = await import('../output/parquet.js');
    await writeParquet(result.table, options.output!, result.truncated);
    const { cutNotes } = await import('../output/render.js');
    for (const note of cutNotes(result.truncated)) err(`probing: ${note}\n`);
    return;
  }
  const { render } = await import('../output/render.js');
  const rendered = await render(result, options.format, {
    width: options.output ? undefined : stdoutWidth(),
    colors: stdoutColors(!options.output && options.color !== false),
  });
  if (options.output) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(options.output, rendered);
  } else if (typeof rendered === 'string') {
    out(rendered);
  } else {
    process.stdout.write(rendered);
  }
  // the table says it under itself; other formats are for programs: said on stderr (and in JSON, beside the rows)
  if (options.format !== 'table') {
    const { cutNotes } = await import('../output/render.js');
    for (const note of cutNotes(result.truncated)) err(`probing: ${note}\n`);
  }
}

export async function tablesCommand(target: string | undefined, options: { json?: boolean; extension?: string[]; timeout?: number; attachTimeout?: number }, out: (text: string) => void): Promise<number> {
  const [{ loadFor }, { catalog }] = await Promise.all([import('./ext.js'), import('../extensions/builtin/catalog.js')]);
  const loaded = await loadFor(options.extension);
  loaded.dispose();
  const tables = catalog(loaded.registry);
  let header = '';
  if (target !== undefined) {
    // With a target: confirm it is reachable and say which process the catalog is for.
    const { withTarget } = await import('../run/with-target.js');
    const { value, leftOpen } = await withTarget(parseTarget(target), { timeoutMs: options.timeout ?? 5000, attachTimeoutMs: options.attachTimeout ?? 3000 }, async (a) => a.target);
    noteLeftOpen(leftOpen);
    header = `pid ${value.pid}, Node.js ${value.nodeVersion}\n`;
  }
  if (options.json) {
    out(JSON.stringify(tables.map(({ columns, ...t }) => ({ ...t, columns: columns ?? null })), null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('../output/columns.js');
  out(header + renderColumns(['TABLE', 'DESCRIPTION'], tables.map((t) => [`${t.namespace}.${t.name}`, t.description]), stdoutWidth()));
  return ExitCode.ok;
}

export async function describeCommand(target: string | undefined, table: string, options: { extension?: string[]; timeout?: number; attachTimeout?: number; json?: boolean }, out: (text: string) => void): Promise<number> {
  const [{ loadFor }, { describeTable }] = await Promise.all([import('./ext.js'), import('../extensions/describe.js')]);
  const loaded = await loadFor(options.extension);
  loaded.dispose();
  const described = await describeTable(loaded.registry, table);
  if (target !== undefined) {
    const { withTarget } = await import('../run/with-target.js');
    const { leftOpen } = await withTarget(parseTarget(target), { timeoutMs: options.timeout ?? 5000, attachTimeoutMs: options.attachTimeout ?? 3000 }, async () => undefined);
    noteLeftOpen(leftOpen);
  }
  if (options.json) {
    // the same fields as tables --json gives for it (columns null: they come from the value)
    out(JSON.stringify(described, null, 2) + '\n');
    return ExitCode.ok;
  }
  out(`${described.namespace}.${described.name} — ${described.description}\n`);
  if (described.pushdown) out(`applied inside the target: ${described.pushdown}\n`);
  if (!described.columns) {
    out('\nIts columns come from the value: an array of objects gives a column per key, scalars a value column, a Map key and value (see probing query --help).\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('../output/columns.js');
  out('\n' + renderColumns(['COLUMN', 'TYPE', 'MEANING'], described.columns.map((c) => [c.name, c.type, c.doc]), stdoutWidth()));
  return ExitCode.ok;
}

