/**
 * Runs a snippet in the target that builds a value, and brings the value back as
 * JSON in slices: each slice is one short message, so a large result neither blocks
 * the target's event loop in one long stretch nor comes near the inspector's 256 MiB
 * message limit, after which the connection would be dead.
 */
import type { Attachment } from '../attach/attach.js';
import { ProtocolError } from '../errors.js';
import { OBJECT_GROUP, SOURCE_URL } from '../target/snippets.js';
import { MARK_HANDLED, pristine } from '../target/realm.js';
import { answerWithinMs, evaluateBounded, expressionErrors, remoteError } from './remote-value.js';

const SLICE = 8 * 1024 * 1024;

export interface RemoteJsonOptions {
  timeoutMs: number;
  /** Names the snippet in errors: "js.`app.sessions`". */
  what: string;
  /** The snippet is an async function's call: await its promise. */
  async: boolean;
}

/** `expression` must evaluate to the value (or, with async, a promise of it). */
export async function evaluateJson<T>(attachment: Attachment, expression: string, options: RemoteJsonOptions): Promise<T> {
  const { session } = attachment;
  // JSON.stringify and String.prototype.slice of a realm of our own: the target's may be replaced
  const stringify = pristine('(v) => JSON.stringify(v)');
  const slicer = pristine('(s, start, end) => s.slice(start, end)');
  // JSON up to one slice comes back in this answer (a string is sent whole); a longer
  // one stays in the target, in a holder read slice by slice
  const answer = (json: string) => `((json) => json === undefined || json.length <= ${SLICE} ? json : { json, slice: ${slicer} })(${json})`;
  const holder = options.async
    ? `${MARK_HANDLED}((async (require) => ${answer(`(${stringify})(await (${expression}\n))`)})(require))`
    : answer(`(${stringify})(${expression}\n)`);
  const evaluated = await evaluateBounded(
    session,
    { expression: `${holder}\n${SOURCE_URL}`, includeCommandLineAPI: true, silent: true, objectGroup: OBJECT_GROUP },
    options.timeoutMs,
    expressionErrors(options.what, options.timeoutMs),
    options.async,
  );
  if (evaluated.exceptionDetails) throw remoteError(evaluated.exceptionDetails, options.what, options.timeoutMs);
  if (evaluated.result.type === 'undefined') return undefined as T;
  if (evaluated.result.type === 'string') return JSON.parse(evaluated.result.value as string) as T;
  const objectId = evaluated.result.objectId;
  if (!objectId) throw new ProtocolError('NO_RESULT', `${options.what} returned nothing`);

  const call = async (fn: string, args: unknown[]) => {
    const answer = await session.send(
      'Runtime.callFunctionOn',
      { objectId, functionDeclaration: fn, arguments: args.map((value) => ({ value })), returnByValue: true, silent: true },
      { timeoutMs: answerWithinMs(options.timeoutMs) },
    );
    if (answer.exceptionDetails) throw remoteError(answer.exceptionDetails, options.what, options.timeoutMs);
    return answer.result.value as unknown;
  };
  const length = (await call('function () { return this.json.length; }', [])) as number;
  let json = '';
  for (let start = 0; start < length; start += SLICE) {
    json += (await call('function (start, size) { return this.slice(this.json, start, start + size); }', [start, SLICE])) as string;
  }
  await session.send('Runtime.releaseObject', { objectId }, { timeoutMs: 1000 }).catch(() => {});
  return JSON.parse(json) as T;
}
