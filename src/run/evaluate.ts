/** `probing <target> eval`: run the user's JavaScript in the target and format what it returns. */
import type { Attachment } from '../attach/attach.js';
import { TimeoutError } from '../errors.js';
import type { FormatOptions, Formatted } from '../target/snippets.js';
import { prepareCode } from './prepare-code.js';
import { formatRemote, isTerminated, ranTooLong, OBJECT_GROUP, remoteError } from './remote-value.js';

export interface EvalOptions extends FormatOptions {
  timeoutMs: number;
}

/** Runs the code (see prepare-code.ts); a promise it returns is awaited, within the same time limit. */
export async function evaluate(attachment: Attachment, code: string, options: EvalOptions): Promise<Formatted> {
  const { session } = attachment;
  const started = Date.now();
  const prepared = prepareCode(code);
  const notSettled = () =>
    new TimeoutError('TIMEOUT', `the evaluation did not finish within ${options.timeoutMs} ms`, {
      hint: 'the code returned a promise that did not settle in time; raise --timeout, or check that the promise can settle',
    });
  const translate = (error: unknown): never => {
    if (isTerminated(error)) throw ranTooLong('the code', options.timeoutMs);
    throw error instanceof TimeoutError ? notSettled() : error;
  };
  let { result, exceptionDetails } = await session
    .send(
      'Runtime.evaluate',
      {
        expression: prepared.expression,
        awaitPromise: prepared.async,
        // gives require() in ESM targets too
        includeCommandLineAPI: true,
        // stops synchronous code (while(true){}) inside the target after the limit
        timeout: options.timeoutMs,
        // never stop on a "pause on exceptions" breakpoint someone else set
        silent: true,
        objectGroup: OBJECT_GROUP,
      },
      { timeoutMs: options.timeoutMs + 250 },
    )
    .catch(translate);
  if (!exceptionDetails && result.subtype === 'promise' && result.objectId) {
    const left = Math.max(1, options.timeoutMs - (Date.now() - started));
    ({ result, exceptionDetails } = await session
      .send('Runtime.awaitPromise', { promiseObjectId: result.objectId }, { timeoutMs: left })
      .catch(translate));
  }
  if (exceptionDetails) throw remoteError(exceptionDetails, 'the code', options.timeoutMs);
  return formatRemote(session, result, options, options.timeoutMs);
}
