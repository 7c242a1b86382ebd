/**
 * One error hierarchy for the whole tool. Every error carries a stable `code`,
 * a `hint` that names the fix, and the exit status the CLI maps it to.
 * Library code throws these; only the CLI prints them.
 */

/** Exit statuses, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** The code run in the target threw or was rejected. */
  remote: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** The target could not be attached: not found, not Node.js, no inspector. */
  attach: 3,
  /** An evaluation did not finish within --timeout. */
  timeout: 4,
  /** The connection to the target broke, or the protocol failed. */
  protocol: 5,
  /** An extension failed: crashed, answered garbage or nothing, or threw. */
  extension: 6,
  /** A query over several targets answered, but some targets failed (listed on stderr). */
  partial: 7,
  /** A file could not be read or written: an -o path, a file that is not what it should be (a heap snapshot). */
  io: 8,
  /** Interrupted by Ctrl-C (SIGINT). */
  interrupted: 130,
} as const;

export interface ProbingErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class ProbingError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number = ExitCode.protocol;

  constructor(code: string, message: string, options: ProbingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

export class UsageError extends ProbingError {
  override readonly exitCode = ExitCode.usage;
}

/** A file probing was asked to read or write: missing, not writable, not what it should be. */
export class FileError extends ProbingError {
  override readonly exitCode = ExitCode.io;
}

export class AttachError extends ProbingError {
  override readonly exitCode = ExitCode.attach;
}

export class ProtocolError extends ProbingError {
  override readonly exitCode = ExitCode.protocol;
}

export class TargetClosedError extends ProbingError {
  override readonly exitCode = ExitCode.protocol;
}

export class TimeoutError extends ProbingError {
  override readonly exitCode = ExitCode.timeout;
}

/** The code the user ran in the target threw; `remoteStack` is the target's own stack. */
export class RemoteError extends ProbingError {
  override readonly exitCode = ExitCode.remote;
  readonly remoteStack: string;

  constructor(code: string, message: string, remoteStack: string, options: ProbingErrorOptions = {}) {
    super(code, message, options);
    this.remoteStack = remoteStack;
  }
}

/** A host reached through ssh, docker or kubectl failed as a whole, with the status its probing (or the way there) gave. */
export class RemoteHostError extends ProbingError {
  override readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number, options: ProbingErrorOptions = {}) {
    super(code, message, options);
    this.exitCode = exitCode;
  }
}

export class InterruptedError extends ProbingError {
  override readonly exitCode = ExitCode.interrupted;
}

/**
 * An error as the user reads it, after "probing: " on the CLI and as the text of an MCP
 * tool error: the message, the stack in the target of code that threw there (without
 * probing's own frames), and the hint that names the fix.
 */
export function errorReport(error: ProbingError): string {
  let text = `${error.message}\n`;
  if (error instanceof RemoteError && error.remoteStack) {
    const stack = error.remoteStack.split('\n').filter((line) => !line.includes('probing://'));
    if (stack[0] && error.message.endsWith(stack[0].replace(/^Uncaught\s*/, ''))) stack.shift();
    if (stack.length > 0) text += stack.map((line) => `  │ ${line}`).join('\n') + '\n';
  }
  if (error.hint) text += `  hint: ${error.hint}\n`;
  return text;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
