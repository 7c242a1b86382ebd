/**
 * Prepares the user's `eval` code for Runtime.evaluate, the way Node's REPL
 * prepares top-level await: parse it (acorn), find the last expression statement,
 * and make its value the result.
 *
 * - Code without `await` stays synchronous, so it also runs in a target spinning
 *   in a tight loop. A promise it ends with is given a rejection handler at once:
 *   a rejected promise left unhandled past the target's tick would kill the target.
 * - Code with `await` becomes an async function whose promise the inspector awaits.
 * - The inspector's command-line require() exists only while the evaluation runs
 *   synchronously; it is bound first, so it keeps working after an await.
 * - Declarations stay local: nothing the code declares with let/const/class
 *   persists in the target.
 */
import { parse, type Program } from 'acorn';

export interface PreparedCode {
  expression: string;
  /** Uses top-level await: the expression evaluates to a promise to await. */
  async: boolean;
  /** The code did not parse here; it is sent as it is so that V8 reports the error. */
  raw: boolean;
}

const MARK_HANDLED = '((v) => { if (v instanceof Promise) v.then(undefined, () => {}); return v; })';

function tryParse(code: string, allowAwait: boolean): Program | undefined {
  try {
    return parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: allowAwait });
  } catch {
    return undefined;
  }
}

export function prepareCode(code: string): PreparedCode {
  let source = code;
  // `{ a: 1 }` means an object, as in the REPL, not a block with a label.
  if (/^\s*\{/.test(code) && !/;\s*$/.test(code) && tryParse(`(${code}\n)`, true)) source = `(${code}\n)`;

  const sync = tryParse(source, false);
  const program = sync ?? tryParse(source, true);
  if (!program) return { expression: code, async: /\bawait\b/.test(code), raw: true };

  const last = program.body[program.body.length - 1];
  const isAsync = sync === undefined;
  let body = source;
  if (last?.type === 'ExpressionStatement') {
    const expression = source.slice(last.expression.start, last.expression.end);
    const replacement = isAsync ? `return (${expression});` : `${MARK_HANDLED}(${expression});`;
    body = source.slice(0, last.start) + replacement + source.slice(last.end);
  }
  const expression = isAsync
    ? `(async (require) => { ${body}\n})(require)`
    : `{ const __probing_require = require; { const require = __probing_require; ${body}\n} }`;
  return { expression, async: isAsync, raw: false };
}
