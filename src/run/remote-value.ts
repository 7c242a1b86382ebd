/**
 * Turning what an evaluation returned into something the CLI can print:
 * formatting happens in the target (util.inspect or bounded JSON), and only the
 * text crosses the wire.
 */
import type { Protocol } from 'devtools-protocol';
import { inspect } from 'node:util';
import { ProtocolError, RemoteError, TimeoutError } from '../errors.js';
import type { Session } from '../attach/session.js';
import { formatValue, LOAD_BUILTIN, OBJECT_GROUP, SOURCE_URL, type FormatOptions, type Formatted } from '../target/snippets.js';
import { pristine } from '../target/realm.js';

export { OBJECT_GROUP } from '../target/snippets.js';

export function callArgument(value: Protocol.Runtime.RemoteObject): Protocol.Runtime.CallArgument {
  if (value.objectId) return { objectId: value.objectId };
  if (value.unserializableValue) return { unserializableValue: value.unserializableValue };
  if (value.type === 'undefined') return {};
  return { value: value.value };
}

/** A primitive that came back whole: it formats here exactly as util.inspect would there. */
function localPrimitive(value: Protocol.Runtime.RemoteObject): { value: unknown } | undefined {
  if (value.objectId) return undefined;
  if (value.unserializableValue !== undefined) {
    const text = value.unserializableValue;
    if (text.endsWith('n')) return { value: BigInt(text.slice(0, -1)) };
    return { value: text === '-0' ? -0 : Number(text) };
  }
  return value.type === 'undefined' || value.type !== 'object' || value.value === null ? { value: value.value } : undefined;
}

export async function formatRemote(session: Session, value: Protocol.Runtime.RemoteObject, options: FormatOptions, timeoutMs: number): Promise<Formatted> {
  const primitive = localPrimitive(value);
  if (primitive) return formatValue.call({ inspect }, primitive.value, options);
  // node:util, and formatValue compiled in a realm of our own (target/realm.ts), made where require() exists
  const util = await session.send(
    'Runtime.evaluate',
    {
      expression: `({ util: ${LOAD_BUILTIN}('node:util'), format: ${pristine(formatValue.toString())} })\n${SOURCE_URL}`,
      includeCommandLineAPI: true,
      objectGroup: OBJECT_GROUP,
      silent: true,
      timeout: timeoutMs,
    },
    { timeoutMs: answerWithinMs(timeoutMs) },
  );
  if (util.exceptionDetails) throw remoteError(util.exceptionDetails, 'loading node:util and node:vm', timeoutMs);
  if (!util.result.objectId) throw new RemoteError('NO_UTIL', 'could not load node:util in the target', '');
  const formatted = await session.send(
    'Runtime.callFunctionOn',
    {
      functionDeclaration: 'function (value, options) { return this.format.call(this.util, value, options); }',
      objectId: util.result.objectId,
      arguments: [callArgument(value), { value: options }],
      returnByValue: true,
      silent: true,
      objectGroup: OBJECT_GROUP,
    },
    { timeoutMs: answerWithinMs(timeoutMs) },
  );
  if (formatted.exceptionDetails) throw remoteError(formatted.exceptionDetails, 'formatting the result', timeoutMs);
  return formatted.result.value as Formatted;
}

/**
 * How long to wait for the answer to an evaluation V8 stops at `timeoutMs`. V8's limit
 * always ends synchronous code, but on a loaded machine its answer may trail the limit
 * by far more than a few hundred ms: waiting too little reported a runaway loop as an
 * unsettled promise. A target blocked where V8 cannot stop it (a synchronous native
 * call) is still given up on.
 */
export function answerWithinMs(timeoutMs: number): number {
  return timeoutMs + Math.max(1000, timeoutMs);
}

/** The target's main thread did not come back from the code, even at V8's limit. */
export function noAnswer(what: string, timeoutMs: number): TimeoutError {
  return new TimeoutError('NO_ANSWER', `${what} did not come back within ${answerWithinMs(timeoutMs)} ms, though V8 was to stop it at ${timeoutMs} ms; the target's main thread may be blocked in a synchronous native call`, {
    hint: 'check the target with `probing <pid> backtrace`; raise --timeout if the machine is very loaded',
  });
}

/** How evaluateBounded names its failures for a table's or a snippet's expression (`what`). */
export function expressionErrors(what: string, timeoutMs: number): BoundedErrors {
  return {
    terminated: () => ranTooLong(what, timeoutMs, 'raise --timeout, or lower --max-rows'),
    noAnswer: () => noAnswer(what, timeoutMs),
    unsettled: () =>
      new TimeoutError('TIMEOUT', `${what} did not finish within ${timeoutMs} ms`, {
        hint: "raise --timeout, or check that the expression's promise can settle",
      }),
  };
}

export interface BoundedErrors {
  /** V8 stopped the code at its limit. */
  terminated: () => Error;
  /** No answer came, even well after V8's limit. */
  noAnswer: () => Error;
  /** The promise it returned did not settle in time. */
  unsettled: () => Error;
}

/**
 * Runtime.evaluate under V8's `timeout`, never awaiting a promise in the same call: the
 * answer then always comes (see answerWithinMs). A promise it returns is awaited with
 * Runtime.awaitPromise within what is left of `timeoutMs`; `unsettled` names that failure.
 */
export async function evaluateBounded(
  session: Session,
  params: Omit<Protocol.Runtime.EvaluateRequest, 'timeout' | 'awaitPromise'>,
  timeoutMs: number,
  errors: BoundedErrors,
  awaitPromise = true,
): Promise<Protocol.Runtime.EvaluateResponse> {
  const started = Date.now();
  // a promise asked for by value would come back as {}: by reference first, when it may be one
  const byValue = params.returnByValue === true;
  const answer = await session
    .send('Runtime.evaluate', { ...params, returnByValue: byValue && !awaitPromise, timeout: timeoutMs, awaitPromise: false }, { timeoutMs: answerWithinMs(timeoutMs) })
    .catch((error: unknown) => {
      if (isTerminated(error)) throw errors.terminated();
      throw error instanceof TimeoutError ? errors.noAnswer() : error;
    });
  if (!awaitPromise || answer.exceptionDetails) return answer;
  if (answer.result.subtype !== 'promise' || !answer.result.objectId) {
    if (!byValue || !answer.result.objectId) return answer;
    // not a promise after all: its value
    const { result, exceptionDetails } = await session.send(
      'Runtime.callFunctionOn',
      { objectId: answer.result.objectId, functionDeclaration: 'function () { return this; }', returnByValue: true, silent: true },
      { timeoutMs: answerWithinMs(timeoutMs) },
    );
    return exceptionDetails ? { result, exceptionDetails } : { result };
  }
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  return session
    .send('Runtime.awaitPromise', { promiseObjectId: answer.result.objectId, returnByValue: params.returnByValue }, { timeoutMs: left })
    .catch((error: unknown) => {
      if (isTerminated(error)) throw errors.terminated();
      throw error instanceof TimeoutError ? errors.unsettled() : error;
    });
}

const RAN_TOO_LONG_HINT = 'raise --timeout if the code is meant to run that long';

/** The target stopped `what` at the evaluation's `timeout`; it lives on. */
export function ranTooLong(what: string, timeoutMs: number, hint = RAN_TOO_LONG_HINT): TimeoutError {
  return new TimeoutError('TIMEOUT', `${what} ran for longer than ${timeoutMs} ms and was stopped; the target keeps running`, { hint });
}

/** Maps the target's exception to an error carrying the target's own message and stack. */
export function remoteError(details: Protocol.Runtime.ExceptionDetails, what: string, timeoutMs: number): RemoteError | TimeoutError {
  const description: string = details.exception?.description ?? String(details.exception?.value ?? details.text);
  if (/Execution was terminated/.test(description) || /Execution was terminated/.test(details.text)) return ranTooLong(what, timeoutMs);
  const firstLine = description.split('\n').find((line) => /\w+(Error|Exception)?:|^Uncaught/.test(line)) ?? description.split('\n')[0] ?? 'exception';
  return new RemoteError('REMOTE_EXCEPTION', `${what} threw ${firstLine.replace(/^Uncaught\s*/, '')}`, description);
}

/** The target stopped our code at its `timeout` (reported as a protocol error, not an exception). */
export function isTerminated(error: unknown): boolean {
  return error instanceof ProtocolError && /Execution was terminated/.test(error.message);
}

/** Runtime.evaluate of an expression whose value comes back as JSON; the target's exception becomes a RemoteError. */
export async function evaluateValue<T>(session: Session, expression: string, what: string, timeoutMs: number): Promise<T> {
  const { result, exceptionDetails } = await session.send(
    'Runtime.evaluate',
    { expression: `${expression}\n${SOURCE_URL}`, includeCommandLineAPI: true, returnByValue: true, silent: true, timeout: timeoutMs },
    { timeoutMs: answerWithinMs(timeoutMs) },
  );
  if (exceptionDetails) throw remoteError(exceptionDetails, what, timeoutMs);
  return result.value as T;
}
