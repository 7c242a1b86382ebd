/** Plain aligned columns, like ps: no borders, nothing to strip when piped. */
import { escapeCell } from './cells.js';
import { cutToWidth, stringWidth } from './width.js';

/** A line per row (a newline or control character in a cell is escaped); on a terminal, each line cut at its width. */
export function renderColumns(headers: string[], rows: string[][], width?: number): string {
  const cells = rows.map((row) => row.map((c) => escapeCell(c ?? '')));
  const widths = headers.map((h, i) => Math.max(stringWidth(h), ...cells.map((r) => stringWidth(r[i] ?? ''))));
  const line = (row: string[]) => {
    const text = row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - stringWidth(c))))).join('  ');
    return width ? cutToWidth(text, width) : text;
  };
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}
