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

/** Display width: code points, with East Asian wide and emoji characters counted twice. */
function width(text: string): number {
  let w = 0;
  for (const ch of text.replace(/\u001b\[[0-9;]*m/g, '')) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}

function cut(text: string, max: number): string {
  if (width(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (width(out + ch) > max - 1) break;
    out += ch;
  }
  return out + '…';
}

/** A boxed table: one rule under the header, none between rows. */
function table(result: QueryResult, options: RenderOptions): string {
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
  if (result.columns.length === 0) return count;
  const dim = (s: string) => (options.colors ? `\u001b[2m${s}\u001b[22m` : s);
  // On a terminal the columns share its width; elsewhere a cell still stops at 200 characters.
  const share = options.width === undefined ? 200 : Math.max(8, Math.floor((options.width - 1) / result.columns.length) - 3);
  const head = result.columns.map((c) => cut(c, share));
  const body = result.rows.map((row) =>
    result.columns.map((c) => {
      const text = cellText(row[c]);
      return text === null ? null : cut(text.replace(/\r?\n/g, '\\n'), share);
    }),
  );
  const widths = head.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? 'NULL'))));
  const pad = (text: string, i: number, right: boolean) => {
    const gap = ' '.repeat(widths[i]! - width(text));
    return right ? gap + text : text + gap;
  };
  const numeric = result.columns.map((c) => result.rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number' || typeof r[c] === 'bigint'));
  const rule = (l: string, m: string, r: string) => dim(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const line = (cells: Array<string | null>, header = false) =>
    dim('│') +
    cells
      .map((c, i) => {
        const text = c === null ? pad('NULL', i, numeric[i]!) : pad(c, i, numeric[i]! && !header);
        return ` ${c === null ? dim(text) : header && options.colors ? `\u001b[1m${text}\u001b[22m` : text} `;
      })
      .join(dim('│')) +
    dim('│');
  return [rule('┌', '┬', '┐'), line(head, true), rule('├', '┼', '┤'), ...body.map((r) => line(r)), rule('└', '┴', '┘')].join('\n') + '\n' + count;
}

async function arrow(result: QueryResult): Promise<Uint8Array> {
  const [{ Arrow }, { tableFromRows }] = await Promise.all([import('../tables/arrow.js'), import('../tables/from-rows.js')]);
  return Arrow.tableToIPC(tableFromRows(result.rows, result.columns), 'file');
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
