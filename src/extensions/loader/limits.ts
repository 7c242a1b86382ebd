/**
 * How much an extension outside the CLI's own code may send it. An out-of-process
 * program's stdout and an HTTP function's answers are read as they stream in and
 * cut off at these sizes, so a runaway extension costs the CLI at most about that
 * much memory and ends as an extension error (exit 6), never a crash.
 *
 * Defaults below; the extension's manifest may set its own (`"limits"`), and the
 * user raises or lowers them with `probing ext set <name>.limits.<key> <size>`.
 */
import { UsageError } from '../../errors.js';
import { ExtensionFailure } from './process-client.js';
import { parseSize as parseText } from '../../units.js';

export interface ExtensionLimits {
  /** One protocol message (one line of an out-of-process program's stdout). */
  message_bytes: number;
  /** Everything an out-of-process program writes to stdout during one command. */
  output_bytes: number;
  /** One HTTP function's response body. */
  body_bytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<ExtensionLimits> = Object.freeze({
  message_bytes: 64 * MiB,
  output_bytes: 256 * MiB,
  body_bytes: 8 * MiB,
});

/** Which limits apply to which kind of extension, and what each bounds. */
export const LIMIT_HELP: Record<'process' | 'functions', Partial<Record<keyof ExtensionLimits, string>>> = {
  process: {
    message_bytes: 'the largest message (one line of its stdout) probing reads',
    output_bytes: 'all it may write to stdout during one command',
  },
  functions: {
    body_bytes: "the largest HTTP response body a function's service may answer with",
  },
};

export const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as Array<keyof ExtensionLimits>;

/** The largest any limit may be set to: past this, strings and buffers stop being safe to build. */
const CEILING = 4096 * MiB;

/** 65536, "64k", "4m", "1g" (binary units, as everywhere: units.ts) → bytes; undefined when it is not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const n = parseText(value);
  return n !== undefined && n > 0 ? n : undefined;
}

export function formatSize(n: number): string {
  if (n % (1024 * MiB) === 0) return `${n / (1024 * MiB)} GiB`;
  if (n % MiB === 0) return `${n / MiB} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** A size as `ext set` takes it, or a usage error that says what a size looks like. */
export function checkLimit(key: string, value: string): number {
  const n = parseSize(value);
  if (n === undefined || n < 1024 || n > CEILING) {
    throw new UsageError('BAD_LIMIT', `limits.${key} takes a size from 1k to 4g, not "${value}"`, { hint: `e.g. probing ext set <name>.limits.${key} 512m` });
  }
  return n;
}

/** The manifest's limits, then the user's settings, over the defaults. Bad values in a manifest fail the extension's load. */
export function limitsOf(manifest: { name: string; limits?: Record<string, unknown> }, settings: Record<string, unknown>): ExtensionLimits {
  const limits: ExtensionLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(manifest.limits ?? {})) {
    if (!(LIMIT_KEYS as string[]).includes(key)) throw new ExtensionFailure('BAD_MANIFEST', `"limits.${key}" is not a limit (there are ${LIMIT_KEYS.join(', ')})`);
    const n = parseSize(value);
    if (n === undefined || n > CEILING) throw new ExtensionFailure('BAD_MANIFEST', `"limits.${key}" must be a size such as 64m, not ${JSON.stringify(value)}`);
    limits[key as keyof ExtensionLimits] = n;
  }
  for (const key of LIMIT_KEYS) {
    const n = parseSize(settings[`limits.${key}`]);
    if (n !== undefined) limits[key] = Math.min(n, CEILING);
  }
  return limits;
}

/** Names the limit and how to raise it, for the error that says it was reached. */
export function raiseHint(extension: string, key: keyof ExtensionLimits, current: number): string {
  return `if the extension is right to send that much: probing ext set ${extension}.limits.${key} ${Math.ceil(Math.min(current * 4, CEILING) / MiB)}m`;
}
