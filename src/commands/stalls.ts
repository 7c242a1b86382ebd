/**
 * `probing <target> stalls [--watch]`: the event-loop stalls the watchdog recorded
 * (runtime.stalls), with the function that blocked; --watch prints each new one as it is
 * recorded (a line each in the terminal), over one attachment, until Ctrl-C.
 */
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode } from '../errors.js';
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import type { QueryResult } from '../sql/query.js';
import { valueAt } from '../sql/result.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface StallsOptions {
  timeout: number;
  attachTimeout: number;
  watch?: boolean;
  format: 'table' | 'json' | 'ndjson' | 'csv';
}

const COLUMNS = 'ts, duration_ms, top_function, file, line, request';

/** One line per stall: local time, how long, the function and where, the request. */
function lines(result: QueryResult): string {
  const column = (name: string) => result.table.columns.find((c) => c.name === name);
  const at = (name: string, row: number) => {
    const c = column(name);
    return c ? valueAt(c, row) : null;
  };
  let text = '';
  for (let row = 0; row < result.table.rowCount; row++) {
    const ts = at('ts', row);
    const time = ts instanceof Date ? ts : new Date(typeof ts === 'number' ? ts : String(ts));
    const [fn, file, line, request] = ['top_function', 'file', 'line', 'request'].map((name) => at(name, row));
    const where = typeof file === 'string' ? ` (${file.replace(/^.*[\\/]/, '')}:${String(line)})` : '';
    const what = typeof fn === 'string' ? `in ${fn}${where}` : 'with no JavaScript on its stack';
    text += `${time.toTimeString().slice(0, 8)}  ${Math.round(Number(at('duration_ms', row)))} ms ${what}${typeof request === 'string' ? `  ${request}` : ''}\n`;
  }
  return text;
}

export async function stallsCommand(target: string, options: StallsOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const [{ withTarget }, { defaultRegistry }, { prepareQuery, runQuery }, { render }, { sleepUntil }] = await Promise.all([
    import('../run/with-target.js'),
    import('../extensions/builtin/index.js'),
    import('../sql/query.js'),
    import('../output/render.js'),
    import('./every.js'),
  ]);
  const registry = defaultRegistry();
  const limits = { maxRows: 10_000, maxBytes: 16 << 20, timeoutMs: options.timeout };
  const { leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, async (attachment, signal) => {
    const { runtimeOptions } = await import('../run/runtime.js');
    const set = (await runtimeOptions(attachment, options.timeout))?.find((o) => o.key === 'stalls.threshold');
    if (!set?.value) err(`probing: note: the stall watchdog is off in pid ${attachment.target.pid}: probing ${target} config set stalls.threshold 100ms (the process needs the agent)\n`);
    const read = async (after: string | undefined) => {
      const sql = `SELECT ${COLUMNS} FROM runtime.stalls${after ? ` WHERE ts > TIMESTAMP '${after}'` : ''} ORDER BY ts`;
      return runQuery(attachment, await prepareQuery(sql, registry), limits);
    };
    let result = await read(undefined);
    // --watch in the terminal: a line per stall, as `tail -f` prints them; other formats as asked
    const show = async (r: typeof result) => out(options.watch && options.format === 'table' ? lines(r) : String(await render(r, options.format, { width: stdoutWidth(), colors: stdoutColors() })));
    await show(result);
    if (!options.watch) return;
    // the newest ts seen: rows after it are new
    const newest = (r: typeof result): string | undefined => {
      const ts = r.table.columns.find((c) => c.name === 'ts');
      const last = ts && r.table.rowCount > 0 ? ts.values[r.table.rowCount - 1] : undefined;
      return last instanceof Date ? last.toISOString().replace('T', ' ').replace('Z', '') : typeof last === 'string' ? last : undefined;
    };
    let after = newest(result);
    while (!signal.aborted) {
      await sleepUntil(Date.now() + 1000, signal);
      if (signal.aborted) break;
      result = await read(after);
      if (result.table.rowCount === 0) continue;
      await show(result);
      after = newest(result) ?? after;
    }
  });
  noteLeftOpen(leftOpen, err);
  return ExitCode.ok;
}
