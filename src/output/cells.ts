/** How one value prints, the same way in every text format. */

/** A number written into JSON exactly as this text (an exact decimal). */
export class JsonLiteral {
  constructor(readonly text: string) {}
}

/** JSON text for any value: bigint and JsonLiteral as exact number literals, Date as ISO 8601. */
export function toJsonText(value: unknown, indent?: number): string {
  const marks: string[] = [];
  const nonce = Math.random().toString(36).slice(2);
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint' || v instanceof JsonLiteral) {
        marks.push(typeof v === 'bigint' ? v.toString() : v.text);
        return `@bigint:${nonce}:${marks.length - 1}@`;
      }
      return v === undefined ? null : v;
    },
    indent,
  );
  if (marks.length === 0) return text ?? 'null';
  // An exact integer literal: JSON allows any number of digits.
  return (text ?? 'null').replace(new RegExp(`"@bigint:${nonce}:(\\d+)@"`, 'g'), (_m, i: string) => marks[Number(i)]!);
}

/** A cell as text, or null for NULL. */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'object') return toJsonText(value);
  return String(value);
}

/**
 * A cell as one line of a terminal: a tab, a newline, a carriage return and every other
 * control character written as an escape (\t, \n, \x1b), so that a value can neither
 * break the table's lines nor send the terminal a command.
 */
export function escapeCell(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
