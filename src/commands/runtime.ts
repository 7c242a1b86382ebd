/** inject (no file) and config: installing probing/runtime and its options. */
import { stdoutWidth } from '../output/terminal.js';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import type { TargetOptions } from './run.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface ConfigOptions {
  timeout: number;
  attachTimeout: number;
  json?: boolean;
}

export async function installCommand(target: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const [{ withTarget }, { installRuntime }] = await Promise.all([import('../run/with-target.js'), import('../run/runtime.js')]);
  const { value: status, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (a) => installRuntime(a, options.timeout));
  if (options.json) out(JSON.stringify(status, null, 2) + '\n');
  else out(`probing/runtime ${status.version} ${status.loadedNow ? 'installed' : 'was already loaded'}; tables: ${status.tables.length > 0 ? status.tables.join(', ') : '(none yet)'}\n`);
  noteLeftOpen(leftOpen);
  return ExitCode.ok;
}

export async function configCommand(target: string, action: string | undefined, key: string | undefined, value: string | undefined, options: ConfigOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  if (action !== undefined && action !== 'set') throw new UsageError('BAD_CONFIG_ACTION', `config takes no action or "set", not "${action}"`, { hint: 'probing <target> config, or probing <target> config set <key> <value>' });
  if (action === 'set' && (key === undefined || value === undefined)) throw new UsageError('BAD_CONFIG_SET', 'config set needs a key and a value', { hint: 'e.g. probing 4242 config set sampler.http on' });
  const [{ withTarget }, runtime] = await Promise.all([import('../run/with-target.js'), import('../run/runtime.js')]);
  const attachOptions = { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout };
  if (action === 'set') {
    const { value: set, leftOpen } = await withTarget(spec, attachOptions, (a) => runtime.setRuntimeOption(a, key!, value!, options.timeout));
    out(`${key} = ${set}\n`);
    noteLeftOpen(leftOpen);
    return ExitCode.ok;
  }
  const { value: listed, leftOpen } = await withTarget(spec, attachOptions, (a) => runtime.runtimeOptions(a, options.timeout));
  noteLeftOpen(leftOpen);
  let rows = listed;
  let note = '';
  if (!rows) {
    // Not loaded in the target: show the defaults of the runtime that `config set` would install.
    const { createRequire } = await import('node:module');
    rows = (createRequire(import.meta.url)(runtime.RUNTIME_FILE) as { options(): typeof rows }).options();
    note = '(probing/runtime is not loaded in the target: these are the defaults; config set installs it)\n';
  }
  if (options.json) {
    out(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('../output/columns.js');
  out(note + renderColumns(['KEY', 'VALUE', 'DEFAULT', 'HELP'], rows!.map((o) => [o.key, String(o.value), String(o.default), o.help]), stdoutWidth()));
  return ExitCode.ok;
}

