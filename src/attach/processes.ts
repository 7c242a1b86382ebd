/**
 * What we can learn about a local process before touching it: does it exist,
 * is it Node.js, can it take SIGUSR1, where would its inspector listen.
 * Linux reads /proc; macOS and other Unixes fall back to ps and lsof.
 */
import { constants } from 'node:os';
import { basename } from 'node:path';
import * as procfs from './procfs.js';
import type { Listener } from './procfs.js';

export type { Listener } from './procfs.js';

/** Runs a command (ps, lsof) where there is no /proc; loaded only there. */
async function run(command: string, args: string[]): Promise<{ stdout: string }> {
  const [{ execFile }, { promisify }] = await Promise.all([import('node:child_process'), import('node:util')]);
  return promisify(execFile)(command, args);
}
const linux = process.platform === 'linux';

export type Sigusr1State = 'caught' | 'blocked' | 'ignored' | 'default' | 'unknown';

export interface ProcessFacts {
  pid: number;
  /** Parent pid, where known. */
  ppid: number | undefined;
  /** Short name (comm), as `ps` shows it. */
  name: string;
  /** Path of the executable, when readable. */
  exe: string | undefined;
  argv: string[];
  uid: number | undefined;
  /** The process's own pid inside its PID namespace (containers). */
  nsPid: number;
  zombie: boolean;
  /** Stopped: SIGSTOP, Ctrl-Z (T), or held by a tracer such as a debugger (t). */
  stopped: boolean;
  sigusr1: Sigusr1State;
  /** NODE_OPTIONS from the initial environment, when readable. */
  nodeOptions: string | undefined;
}

export type Existence = 'exists' | 'missing' | 'forbidden';

/** Probes existence with signal 0, which delivers nothing. */
export function processExists(pid: number): Existence {
  try {
    process.kill(pid, 0);
    return 'exists';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'forbidden' : 'missing';
  }
}

export async function readProcess(pid: number): Promise<ProcessFacts | undefined> {
  return linux ? readLinux(pid) : readPs(pid);
}

async function readLinux(pid: number): Promise<ProcessFacts | undefined> {
  const [status, argv, exe, nodeOptions] = await Promise.all([
    procfs.readStatus(pid),
    procfs.readCmdline(pid),
    procfs.readExe(pid),
    procfs.readEnvironVariable(pid, 'NODE_OPTIONS'),
  ]);
  if (!status) return undefined;
  const bit = 1n << BigInt(constants.signals.SIGUSR1 - 1);
  const sigusr1: Sigusr1State =
    status.sigBlk & bit ? 'blocked' : status.sigIgn & bit ? 'ignored' : status.sigCgt & bit ? 'caught' : 'default';
  return {
    pid,
    ppid: status.ppid,
    name: status.name,
    exe,
    argv: argv ?? [],
    uid: status.uid,
    nsPid: status.nsPid ?? pid,
    zombie: status.state === 'Z',
    stopped: status.state === 'T' || status.state === 't',
    sigusr1,
    nodeOptions,
  };
}

async function readPs(pid: number): Promise<ProcessFacts | undefined> {
  try {
    const { stdout } = await run('ps', ['-o', 'uid=,ppid=,stat=,comm=', '-p', String(pid)]);
    const { stdout: args } = await run('ps', ['-o', 'args=', '-p', String(pid)]);
    const [uid, ppid, stat, ...comm] = stdout.trim().split(/\s+/);
    const exe = comm.join(' ');
    return {
      pid,
      ppid: ppid === undefined ? undefined : Number(ppid),
      name: basename(exe),
      exe,
      argv: args.trim().split(/\s+/),
      uid: uid === undefined ? undefined : Number(uid),
      nsPid: pid,
      zombie: (stat ?? '').startsWith('Z'),
      stopped: (stat ?? '').startsWith('T'),
      sigusr1: 'unknown',
      nodeOptions: undefined,
    };
  } catch {
    return undefined;
  }
}

/** A Node.js binary: `node`, `nodejs`, `node20`, `node.exe`, or the very binary running probing. */
export function isNodeProcess(facts: ProcessFacts): boolean {
  const exe = (facts.exe ?? '').replace(/ \(deleted\)$/, '');
  if (exe && exe === process.execPath) return true;
  return /^node(js)?[-_.]?(\d+(\.\d+)*)?(\.exe)?$/i.test(basename(exe || facts.name));
}

/** How long ago the process started; undefined where that is not read (not Linux). */
export async function processAgeMs(pid: number): Promise<number | undefined> {
  return linux ? procfs.processAgeMs(pid) : undefined;
}

/** The TCP ports a process listens on; undefined where this platform cannot tell. */
export async function listeners(pid: number): Promise<Listener[] | undefined> {
  if (linux) return procfs.listeners(pid);
  try {
    const { stdout } = await run('lsof', ['-nP', '-a', '-p', String(pid), '-iTCP', '-sTCP:LISTEN', '-Fn']);
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('n'))
      .flatMap((line) => {
        const match = /^n(.*):(\d+)$/.exec(line);
        if (!match?.[1] || !match[2]) return [];
        return [{ host: match[1].replace(/^\[|\]$/g, '').replace('*', '0.0.0.0'), port: Number(match[2]), inode: line }];
      });
  } catch {
    return undefined;
  }
}

/**
 * Watches a process for new listening sockets. On Linux it compares socket inodes,
 * which is cheap, and reads the socket tables only once a new socket appears.
 */
export async function listenerWatch(pid: number): Promise<() => Promise<Listener[]>> {
  if (linux) {
    const before = (await procfs.socketInodes(pid)) ?? new Map<string, number>();
    return async () => {
      const now = await procfs.socketInodes(pid);
      const fresh = new Map([...(now ?? [])].filter(([inode]) => !before.has(inode)));
      // A new socket may not be listening yet: it is looked at again next time.
      return fresh.size === 0 ? [] : ((await procfs.listeners(pid, fresh)) ?? []);
    };
  }
  const known = new Set(((await listeners(pid)) ?? []).map((l) => `${l.host}:${l.port}`));
  return async () => {
    const fresh = ((await listeners(pid)) ?? []).filter((l) => !known.has(`${l.host}:${l.port}`));
    for (const l of fresh) known.add(`${l.host}:${l.port}`);
    return fresh;
  };
}

/** The pid listening on a local TCP port, when we can see it. */
export async function portOwner(port: number): Promise<number | undefined> {
  if (linux) return procfs.listenerOwner(port);
  try {
    const { stdout } = await run('lsof', ['-nP', '-t', `-iTCP:${port}`, '-sTCP:LISTEN']);
    const pid = Number(stdout.trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every pid on the host that we can see. */
export async function allPids(): Promise<number[]> {
  if (linux) return procfs.listPids();
  const { stdout } = await run('ps', ['-axo', 'pid=']);
  return stdout.split('\n').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

export function commandLine(facts: ProcessFacts): string {
  return facts.argv.length > 0 ? facts.argv.join(' ') : facts.name;
}
