/**
 * A query's answer as an MCP tool result: its rows as structured content (JSON values,
 * with the column types), and a text table of the same rows for clients that show a model
 * only text. What reaches the model is bounded — at most `maxRows` rows and about
 * `maxBytes` of JSON rows — and every cut, on the way in or here, is said in both.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ResultTable } from '../sql/result.js';
import type { QueryResult } from '../sql/query.js';

/** What each table may bring from the target: the CLI's own defaults (--max-rows, --max-bytes), so that answers agree. */
export const TABLE_LIMITS = { maxRows: 100_000, maxBytes: 64 << 20 };

export interface AnswerBounds {
  /** Rows returned at most. */
  maxRows: number;
  /** About how many bytes the returned rows may take as JSON. */
  maxBytes: number;
}

/** How many of the rows fit both bounds (0 when the first alone is too big). */
function fitting(rows: ReadonlyArray<Record<string, unknown>>, bounds: AnswerBounds): number {
  let bytes = 2;
  for (let r = 0; r < rows.length && r < bounds.maxRows; r++) {
    bytes += JSON.stringify(rows[r]).length + 1;
    if (bytes > bounds.maxBytes) return r;
  }
  return Math.min(rows.length, bounds.maxRows);
}

/** The first `n` rows of a result. */
function firstRows(table: ResultTable, n: number): ResultTable {
  return { columns: table.columns.map((c) => ({ ...c, values: Array.prototype.slice.call(c.values, 0, n) as unknown[] })), rowCount: n };
}

export async function answerContent(result: QueryResult, bounds: AnswerBounds): Promise<CallToolResult> {
  const { wireValue, cutNotes, jsonKeys, render } = await import('../output/render.js');
  const { columns, rowCount } = result.table;
  const keys = jsonKeys(columns);
  const all = Array.from({ length: rowCount }, (_, r) => Object.fromEntries(columns.map((c, i) => [keys[i]!, wireValue(c, r)])));
  const shown = fitting(all, bounds);
  const cut = cutNotes(result.truncated, {
    rows: `probing's limit of ${TABLE_LIMITS.maxRows} rows a table`,
    bytes: `probing's limit of ${TABLE_LIMITS.maxBytes >> 20} MiB a table`,
    fix: 'read less of it (a WHERE, or a narrower js.`…` expression)',
  });
  if (shown < rowCount) {
    const by = shown < bounds.maxRows ? `max_bytes (${bounds.maxBytes} bytes of rows as JSON)` : `max_rows (${bounds.maxRows})`;
    cut.push(`the answer has ${rowCount} rows; ${shown} returned, cut by ${by}: aggregate, add a WHERE or a LIMIT, select fewer columns, or raise ${shown < bounds.maxRows ? 'max_bytes' : 'max_rows'}`);
  }
  const table = String(await render({ table: firstRows(result.table, shown), truncated: [] }, 'table', { width: 160, colors: false }));
  const text = table + cut.map((n) => `cut: ${n}\n`).join('');
  return {
    content: [{ type: 'text', text }],
    structuredContent: { columns: columns.map((c, i) => ({ name: keys[i]!, type: c.sqlType })), rows: all.slice(0, shown), row_count: rowCount, returned: shown, cut },
  };
}
