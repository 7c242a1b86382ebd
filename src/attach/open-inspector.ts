/**
 * Opens the inspector of a local Node.js process by pid — or finds the one that
 * is already open — without ever signalling a process that cannot take SIGUSR1
 * and without ever mistaking another process's inspector for the target's.
 */
import { AttachError } from '../errors.js';
import { debug } from '../debug.js';
import { inspectorConfig, type InspectorConfig } from './inspect-flags.js';
import { inspectorTargets, inspectorVersion, isListening, preloadHttp } from './inspector-http.js';
import { askInspector, findOpenInspector, reachable, type InspectorAddress } from './find-inspector.js';
import { isLock, tryLock, type PortLock } from './port-lock.js';
import { clearPending, recordedInspector, recordInspector, recordPending } from './inspector-record.js';
import {
  commandLine,
  isNodeProcess,
  listenerWatch,
  listeners,
  portOwner,
  processExists,
  readProcess,
  type ProcessFacts,
} from './processes.js';

const log = debug('attach');

export interface OpenedInspector {
  host: string;
  port: number;
  facts: ProcessFacts;
  /** True when we opened it, and so must close it again. */
  openedByUs: boolean;
  /** Held while a fixed port is open on our behalf; released once it is closed. */
  lock: PortLock | undefined;
  /** Its WebSocket URL, when finding it gave it already. */
  url?: string;
}

export interface OpenOptions {
  /** How long to wait for the inspector to appear after SIGUSR1. */
  attachTimeoutMs: number;
  /**
   * How long to wait for another probing command to release the port: by default long
   * enough for a few holders in a row, each waiting for its inspector (an attach timeout like ours).
   */
  lockWaitMs?: number;
  /** Called right after SIGUSR1 is sent: work to do while the target opens its inspector. */
  onSignalled?: () => void;
  /**
   * Awaited right before SIGUSR1: what must be ready before the port opens, so that
   * the time it listens before we are in (a window for others) is not spent loading.
   */
  beforeSignal?: () => Promise<void>;
}

const POLL_MS = 5;
/** After SIGUSR1, the configured port is polled every millisecond for this long. */
const FAST_POLL_FOR_MS = 250;
/** How often the target's sockets and the inspector records are looked at while waiting. */
const SCAN_MS = 20;

/** The Node.js target's WebSocket URL at host:port, in one request; undefined while nothing (Node) answers there. */
async function nodeTargetAt(host: string, port: number): Promise<{ host: string; port: number; url: string } | undefined> {
  const targets = await inspectorTargets(host, port, 500);
  const node = targets?.find((t) => t.type === 'node' && typeof t.webSocketDebuggerUrl === 'string');
  return node ? { host, port, url: node.webSocketDebuggerUrl } : undefined;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LIST_HINT = '`probing list` shows the Node.js processes you can probe';

/** Refuses, with the reason, any process that must not receive SIGUSR1. */
export async function checkProcess(pid: number): Promise<ProcessFacts> {
  const existence = processExists(pid);
  if (existence === 'missing') {
    throw new AttachError('NO_SUCH_PROCESS', `no process with pid ${pid}`, { hint: LIST_HINT });
  }
  const facts = await readProcess(pid);
  if (existence === 'forbidden') {
    throw new AttachError('PERMISSION_DENIED', `pid ${pid}${facts ? ` (${facts.name})` : ''} belongs to another user`, {
      hint: 'run probing as the user that owns the process (or as root)',
    });
  }
  if (!facts) throw new AttachError('NO_SUCH_PROCESS', `no process with pid ${pid}`, { hint: LIST_HINT });
  if (facts.zombie) {
    throw new AttachError('ZOMBIE', `pid ${pid} (${facts.name}) has exited and is waiting for its parent to reap it`, { hint: LIST_HINT });
  }
  if (facts.stopped) {
    // a signal would wait until it continues, and open an inspector long after probing gave up
    throw new AttachError('STOPPED', `pid ${pid} (${facts.name}) is stopped (SIGSTOP, Ctrl-Z, or a debugger holds it): it cannot answer, and probing did not signal it`, {
      hint: `continue it first (kill -CONT ${pid}, or fg in its shell), or release the debugger that holds it`,
    });
  }
  if (!isNodeProcess(facts)) {
    throw new AttachError('NOT_NODE', `pid ${pid} is ${facts.name}, not a Node.js process`, {
      hint: `probing attaches only to Node.js processes and did not signal it; ${LIST_HINT}`,
    });
  }
  return facts;
}

/**
 * SIGUSR1 blocked in the main thread, read again: Node blocks every signal for a moment
 * while it starts a thread (the inspector's, when another command opens it), and a read
 * of /proc in that moment took a busy target for one that can never be signalled (one of
 * ten commands at once, now and then). Blocked for good is blocked on every read.
 */
async function steadySigusr1(facts: ProcessFacts): Promise<ProcessFacts> {
  let latest = facts;
  for (let read = 0; read < 5 && latest.sigusr1 === 'blocked'; read++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    latest = (await readProcess(facts.pid)) ?? latest;
  }
  return latest;
}

function refuseSigusr1(facts: ProcessFacts, config: InspectorConfig): never | void {
  const who = `pid ${facts.pid} (${facts.name})`;
  if (config.sigusr1Disabled || facts.sigusr1 === 'blocked') {
    throw new AttachError('SIGUSR1_DISABLED', `${who} was started with --disable-sigusr1: SIGUSR1 cannot open its inspector`, {
      hint: 'restart it with --inspect=127.0.0.1:0 (inspector open from the start), or without --disable-sigusr1',
    });
  }
  if (facts.sigusr1 === 'ignored') {
    throw new AttachError('SIGUSR1_IGNORED', `${who} ignores SIGUSR1, so its inspector cannot be opened from outside`, {
      hint: 'restart it with --inspect=127.0.0.1:0, or stop ignoring SIGUSR1 (process.on(\'SIGUSR1\') is not the cause; SIG_IGN is)',
    });
  }
  if (facts.sigusr1 === 'default') {
    throw new AttachError('SIGUSR1_UNHANDLED', `${who} does not handle SIGUSR1; the signal would kill it, so it was not sent`, {
      hint: 'this Node.js build or process has no inspector signal handler; restart it with --inspect=127.0.0.1:0',
    });
  }
}

/**
 * A cluster primary with workers: when its inspector starts, Node.js's cluster module
 * calls process._debugProcess on every worker (NODE_DEBUG_ENABLED), and each opens an
 * inspector of its own (or logs that the port is taken) — workers nobody named, left
 * changed after the command. So SIGUSR1 is not sent to one; the agent, or the workers'
 * own pids, are the ways in.
 */
async function refuseClusterPrimary(facts: ProcessFacts): Promise<void> {
  if (process.platform !== 'linux') return;
  const { clusterWorkers } = await import('./procfs.js');
  const workers = await clusterWorkers(facts.pid);
  if (!workers || workers.length === 0) return;
  throw new AttachError(
    'CLUSTER_PRIMARY',
    `pid ${facts.pid} is a cluster primary with ${workers.length} worker${workers.length === 1 ? '' : 's'} (${workers.join(', ')}): opening its inspector with SIGUSR1 would make Node.js open one in every worker too, so probing did not signal it`,
    {
      hint: `probe its workers by pid (probing ${workers.join(',')} query …), or start the cluster with the agent (probing launch -- node app.js, or NODE_OPTIONS="--require probing-node/agent"), which reaches the primary with no signal`,
    },
  );
}

function isPortLock(value: PortLock | InspectorAddress): value is PortLock {
  return typeof (value as PortLock).release === 'function';
}

async function describePid(pid: number): Promise<string> {
  const facts = await readProcess(pid);
  if (!facts) return `pid ${pid}`;
  return `pid ${pid} (${commandLine(facts).slice(0, 80)})`;
}

async function portInUse(target: ProcessFacts, config: InspectorConfig): Promise<AttachError> {
  const owner = await portOwner(config.port);
  const ownerText = owner === undefined ? 'another process' : await describePid(owner);
  const ownerIsInspector = (await inspectorVersion(config.host, config.port)) !== undefined;
  const closeIt = owner !== undefined && ownerIsInspector ? `, or close that process's inspector (probing ${owner} eval "require('inspector').close()")` : '';
  return new AttachError(
    'PORT_IN_USE',
    `cannot open the inspector of pid ${target.pid}: ${config.host}:${config.port} is already held by ${ownerText}` +
      (ownerIsInspector ? ', whose inspector is open there' : ''),
    {
      hint: `start pid ${target.pid} with --inspect-port=0 so that SIGUSR1 picks a free port${closeIt}; probing never talks to a process it was not pointed at`,
    },
  );
}

/**
 * The port's lock; or, when the target's inspector opens meanwhile (another probing
 * command on the same process got there first), that inspector, to be joined.
 */
async function acquirePortLock(facts: ProcessFacts, config: InspectorConfig, waitMs: number): Promise<PortLock | InspectorAddress> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = tryLock(config.host, config.port, facts.pid);
    if (isLock(result)) return result;
    if (result.target === facts.pid) {
      const open = await findOpenInspector(config, () => listeners(facts.pid), facts.pid);
      if (open) return open;
    }
    if (Date.now() > deadline) {
      throw new AttachError(
        'PORT_BUSY',
        `${config.host}:${config.port} is in use by another probing command (pid ${result.pid}, attached to pid ${result.target}) for more than ${waitMs} ms`,
        { hint: `try again when it finishes, or start pid ${facts.pid} with --inspect-port=0` },
      );
    }
    await sleep(POLL_MS * 2);
  }
}

/** What the user allows (--allow-remote-inspector); the CLI sets it before a command runs. */
export const inspectorPolicy = { allowRemote: false };

/** A host only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * SIGUSR1 opens the inspector where the process is configured to (--inspect-port,
 * NODE_OPTIONS): an unauthenticated remote-code door. Not on an address others can reach,
 * unless the user says so.
 */
function refuseRemote(facts: ProcessFacts, config: InspectorConfig): void {
  if (isLoopback(config.host) || inspectorPolicy.allowRemote) return;
  throw new AttachError(
    'REMOTE_INSPECTOR',
    `pid ${facts.pid} would open its inspector on ${config.host}:${config.port}, which is not a loopback address: anyone who can reach it could run code in the process, so probing did not signal it`,
    { hint: 'start it with --inspect-port=127.0.0.1:<port> (or use the agent: probing launch, NODE_OPTIONS="--require probing-node/agent"); --allow-remote-inspector opens it there anyway for the length of the command' },
  );
}

/** The default wait for a fixed port's lock: 15 s, or two holders each taking our --attach-timeout. */
export function lockWaitMs(attachTimeoutMs: number): number {
  return Math.max(15_000, 2 * attachTimeoutMs);
}

/**
 * Whether the inspector our signal opened is on a random port (--inspect-port=0, on the
 * command line or in NODE_OPTIONS). Node.js keeps that port as process.debugPort, so the
 * next SIGUSR1 would open there again, and fail if anything has taken it since: probing
 * puts 0 back when it closes one it opened (scheduleClose). Where NODE_OPTIONS cannot be
 * read (not Linux), one that opened elsewhere than the command line says was given
 * --inspect-port=0 there (a process there that set process.debugPort in its own code gets
 * 0 back).
 */
export function opensOnRandomPort(opened: OpenedInspector): boolean {
  const { port } = inspectorConfig(opened.facts.argv, opened.facts.nodeOptions);
  if (port === 0) return true;
  return opened.port !== port && process.platform !== 'linux' && opened.facts.nodeOptions === undefined;
}

/** Finds the target's open inspector, or opens it with SIGUSR1. */
export async function openInspector(pid: number, options: OpenOptions): Promise<OpenedInspector> {
  const facts = await checkProcess(pid);
  const config = inspectorConfig(facts.argv, facts.nodeOptions);
  log('process', facts.name, facts.sigusr1, config);

  const existing = await findOpenInspector(config, () => listeners(pid), pid, Math.max(500, options.attachTimeoutMs));
  if (existing?.abandoned) {
    // left open by a command that could not write down where: ours to close now
    log('inspector left open by an ended probing command on', existing);
    recordInspector(pid, existing.host, existing.port);
    return { host: existing.host, port: existing.port, facts, openedByUs: true, lock: undefined };
  }
  if (existing) {
    log('inspector already open on', existing);
    if (!isLoopback(config.host)) {
      process.stderr.write(`probing: warning: pid ${pid}'s inspector is open on ${config.host}:${existing.port}, reachable beyond this machine; anyone who can reach it can run code in the process\n`);
    }
    return { host: existing.host, port: existing.port, facts, openedByUs: false, lock: undefined };
  }

  refuseSigusr1(await steadySigusr1(facts), config);
  refuseRemote(facts, config);
  await refuseClusterPrimary(facts);
  log('not open; checked');

  const locked = config.port === 0 ? undefined : await acquirePortLock(facts, config, options.lockWaitMs ?? lockWaitMs(options.attachTimeoutMs));
  if (locked && !isPortLock(locked)) {
    log('inspector opened meanwhile on', locked);
    return { host: locked.host, port: locked.port, facts, openedByUs: false, lock: undefined };
  }
  const lock = locked;
  try {
    if (config.port !== 0 && (await isListening(config.host, config.port))) {
      throw await portInUse(facts, config);
    }
    log('port lock held');
    const freshListeners = await listenerWatch(pid);
    const [listening] = await Promise.all([listeners(pid), options.beforeSignal?.(), preloadHttp()]);
    // written down before the signal: killed before we know the port, the next command finds it
    recordPending(pid, (listening ?? []).map((l) => `${l.host}:${l.port}`));
    log('SIGUSR1 →', pid);
    if (process.platform === 'win32') {
      (process as unknown as { _debugProcess(pid: number): void })._debugProcess(pid);
    } else {
      process.kill(pid, 'SIGUSR1');
    }
    options.onSignalled?.();
    const signalled = Date.now();
    const deadline = signalled + options.attachTimeoutMs;
    let scanned = 0;
    // Every millisecond the inspector listens before we are in is a window for
    // others (docs/security.md): the configured port is looked at every
    // millisecond at first (a refused connect costs little), the slower checks
    // below every SCAN_MS.
    while (Date.now() < deadline) {
      await sleep(Date.now() - signalled < FAST_POLL_FOR_MS ? 1 : POLL_MS);
      // The configured port was free before the signal and we hold its lock: what
      // answers there now is the target's (the pid is confirmed after connecting).
      // Its target list gives the WebSocket URL in the same request.
      const quick = config.port !== 0 ? await nodeTargetAt(reachable(config.host), config.port) : undefined;
      if (quick) {
        log('inspector opened on', quick);
        return { ...quick, facts, openedByUs: true, lock };
      }
      if (config.port !== 0 && Date.now() - scanned < SCAN_MS) continue;
      scanned = Date.now();
      // Otherwise watch the target's own sockets for the new one: with
      // --inspect-port=0, or after inspector.open(port) in the process (probing's
      // fan-out moves inspectors that way), SIGUSR1 opens elsewhere.
      const found = await askInspector(await freshListeners());
      if (found) {
        log('inspector opened on', found);
        return { host: found.host, port: found.port, facts, openedByUs: true, lock };
      }
      // Another probing command on this process opened it first (our signal found it
      // open, so no new socket appears for us): it wrote down where.
      const recorded = recordedInspector(pid);
      const joined = recorded ? await askInspector([recorded]) : undefined;
      if (joined) {
        log('inspector opened by another probing command on', joined);
        lock?.release();
        clearPending(pid);
        return { host: joined.host, port: joined.port, facts, openedByUs: false, lock: undefined };
      }
      if (processExists(pid) === 'missing') {
        throw new AttachError('TARGET_EXITED', `pid ${pid} exited while its inspector was being opened`, {
          hint: 'check its logs: it may have crashed, or its own SIGUSR1 handler may exit',
        });
      }
    }
    if (config.port !== 0 && (await isListening(config.host, config.port))) throw await portInUse(facts, config);
    throw new AttachError(
      'NO_INSPECTOR',
      `pid ${pid} did not open its inspector within ${options.attachTimeoutMs} ms of SIGUSR1`,
      {
        hint:
          "the application probably handles SIGUSR1 itself (process.on('SIGUSR1')), which keeps Node.js from opening the inspector, " +
          "or it is stuck in native code (a synchronous call, Atomics.wait), or the port it opens on is taken (its stderr says 'Starting inspector on … failed'); " +
          'restart it with --inspect=127.0.0.1:0, or retry with a longer --attach-timeout',
      },
    );
  } catch (error) {
    lock?.release();
    clearPending(pid);
    throw error;
  }
}
