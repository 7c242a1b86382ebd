/**
 * `query … --every <duration> [--count N]`: one attachment, the query collected and
 * answered again at each tick — for watching a value move, or logging it to a file.
 *
 * Ticks keep to the clock (start + k × interval): a tick that takes longer than the
 * interval is followed by the next at once, and the frames it could not keep are
 * counted on stderr, never run in a burst. On a terminal, a table redraws in place
 * (like `watch`); anywhere else each frame is printed after the last, under a line
 * with its time. ndjson and csv append rows with a `_ts` column (when the frame was
 * collected), csv with its header once. Ctrl-C (or SIGTERM, SIGHUP, a lost pipe)
 * ends it and detaches like any command.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import type { Attachment } from '../attach/attach.js';
import type { TargetSpec } from '../attach/target-spec.js';
import { UsageError } from '../errors.js';
import type { PreparedQuery, QueryResult } from '../sql/query.js';
import type { QueryOptions } from './query.js';

export interface EveryOptions {
  every: number;
  count?: number;
}

type Deps = Pick<typeof import('../sql/query.js'), 'collectTables' | 'answer'> &
  Pick<typeof import('../run/with-target.js'), 'withTarget'> & {
    /** As the one-shot query computes them (query.ts). */
    limits: Parameters<typeof import('../sql/query.js').collectTables>[2];
    flags: Parameters<typeof import('../sql/query.js').collectTables>[3];
    run: Parameters<typeof import('../sql/query.js').answer>[2];
  };

/** Refuses, before anything is touched, what --every cannot do. */
export function checkEvery(options: QueryOptions & Partial<EveryOptions>): void {
  if (options.count !== undefined && options.every === undefined) {
    throw new UsageError('COUNT_WITHOUT_EVERY', '--count is the number of frames of --every', { hint: 'probing <pid> query "…" --every 1s --count 10' });
  }
  if (options.every === undefined) return;
  if (options.format === 'json' || options.format === 'arrow' || options.format === 'parquet') {
    throw new UsageError('EVERY_FORMAT', `--every writes a stream of frames; ${options.format} is one document`, {
      hint: 'use -f ndjson or -f csv (rows with a _ts column, appended frame after frame), or -f table',
    });
  }
}

/** Adds `_ts` (when the frame was collected) as the first column. */
function stamped(result: QueryResult, at: Date): QueryResult {
  const rows = result.table.rowCount;
  return {
    ...result,
    table: {
      rowCount: rows,
      columns: [{ name: '_ts', type: 'timestamp', sqlType: 'TIMESTAMP WITH TIME ZONE', values: new Array<Date>(rows).fill(at) }, ...result.table.columns],
    },
  };
}

/** Resolves at `at` (Date.now() time), or at once when `signal` aborts. */
export const sleepUntil = (at: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, at - Date.now()));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The frames: `frame()` collects and answers once; this keeps the clock, writes each
 * frame as the format wants, and ends at --count or when `signal` aborts.
 */
export async function watchFrames(
  sql: string,
  options: QueryOptions & EveryOptions,
  frame: () => Promise<QueryResult>,
  signal: AbortSignal,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<void> {
  const [{ render, cutNotes }, { stdoutWidth, stdoutColors }] = await Promise.all([import('../output/render.js'), import('../output/terminal.js')]);
  const redraw = options.format === 'table' && !options.output && process.stdout.isTTY === true;
  const every = options.every;
  let first = true;

  const write = async (text: string) => {
    if (!options.output) return out(text);
    if (first) await writeFile(options.output, text);
    else await appendFile(options.output, text);
  };

  const emit = async (result: QueryResult, at: Date, n: number) => {
    const header = `every ${every} ms: ${sql}   ${at.toISOString()}   frame ${n}${options.count ? ` of ${options.count}` : ''}\n`;
    if (options.format === 'table') {
      const table = (await render(result, 'table', { width: options.output ? undefined : stdoutWidth(), colors: stdoutColors(!options.output && options.color !== false) })) as string;
      // on a terminal: home, clear, then the frame — the previous one is replaced
      await write(redraw ? `\x1b[H\x1b[2J${header}\n${table}` : `${first ? '' : '\n'}${header}${table}`);
    } else {
      const text = (await render(stamped(result, at), options.format as Exclude<typeof options.format, 'parquet'>, { width: undefined, colors: false })) as string;
      // csv: the header line once, at the top of the stream
      await write(options.format === 'csv' && !first ? text.slice(text.indexOf('\n') + 1) : text);
      for (const note of cutNotes(result.truncated)) err(`probing: frame ${n}: ${note}\n`);
    }
    first = false;
  };

  const started = Date.now();
  let skipped = 0;
  let tick = 0;
  for (let n = 1; !signal.aborted; n++) {
    const at = new Date();
    const result = await frame();
    if (signal.aborted) break;
    await emit(result, at, n);
    if (options.count !== undefined && n >= options.count) break;
    // the next tick on the clock; ticks already past are skipped, not run in a burst
    let next = started + ++tick * every;
    if (next < Date.now()) {
      const behind = Math.floor((Date.now() - next) / every) + 1;
      skipped += behind;
      tick += behind;
      next = started + tick * every;
      err(`probing: frame ${n} took ${Date.now() - at.getTime()} ms, longer than --every ${every} ms: ${behind} tick${behind === 1 ? '' : 's'} skipped (${skipped} in all)\n`);
    }
    await sleepUntil(next, signal);
  }
}

/** One target: one attachment for all the frames. */
export async function queryEvery(
  spec: TargetSpec,
  sql: string,
  prepared: PreparedQuery,
  options: QueryOptions & EveryOptions,
  deps: Deps,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<{ leftOpen?: string }> {
  const { limits, flags, run } = deps;
  const outcome = await deps.withTarget(
    spec,
    { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, prepare: () => import('../tables/from-payload.js') },
    (attachment: Attachment, signal: AbortSignal) =>
      watchFrames(sql, options, async () => deps.answer(prepared, [await deps.collectTables(attachment, prepared, limits, flags)], run), signal, out, err).finally(() => prepared.engine?.release?.()),
  );
  return outcome.leftOpen === undefined ? {} : { leftOpen: outcome.leftOpen };
}
