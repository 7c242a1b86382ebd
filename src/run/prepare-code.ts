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
 * - Declarations stay local: nothing the code declares (var, let, const, function,
 *   class) persists in the target.
 * - import() works (see IMPORT); code that does not parse is refused before the target
 *   is touched.
 */
import { parse, type Program } from 'acorn';
import { UsageError } from '../errors.js';
import { MARK_HANDLED } from '../target/realm.js';

export interface PreparedCode {
  expression: string;
  /** Uses top-level await: the expression evaluates to a promise to await. */
  async: boolean;
}


/**
 * import() for code run through Runtime.evaluate, which has no module loader of its own
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): a vm.Script given the main context's loader
 * (Node.js 20.12 and later), with specifiers resolved from the target's working directory.
 * Node.js calls that loader experimental and would say so on the target's stderr: the
 * warning is held back while the import starts (synchronously; put back at once).
 */
const IMPORT = `((specifier, options) => { const vm = __probing_require('node:vm'); const loader = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER; if (!loader) return Promise.reject(new Error('import() from probing eval needs Node.js 20.12 or later in the target; use require()')); const warn = process.emitWarning; process.emitWarning = () => {}; try { return new vm.Script('(s, o) => o === undefined ? import(s) : import(s, o)', { filename: __probing_require('node:path').join(process.cwd(), '[probing-eval]'), importModuleDynamically: loader }).runInThisContext()(specifier, options); } finally { process.emitWarning = warn; } })`;

function tryParse(code: string, allowAwait: boolean): Program | undefined {
  try {
    return parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: allowAwait });
  } catch {
    return undefined;
  }
}

/** The syntax error, as acorn reports it, of code that parses in no way we run it. */
function syntaxError(code: string): UsageError {
  let message = 'it does not parse';
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true });
  } catch (error) {
    message = (error as Error).message;
  }
  return new UsageError('SYNTAX', `the code is not valid JavaScript: ${message}`, { hint: 'fix it and run again; nothing was sent to the target' });
}

/** Where `import(` calls are, to give them a loader (see IMPORT). */
function importCalls(node: unknown, found: number[] = []): number[] {
  if (Array.isArray(node)) for (const child of node) importCalls(child, found);
  else if (node && typeof node === 'object') {
    const n = node as { type?: string; start?: number };
    if (n.type === 'ImportExpression' && typeof n.start === 'number') found.push(n.start);
    for (const [key, value] of Object.entries(node)) if (key !== 'loc' && value && typeof value === 'object') importCalls(value, found);
  }
  return found;
}

/**
 * Parses the code (it is refused, before the target is touched, when it does not parse)
 * and makes the value of its last expression the result.
 */
export function prepareCode(code: string): PreparedCode {
  let source = code;
  // `{ a: 1 }` means an object, as in the REPL, not a block with a label.
  if (/^\s*\{/.test(code) && !/;\s*$/.test(code) && tryParse(`(${code}\n)`, true)) source = `(${code}\n)`;

  let sync = tryParse(source, false);
  let program = sync ?? tryParse(source, true);
  if (!program) throw syntaxError(code);

  // import(x) → a loader that works from here; `import` is a keyword, so the slice is exactly "import"
  const imports = importCalls(program);
  if (imports.length > 0) {
    for (const at of imports.sort((a, b) => b - a)) source = `${source.slice(0, at)}__probing_import${source.slice(at + 'import'.length)}`;
    sync = tryParse(source, false);
    program = (sync ?? tryParse(source, true))!;
  }

  // the value of the code is its last expression, also inside a trailing block ({ let a = 1; a + 1 })
  let last: Program['body'][number] | undefined = program.body[program.body.length - 1];
  while (last?.type === 'BlockStatement') last = last.body[last.body.length - 1];
  const isAsync = sync === undefined;
  let body = source;
  if (last?.type === 'ExpressionStatement') {
    const expression = source.slice(last.expression.start, last.expression.end);
    const replacement = isAsync ? `return (${expression});` : `return ${MARK_HANDLED}(${expression});`;
    body = source.slice(0, last.start) + replacement + source.slice(last.end);
  }
  const prelude = `const __probing_require = require;${imports.length > 0 ? ` const __probing_import = ${IMPORT};` : ''}`;
  // A function of its own either way: var and function declarations stay local, like let and const.
  const expression = isAsync
    ? `${MARK_HANDLED}((async (require) => { ${prelude} { const require = __probing_require; ${body}\n} })(require))`
    : `(() => { ${prelude} { const require = __probing_require; ${body}\n} })()`;
  return { expression, async: isAsync };
}
