/**
 * Query results → what the user sees: an aligned table, JSON, NDJSON, CSV or an
 * Arrow IPC file, read column by column from the engine's typed result. NULL is
 * visibly different from an empty string everywhere; exact integers and decimals
 * stay exact in every format.
 */
import type { QueryResult } from '../sql/query.js';
import { valueAt, type ResultColumn } from '../sql/result.js';
import Table from 'cli-table3';
import { JsonLiteral, cellText, escapeCell, toJsonText } from './cells.js';
import { cutToWidth, stringWidth } from './width.js';

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
export function jsonValue(column: ResultColumn, row: number): unknown {
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

/**
 * A cell as a plain JSON value for the APIs (probing ui's page, probing mcp): what JSON.stringify
 * can write as it is — integers past 2^53 and exact decimals as text, times as ISO text.
 */
export function wireValue(column: ResultColumn, row: number): unknown {
  const v = jsonValue(column, row);
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof JsonLiteral) return v.text;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** JSON keys must be unique: a repeated column name gets a suffix (a, a_2) there. */
export function jsonKeys(columns: readonly ResultColumn[]): string[] {
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

/** How a table cut by its rows or bytes limit names that limit and the fix. */
export interface CutWording {
  rows: string;
  bytes: string;
  /** What to do to read more; "raise <the limit> to read more" by default. */
  fix?: string;
}

const CLI_LIMITS: CutWording = { rows: '--max-rows', bytes: '--max-bytes' };

/**
 * What was cut on the way, one line each: tables cut by --max-rows or --max-bytes (or the
 * limits `wording` names), rows a ring overwrote while they were read, values cut at the
 * longest string a cell keeps.
 */
export function cutNotes(truncated: QueryResult['truncated'], wording: CutWording = CLI_LIMITS): string[] {
  return truncated.map((t) => {
    const where = t.target ? ` (target ${t.target})` : '';
    const of = t.total === null ? '' : ` of ${t.total}`;
    if (t.reason === 'overwritten') return `${t.table}${where}: the ring overwrote rows while they were read; ${t.rows}${of} rows shown`;
    if (t.reason === 'threw') return `${t.table}${where}: reading it threw after ${t.rows} rows (${t.message ?? 'an error'}), and the result covers only those`;
    if (t.reason === 'cells') {
      const n = t.total ?? 0;
      return `${t.table}${where}: ${n} value${n === 1 ? '' : 's'} of column ${t.column} cut at ${t.limit} characters (ending in "…[+n chars]"); LENGTH() and comparisons see the cut text`;
    }
    const why = wording[t.reason];
    return `${t.table}${where}: cut at ${t.rows}${of} rows by ${why}, and the result covers only those; ${wording.fix ?? `raise ${why} to read more`}`;
  });
}

/**
 * A boxed table (cli-table3, compact: one rule under the header, none between rows),
 * numbers right-aligned, NULL dim, what was cut said under it. On a terminal (or with
 * COLUMNS) it fits the width: wide columns are cut with "…", and a table that cannot fit
 * at all is shown one record per block, like psql's \x. Elsewhere a cell stops at 200
 * characters.
 */
function table(result: QueryResult, options: RenderOptions): string {
  const { columns, rowCount } = result.table;
  const notes = cutNotes(result.truncated).map((n) => `cut: ${n}\n`).join('');
  const count = `(${rowCount} row${rowCount === 1 ? '' : 's'})\n${notes}`;
  if (columns.length === 0) return count;
  const dim = (s: string) => (options.colors ? `\u001b[2m${s}\u001b[22m` : s);
  const head = columns.map((c) => escapeCell(c.name));
  const body = Array.from({ length: rowCount }, (_, r) =>
    columns.map((c) => {
      const t = text(c, r);
      return t === null ? null : escapeCell(t);
    }),
  );
  const natural = head.map((h, i) => Math.min(MAX_CELL, Math.max(stringWidth(h), ...body.map((row) => stringWidth(row[i] ?? 'NULL')))));
  const widths = options.width === undefined ? natural : fit(natural, options.width);
  if (widths === undefined) return records(head, body, options.width!, dim) + count;
  const numeric = columns.map((c) => NUMERIC.has(c.type));
  // cli-table3 slows down more than linearly with rows (100,000 rows took 130 s in one
  // table): the rows are laid out BLOCK at a time with the same column widths, and the
  // blocks' bodies joined under one header (~26 µs a row)
  const block = (rows: ReadonlyArray<ReadonlyArray<string | null>>): string[] => {
    const table = new Table({
      head: head.map((h) => (options.colors ? `\u001b[1m${h}\u001b[22m` : h)),
      colWidths: widths.map((w) => w + 2),
      colAligns: numeric.map((n) => (n ? 'right' : 'left')),
      style: { compact: true, head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
      truncate: '…',
      wordWrap: false,
    });
    for (const row of rows) table.push(row.map((cell) => (cell === null ? dim('NULL') : cell)));
    return table.toString().split('\n');
  };
  const lines = block(body.slice(0, BLOCK));
  for (let from = BLOCK; from < body.length; from += BLOCK) lines.splice(-1, 0, ...block(body.slice(from, from + BLOCK)).slice(3, -1));
  const drawn = lines.join('\n');
  return `${options.colors ? drawn.replace(/[─│┌┐└┘├┤┬┴┼]+/g, (rule) => dim(rule)) : drawn}\n${count}`;
}

/** Rows cli-table3 lays out at a time. */
const BLOCK = 64;

/** The longest a cell shows where there is no terminal to fit. */
const MAX_CELL = 200;
/** The narrowest a column is cut to on a terminal; narrower than this, the table goes one record per block. */
const MIN_COLUMN = 6;

/**
 * Column widths that fit `width`: every column keeps its natural width if it can; else the
 * room is shared, narrow columns first, wide ones cut to what is left. Undefined when even
 * MIN_COLUMN each does not fit.
 */
function fit(natural: readonly number[], width: number): number[] | undefined {
  const borders = 3 * natural.length + 1;
  if (natural.reduce((a, b) => a + b, 0) + borders <= width) return [...natural];
  let room = width - borders;
  if (room < MIN_COLUMN * natural.length) return undefined;
  const widths = new Array<number>(natural.length);
  const order = natural.map((w, i) => [w, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([w, i], k) => {
    const share = Math.floor(room / (order.length - k));
    widths[i] = Math.min(w, Math.max(MIN_COLUMN, share));
    room -= widths[i]!;
  });
  return widths;
}

/** One block per row, a line per column: for a table too wide for the terminal. */
function records(head: readonly string[], body: ReadonlyArray<ReadonlyArray<string | null>>, width: number, dim: (s: string) => string): string {
  const nameWidth = Math.max(4, Math.min(Math.max(...head.map((h) => stringWidth(h))), Math.floor(width / 3)));
  const valueWidth = Math.max(8, width - nameWidth - 3);
  return body
    .map((row, r) => {
      const title = `─[ row ${r + 1} ]`;
      const lines = [dim(title + '─'.repeat(Math.max(0, Math.min(width, nameWidth + 3 + 20) - stringWidth(title))))];
      row.forEach((cell, i) => {
        const name = cutToWidth(head[i]!, nameWidth);
        lines.push(`${name}${' '.repeat(Math.max(0, nameWidth - stringWidth(name)))} ${dim('│')} ${cell === null ? dim('NULL') : cutToWidth(cell, valueWidth)}`);
      });
      return lines.join('\n') + '\n';
    })
    .join('');
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
