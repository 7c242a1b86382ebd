/** Plain aligned columns, like ps: no borders, nothing to strip when piped. */
import stringWidth from 'string-width';
import { escapeCell } from './cells.js';

/** A line per row (a newline or control character in a cell is escaped); on a terminal, each line cut at its width. */
export function renderColumns(headers: string[], rows: string[][], width?: number): string {
  const cells = rows.map((row) => row.map((c) => escapeCell(c ?? '')));
  const widths = headers.map((h, i) => Math.max(stringWidth(h), ...cells.map((r) => stringWidth(r[i] ?? ''))));
  const line = (row: string[]) => {
    const text = row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - stringWidth(c))))).join('  ');
    if (!width || stringWidth(text) <= width) return text;
    let out = '';
    for (const { segment } of new Intl.Segmenter().segment(text)) {
      if (stringWidth(out + segment) > width - 1) break;
      out += segment;
    }
    return `${out}…`;
  };
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}
