/**
 * Starts real target processes for integration tests and always kills them —
 * after each test (or, for a target a file's tests share, after the file's last test),
 * and when the test process exits — even when a test fails.
 *
 * A target opens its inspector on a random free port when signalled
 * (NODE_OPTIONS=--inspect-port=0, which a cluster's workers inherit too), so that no
 * test waits for, or fights over, the host's default port 9229 — which other programs
 * on the host (the bench, another checkout's tests) use as well, and which probing's
 * port lock coordinates only among probing commands. A test about a port that several
 * targets share, as every Node.js process on a host shares 9229, asks for `sharedPort`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { listeners } from '../../src/attach/procfs.js';
import { START_LIMIT_MS, cliLimitMs, withAttachTimeout } from './limits.js';

export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The CLI, as users run it. */
export const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));

const running = new Set<ChildProcess>();

/** The line (from 1) of test/fixtures/targets/<name> that is exactly `text`: read from the file, not written down twice. */
export function fixtureLine(name: string, text: string): number {
  return readFileSync(`${fixtures}targets/${name}`, 'utf8').split('\n').indexOf(text) + 1;
}
/** Targets started with `keep: 'file'`: shared by the tests of one file, killed when they are done. */
const kept = new Set<ChildProcess>();

/** Targets run under a wrapper (StartOptions.wrap): the target's own pid, killed with the wrapper. */
const wrapped = new Map<ChildProcess, number>();

function kill(children: Set<ChildProcess>): void {
  for (const child of children) {
    const running = child.exitCode === null && child.signalCode === null;
    // the target under a wrapper first (a tracer lets it go when killed); only while the
    // wrapper runs, which it does as long as its target does: its pid is not another's yet
    const inner = wrapped.get(child);
    wrapped.delete(child);
    if (inner !== undefined && running) {
      try {
        process.kill(inner, 'SIGKILL');
      } catch {}
    }
    if (running) child.kill('SIGKILL');
  }
  children.clear();
}

export function killAll(): void {
  kill(running);
}

process.on('exit', () => {
  kill(running);
  kill(kept);
});

declare module 'vitest' {
  export interface ProvidedContext {
    /** Chosen free in vitest.config.ts for this run. */
    sharedPortBase: number;
  }
}

/**
 * The fixed inspector port that the targets of this test file share when they ask for
 * `sharedPort` — the stand-in for 9229, on which Node.js and probing behave alike (the
 * port lock, a port already held, inspectors moved off it). One per worker
 * (VITEST_POOL_ID), so files running side by side never share one; outside the range
 * that --inspect-port=0 and listen(0) draw from.
 */
export const sharedPort = inject('sharedPortBase') + Number(process.env.VITEST_POOL_ID ?? 1);

/**
 * PROBING_HOME for CLI runs that do not set their own: one for this file, so that no
 * test reads the user's ~/.probing (its extensions, its settings) or writes there.
 */
let home: string | undefined;
function defaultHome(): string {
  home ??= mkdtempSync(join(tmpdir(), 'probing-test-home-'));
  return home;
}
/**
 * After each test file (test/helpers/setup.ts): its shared targets are killed and its
 * PROBING_HOME removed. Not left to the worker's exit: a worker runs many files, and is
 * ended without its 'exit' listeners running.
 */
export function endFile(): void {
  kill(kept);
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
  home = undefined;
}

/** The environment the CLI runs in, as a user's shell would give it. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', PROBING_HOME: defaultHome(), XDG_CACHE_HOME: inject('compileCacheHome'), ...env };
}

export interface Target {
  pid: number;
  /** The fixture's HTTP port, when it serves one. */
  port: number | undefined;
  /** Everything the fixture's ready line said. */
  ready: Record<string, unknown>;
  child: ChildProcess;
  /** What the target printed to stderr (inspector messages among them). */
  stderr: () => string;
  alive: () => boolean;
}

export interface StartOptions {
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Open the inspector, when signalled, on this file's `sharedPort` instead of a random
   * one: for tests about a port that several targets share, as all share 9229 by default.
   */
  sharedPort?: boolean;
  /** Run the target as this user (and group of the same number); the test must be root. */
  uid?: number;
  /** Arguments after the fixture's path. */
  scriptArgs?: string[];
  /**
   * 'file': the target outlives the test that started it and is killed once the file's
   * tests are done, for tests that share one target (each must leave it as found).
   */
  keep?: 'file';
  /**
   * Runs the target under this program and its arguments (a tracer: `strace … node …`). The
   * wrapper may outlive the target or let it go when killed, so the target's own pid (from
   * its ready line) is killed with it.
   */
  wrap?: string[];
}

/**
 * Starts `node [nodeArgs] test/fixtures/targets/<name>` and waits for its ready line. Its
 * inspector port (NODE_OPTIONS) is random, or `sharedPort`; nodeArgs such as
 * --inspect=127.0.0.1:0 override it, as on any command line.
 */
export async function startTarget(name: string, options: StartOptions = {}): Promise<Target> {
  const inspectPort = `--inspect-port=${options.sharedPort ? sharedPort : 0}`;
  const [command, ...wrapArgs] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command!, [...wrapArgs, ...(options.nodeArgs ?? []), `${fixtures}targets/${name}`, ...(options.scriptArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, NODE_OPTIONS: [inspectPort, options.env?.NODE_OPTIONS].filter(Boolean).join(' ') },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  (options.keep === 'file' ? kept : running).add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = await new Promise<{ pid: number; port?: number } & Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no ready line within ${START_LIMIT_MS} ms: ${stderr}`)), START_LIMIT_MS);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { pid: number; port?: number });
    });
  });
  if (options.wrap) wrapped.set(child, ready.pid);
  return {
    pid: ready.pid,
    port: ready.port,
    ready,
    child,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Starts any program (a non-Node process, for example). */
export function startProgram(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  running.add(child);
  return child;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The limit of each statement in pipedRepl (its --timeout). */
const REPL_TIMEOUT_MS = 5000;

/**
 * `probing <pid> repl [options]` with these lines piped to it, as a user pipes a script,
 * then `.exit`: one CLI run (one attach, one start of an out-of-process extension) for
 * many statements. Killed, failing the test with what it printed, only past the limits of
 * its attach and of each statement.
 */
export function pipedRepl(pid: number, options: string[], lines: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const argv = withAttachTimeout([String(pid), 'repl', '--timeout', String(REPL_TIMEOUT_MS), ...options]);
  const limitMs = cliLimitMs(argv) + 4 * REPL_TIMEOUT_MS * lines.length;
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: cliEnv(env) });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin!.end([...lines, '.exit', ''].join('\n'));
  return new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`probing ${argv.join(' ')} did not finish within ${limitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limitMs);
    child.on('error', reject);
    child.on('exit', () => running.delete(child));
    child.on('close', (code) => {
      clearTimeout(timer);
      recentRuns.push(`probing ${argv.join(' ').slice(0, 200)} → exit ${code}${stderr ? `, stderr:\n${stderr.slice(-1000)}` : ''}`);
      if (recentRuns.length > 20) recentRuns.shift();
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the real CLI (`node bin/probing.js …`) as a user on a busy machine would: with
 * --attach-timeout ATTACH_TIMEOUT_MS unless the test gives its own. It is killed, and the
 * test fails with what it printed, only past the sum of its own limits (cliLimitMs).
 */
/** The last CLI runs of this test file, what they said on stderr: for a failure about a target to show them. */
const recentRuns: string[] = [];

/** What the last CLI runs (at most `n`) of this file said on stderr, newest last, with their arguments and exit status. */
export function recentCliRuns(n = 6): string {
  return recentRuns.slice(-n).join('\n');
}

export function probing(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CliResult> {
  const argv = withAttachTimeout(args);
  const limitMs = options.timeoutMs ?? cliLimitMs(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cliEnv(options.env),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    running.add(child);
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`probing ${argv.join(' ')} did not finish within ${limitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limitMs);
    child.on('exit', () => running.delete(child));
    // 'close', not 'exit': the exit can be heard before the last of what it wrote is read
    // (on a loaded machine, a message written just before exiting was lost)
    child.on('close', (code) => {
      clearTimeout(timer);
      recentRuns.push(`probing ${argv.join(' ').slice(0, 200)} → exit ${code}${stderr ? `, stderr:\n${stderr.slice(-1000)}` : ''}`);
      if (recentRuns.length > 20) recentRuns.shift();
      resolve({ code, stdout, stderr });
    });
  });
}

/** GET / on the target's HTTP port: proves its event loop still serves. */
export function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false — one connection per request, closed after it (no keep-alive socket left in the target)
    const req = request({ host: '127.0.0.1', port, path, timeout: START_LIMIT_MS, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Whether V8's CPU profiler runs in the process: its ProfEvntProc thread, read from /proc (Linux). */
export async function profilerRunning(pid: number): Promise<boolean> {
  const { readdir, readFile } = await import('node:fs/promises');
  const names = await Promise.all((await readdir(`/proc/${pid}/task`).catch(() => [])).map((t) => readFile(`/proc/${pid}/task/${t}/comm`, 'utf8').catch(() => '')));
  return names.some((n) => n.includes('ProfEvntProc'));
}

/** The TCP ports the process listens on, read from /proc. */
export async function listeningPorts(pid: number): Promise<number[]> {
  return ((await listeners(pid)) ?? []).map((l) => l.port).sort((a, b) => a - b);
}
