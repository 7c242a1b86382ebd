/** Plain aligned columns, like ps: no borders, nothing to strip when piped. */
export function renderColumns(headers: string[], rows: string[][], width?: number): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => {
    const text = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
    return width && text.length > width ? text.slice(0, width - 1) + '…' : text;
  };
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
