/**
 * Installing probing/runtime into a target that never imported it, and reading or
 * changing its options. The runtime is loaded like an injected script; a process
 * that already has it (its own copy, or an earlier install) is left as it is.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Attachment } from '../attach/attach.js';
import { UsageError } from '../errors.js';
import { injectScript } from '../target/snippets.js';
import { evaluateValue } from './remote-value.js';
import { packageFile } from '../paths.js';

export const RUNTIME_FILE = packageFile('dist/runtime/index.cjs');
const MODULE = `globalThis[Symbol.for('probing.runtime')]?.state?.get('module')`;

export interface RuntimeStatus {
  installed: boolean;
  /** True when this call loaded it. */
  loadedNow: boolean;
  version: string | null;
  tables: string[];
}

export function runtimeStatus(attachment: Attachment, timeoutMs: number): Promise<RuntimeStatus> {
  return evaluateValue<RuntimeStatus>(
    attachment.session,
    `(() => { const r = globalThis[Symbol.for('probing.runtime')]; const m = r?.state?.get('module'); return { installed: !!m, loadedNow: false, version: m?.version ?? null, tables: r ? [...r.tables.keys()] : [] }; })()`,
    'reading the runtime',
    timeoutMs,
  );
}

/** Loads the runtime into the target unless it is there already. Idempotent. */
export async function installRuntime(attachment: Attachment, timeoutMs: number): Promise<RuntimeStatus> {
  const before = await runtimeStatus(attachment, timeoutMs);
  if (before.installed) return before;
  const source = await readFile(RUNTIME_FILE, 'utf8');
  await evaluateValue(attachment.session, `(${injectScript.toString()})(${JSON.stringify(source)}, ${JSON.stringify(RUNTIME_FILE)}, ${JSON.stringify(dirname(RUNTIME_FILE))}), true`, 'loading probing/runtime', timeoutMs);
  return { ...(await runtimeStatus(attachment, timeoutMs)), loadedNow: true };
}

export interface RuntimeOption {
  key: string;
  value: boolean | number;
  default: boolean | number;
  help: string;
}

/** The options as the target has them, or undefined when the runtime is not loaded there. */
export function runtimeOptions(attachment: Attachment, timeoutMs: number): Promise<RuntimeOption[] | undefined> {
  return evaluateValue<RuntimeOption[] | undefined>(attachment.session, `${MODULE}?.options()`, 'reading the runtime options', timeoutMs);
}

export async function setRuntimeOption(attachment: Attachment, key: string, value: string, timeoutMs: number): Promise<boolean | number> {
  await installRuntime(attachment, timeoutMs);
  try {
    return await evaluateValue<boolean | number>(attachment.session, `${MODULE}.configure(${JSON.stringify(key)}, ${JSON.stringify(value)})`, `config set ${key}`, timeoutMs);
  } catch (error) {
    const message = (error as Error).message.replace(/^config set \S+ threw Error: /, '');
    throw new UsageError('BAD_OPTION', message, { hint: 'probing <target> config lists the options and their values' });
  }
}
