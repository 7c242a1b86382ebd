/**
 * Starts real target processes for integration tests and always kills them —
 * after each test, and when the test process exits — even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { listeners } from '../../src/attach/procfs.js';

export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));

const running = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

afterEach(killAll);
process.on('exit', killAll);

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
  /** Run the target as this user (and group of the same number); the test must be root. */
  uid?: number;
  /** Arguments after the fixture's path. */
  scriptArgs?: string[];
}

/** Starts `node [nodeArgs] test/fixtures/targets/<name>` and waits for its ready line. */
export async function startTarget(name: string, options: StartOptions = {}): Promise<Target> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), `${fixtures}targets/${name}`, ...(options.scriptArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = await new Promise<{ pid: number; port?: number } & Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { pid: number; port?: number });
    });
  });
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

/** Runs the real CLI (`node bin/probing.js …`) as a user would. */
export function probing(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...options.env },
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
      reject(new Error(`probing ${args.join(' ')} did not finish\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** GET / on the target's HTTP port: proves its event loop still serves. */
export function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false — one connection per request, closed after it (no keep-alive socket left in the target)
    const req = request({ host: '127.0.0.1', port, path, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The TCP ports the process listens on, read from /proc. */
export async function listeningPorts(pid: number): Promise<number[]> {
  return ((await listeners(pid)) ?? []).map((l) => l.port).sort((a, b) => a - b);
}
