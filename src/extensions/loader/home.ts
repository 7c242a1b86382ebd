/**
 * The user's probing directory ($PROBING_HOME, or ~/.probing): extensions to
 * discover, settings (disabled extensions, option values), each extension's state
 * and runtime directory. Every write is atomic: a temporary file, then a rename.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KeyValueState } from '../contract.js';

export function probingHome(): string {
  return process.env.PROBING_HOME ?? join(homedir(), '.probing');
}

export interface Settings {
  disabled: string[];
  options: Record<string, Record<string, string | number | boolean>>;
}

function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** Writes a file so that a crash leaves either the old or the new content, never half of it. */
/**
 * Writes a file of the user's (history, settings, state) whole or not at all, readable by
 * the user only (0600, as Node's own REPL history), in a directory only the user can open
 * (0700). The temporary file is created exclusively: nothing placed at its name is
 * written through.
 */
export function writeAtomically(file: string, content: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    // not ours to change: the file itself is still 0600
  }
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
}

export function readSettings(): Settings {
  const settings = readJson<Partial<Settings>>(join(probingHome(), 'settings.json'), {});
  return { disabled: settings.disabled ?? [], options: settings.options ?? {} };
}

export function writeSettings(settings: Settings): void {
  mkdirSync(probingHome(), { recursive: true, mode: 0o700 });
  writeAtomically(join(probingHome(), 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

/** The extension's directory for runtime files (created on first use). */
export function extensionDir(name: string): string {
  const dir = join(probingHome(), 'run', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Persistent key/value state of one extension, in state/<name>.json. */
export function extensionState(name: string): KeyValueState {
  const dir = join(probingHome(), 'state');
  const file = join(dir, `${name}.json`);
  const values = readJson<Record<string, unknown>>(file, {});
  const save = () => {
    mkdirSync(dir, { recursive: true });
    writeAtomically(file, JSON.stringify(values, null, 2) + '\n');
  };
  return {
    get: (key) => values[key],
    put(key, value) {
      values[key] = value;
      save();
    },
    delete(key) {
      delete values[key];
      save();
    },
    increment(key, by = 1) {
      const current = typeof values[key] === 'number' ? (values[key] as number) : 0;
      values[key] = current + by;
      save();
      return values[key] as number;
    },
  };
}
