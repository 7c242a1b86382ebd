/**
 * Query results → what the user sees: an aligned table, JSON, NDJSON, CSV or an
 * Arrow IPC file, read column by column from the engine's typed result. NULL is
 * visibly different from an empty string everywhere; exact integers and decimals
 * stay exact in every format.
 */
import type { QueryResult } from '../sql/query.js';
import { valueAt, type ResultColumn } from '../sql/result.js';
import { JsonLiteral, cellText, toJsonText } from './cells.js';

export const FORMATS = ['table', 'json', 'ndjson', 'csv', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  /** Terminal width for the table format; undefined when not a terminal. */
  width: number | undefined;
  colors: boolean;
}

const NUMERIC = new Set<ResultColumn['type']>(['int32', 'int64', 'int128', 'float64', 'decimal', 'bigint']);

/** A cell as text for the table and CSV formats, or null for NULL. */
function text(column: ResultColumn, row: number): string | null {
  const v = valueAt(column, row);
  if (v === null) return null;
  if (column.type === 'date') return (v as Date).toISOString().slice(0, 10);
  return cellText(v);
}

/** A cell as a value for JSON: nested JSON parsed, decimals as exact number literals. */
function jsonValue(column: ResultColumn, row: number): unknown {
  const v = valueAt(column, row);
  if (v === null) return null;
  switch (column.type) {
    case 'json':
      return JSON.parse(v as string) as unknown;
    case 'decimal':
      return new JsonLiteral(v as string);
    case 'date':
      return (v as Date).toISOString().slice(0, 10);
    case 'float64':
      // JSON has no NaN or Infinity: those are written as text
      return Number.isFinite(v) ? v : String(v);
    default:
      return v;
  }
}

/** JSON keys must be unique: a repeated column name gets a suffix (a, a_2) there. */
function jsonKeys(columns: readonly ResultColumn[]): string[] {
  // a suffix never takes a name the query itself gave a column
  const used = new Set<string>(columns.map((c) => c.name));
  const seen = new Set<string>();
  return columns.map((c) => {
    if (!seen.has(c.name)) {
      seen.add(c.name);
      return c.name;
    }
    let key = c.name;
    for (let n = 2; used.has(key); n++) key = `${c.name}_${n}`;
    used.add(key);
    return key;
  });
}

function rowObjects(result: QueryResult): Array<Record<string, unknown>> {
  const { columns, rowCount } = result.table;
  const keys = jsonKeys(columns);
  return Array.from({ length: rowCount }, (_, r) => {
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => (row[keys[i]!] = jsonValue(c, r)));
    return row;
  });
}

/** JSON: an array of rows; when rows were cut, an object that says so beside them. */
function json(result: QueryResult): string {
  const rows = rowObjects(result);
  if (result.truncated.length === 0) return toJsonText(rows, 2) + '\n';
  return toJsonText({ rows, truncated: result.truncated }, 2) + '\n';
}

function ndjson(result: QueryResult): string {
  return rowObjects(result)
    .map((r) => toJsonText(r) + '\n')
    .join('');
}

/** RFC 4180. NULL is an empty field; an empty string is "" so the two stay apart. */
function csv(result: QueryResult): string {
  const field = (value: string | null): string => {
    if (value === null) return '';
    return value === '' || /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  };
  const { columns, rowCount } = result.table;
  const lines = [columns.map((c) => field(c.name))];
  for (let r = 0; r < rowCount; r++) lines.push(columns.map((c) => field(text(c, r))));
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

/** Display width: code points, with East Asian wide and emoji characters counted twice. */
function width(value: string): number {
  let w = 0;
  for (const ch of value.replace(/\u001b\[[0-9;]*m/g, '')) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}

function cut(value: string, max: number): string {
  if (width(value) <= max) return value;
  let out = '';
  for (const ch of value) {
    if (width(out + ch) > max - 1) break;
    out += ch;
  }
  return out + '…';
}

/**
 * What was cut on the way, one line each: tables cut by --max-rows or --max-bytes, rows a
 * ring overwrote while they were read, values cut at the longest string a cell keeps.
 */
export function cutNotes(truncated: QueryResult['truncated']): string[] {
  return truncated.map((t) => {
    const where = t.target ? ` (target ${t.target})` : '';
    const of = t.total === null ? '' : ` of ${t.total}`;
    if (t.reason === 'overwritten') return `${t.table}${where}: the ring overwrote rows while they were read; ${t.rows}${of} rows shown`;
    if (t.reason === 'cells') {
      const n = t.total ?? 0;
      return `${t.table}${where}: ${n} value${n === 1 ? '' : 's'} of column ${t.column} cut at ${t.limit} characters (ending in "…[+n chars]"); LENGTH() and comparisons see the cut text`;
    }
    const why = t.reason === 'rows' ? '--max-rows' : '--max-bytes';
    return `${t.table}${where}: cut at ${t.rows}${of} rows by ${why}, and the result covers only those; raise ${why} to read more`;
  });
}

/** A boxed table: one rule under the header, none between rows; what was cut is said under it. */
function table(result: QueryResult, options: RenderOptions): string {
  const { columns, rowCount } = result.table;
  const notes = cutNotes(result.truncated).map((n) => `cut: ${n}\n`).join('');
  const count = `(${rowCount} row${rowCount === 1 ? '' : 's'})\n${notes}`;
  if (columns.length === 0) return count;
  const dim = (s: string) => (options.colors ? `\u001b[2m${s}\u001b[22m` : s);
  // On a terminal the columns share its width; elsewhere a cell still stops at 200 characters.
  const share = options.width === undefined ? 200 : Math.max(8, Math.floor((options.width - 1) / columns.length) - 3);
  const head = columns.map((c) => cut(c.name, share));
  const body = Array.from({ length: rowCount }, (_, r) =>
    columns.map((c) => {
      const t = text(c, r);
      return t === null ? null : cut(t.replace(/\r?\n/g, '\\n'), share);
    }),
  );
  const widths = head.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? 'NULL'))));
  const pad = (value: string, i: number, right: boolean) => {
    const gap = ' '.repeat(widths[i]! - width(value));
    return right ? gap + value : value + gap;
  };
  const numeric = columns.map((c) => NUMERIC.has(c.type));
  const rule = (l: string, m: string, r: string) => dim(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const line = (cells: Array<string | null>, header = false) =>
    dim('│') +
    cells
      .map((c, i) => {
        const padded = c === null ? pad('NULL', i, numeric[i]!) : pad(c, i, numeric[i]! && !header);
        return ` ${c === null ? dim(padded) : header && options.colors ? `\u001b[1m${padded}\u001b[22m` : padded} `;
      })
      .join(dim('│')) +
    dim('│');
  return [rule('┌', '┬', '┐'), line(head, true), rule('├', '┼', '┤'), ...body.map((r) => line(r)), rule('└', '┴', '┘')].join('\n') + '\n' + count;
}

async function arrow(result: QueryResult): Promise<Uint8Array> {
  const [{ Arrow }, { arrowTable }] = await Promise.all([import('../tables/arrow.js'), import('./arrow-result.js')]);
  return Arrow.tableToIPC(arrowTable(result.table), 'file');
}

export async function render(result: QueryResult, format: Format, options: RenderOptions): Promise<string | Uint8Array> {
  switch (format) {
    case 'table':
      return table(result, options);
    case 'json':
      return json(result);
    case 'ndjson':
      return ndjson(result);
    case 'csv':
      return csv(result);
    case 'arrow':
      return arrow(result);
  }
}
