/**
 * Attaching: turn a target (pid, host:port, ws:// URL) into a live, identity-checked
 * session, and detach again leaving the target as we found it.
 */
import { AttachError, ProbingError, TargetClosedError } from '../errors.js';
import { debug } from '../debug.js';
import { inspectorTargets, isListening } from './inspector-http.js';
import { openInspector, opensOnRandomPort, type OpenedInspector } from './open-inspector.js';
import { askInspector } from './find-inspector.js';
import { listenerWatch, processExists } from './processes.js';
import { inspectorConfig } from './inspect-flags.js';
import { existsSync } from 'node:fs';
import { serverConnections } from './procfs.js';
import { Session } from './session.js';
import { describeTarget, type TargetSpec } from './target-spec.js';
import { connectWebSocket, loadTransport } from './transport.js';
import { cancelClose, identify as identifySnippet, LOAD_BUILTIN, OPENED_KEY, releaseInspector, scheduleClose, SOURCE_URL } from '../target/snippets.js';
import { forgetInspector, recordInspector, clearPending } from './inspector-record.js';
import { watchSignalThread, type SignalThreadWatch } from './signal-thread.js';

const KEY = JSON.stringify(OPENED_KEY);

const log = debug('attach');

export interface AttachOptions {
  /** Limit for each evaluation and protocol call, in ms. */
  timeoutMs: number;
  /** Limit for the inspector to appear after SIGUSR1, in ms. */
  attachTimeoutMs: number;
  /**
   * Work the command needs once in (loading modules, say). Over SIGUSR1 it is awaited
   * before the signal: once the port is open, every millisecond before we are in and
   * done is a window for others (docs/security.md). Over the agent or an open
   * inspector it runs while we connect. Its failure is the command's, later.
   */
  prepare?: () => Promise<unknown>;
  /**
   * Move an inspector we opened on the shared default port (9229) to a random one
   * before working, so that other probings — a fan-out over many targets — need not
   * wait for this one to finish. Linux only (the new port is found from /proc).
   */
  moveOffSharedPort?: boolean;
  /** Where to say something the user should know that does not stop the command (stderr by default). */
  onNotice?: (text: string) => void;
}

const defaultNotice = (text: string) => void process.stderr.write(`probing: note: ${text}\n`);

export interface TargetIdentity {
  pid: number;
  nodeVersion: string;
  title: string;
  argv: string[];
  /** An earlier probing command opened this inspector and could not close it. */
  probingOpened: boolean;
}

export interface DetachResult {
  /** Set when the inspector probing opened is still open, with the reason. */
  leftOpen?: string;
}

export interface Attachment {
  readonly session: Session;
  readonly target: TargetIdentity;
  /** The inspector address we are connected to. */
  readonly address: string;
  /** True when probing opened the inspector and will close it on detach. */
  readonly openedByUs: boolean;
  /** Work to do before detaching (stop a profiler, say), also after Ctrl-C; returns a function that cancels it. */
  beforeDetach(cleanup: () => Promise<void>): () => void;
  /** Closes what we opened; safe to call more than once. */
  detach(): Promise<DetachResult>;
  /**
   * Work to do when the target starts to exit while attached (a partial profile, say):
   * given at most a second, after which probing hangs up so that the target can end.
   */
  onExiting(listener: () => Promise<void>): () => void;
  /** The target is exiting (it said so): what is pending failed with TARGET_EXITING. */
  readonly exiting: boolean;
}

/** An attachment before attach() gives it its exit watch. */
type BareAttachment = Omit<Attachment, 'onExiting' | 'exiting'>;

/** How long a target gets to return to its event loop and close the inspector. */
const CLOSE_WAIT_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function webSocketUrl(host: string, port: number, what: string): Promise<string> {
  const targets = await inspectorTargets(host, port, 2000);
  if (!targets) {
    throw new AttachError('NOT_AN_INSPECTOR', `nothing at ${host}:${port} answers as a Node.js inspector (${what})`, {
      hint:
        'check the address; start the process with --inspect=127.0.0.1:<port>, or give its pid instead. ' +
        'A process started with --inspect-publish-uid=stderr only accepts the ws:// URL it printed',
    });
  }
  const node = targets.find((t) => t.type === 'node') ?? targets[0];
  if (!node?.webSocketDebuggerUrl) {
    throw new AttachError('NO_DEBUGGER_URL', `the inspector at ${host}:${port} offers no target to connect to`, {
      hint: 'another debugger may be connected exclusively; close it and retry',
    });
  }
  return node.webSocketDebuggerUrl;
}

/** Asks the target who it is; `markIfPid` marks the inspector as opened by probing, only in that very process. */
/**
 * Asks the target who it is (and marks an inspector we opened). `join`: this command is
 * one of the users of an inspector probing opened (see identify in target/snippets.ts).
 */
async function identify(session: Session, timeoutMs: number, markIfPid: number | null, join = false, debugPort: number | null = null): Promise<TargetIdentity> {
  const { result, exceptionDetails } = await session.send(
    'Runtime.evaluate',
    { expression: `(${identifySnippet.toString()})(${markIfPid}, ${KEY}, ${join ? process.pid : null}, ${debugPort})\n${SOURCE_URL}`, returnByValue: true, timeout: timeoutMs, silent: true },
    { timeoutMs: timeoutMs + 500 },
  );
  if (exceptionDetails || typeof result.value !== 'object' || result.value === null) {
    const reason = exceptionDetails?.exception?.description ?? exceptionDetails?.text ?? 'no answer';
    throw new AttachError('IDENTIFY_FAILED', `the target did not say who it is (${reason.split('\n')[0]})`, {
      hint: 'the inspector may belong to a browser or to something that is not Node.js',
    });
  }
  return result.value as TargetIdentity;
}

/**
 * Through the probing agent in the target (src/agent), when it has one: a session of
 * its own over a Unix socket; detaching closes the connection, which ends the session
 * and what it started. Undefined when the process has no agent.
 */
async function attachAgent(pid: number, options: AttachOptions): Promise<BareAttachment | undefined> {
  const { connectAgent } = await import('./agent-socket.js');
  const agent = await connectAgent(pid);
  if (agent.refused) (options.onNotice ?? defaultNotice)(`not using the agent's socket: ${agent.refused}; going in through an open inspector or SIGUSR1 instead`);
  if (!agent.transport) return undefined;
  void options.prepare?.().catch(() => {});
  const session = new Session(agent.transport, options.timeoutMs);
  let target: TargetIdentity;
  try {
    target = await identify(session, options.timeoutMs, null);
  } catch (error) {
    await session.close();
    throw error;
  }
  if (target.pid !== pid) {
    await session.close();
    throw new AttachError('WRONG_PROCESS', `the agent socket ${agent.path} answers for pid ${target.pid}, not ${pid}`, { hint: `remove ${agent.path}; the agent of pid ${pid} makes a new one when it restarts` });
  }
  log('attached to', pid, 'through its agent at', agent.path);
  const cleanups = new Set<() => Promise<void>>();
  let detached: Promise<DetachResult> | undefined;
  return {
    session,
    target,
    address: `agent:${agent.path}`,
    openedByUs: false,
    beforeDetach(cleanup) {
      cleanups.add(cleanup);
      return () => void cleanups.delete(cleanup);
    },
    detach() {
      detached ??= (async () => {
        for (const cleanup of cleanups) await cleanup().catch(() => {});
        await session.releaseObjects();
        await session.close();
        return {};
      })();
      return detached;
    },
  };
}

/**
 * How long after a process starts its agent's socket may still be coming: the agent's
 * thread starts in tens of milliseconds, seconds on a loaded machine (`agent install`
 * met 5 s in a loaded test run).
 */
const AGENT_START_MS = 5000;

/**
 * A process that preloads the agent and started moments ago, whose socket is not there
 * yet: the agent's thread is still starting. Waiting for it (within AGENT_START_MS of the
 * process's start, and --attach-timeout) keeps to the way in with no signal and no port,
 * where a signal would open an inspector the agent makes needless (or find its port held).
 */
async function startingAgent(pid: number, options: AttachOptions): Promise<BareAttachment | undefined> {
  const { isNodeProcess, processAgeMs, readProcess } = await import('./processes.js');
  // (its age first: two small reads, and most processes probed are older)
  const age = await processAgeMs(pid);
  if (age === undefined || age >= AGENT_START_MS) return undefined;
  const facts = await readProcess(pid);
  // (a shell that probing launch started inherits the preload in NODE_OPTIONS)
  if (!facts || !isNodeProcess(facts) || !inspectorConfig(facts.argv, facts.nodeOptions).preloadsAgent) return undefined;
  const { locateAgent, socketAccepts } = await import('./agent-socket.js');
  const { path } = await locateAgent(pid);
  // a socket there already was tried (and refused, or not safe to use): nothing to wait for
  if (existsSync(path)) return undefined;
  const until = Date.now() + Math.min(options.attachTimeoutMs, AGENT_START_MS - age);
  log('the agent is preloaded and pid', pid, 'started', Math.round(age), 'ms ago: waiting for its socket');
  while (Date.now() < until) {
    await sleep(10);
    if (processExists(pid) === 'missing') return undefined;
    // An agent of an earlier build binds in place and listens a moment later: a socket that
    // refuses is not yet listening here, not one a killed process left (connectAgent would
    // remove it)
    if (existsSync(path) && (await socketAccepts(path))) return attachAgent(pid, options);
  }
  return undefined;
}

/**
 * A worker thread of a process (`4242/w2`): attaches to the process, then opens a
 * session into the worker through the process's NodeWorker domain. Detaching closes
 * the worker session, then the process's.
 */
async function attachWorker(spec: TargetSpec & { worker: string }, options: AttachOptions): Promise<BareAttachment> {
  const { worker, ...processSpec } = spec;
  const parent = await attach(processSpec, { ...options, moveOffSharedPort: options.moveOffSharedPort ?? false });
  try {
    const { connectWorker } = await import('./worker-transport.js');
    const { transport } = await connectWorker(parent.session, worker);
    const session = new Session(transport, options.timeoutMs);
    const target = await identify(session, options.timeoutMs, null);
    const cleanups = new Set<() => Promise<void>>();
    let detached: Promise<DetachResult> | undefined;
    return {
      session,
      target,
      address: `${parent.address}/w${worker}`,
      openedByUs: parent.openedByUs,
      beforeDetach(cleanup) {
        cleanups.add(cleanup);
        return () => void cleanups.delete(cleanup);
      },
      detach() {
        detached ??= (async () => {
          // One request at a time: with two in flight, the target's second answer waits ~40 ms
          // for our delayed ACK (Nagle's algorithm in the inspector's socket). The objects the
          // session holds go with it: V8 releases a session's object groups when it ends.
          for (const cleanup of cleanups) await cleanup().catch(() => {});
          await transport.close().catch(() => {});
          return parent.detach();
        })();
        return detached;
      },
    };
  } catch (error) {
    await parent.detach();
    throw error;
  }
}

/**
 * Connects to a target and checks that it is the process we were pointed at. Until it
 * is detached, the attachment is closed on any way out of probing (src/run/exit-guard).
 */
export async function attach(spec: TargetSpec, options: AttachOptions): Promise<Attachment> {
  // loaded before going in: nothing loads while an inspector we opened listens
  const [{ holdOpen }, { DROP_REALM }] = await Promise.all([import('../run/exit-guard.js'), import('../target/realm.js')]);
  // Should probing have to leave while going in (Ctrl-C, a lost pipe) — after SIGUSR1,
  // say, with the inspector not open yet — what is being opened is closed once we are in.
  let settle!: (attachment: Attachment | undefined) => void;
  const going = new Promise<Attachment | undefined>((resolve) => (settle = resolve));
  const forget = holdOpen(async () => (await going)?.detach());
  let bare: BareAttachment;
  try {
    bare = await attachAny(spec, options);
  } catch (error) {
    forget();
    settle(undefined);
    throw error;
  }
  const attachment = watchExit(bare, spec.worker === undefined);
  // the realm our snippets ran in (target/realm.ts) goes with us
  attachment.beforeDetach(() =>
    attachment.session.send('Runtime.evaluate', { expression: `${DROP_REALM}\n${SOURCE_URL}`, silent: true, timeout: 1000 }, { timeoutMs: 1500 }).then(
      () => {},
      () => {},
    ),
  );
  const detach = attachment.detach.bind(attachment);
  let detaching: ReturnType<typeof detach> | undefined;
  const release = holdOpen(() => attachment.detach());
  attachment.detach = () => {
    release();
    return (detaching ??= detach());
  };
  forget();
  settle(attachment);
  return attachment;
}

/** Set on an error met while joining an inspector that another probing command may have closed meanwhile. */
const JOINED = Symbol('joined');

/**
 * A target that exits while we are attached (process.exit, or nothing left to do) waits
 * for its inspector clients to hang up — "Waiting for the debugger to disconnect…" — for
 * as long as they stay. NodeRuntime tells us: we give what must be saved a second, then
 * hang up, and everything pending fails saying that the target is exiting.
 */
function watchExit(bare: BareAttachment, mainThread: boolean): Attachment {
  const listeners = new Set<() => Promise<void>>();
  let exiting = false;
  const attachment = Object.defineProperties(bare, {
    onExiting: {
      value(listener: () => Promise<void>) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    },
    exiting: { get: () => exiting },
  }) as Attachment;
  if (!mainThread) return attachment;
  const { session } = attachment;
  session.on('NodeRuntime.waitingForDisconnect', () => {
    if (exiting) return;
    exiting = true;
    log('the target is exiting');
    void (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...listeners].map((listener) => listener())), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      await session.closeBecause(
        new TargetClosedError('TARGET_EXITING', `pid ${attachment.target.pid} is exiting; probing let it go at once`, {
          hint: 'it called process.exit() or ran out of work while probing was attached; nothing more can be read from it',
        }),
      );
    })();
  });
  session.fire('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true });
  return attachment;
}

async function attachAny(spec: TargetSpec, options: AttachOptions): Promise<BareAttachment> {
  if (spec.worker !== undefined) return attachWorker(spec as TargetSpec & { worker: string }, options);
  // the agent's socket first: no signal, no port
  if (spec.kind === 'pid') {
    log('looking for an agent');
    const viaAgent = (await attachAgent(spec.pid, options)) ?? (await startingAgent(spec.pid, options));
    if (viaAgent) return viaAgent;
  }
  // An inspector found open can close before we are in (the command that opened it
  // finished): then the way in is looked for again, up to three times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await attachInspector(spec, options);
    } catch (error) {
      if (!(error instanceof Error && JOINED in error) || attempt >= 3) throw error;
      log('the inspector closed while we joined it; again', attempt);
    }
  }
}

async function attachInspector(spec: TargetSpec, options: AttachOptions): Promise<BareAttachment> {
  let opened: OpenedInspector | undefined;
  let url: string;
  if (spec.kind === 'pid') {
    // the WebSocket client is loaded before the signal: once the port is open, every
    // millisecond before we are in is a window for others (docs/security.md)
    opened = await openInspector(spec.pid, {
      attachTimeoutMs: options.attachTimeoutMs,
      beforeSignal: async () => {
        await Promise.all([loadTransport(), options.prepare?.().catch(() => {})]);
      },
    });
    url = opened.url ?? await webSocketUrl(opened.host, opened.port, describeTarget(spec)).catch((error: unknown) => {
      opened?.lock?.release();
      if (opened && !opened.openedByUs && error instanceof Error) Object.assign(error, { [JOINED]: true });
      throw error;
    });
  } else if (spec.kind === 'address') {
    url = await webSocketUrl(spec.host, spec.port, describeTarget(spec));
  } else {
    url = spec.url;
  }

  let session: Session;
  try {
    session = new Session(await connectWebSocket(url), options.timeoutMs);
  } catch (error) {
    opened?.lock?.release();
    if (opened && !opened.openedByUs && error instanceof Error) Object.assign(error, { [JOINED]: true });
    if (opened?.openedByUs && error instanceof ProbingError) {
      throw new AttachError(error.code, `${error.message}; the inspector probing opened on ${opened.host}:${opened.port} could not be closed`, {
        hint: `it stays open until pid ${opened.facts.pid} exits or closes it; check that nothing else holds the port, and retry`,
        cause: error,
      });
    }
    throw error;
  }

  let target: TargetIdentity;
  try {
    // an inspector our signal opened on a random port: process.debugPort is put back to 0 when it closes
    const debugPort = opened?.openedByUs && opensOnRandomPort(opened) ? 0 : null;
    target = await identify(session, options.timeoutMs, opened?.openedByUs ? opened.facts.nsPid : null, spec.kind === 'pid', debugPort);
    if (opened && target.pid !== opened.facts.nsPid) {
      // Someone else's inspector: leave it exactly as it is.
      await session.close();
      opened.lock?.release();
      opened = undefined;
      throw new AttachError('WRONG_PROCESS', `the inspector at ${url} belongs to pid ${target.pid}, not to pid ${spec.kind === 'pid' ? spec.pid : '?'}`, {
        hint: 'another process holds the inspector port; start the target with --inspect-port=0',
      });
    }
  } catch (error) {
    if (opened?.openedByUs) await closeInspector(session, opened.host, opened.port, options.timeoutMs, opened.facts.pid);
    else await session.close();
    if (opened && !opened.openedByUs && error instanceof Error && !(error instanceof AttachError && error.code === 'WRONG_PROCESS')) Object.assign(error, { [JOINED]: true });
    opened?.lock?.release();
    throw error;
  }
  log('attached to', target.pid, 'at', url);
  // an inspector we opened is written down, so that it is found again wherever it listens
  if (opened?.openedByUs) {
    recordInspector(opened.facts.pid, opened.host, opened.port);
    clearPending(opened.facts.pid);
  }

  if (options.moveOffSharedPort && opened?.openedByUs && opened.lock && process.platform === 'linux') {
    const moved = await moveInspector(session, opened, options.timeoutMs);
    if (moved) {
      session = moved.session;
      url = moved.url;
      opened = { ...opened, host: moved.host, port: moved.port, lock: undefined };
      // the same command, on the inspector's new port: counted once already
      target = await identify(session, options.timeoutMs, opened.facts.nsPid);
      recordInspector(opened.facts.pid, moved.host, moved.port);
      log('moved to', url);
    }
  }

  const address = new URL(url);
  // We close what we opened, and what an earlier probing command opened but could not close.
  const ownsInspector = opened?.openedByUs === true || target.probingOpened;
  // watched from now, so that the close seldom waits for it (signal-thread.ts)
  const signalThread = ownsInspector && spec.kind === 'pid' ? watchSignalThread(spec.pid) : undefined;
  let detached: Promise<DetachResult> | undefined;
  const cleanups = new Set<() => Promise<void>>();
  return {
    session,
    target,
    address: address.host,
    openedByUs: ownsInspector,
    beforeDetach(cleanup) {
      cleanups.add(cleanup);
      return () => void cleanups.delete(cleanup);
    },
    detach() {
      detached ??= (async () => {
        try {
          // One request at a time: with two in flight, the target's second answer waits ~40 ms
          // for our delayed ACK (Nagle's algorithm in the inspector's socket). The objects the
          // session holds go with it: V8 releases a session's object groups when it ends.
          for (const cleanup of cleanups) await cleanup().catch(() => {});
          if (!ownsInspector) {
            await session.close();
            return {};
          }
          const host = opened?.host ?? address.hostname;
          const port = opened?.port ?? Number(address.port);
          return await closeInspector(session, host, port, options.timeoutMs, spec.kind === 'pid' ? spec.pid : undefined, signalThread);
        } finally {
          opened?.lock?.release();
        }
      })();
      return detached;
    },
  };
}

/**
 * Closes an inspector probing opened. The close runs in the target's next event-loop
 * turn while our connection stays open, and the target hangs up on us (see
 * scheduleClose for why not otherwise). A target that does not get back to its event
 * loop in time keeps its inspector open, marked so that the next probing command
 * closes it; the result says so.
 */
/**
 * Re-opens the target's inspector on a random port (close, then open(0), in the
 * target's next event-loop turn, while our connection stays open — see
 * scheduleClose), releases the shared port's lock and connects to the new one.
 * A target too busy to run the move in time keeps its port, and we stay on it.
 */
async function moveInspector(session: Session, opened: OpenedInspector, timeoutMs: number): Promise<{ session: Session; url: string; host: string; port: number } | undefined> {
  const pid = opened.facts.pid;
  const fresh = await listenerWatch(pid);
  const hungUp = session.whenClosed();
  // like releaseInspector, it answers with a promise that never settles, so that nothing
  // holds back the close frame; an exception does come back
  const move = `(() => { const s = globalThis[Symbol.for(${KEY})]; const load = ${LOAD_BUILTIN}; const i = load('node:inspector'); const t = load('node:timers'); if (s.debugPort === undefined) s.debugPort = process.debugPort; s.pendingMove = t.setImmediate(() => { delete s.pendingMove; try { i.close(); i.open(0, '127.0.0.1'); } catch {} }); return (async () => { await { then() {} }; })(); })()\n${SOURCE_URL}`;
  const answered = await Promise.race([
    session.send('Runtime.evaluate', { expression: move, includeCommandLineAPI: true, silent: true, awaitPromise: true, timeout: timeoutMs }, { timeoutMs: CLOSE_WAIT_MS }).catch(() => undefined),
    hungUp.then(() => 'hung up' as const),
  ]);
  // an answer means the move did not happen (it threw): stay where we are
  const closed = answered === 'hung up' || (answered === undefined && (await hangUpWithin(hungUp, 250)));
  if (!closed) {
    await session.send('Runtime.evaluate', { expression: `(() => { const s = globalThis[Symbol.for(${KEY})]; if (s && s.pendingMove) { clearImmediate(s.pendingMove); delete s.pendingMove; } })()`, silent: true, timeout: 1000 }, { timeoutMs: 1500 }).catch(() => {});
    return undefined;
  }
  // 9229 is free again as soon as the close has run
  opened.lock?.release();
  const deadline = Date.now() + Math.max(2000, timeoutMs);
  while (Date.now() < deadline) {
    const found = await askInspector(await fresh());
    if (found) {
      const url = await webSocketUrl(found.host, found.port, `pid ${pid}`);
      return { session: new Session(await connectWebSocket(url), timeoutMs), url, host: found.host, port: found.port };
    }
    await sleep(5);
  }
  throw new AttachError('MOVE_FAILED', `pid ${pid} closed its inspector to move it to a free port, and no new one appeared`, { hint: 'retry; its inspector is closed now, as before probing came' });
}

async function hangUpWithin(hungUp: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([hungUp.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return closed;
}

async function closeInspector(session: Session, host: string, port: number, timeoutMs: number, pid: number | undefined, signalThread?: Promise<SignalThreadWatch>): Promise<DetachResult> {
  if (session.closed && session.reason?.code === 'TARGET_EXITING') {
    // it ends, and its inspector with it
    if (pid !== undefined) forgetInspector(pid);
    return {};
  }
  if (session.closed) {
    // the process is gone (killed, say), and its inspector with it
    if (pid !== undefined && processExists(pid) === 'missing') {
      forgetInspector(pid);
      return {};
    }
    return { leftOpen: 'the connection closed before probing could close the inspector' };
  }
  const hungUp = session.whenClosed();
  const waitMs = Math.min(timeoutMs, CLOSE_WAIT_MS);
  // Node.js's signal thread may still be posting the requests our SIGUSR1 made: closed before
  // it is done, the inspector opens again behind us (signal-thread.ts). Left open instead,
  // the next command finds it through its record and closes it.
  if (pid !== undefined && !(await (signalThread ?? watchSignalThread(pid)).then((watch) => watch.settled(waitMs)))) {
    log('the signal thread is still starting the inspector');
    // (written down already, unless the command failed before it could be)
    recordInspector(pid, host, port);
    await session.close();
    return {
      leftOpen: `pid ${pid}'s SIGUSR1 thread was still starting the inspector after ${waitMs} ms (a busy machine, or a stopped process), and closing it now would open it again: it stays open on ${host}:${port}; the next probing command against it closes it`,
    };
  }
  // The last command out closes it: others still using this inspector keep it open.
  // The last one first waits for the connections of those that left to be closed by the
  // target: inspector.close() while one of them is still closing crashed Node.js 20
  // targets (SIGSEGV in the inspector thread, WsHandler::OnCloseFrameWritten), about one
  // round in 40 of ten commands at once under load. Where the socket tables cannot be
  // read (not Linux), or the wait runs out (a debugger of the user's stays connected),
  // it closes as before.
  // When it closes, no answer comes (releaseInspector says why): the target hangs up.
  const release = (mayClose: boolean) =>
    Promise.race([
      session
        .send(
          'Runtime.evaluate',
          { expression: `(${releaseInspector.toString()})(${LOAD_BUILTIN}, ${KEY}, ${process.pid}, ${scheduleClose.toString()}, ${mayClose})\n${SOURCE_URL}`, includeCommandLineAPI: true, silent: true, returnByValue: true, awaitPromise: true, timeout: 1000 },
          { timeoutMs: waitMs },
        )
        .catch(() => undefined),
      hungUp.then(() => 'hung up' as const),
    ]);
  // Alone from the start, it closes at once; after others left, it asks the socket table.
  const othersUntil = Date.now() + waitMs;
  let released = await release(false);
  while (released !== 'hung up' && released?.result.value === 'wait') {
    // our own connection is one of them
    const connections = pid === undefined ? undefined : await serverConnections(pid, port);
    const othersClosing = connections !== undefined && connections > 1 && Date.now() < othersUntil;
    if (othersClosing) {
      await sleep(2);
      continue;
    }
    if (Date.now() >= othersUntil) log(`other connections to ${host}:${port} were still open after ${waitMs} ms`);
    released = await release(true);
  }
  if (released !== 'hung up' && released?.result.value === 'shared') {
    log('the inspector is still used by another probing command: left open for it');
    await session.close();
    return {};
  }
  // no answer: it hung up, or the send gave up after waitMs (the hang-up may trail it);
  // an answer other than 'shared' (the target's own Promise in the way): wait for the hang-up
  const closed = released === 'hung up' || (await hangUpWithin(hungUp, released === undefined ? 250 : waitMs));
  log(closed ? 'the target hung up' : 'the target did not hang up');
  if (!closed) {
    await session.send('Runtime.evaluate', { expression: `(${cancelClose.toString()})(${KEY})\n${SOURCE_URL}`, silent: true, timeout: 1000 }, { timeoutMs: 1500 }).catch(() => {});
    await session.close();
    return {
      leftOpen: `the target did not return to its event loop within ${waitMs} ms, so its inspector stays open on ${host}:${port}; the next probing command against it closes it`,
    };
  }
  for (let i = 0; i < 200; i++) {
    if (!(await isListening(host, port, 100))) {
      log('inspector closed');
      // its record, unless another command has opened one since and written that down
      if (pid !== undefined) forgetInspector(pid, port);
      return {};
    }
    await sleep(5);
  }
  return { leftOpen: `the inspector on ${host}:${port} still accepts connections after it was closed` };
}
