import { ProbingError, type ProbingErrorOptions } from '../errors.js';

/** A problem with the SQL text itself; `position` is an offset into it, when known. */
export class SqlError extends ProbingError {
  override readonly exitCode = 2;
  readonly position: number | undefined;

  constructor(code: string, message: string, options: ProbingErrorOptions & { position?: number } = {}) {
    super(code, message, options);
    this.position = options.position;
  }
}

/**
 * " on line 2, column 14" and the line with a caret under that column, for a
 * message about the user's SQL at `offset` (undefined: nothing).
 */
export function sqlPosition(text: string, offset: number | undefined): string {
  if (offset === undefined || offset < 0 || offset > text.length) return '';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineText = text.split('\n')[line - 1] ?? '';
  return ` on line ${line}, column ${offset - lineStart + 1}\n    ${lineText}\n    ${' '.repeat(offset - lineStart)}^`;
}
