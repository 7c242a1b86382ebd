/**
 * Where probing left an inspector open, remembered on this host: `<pid>.inspector` in
 * the user's own probing directory (0700, the agent's; see agent-path.ts), holding
 * `host:port`. An inspector that SIGUSR1 opened on a random port (--inspect-port=0, or
 * one a fan-out moved off 9229) cannot be found by asking the configured port, and
 * probing never sends HTTP requests to an application's own ports to look for it; so
 * whoever opens one writes it down, whoever closes it rubs it out, and the next command
 * joins it — and closes it, when an earlier command could not.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownDirectory as directory } from './agent-path.js';

const file = (dir: string, pid: number) => join(dir, `${pid}.inspector`);

/** Writes down that probing opened (or moved) pid's inspector to host:port. */
export function recordInspector(pid: number, host: string, port: number): void {
  const dir = directory();
  if (!dir) return;
  const path = file(dir, pid);
  const draft = `${path}.${process.pid}`;
  try {
    writeFileSync(draft, `${host}:${port}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(draft, path);
  } catch {
    try {
      unlinkSync(draft);
    } catch {}
  }
}

/** Where probing last left pid's inspector open, if it did. */
export function recordedInspector(pid: number): { host: string; port: number } | undefined {
  const dir = directory();
  if (!dir) return undefined;
  try {
    const match = /^(.+):(\d+)\s*$/.exec(readFileSync(file(dir, pid), 'utf8'));
    return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Rubs it out: the inspector is closed (or the process gone). */
export function forgetInspector(pid: number): void {
  const dir = directory();
  if (!dir) return;
  try {
    unlinkSync(file(dir, pid));
  } catch {}
}
