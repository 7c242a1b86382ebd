/** `probing <target> eval`: run the user's JavaScript in the target and format what it returns. */
import type { Attachment } from '../attach/attach.js';
import { TimeoutError } from '../errors.js';
import type { FormatOptions, Formatted } from '../target/snippets.js';
import { prepareCode } from './prepare-code.js';
import { evaluateBounded, formatRemote, noAnswer, ranTooLong, OBJECT_GROUP, remoteError } from './remote-value.js';

export interface EvalOptions extends FormatOptions {
  timeoutMs: number;
}

/** Runs the code (see prepare-code.ts); a promise it returns is awaited, within the same time limit. */
export async function evaluate(attachment: Attachment, code: string, options: EvalOptions): Promise<Formatted> {
  const { session } = attachment;
  const prepared = prepareCode(code);
  const { result, exceptionDetails } = await evaluateBounded(
    session,
    {
      expression: prepared.expression,
      // gives require() in ESM targets too
      includeCommandLineAPI: true,
      // never stop on a "pause on exceptions" breakpoint someone else set
      silent: true,
      objectGroup: OBJECT_GROUP,
    },
    // V8 stops synchronous code (while(true){}) inside the target after the limit
    options.timeoutMs,
    {
      terminated: () => ranTooLong('the code', options.timeoutMs),
      noAnswer: () => noAnswer('the code', options.timeoutMs),
      unsettled: () =>
        new TimeoutError('TIMEOUT', `the evaluation did not finish within ${options.timeoutMs} ms`, {
          hint: 'the code returned a promise that did not settle in time; raise --timeout, or check that the promise can settle',
        }),
    },
  );
  if (exceptionDetails) throw remoteError(exceptionDetails, 'the code', options.timeoutMs);
  return formatRemote(session, result, options, options.timeoutMs);
}
