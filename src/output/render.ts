/**
 * Query results → what the user sees: an aligned table, JSON, NDJSON, CSV or an
 * Arrow IPC file. NULL is visibly different from an empty string everywhere.
 */
import type { QueryResult } from '../sql/query.js';
import { cellText, toJsonText } from './cells.js';

export const FORMATS = ['table', 'json', 'ndjson', 'csv', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  /** Terminal width for the table format; undefined when not a terminal. */
  width: number | undefined;
  colors: boolean;
}

function ordered(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c] = row[c] === undefined ? null : row[c];
  return out;
}

/** JSON: an array of rows; when rows were cut, an object that says so beside them. */
function json(result: QueryResult): string {
  const rows = result.rows.map((r) => ordered(r, result.columns));
  if (result.truncated.length === 0) return toJsonText(rows, 2) + '\n';
  return toJsonText({ rows, truncated: result.truncated }, 2) + '\n';
}

function ndjson(result: QueryResult): string {
  return result.rows.map((r) => toJsonText(ordered(r, result.columns)) + '\n').join('');
}

/** RFC 4180. NULL is an empty field; an empty string is "" so the two stay apart. */
function csv(result: QueryResult): string {
  const field = (value: unknown): string => {
    const text = cellText(value);
    if (text === null) return '';
    return text === '' || /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [result.columns.map(field), ...result.rows.map((r) => result.columns.map((c) => field(r[c])))];
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

async function table(result: QueryResult, options: RenderOptions): Promise<string> {
  if (result.columns.length === 0) return `(${result.rows.length} rows, no columns)\n`;
  const { default: Table } = await import('cli-table3');
  const nullText = options.colors ? '\u001b[2mNULL\u001b[22m' : 'NULL';
  // Share the terminal width among the columns; a cell longer than its share is cut with "…".
  // Not a terminal: no width to fit, but a cell still stops at 200 characters.
  const share = options.width === undefined ? 200 : Math.max(8, Math.floor((options.width - 1) / result.columns.length) - 3);
  const fit = (text: string) => (text.length > share ? text.slice(0, share - 1) + '…' : text);
  const t = new Table({
    head: result.columns.map(fit),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: options.colors ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
  for (const row of result.rows) {
    t.push(result.columns.map((c) => {
      const text = cellText(row[c]);
      return text === null ? nullText : fit(text.replace(/\r?\n/g, '\\n'));
    }));
  }
  return `${t.toString()}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
}

async function arrow(result: QueryResult): Promise<Uint8Array> {
  const [{ tableToIPC }, { tableFromRows }] = await Promise.all([import('apache-arrow'), import('../tables/from-rows.js')]);
  return tableToIPC(tableFromRows(result.rows, result.columns), 'file');
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
