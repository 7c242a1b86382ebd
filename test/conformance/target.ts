/**
 * The one fixture target of a run (test/fixtures/targets/conformance.cjs) holding
 * every generated database, always killed at the end — also when the run fails,
 * and when the runner's process exits — and the real CLI run against it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { asRowObjects, type Database } from './tables.js';

const fixture = fileURLToPath(new URL('../fixtures/targets/conformance.cjs', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));

/** Starting a Node process and reading a JSON file of a few hundred KB: no limit of its own, so a budget. */
export const FIXTURE_START_LIMIT_MS = 30_000;

export interface Fixture {
  pid: number;
  /** Kills the target and removes its tables file; safe to call more than once. */
  kill(): void;
}

export async function startFixture(databases: readonly Database[]): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'probing-conformance-'));
  const file = join(dir, 'tables.json');
  writeFileSync(file, JSON.stringify(Object.fromEntries(databases.map((d) => [`d${d.index}`, asRowObjects(d)]))));
  // The inspector is open from the start on a free port: probing joins it (and leaves it open), the
  // host-wide 9229 stays free for other tests, and a host killed after a hang leaves nothing half-open.
  // (With --inspect-port=0 instead, an inspector that SIGUSR1 opened and that was left open could not be
  // joined by pid again: "did not open its inspector within … of SIGUSR1".)
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', CONFORMANCE_TABLES: file },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', kill);
  };
  process.on('exit', kill);
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`conformance.cjs did not start within ${FIXTURE_START_LIMIT_MS} ms: ${stderr}`)), FIXTURE_START_LIMIT_MS);
      child.once('exit', (code) => reject(new Error(`conformance.cjs exited with ${code}: ${stderr}`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { pid: number }).pid);
      });
    });
    return { pid, kill };
  } catch (error) {
    kill();
    throw error;
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed after `limitMs`: a hang. */
  killed: boolean;
}

/** `node bin/probing.js …`, as a user runs it; killed after `limitMs`. */
export function runCli(args: readonly string[], limitMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}
