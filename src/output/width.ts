/** Display width on a terminal (string-width), and cutting text to it between graphemes. */
import stringWidth from 'string-width';

export { stringWidth };

/** `text` if it fits `max` columns; else its longest start that fits `max - 1`, then "…". */
export function cutToWidth(text: string, max: number): string {
  if (stringWidth(text) <= max) return text;
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
