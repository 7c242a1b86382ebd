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
