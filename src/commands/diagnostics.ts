/** backtrace, profile cpu, heap sample: where is it stuck, where does the CPU go, what allocates. */
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import { unlink, writeFile } from 'node:fs/promises';
import type { Attachment } from '../attach/attach.js';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode, FileError, ProbingError, UsageError } from '../errors.js';
import type { Extension } from '../extensions/contract.js';
import { localTable } from '../extensions/local-table.js';
import { noteLeftOpen } from '../run/left-open.js';

type Out = (text: string) => void;

interface Common {
  timeout: number;
  attachTimeout: number;
}

export async function backtraceCommand(target: string, options: Common & { json?: boolean; workers?: boolean; sourceMaps?: boolean }, out: Out, err: Out): Promise<number> {
  const [{ withTarget }, { backtrace, formatBacktrace, workerBacktraces }, { sourceMapNote }] = await Promise.all([
    import('../run/with-target.js'),
    import('../diagnostics/backtrace.js'),
    import('../diagnostics/source-maps.js'),
  ]);
  const spec = parseTarget(target);
  const sourceMaps = options.sourceMaps !== false;
  // Printed as soon as it is read, before the inspector probing opened is closed: a target
  // stuck in a loop cannot run that close, and probing waits for it (2 s) in vain.
  const { leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, async (a, signal) => {
    const main = await backtrace(a, options.timeout, sourceMaps);
    const workers = options.workers ? await workerBacktraces(a, options.timeout, sourceMaps) : [];
    // interrupted meanwhile: nothing is printed, the command says it was interrupted
    if (signal.aborted) return;
    for (const maps of [main.maps, ...workers.map((w) => ('maps' in w ? w.maps : undefined))]) if (maps) err(sourceMapNote(maps));
    const trace = main.trace;
    if (options.json) {
      const threads = workers.map(({ id, title, url, ...w }) => ({ id, title, url, ...('trace' in w ? { trace: w.trace } : { error: w.error }) }));
      out(JSON.stringify(options.workers ? { main: trace, workers: threads } : trace, null, 2) + '\n');
      return;
    }
    out(formatBacktrace(trace, a.target.pid, spec.worker === undefined ? 'the main thread' : `worker thread w${spec.worker}`));
    for (const w of workers) {
      out(`\nworker ${w.id} (${w.url || w.title}):\n`);
      out('error' in w ? `  could not read its stack: ${w.error}\n` : formatBacktrace(w.trace, a.target.pid).split('\n').slice(1).join('\n').replace(/^/, w.trace.idle ? '  idle in its event loop\n' : ''));
    }
    if (options.workers && workers.length === 0) out('(no worker threads)\n');
  });
  noteLeftOpen(leftOpen, err);
  return ExitCode.ok;
}

/** -f collapsed or -f speedscope: the profile's stacks in that format on stdout, instead of the table; false for the table formats. */
async function exported(format: string, root: import('../diagnostics/flamegraph.js').FlameNode, options: { idle?: boolean; name: string; unit: 'milliseconds' | 'bytes'; scale?: number }, out: Out): Promise<boolean> {
  if (format !== 'collapsed' && format !== 'speedscope') return false;
  const { collapsed, speedscope } = await import('../diagnostics/exports.js');
  out(format === 'collapsed' ? collapsed(root, options) : `${speedscope(root, options)}\n`);
  return true;
}

/**
 * The files a command will write (`prefix` + each suffix; without -o, in the current
 * directory), checked before attaching: refused now, not after the profile or the snapshot.
 */
async function checkPrefix(prefix: string | undefined, suffixes: readonly string[]): Promise<void> {
  // a profile or a sample is two files; its stacks on stdout are -f collapsed or -f speedscope
  if (prefix === '-') {
    throw new UsageError('OUTPUT_STDOUT', '-o - (stdout) cannot hold what this command writes: two files', {
      hint: `give a path prefix: -o profile writes ${suffixes.map((s) => `profile${s}`).join(' and ')}; for the stacks on stdout, add -f collapsed or -f speedscope`,
    });
  }
  const { checkDirectory, checkWritable } = await import('../output/destination.js');
  if (prefix === undefined) await checkDirectory('.');
  else for (const suffix of suffixes) await checkWritable(`${prefix}${suffix}`);
}

/** Writes a result file; a failed write leaves no partial file behind and says why. */
async function save(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content);
  } catch (error) {
    await unlink(path).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError('WRITE_FAILED', `could not write ${path}: ${code === 'ENOSPC' ? 'the disk is full' : (error as Error).message}`, {
      hint: code === 'ENOSPC' ? 'free some space, or write elsewhere with -o' : 'choose a directory you can write to with -o',
    });
  }
}

/** Runs SQL over tables made from a profile (namespace `profile`), against the same target session. */
async function queryProfile(attachment: Attachment, sql: string, extension: Extension, format: string, out: Out): Promise<void> {
  const [{ defaultRegistry }, { prepareQuery, runQuery }, { render }] = await Promise.all([
    import('../extensions/builtin/index.js'),
    import('../sql/query.js'),
    import('../output/render.js'),
  ]);
  const registry = defaultRegistry();
  registry.register(extension);
  const prepared = await prepareQuery(sql, registry);
  const result = await runQuery(attachment, prepared, { maxRows: 1_000_000, maxBytes: 2 ** 30, timeoutMs: 10_000 });
  const rendered = await render(result, format as 'table', { width: stdoutWidth(), colors: stdoutColors() });
  out(String(rendered)); // text formats only: --format offers no arrow here
}

function progress(label: string, durationMs: number): ((elapsed: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (elapsed) => process.stderr.write(`\r${label} ${(elapsed / 1000).toFixed(1)} s / ${(durationMs / 1000).toFixed(1)} s`);
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export interface ProfileOptions extends Common {
  duration: number;
  /** Keep what was recorded when the target exits during the profile. */
  partial?: boolean;
  /** Keep idle time, (program) and GC in the flame graph's width. */
  idle?: boolean;
  /** false (--no-source-maps): frames as V8 ran them, not through source maps. */
  sourceMaps?: boolean;
  interval?: number;
  output?: string;
  query?: string;
  format: string;
}

export async function profileCommand(target: string, kind: string, options: ProfileOptions, out: Out, err: Out): Promise<number> {
  if (kind !== 'cpu') throw new UsageError('BAD_PROFILE_KIND', `profile takes "cpu", not "${kind}"`, { hint: 'for memory: probing <target> heap sample' });
  const spec = parseTarget(target);
  await checkPrefix(options.output, ['.cpuprofile', '.svg']);
  const [{ withTarget }, cpu] = await Promise.all([import('../run/with-target.js'), import('../diagnostics/cpu-profile.js')]);
  const intervalUs = options.interval ?? 1000;
  // the profile itself may take longer than --timeout: give each call room for it
  const { value, leftOpen } = await withTarget(spec, { timeoutMs: Math.max(options.timeout, 10_000), attachTimeoutMs: options.attachTimeout }, async (attachment) => {
    const recorded = await cpu.profileCpu(attachment, { durationMs: options.duration, intervalUs, partial: options.partial === true, ...(progress('profiling', options.duration) ? { onProgress: progress('profiling', options.duration)! } : {}) });
    if (process.stderr.isTTY) err('\n');
    if (attachment.exiting) err(`probing: note: pid ${attachment.target.pid} exited during the profile: what follows covers ${((recorded.endTime - recorded.startTime) / 1e6).toFixed(1)} s of the ${(options.duration / 1000).toFixed(1)} s asked for (--partial)\n`);
    const { cpuFindings } = await import('../diagnostics/findings.js');
    const { profile, note, tables, svg, msPerSample } = await cpuFindings(attachment, recorded, { sourceMaps: options.sourceMaps !== false, timeoutMs: options.timeout, seconds: (options.duration / 1000).toFixed(1), idle: options.idle === true });
    err(note);
    const prefix = options.output ?? `probing-${attachment.target.pid}-cpu-${stamp()}`;
    await save(`${prefix}.cpuprofile`, JSON.stringify(profile));
    await save(`${prefix}.svg`, svg);
    err(`wrote ${prefix}.cpuprofile (open it in Chrome DevTools) and ${prefix}.svg (a flame graph)\n`);
    const extension: Extension = {
      name: 'profile',
      description: 'the CPU profile just taken',
      namespaces: [
        {
          name: 'profile',
          description: 'the CPU profile just taken',
          tables: [
            localTable('functions', 'functions with self and total time and samples', undefined, () => tables.functions),
            localTable('calltree', 'the call tree: id, parent, depth, function, self and total time', undefined, () => tables.calltree),
          ],
        },
      ],
    };
    if (await exported(options.format, tables.root, { idle: options.idle === true, name: `CPU, pid ${attachment.target.pid}`, unit: 'milliseconds', scale: msPerSample }, out)) return true;
    const sql = options.query ?? 'SELECT "function", url, line, ROUND(self_ms, 1) AS self_ms, ROUND(total_ms, 1) AS total_ms, samples FROM profile.functions ORDER BY self_ms DESC LIMIT 10';
    await queryProfile(attachment, sql, extension, options.format, out);
    return true;
  });
  noteLeftOpen(leftOpen, err);
  return value ? ExitCode.ok : ExitCode.protocol;
}

export interface HeapOptions extends Common {
  duration: number;
  /** false (--no-source-maps): frames as V8 ran them, not through source maps. */
  sourceMaps?: boolean;
  interval?: number;
  output?: string;
  query?: string;
  format: string;
}

export async function heapSampleCommand(target: string, options: HeapOptions, out: Out, err: Out): Promise<number> {
  const spec = parseTarget(target);
  await checkPrefix(options.output, ['.heapprofile', '.svg']);
  const [{ withTarget }, heap] = await Promise.all([import('../run/with-target.js'), import('../diagnostics/heap-sample.js')]);
  const { leftOpen } = await withTarget(spec, { timeoutMs: Math.max(options.timeout, 10_000), attachTimeoutMs: options.attachTimeout }, async (attachment) => {
    const onProgress = progress('sampling allocations', options.duration);
    const sampled = await heap.sampleHeap(attachment, { durationMs: options.duration, intervalBytes: options.interval ?? 32_768, ...(onProgress ? { onProgress } : {}) });
    if (process.stderr.isTTY) err('\n');
    const { heapFindings } = await import('../diagnostics/findings.js');
    const { profile, note, tables, svg } = await heapFindings(attachment, sampled, { sourceMaps: options.sourceMaps !== false, timeoutMs: options.timeout, seconds: (options.duration / 1000).toFixed(1) });
    err(note);
    const prefix = options.output ?? `probing-${attachment.target.pid}-heap-${stamp()}`;
    await save(`${prefix}.heapprofile`, JSON.stringify(profile));
    await save(`${prefix}.svg`, svg);
    err(`wrote ${prefix}.heapprofile (Chrome DevTools, Memory tab) and ${prefix}.svg (a flame graph)\n`);
    const extension: Extension = {
      name: 'heap',
      description: 'the heap sample just taken',
      namespaces: [{ name: 'heap', description: 'the heap sample just taken', tables: [localTable('sites', 'allocation sites: function, url, line, self_bytes, total_bytes', undefined, () => tables.sites)] }],
    };
    if (await exported(options.format, tables.root, { name: `allocations, pid ${attachment.target.pid}`, unit: 'bytes' }, out)) return;
    await queryProfile(attachment, options.query ?? 'SELECT "function", url, line, self_bytes, total_bytes FROM heap.sites ORDER BY self_bytes DESC LIMIT 10', extension, options.format, out);
  });
  noteLeftOpen(leftOpen, err);
  return ExitCode.ok;
}

export interface SnapshotOptions extends Common {
  output?: string;
  yes?: boolean;
  /** Take a snapshot even where memory looks too short for it. */
  force?: boolean;
  format: string;
  top?: number;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Rows computed here (a snapshot's classes), as a result to render. */
async function localResult(rows: readonly Record<string, unknown>[], columns: string[]): Promise<import('../sql/query.js').QueryResult> {
  const [{ resultFromRows }, { kindOfValues }] = await Promise.all([import('../sql/result.js'), import('../tables/from-rows.js')]);
  return { table: resultFromRows(rows, columns, kindOfValues), truncated: [] };
}

async function printSnapshotTables(file: string, options: { format: string; top?: number }, out: Out, err: Out): Promise<void> {
  const [{ readSnapshot, analyse }, { render }] = await Promise.all([import('../diagnostics/snapshot-parser.js'), import('../output/render.js')]);
  const onProgress = process.stderr.isTTY ? (bytes: number) => err(`\rreading ${mib(bytes)}`) : undefined;
  const snapshot = await readSnapshot(file, onProgress);
  if (process.stderr.isTTY) err('\n');
  const result = analyse(snapshot, options.top ?? 10);
  const show = async (title: string, rows: Record<string, unknown>[]) => {
    const rendered = await render(await localResult(rows, Object.keys(rows[0] ?? {})), options.format as 'table', { width: stdoutWidth(), colors: stdoutColors() });
    out((options.format === 'table' ? `${title}\n` : '') + String(rendered));
  };
  await show(`${result.nodeCount} objects, ${mib(result.totalSize)}; by class, largest retained size first:`, result.classes.slice(0, options.top ?? 10));
  if (options.format === 'table') await show('\nlargest objects, with a shortest retainer path:', result.objects.slice(0, options.top ?? 10));
}

/**
 * `-o -`: the snapshot itself on stdout (for `| gzip`, or over ssh), refused where stdout
 * is a terminal (JSON as large as the heap) and with a table format it would not print.
 */
function checkSnapshotToStdout(format: string): void {
  if (process.stdout.isTTY) {
    throw new UsageError('OUTPUT_TERMINAL', '-o - writes the heap snapshot itself (JSON as large as the heap, often larger) to stdout, and stdout is a terminal', {
      hint: 'redirect it (-o - > app.heapsnapshot, or -o - | gzip > app.heapsnapshot.gz), or give a file: -o app.heapsnapshot',
    });
  }
  if (format !== 'table') {
    throw new UsageError('BAD_FORMAT', `with -o - stdout is the snapshot itself: its classes are not printed, as -f ${format} or otherwise`, {
      hint: 'drop -f, or write the snapshot to a file (-o app.heapsnapshot) to have its classes printed too',
    });
  }
}

export async function heapSnapshotCommand(target: string, options: SnapshotOptions, out: Out, err: Out): Promise<number> {
  const spec = parseTarget(target);
  const toStdout = options.output === '-';
  if (toStdout) checkSnapshotToStdout(options.format);
  else await checkPrefix(options.output, ['']);
  const [{ withTarget }, snap, { onLostStdout }] = await Promise.all([import('../run/with-target.js'), import('../diagnostics/heap-snapshot.js'), import('../run/exit-guard.js')]);
  // with -o -, a reader that leaves (| head) does not end probing at once: the snapshot,
  // which V8 cannot stop, runs to its end unread, and probing then detaches and ends quietly
  const stopHearing = toStdout ? onLostStdout(() => {}) : () => {};
  const { value: file, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, async (attachment, signal) => {
    const plan = await snap.planSnapshot(attachment, options.timeout, options.force === true);
    if (plan.refused) throw new UsageError(plan.refused.code, plan.refused.message, { hint: plan.refused.hint });
    const warning = `${plan.warning}\n`;
    if (!options.yes) {
      if (!process.stdin.isTTY) {
        throw new UsageError('CONFIRM', warning.trim(), { hint: 'add --yes to take it anyway' });
      }
      err(warning);
      if (!(await confirm('Take the snapshot? [y/N] '))) {
        throw new UsageError('DECLINED', 'no snapshot taken', {});
      }
    } else err(warning);
    const path = toStdout ? undefined : (options.output ?? `probing-${attachment.target.pid}-${stamp()}.heapsnapshot`);
    const onProgress = process.stderr.isTTY ? (done: number, total: number) => err(`\rwriting the snapshot ${Math.round((done / Math.max(1, total)) * 100)}%`) : undefined;
    const taking =
      path === undefined
        ? snap.snapshotToStream(attachment, process.stdout, onProgress, signal)
        : snap.takeSnapshot(attachment, path, onProgress, signal).then((bytes) => ({ bytes, readerLeft: false }));
    // Interrupted mid-snapshot, a target whose inspector we opened cannot close it until V8
    // has finished (its JavaScript is stopped): wait for that rather than leave it open.
    const { seconds } = plan;
    const stopWaiting = attachment.openedByUs
      ? attachment.beforeDetach(async () => {
          if (!signal.aborted) return;
          err(`\nwaiting for pid ${attachment.target.pid} to finish its snapshot (about ${seconds} s) so that its inspector can be closed; interrupt again to leave it open\n`);
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([taking.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(60_000, seconds * 10_000))))]);
          clearTimeout(timer);
        })
      : () => {};
    const { bytes, readerLeft } = await taking.finally(stopWaiting);
    if (process.stderr.isTTY) err('\n');
    if (path !== undefined) err(`wrote ${path} (${mib(bytes)}; open it in Chrome DevTools, Memory tab)\n`);
    else if (!readerLeft) err(`wrote the snapshot to stdout (${mib(bytes)}; saved as a .heapsnapshot file, Chrome DevTools opens it in its Memory tab)\n`);
    return path;
  }).finally(stopHearing);
  noteLeftOpen(leftOpen, err);
  if (file !== undefined) await printSnapshotTables(file, options, out, err);
  return ExitCode.ok;
}

export async function heapDiffCommand(a: string, b: string, options: { format: string; top?: number }, out: Out): Promise<number> {
  const [{ readSnapshot, analyse, diffClasses }, { render }] = await Promise.all([import('../diagnostics/snapshot-parser.js'), import('../output/render.js')]);
  const [first, second] = [analyse(await readSnapshot(a)), analyse(await readSnapshot(b))];
  const rows = diffClasses(first.classes, second.classes).slice(0, options.top ?? 20);
  if (options.format === 'table') out(`${a} → ${b}: ${first.nodeCount} → ${second.nodeCount} objects, ${mib(first.totalSize)} → ${mib(second.totalSize)}; classes that grew most first:\n`);
  const rendered = await render(await localResult(rows, ['class', 'count_before', 'count_after', 'count_delta', 'size_delta']), options.format as 'table', { width: stdoutWidth(), colors: stdoutColors() });
  out(String(rendered));
  return ExitCode.ok;
}
