/**
 * Help fits 80 columns (or a narrower terminal): a line too long is wrapped at spaces
 * (wrap-ansi) and its continuation indented under where its text began — under the
 * description in a two-column line ("  --flag   what it does"), four spaces in from an
 * example's "$". An example broken outside quotes gets a shell continuation (" \"), so it
 * still runs when pasted; broken inside quotes, the newline is part of the quoted SQL or
 * code, where it changes nothing.
 */
import wrapAnsi from 'wrap-ansi';

export function fitHelp(text: string, width = 80): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    // a paragraph of prose (lines starting at column 0) with a line too long is re-flowed whole
    if (/^\S/.test(lines[i]!) && !lines[i]!.endsWith(':')) {
      let end = i;
      while (end + 1 < lines.length && /^\S/.test(lines[end + 1]!) && !lines[end + 1]!.endsWith(':')) end++;
      const paragraph = lines.slice(i, end + 1);
      out.push(...(paragraph.some((l) => l.length > width) ? wrapAnsi(paragraph.join(' '), width, { hard: false, trim: true }).split('\n') : paragraph));
      i = end;
    } else out.push(lines[i]!.length <= width ? lines[i]! : fitLine(lines[i]!, width));
  }
  return out.join('\n');
}

function fitLine(line: string, width: number): string {
  const indent = /^ */.exec(line)![0].length;
  const example = /^ *\$ /.test(line);
  // two columns: the text of the second starts after a run of two or more spaces
  const column = example ? -1 : line.slice(indent).search(/\S {2,}\S/);
  const start = example ? indent + 2 : column >= 0 ? indent + column + 1 + /^ +/.exec(line.slice(indent + column + 1))![0].length : indent;
  const head = line.slice(0, start);
  const body = line.slice(start);
  const hang = example ? indent + 4 : start;
  const room = Math.max(20, width - hang);
  const first = Math.max(20, width - start);
  // the first line may take `first` columns, the rest `room`: wrap for the narrower, then re-flow the first
  const parts = wrapAnsi(body, Math.min(first, room), { hard: false, trim: true }).split('\n');
  const out: string[] = [];
  let quotes = '';
  parts.forEach((part, i) => {
    const prefix = i === 0 ? head : ' '.repeat(hang);
    for (const ch of part) {
      if (quotes === '' && (ch === "'" || ch === '"')) quotes = ch;
      else if (ch === quotes) quotes = '';
    }
    out.push(`${prefix}${part}${example && i < parts.length - 1 && quotes === '' ? ' \\' : ''}`);
  });
  return out.join('\n');
}
