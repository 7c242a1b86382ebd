/** `probing <target> eval`: run the user's JavaScript in the target and format what it returns. */
import { Script } from 'node:vm';
import type { Attachment } from '../attach/attach.js';
import { TimeoutError } from '../errors.js';
import type { FormatOptions, Formatted } from '../target/snippets.js';
import { formatRemote, isTerminated, OBJECT_GROUP, remoteError } from './remote-value.js';

export interface EvalOptions extends FormatOptions {
  timeoutMs: number;
}

/**
 * The inspector's command-line require() only exists while the evaluation runs
 * synchronously; after the first await it is gone. Bind it before the user's code,
 * in a block, so it stays usable and nothing persists in the target. Code that reads
 * as an object literal ({ a: 1 }) is parenthesized, as the REPL does.
 */
export function wrapUserCode(code: string): string {
  let body = code;
  if (/^\s*\{/.test(code) && !/;\s*$/.test(code)) {
    try {
      new Script(`(async () => (${code}\n))`);
      body = `(${code}\n)`;
    } catch {
      // not an object literal: leave it a block
    }
  }
  return `{ const __probing_require = require; { const require = __probing_require; ${body}\n} }`;
}

export async function evaluate(attachment: Attachment, code: string, options: EvalOptions): Promise<Formatted> {
  const { session } = attachment;
  const { result, exceptionDetails } = await session.send(
    'Runtime.evaluate',
    {
      expression: wrapUserCode(code),
      // replMode: top-level await and let/const redeclaration, as in the REPL
      replMode: true,
      awaitPromise: true,
      // gives require() in ESM targets too
      includeCommandLineAPI: true,
      // stops synchronous code (while(true){}) inside the target after the limit
      timeout: options.timeoutMs,
      // never stop on a "pause on exceptions" breakpoint someone else set
      silent: true,
      objectGroup: OBJECT_GROUP,
    },
    {
      timeoutMs: options.timeoutMs + 250,
      timeoutHint: 'the code returned a promise that did not settle in time; raise --timeout, or check that the promise can settle',
    },
  ).catch((error: unknown) => {
    if (isTerminated(error)) {
      throw new TimeoutError('TIMEOUT', `the code ran for longer than ${options.timeoutMs} ms and was stopped; the target keeps running`, {
        hint: 'raise --timeout if the code is meant to run that long',
      });
    }
    if (error instanceof TimeoutError) {
      throw new TimeoutError('TIMEOUT', `the evaluation did not finish within ${options.timeoutMs} ms`, { hint: error.hint });
    }
    throw error;
  });
  if (exceptionDetails) throw remoteError(exceptionDetails, 'the code', options.timeoutMs);
  return formatRemote(session, result, options, options.timeoutMs);
}
