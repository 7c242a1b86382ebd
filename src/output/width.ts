/** Display width on a terminal (string-width), and cutting text to it between graphemes. */
import measure from 'string-width';

/** Printable ASCII only: one column a character, no grapheme clusters, no escapes. */
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * Columns `text` takes on a terminal. Printable ASCII is its length, found without
 * string-width, whose grapheme segmenter costs ~11 ms to make in a process (once).
 */
export function stringWidth(text: string): number {
  return PLAIN.test(text) ? text.length : measure(text);
}

/** `text` if it fits `max` columns; else its longest start that fits `max - 1`, then "…". */
export function cutToWidth(text: string, max: number): string {
  if (stringWidth(text) <= max) return text;
  if (PLAIN.test(text)) return `${text.slice(0, Math.max(0, max - 1))}…`;
  let out = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter().segment(text)) {
    const w = stringWidth(segment);
    if (used + w > max - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}
