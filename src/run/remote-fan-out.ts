/**
 * Runs the probing of other hosts, a bounded number at a time, each through the
 * command that reaches its host (ssh, docker exec -i, kubectl exec -i, --via), and
 * reads what each wrote on stdout (remote-wire.ts). Nothing is installed there and
 * nothing listens: the command ends when its answer is written.
 *
 * Each command gets a stdin pipe that is never written; closing it is how the other
 * side is told to stop (its probing takes the end of stdin as a hang-up: it detaches
 * from every target and leaves). That is what --timeout and Ctrl-C do; a command that
 * still runs a while after is ended (SIGTERM, then SIGKILL, to its process group here).
 */
import { spawn } from 'node:child_process';
import type { RemoteClients, RemoteHost, RemoteTarget } from '../attach/remote-spec.js';
import { AttachError, ExitCode, InterruptedError, ProtocolError, RemoteHostError, TimeoutError } from '../errors.js';
import { onInterrupt } from './exit-guard.js';
import { readWire, WIRE_PROTOCOL, type WireAnswer } from './remote-wire.js';

/** Targets of one host, asked in one command. */
export interface RemoteGroup {
  host: RemoteHost;
  targets: RemoteTarget[];
}

export interface RemoteOutcome {
  group: RemoteGroup;
  answer?: WireAnswer;
  error?: Error;
}

export interface RemoteRunOptions {
  concurrency: number;
  /** The whole answer of one host (connecting, starting probing there, attaching, collecting), for a group. */
  timeoutMs: (group: RemoteGroup) => number;
  clients: RemoteClients;
  /** The command line run over there, for a group. */
  line: (group: RemoteGroup) => string;
  /** How the probing there is started (its first word is what "not found" names). */
  remoteProbing: string;
  /** This probing's version: the other side's must be the same. */
  version: string;
  /** The most a group's answer may be: past it the command is stopped and the host named. */
  maxAnswerBytes: (group: RemoteGroup) => number;
}

/** How long a told-to-stop command may take to detach over there before it is ended: the remote probing's own bound for closing (exit-guard), and a margin. */
const STOP_GRACE_MS = 8000;
/** What is kept of a command's stderr, for its error message. */
const STDERR_CAP = 64 * 1024;

/** Groups remote targets by host: one command per host. */
export function groupByHost(targets: readonly RemoteTarget[]): RemoteGroup[] {
  const groups = new Map<string, RemoteGroup>();
  for (const t of targets) {
    const group = groups.get(t.host.name) ?? { host: t.host, targets: [] };
    group.targets.push(t);
    groups.set(t.host.name, group);
  }
  return [...groups.values()];
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  /** It wrote more than its answer may be (maxBytes), and was stopped. */
  overflowed: boolean;
  maxBytes: number;
  timeoutMs: number;
  spawnError?: Error;
}

/** Runs one command; `stop` (a timeout, Ctrl-C) closes its stdin and, after a grace, ends it. */
function runCommand(argv: string[], timeoutMs: number, maxBytes: number, register: (stop: () => void) => () => void): Promise<Finished> {
  return new Promise((resolve) => {
    // its own process group: a Ctrl-C on the terminal reaches probing, which tells the other side, not ssh itself
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let overflowed = false;
    let stderr = '';
    let timedOut = false;
    let spawnError: Error | undefined;
    const timers: NodeJS.Timeout[] = [];
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      child.stdin.end();
      timers.push(setTimeout(() => signalGroup('SIGTERM'), STOP_GRACE_MS), setTimeout(() => signalGroup('SIGKILL'), 2 * STOP_GRACE_MS));
    };
    const unregister = register(stop);
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs),
    );
    child.stdin.on('error', () => {});
    child.stdout.on('data', (c: Buffer) => {
      if (overflowed) return;
      bytes += c.byteLength;
      if (bytes <= maxBytes) return void chunks.push(c);
      // a host (a login script, a hostile one) that writes without end is not kept in memory
      overflowed = true;
      chunks.length = 0;
      // read no more: a writer that goes on gets EPIPE
      child.stdout.destroy();
      stop();
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      if (stderr.length < STDERR_CAP) stderr += c;
    });
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      unregister();
      resolve({ code, signal, stdout: Buffer.concat(chunks), stderr, timedOut, overflowed, maxBytes, timeoutMs, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

/** A failure's exit status as the other side said it: one of probing's failure statuses, or 'protocol'. */
function remoteExit(code: unknown): number {
  return Number.isInteger(code) && (code as number) > 0 && (code as number) < 126 ? (code as number) : ExitCode.protocol;
}

/** The last line of stderr worth showing (not ssh's notes about known hosts). */
function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Warning: Permanently added/.test(l));
  return lines.at(-1) ?? '(nothing on stderr)';
}

/** What went wrong with one host's command, or undefined when its answer is whole. */
export function failureOf(host: RemoteHost, run: Finished, answer: WireAnswer | undefined, options: Pick<RemoteRunOptions, 'remoteProbing' | 'version'>): Error | undefined {
  const end = answer?.end;
  const pinned = `--remote-probing "npx -y probing-node@${options.version}"`;
  if (run.overflowed) {
    return new ProtocolError('REMOTE_TOO_BIG', `${host.name}: the answer grew past ${run.maxBytes} bytes, more than its tables may be; the command was stopped`, {
      hint: 'lower --max-rows or --max-bytes; if it repeats with small limits, does a login script print to stdout over there (.bashrc)?',
    });
  }
  const timedOut = () =>
    new TimeoutError('REMOTE_TIMEOUT', `${host.name}: no complete answer within ${run.timeoutMs} ms; the command was stopped${end?.error ? ` (it said: ${end.error.message})` : ''}`, {
      hint: 'a host gets 30 s to start probing there, then --attach-timeout + --timeout for each round of its targets (--concurrency at a time): raise --timeout, or check the host by hand',
    });
  if (end) {
    if (end.protocol !== WIRE_PROTOCOL || end.version !== options.version) {
      return new AttachError('REMOTE_VERSION', `${host.name} runs probing ${end.version}, and this is probing ${options.version}: both ends must be the same version`, {
        hint: `install probing-node@${options.version} there (npm i -g probing-node@${options.version}), or run that version through npx: ${pinned}`,
      });
    }
    if (end.error && run.timedOut) return timedOut();
    if (end.error) return new RemoteHostError(end.error.code, `${host.name}: ${end.error.message}`, remoteExit(end.error.exitCode), end.error.hint ? { hint: end.error.hint } : {});
    return undefined;
  }
  if (run.timedOut) return timedOut();
  if (run.spawnError) return new AttachError('REMOTE_SPAWN', `${host.name}: cannot run ${host.scheme === 'via' ? host.name : host.scheme}: ${run.spawnError.message}`, { hint: 'probing runs it through /bin/sh' });
  const line = lastLine(run.stderr);
  const word = options.remoteProbing.trim().split(/\s+/)[0] ?? 'probing';
  const client = { ssh: 'ssh', docker: 'docker', k8s: 'kubectl', via: host.name.split(/\s+/)[0]! }[host.scheme];
  if (run.code === 127 || run.code === 126 || /not found|No such file/.test(line)) {
    const named = client.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`\\b${named}\\b.*not found|not found.*\\b${named}\\b`).test(line) && !line.includes(word)) {
      return new AttachError('REMOTE_CLIENT_MISSING', `${host.name}: ${client} was not found on this host (${line})`, { hint: host.scheme === 'ssh' ? 'install an ssh client, or name it: --ssh "/path/to/ssh"' : `install ${client}, or name it with PROBING_${client.toUpperCase()}` });
    }
    return new AttachError('REMOTE_NO_PROBING', `${host.name}: ${word} was not found there (${line})`, {
      hint: `install it there (npm i -g probing-node@${options.version}), or say how to run it: ${pinned}, or --remote-probing "node /path/to/probing/bin/probing.js"`,
    });
  }
  if (/unknown option '--emit-tables'/.test(run.stderr)) {
    return new AttachError('REMOTE_VERSION', `${host.name} runs a probing older than remote queries (it has no --emit-tables); this is probing ${options.version}`, { hint: `install probing-node@${options.version} there, or ${pinned}` });
  }
  if (host.scheme === 'ssh' && run.code === 255) {
    return new AttachError('REMOTE_UNREACHABLE', `${host.name}: ssh could not connect: ${line}`, {
      hint: 'check that `ssh <host> true` works without a prompt (keys, ~/.ssh/config); ssh options: --ssh "ssh -i <key> -o …" or PROBING_SSH',
    });
  }
  const how = run.signal ? `was ended by ${run.signal}` : `ended with status ${run.code}`;
  if (run.code === 0 && run.stdout.byteLength > 0) return new ProtocolError('REMOTE_CUT', `${host.name}: the answer was cut short (no end record)`, { hint: 'run again; if it repeats, run the command there by hand to see what it prints' });
  return new AttachError('REMOTE_FAILED', `${host.name}: the remote command ${how}: ${line}`, { hint: `run it by hand to see more: ${host.scheme === 'via' ? host.name : client} … ${word} <pid> query "SELECT 1"` });
}

/**
 * Asks every group's host, at most `concurrency` at once. A host that fails is an outcome
 * with its error; Ctrl-C (SIGTERM, SIGHUP) tells every running command to stop, starts no
 * more, and — once they have answered — throws, saying what each host left.
 */
export async function forEachRemote(groups: readonly RemoteGroup[], options: RemoteRunOptions): Promise<RemoteOutcome[]> {
  const stops = new Set<() => void>();
  let interruptedBy: NodeJS.Signals | undefined;
  const stopListening = onInterrupt((signal) => {
    interruptedBy = signal;
    for (const stop of stops) stop();
  });
  const outcomes: RemoteOutcome[] = groups.map((group) => ({ group }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < groups.length; i = next++) {
      const outcome = outcomes[i]!;
      const { host } = outcome.group;
      if (interruptedBy) {
        outcome.error = new InterruptedError('INTERRUPTED', `${host.name}: not asked (interrupted by ${interruptedBy})`);
        continue;
      }
      const run = await runCommand(host.argv(options.line(outcome.group), options.clients), options.timeoutMs(outcome.group), options.maxAnswerBytes(outcome.group), (stop) => {
        stops.add(stop);
        return () => stops.delete(stop);
      });
      let answer: WireAnswer | undefined;
      try {
        answer = readWire(run.stdout);
      } catch (error) {
        // cut mid-stream because it was stopped, or it failed: said as that, not as garbage
        const stopped = run.timedOut || run.overflowed || interruptedBy !== undefined || run.code !== 0 ? failureOf(host, run, undefined, options) : undefined;
        outcome.error = stopped ?? new ProtocolError('REMOTE_GARBAGE', `${host.name}: the answer is not probing's Arrow stream (${(error as Error).message}); stderr: ${lastLine(run.stderr)}`, {
          hint: 'is --remote-probing a probing? does a login script print to stdout over there (.bashrc)?',
        });
        continue;
      }
      outcome.answer = answer;
      const error = failureOf(host, run, answer, options);
      if (error) outcome.error = error;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, groups.length) }, worker));
  } finally {
    stopListening();
  }
  if (interruptedBy) {
    const said = outcomes.map((o) => (o.answer?.end?.error ? `${o.group.host.name}: ${o.answer.end.error.message}` : o.error && !(o.error instanceof InterruptedError) ? `${o.group.host.name}: ${o.error.message}` : `${o.group.host.name}: answered`));
    throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}; ${said.join('; ')}`);
  }
  return outcomes;
}
