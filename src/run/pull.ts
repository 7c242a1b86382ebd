/**
 * Pulls a value out of the target as a table, in slices of the target's time
 * (target/pull.ts): each evaluation stops once it has spent SLICE_MS, the target's event
 * loop runs between evaluations, and the payload's JSON comes back in pages of a few MB.
 * A small table comes back whole in the first answer. The whole pull is bounded by
 * --timeout; whatever way it ends, its state in the target is removed.
 */
import { randomBytes } from 'node:crypto';
import type { Attachment } from '../attach/attach.js';
import { ProtocolError } from '../errors.js';
import { debug } from '../debug.js';
import type { ColumnLimits, TablePayload } from '../target/columns.js';
import type { PullAnswer } from '../target/pull.js';
import { MARK_HANDLED, NATIVE, pullDriverExpression } from '../target/realm.js';
import { SOURCE_URL } from '../target/snippets.js';
import { evaluateBounded, expressionErrors, remoteError } from './remote-value.js';

const log = debug('pull');

/** The target's time one evaluation may take before it hands the event loop back, ms. */
export const SLICE_MS = 15;
/** Between two requests of a pull, ms: the target's event loop turns meanwhile. */
const GAP_MS = 2;

export interface PullOptions {
  limits: ColumnLimits;
  timeoutMs: number;
  /** Names the table in errors: "js.`app.sessions`". */
  what: string;
  /** The value expression awaits (it is evaluated in an async function). */
  async: boolean;
  sliceMs?: number;
}

export async function pullColumns(attachment: Attachment, valueExpression: string, options: PullOptions): Promise<TablePayload> {
  const { session } = attachment;
  const id = randomBytes(6).toString('hex');
  const slice = options.sliceMs ?? SLICE_MS;
  const driver = 'globalThis[Symbol.for("probing.pulls")].driver';
  const errors = expressionErrors(options.what, options.timeoutMs);
  const end = () =>
    session
      .send('Runtime.evaluate', { expression: `(() => { try { ${driver}(globalThis, "end", ${JSON.stringify(id)}, 0); } catch {} })()\n${SOURCE_URL}`, silent: true, timeout: 1000 }, { timeoutMs: 2000 })
      .then(
        () => {},
        () => {},
      );
  // interrupted mid-pull: the state goes before the detach
  const forget = attachment.beforeDetach(end);
  const started = Date.now();
  // Each request is bounded by what is left of the pull's time. Only the first may await,
  // and only when the user's expression does: awaiting takes a microtask checkpoint, which
  // a target spinning in a loop never reaches (the driver answers plain values). After the
  // first, each waits a moment before it is sent: sent at once, it was dispatched in the
  // same turn as the last, and the slices ran back to back with no turn of the target's
  // event loop between them.
  let asked = 0;
  const ask = async (expression: string, awaitsUser = false): Promise<unknown> => {
    if (asked++ > 0) await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const left = Math.max(1, options.timeoutMs - (Date.now() - started));
    const { result, exceptionDetails } = await evaluateBounded(
      session,
      { expression: `${expression}\n${SOURCE_URL}`, includeCommandLineAPI: true, returnByValue: true, silent: true },
      left,
      errors,
      awaitsUser,
    );
    if (exceptionDetails) throw remoteError(exceptionDetails, options.what, options.timeoutMs);
    return result.value;
  };
  let finished = false;
  try {
    const value = options.async ? `await (${valueExpression}\n)` : `(${valueExpression}\n)`;
    const start = `(${pullDriverExpression()})(globalThis, "start", ${JSON.stringify(id)}, ${slice}, ${value}, ${JSON.stringify(options.limits)}, ${NATIVE})`;
    // the user's expression may await: the same request awaits it (a promise that does not
    // settle within --timeout is reported as such)
    let answer = (await ask(options.async ? `${MARK_HANDLED}((async (require) => ${start})(require))` : start, options.async)) as PullAnswer;
    let steps = 1;
    while (!answer.done) {
      if (Date.now() - started > options.timeoutMs) throw errors.terminated();
      answer = (await ask(`${driver}(globalThis, "step", ${JSON.stringify(id)}, ${slice})`)) as PullAnswer;
      steps++;
    }
    let json: string;
    if ('json' in answer) {
      // the driver let go of it already
      finished = true;
      json = answer.json;
    } else {
      const pages: string[] = [];
      for (let page = 0; page < answer.pages; page++) pages.push((await ask(`${driver}(globalThis, "page", ${JSON.stringify(id)}, ${page})`)) as string);
      json = pages.join('');
    }
    log(`${options.what}: ${steps} step(s), the longest ${answer.longestMs} ms in the target, ${json.length} characters`);
    let parsed: { rest: Omit<TablePayload, 'columns'>; columns: TablePayload['columns'] };
    try {
      parsed = JSON.parse(json) as typeof parsed;
    } catch (error) {
      throw new ProtocolError('BAD_PULL', `${options.what}: what the target sent is not the table it was asked for`, { cause: error });
    }
    return { ...parsed.rest, columns: parsed.columns };
  } finally {
    forget();
    if (!finished) await end();
  }
}
