/** eval and inject: run code in the target and print what it returns. */
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode } from '../errors.js';
import type { Outcome } from '../run/with-target.js';
import type { Formatted } from '../target/snippets.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface TargetOptions {
  timeout: number;
  attachTimeout: number;
  json?: boolean;
  depth: number;
  maxBytes: number;
  color?: boolean;
  verbose?: boolean;
}

function printResult({ value: result, leftOpen }: Outcome<Formatted>, out: (text: string) => void, err: (text: string) => void, maxBytes: number): void {
  out(result.text + '\n');
  noteLeftOpen(leftOpen, err);
  if (result.truncated) {
    const total = result.truncated.total === null ? '' : ` of the string's ${result.truncated.total}`;
    err(`probing: output cut at ${maxBytes} characters${total}; raise --max-bytes to see more\n`);
  }
}

function formatOptions(options: TargetOptions) {
  return {
    json: options.json === true,
    colors: stdoutColors(options.color !== false),
    depth: options.depth,
    columns: stdoutWidth() ?? 80,
    maxBytes: options.maxBytes,
    timeoutMs: options.timeout,
  };
}

export async function evalCommand(target: string, code: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const [{ withTarget }, { prepareCode }] = await Promise.all([import('../run/with-target.js'), import('../run/prepare-code.js')]);
  // code that does not parse is refused before the target is touched
  prepareCode(code);
  // the rest loads before the target's inspector opens (see AttachOptions.prepare)
  let loading: Promise<typeof import('../run/evaluate.js')> | undefined;
  const load = () => (loading ??= import('../run/evaluate.js'));
  const attachOptions = { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, prepare: load };
  const result = await withTarget(spec, attachOptions, async (a) => (await load()).evaluate(a, code, formatOptions(options)));
  printResult(result, out, (t) => process.stderr.write(t), options.maxBytes);
  return ExitCode.ok;
}

export async function injectCommand(target: string, file: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const { withTarget } = await import('../run/with-target.js');
  const { inject, readScript } = await import('../run/inject.js');
  await readScript(file); // refuse a missing or unsupported file before attaching
  const result = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (a) => inject(a, file, formatOptions(options)));
  printResult(result, out, (t) => process.stderr.write(t), options.maxBytes);
  return ExitCode.ok;
}

