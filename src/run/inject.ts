/** `probing <target> inject <file>`: load a script into the target, CommonJS-style. */
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { Attachment } from '../attach/attach.js';
import { RemoteError, TimeoutError, UsageError } from '../errors.js';
import { injectScript, SOURCE_URL, type FormatOptions, type Formatted } from '../target/snippets.js';
import { evaluateBounded, formatRemote, noAnswer, ranTooLong, OBJECT_GROUP, remoteError } from './remote-value.js';
import { installRuntime } from './runtime.js';
import { MARK_HANDLED } from '../target/realm.js';

export interface InjectOptions extends FormatOptions {
  timeoutMs: number;
}

const MAX_SCRIPT_BYTES = 8 * 1024 * 1024;
const LONG_SCRIPT_HINT = 'move long work into a timer or a promise, or raise --timeout';
const ESM_HINT =
  'inject loads scripts CommonJS-style: write `const x = require("y")` instead of `import x from "y"`, and `module.exports = …` instead of `export`';

/** Reads the script, refusing what cannot work before anything reaches the target. */
export async function readScript(file: string): Promise<{ path: string; source: string }> {
  const path = resolve(file);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError('NO_SUCH_FILE', `no such file: ${file}`, { hint: 'give the path of a .js or .cjs script' });
  if (!info.isFile()) throw new UsageError('NOT_A_FILE', `${file} is not a file`, { hint: 'give the path of a .js or .cjs script' });
  if (info.size > MAX_SCRIPT_BYTES) {
    throw new UsageError('SCRIPT_TOO_BIG', `${file} is ${info.size} bytes; inject takes scripts up to ${MAX_SCRIPT_BYTES} bytes`, {
      hint: 'inject a small loader that require()s the big module from the target\'s disk instead',
    });
  }
  if (['.mjs', '.mts', '.ts', '.cts'].includes(extname(path))) {
    throw new UsageError('UNSUPPORTED_SCRIPT', `${file}: inject runs JavaScript loaded CommonJS-style, not ${extname(path)} files`, {
      hint: extname(path) === '.mjs' ? ESM_HINT : 'compile it to JavaScript first',
    });
  }
  return { path, source: await readFile(path, 'utf8') };
}

export async function inject(attachment: Attachment, file: string, options: InjectOptions): Promise<Formatted> {
  const { path, source } = await readScript(file);
  // A script that uses the runtime gets it: require('probing/runtime') resolves to the copy in the process.
  if (source.includes('probing/runtime') || source.includes('probing-node/runtime')) await installRuntime(attachment, options.timeoutMs);
  const expression = `${MARK_HANDLED}((${injectScript.toString()})(${JSON.stringify(source)}, ${JSON.stringify(path)}, ${JSON.stringify(dirname(path))}))\n${SOURCE_URL}`;
  // a script that exports a promise is awaited, within --timeout
  const { result, exceptionDetails } = await evaluateBounded(
    attachment.session,
    { expression, includeCommandLineAPI: true, silent: true, objectGroup: OBJECT_GROUP },
    options.timeoutMs,
    {
      terminated: () => ranTooLong(`${file}: its top-level code`, options.timeoutMs, LONG_SCRIPT_HINT),
      noAnswer: () => noAnswer(`${file}: its top-level code`, options.timeoutMs),
      unsettled: () =>
        new TimeoutError('TIMEOUT', `${file}: module.exports is a promise that did not settle within ${options.timeoutMs} ms`, {
          hint: 'raise --timeout, or export the result instead of a promise',
        }),
    },
  );
  if (exceptionDetails) throw scriptError(exceptionDetails, file, path, options.timeoutMs);
  return formatRemote(attachment.session, result, options, options.timeoutMs);
}

/** Names the script's own line: "hook.js:3: SyntaxError: Unexpected token ')'". */
function scriptError(details: Parameters<typeof remoteError>[0], file: string, path: string, timeoutMs: number): RemoteError | TimeoutError {
  const error = remoteError(details, file, timeoutMs);
  if (error instanceof TimeoutError) return ranTooLong(`${file}: its top-level code`, timeoutMs, LONG_SCRIPT_HINT);
  // the frames of vm.compileFunction and of our loader say nothing about the script
  const stack = error.remoteStack
    .split('\n')
    .filter((l) => !/\((node:internal\/vm|node:vm):|probing:\/\//.test(l))
    .join('\n');
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`${escaped}:(\\d+)`).exec(stack)?.[1];
  const summary = stack.split('\n').find((l) => /^\w*(Error|Exception)\b|^Uncaught/.test(l.trim()))?.trim() ?? error.message;
  const where = line ? `${file}:${line}` : file;
  if (/Cannot use import statement|Unexpected token 'export'|import\.meta/.test(stack)) {
    return new RemoteError('ESM_NOT_SUPPORTED', `${where}: ES module syntax is not supported by inject (${summary})`, stack, { hint: ESM_HINT });
  }
  const code = /^SyntaxError/.test(summary) ? 'SCRIPT_SYNTAX_ERROR' : 'SCRIPT_THREW';
  return new RemoteError(code, `${where}: ${summary}`, stack, {
    hint: code === 'SCRIPT_SYNTAX_ERROR' ? 'fix the syntax error; nothing of the script ran and the target is unchanged' : 'the script stopped at that line; what it did before the throw stays in effect',
  });
}
