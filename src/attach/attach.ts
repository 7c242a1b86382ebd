/**
 * Attaching: turn a target (pid, host:port, ws:// URL) into a live, identity-checked
 * session, and detach again leaving the target as we found it.
 */
import { AttachError, ProbingError } from '../errors.js';
import { debug } from '../debug.js';
import { inspectorTargets, isListening } from './inspector-http.js';
import { openInspector, type OpenedInspector } from './open-inspector.js';
import { Session } from './session.js';
import { describeTarget, type TargetSpec } from './target-spec.js';
import { connectWebSocket } from './transport.js';
import { CLOSE_INSPECTOR, IDENTIFY } from '../target/snippets.js';

const log = debug('attach');

export interface AttachOptions {
  /** Limit for each evaluation and protocol call, in ms. */
  timeoutMs: number;
  /** Limit for the inspector to appear after SIGUSR1, in ms. */
  attachTimeoutMs: number;
}

export interface TargetIdentity {
  pid: number;
  nodeVersion: string;
  title: string;
  argv: string[];
}

export interface Attachment {
  readonly session: Session;
  readonly target: TargetIdentity;
  /** The inspector address we are connected to. */
  readonly address: string;
  /** True when probing opened the inspector and will close it on detach. */
  readonly openedByUs: boolean;
  /** Closes what we opened; safe to call more than once. */
  detach(): Promise<void>;
}

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

async function identify(session: Session, timeoutMs: number): Promise<TargetIdentity> {
  const { result, exceptionDetails } = await session.send(
    'Runtime.evaluate',
    { expression: IDENTIFY, returnByValue: true, timeout: timeoutMs, silent: true },
    { timeoutMs: timeoutMs + 500 },
  );
  if (exceptionDetails || typeof result.value !== 'object' || result.value === null) {
    throw new AttachError('IDENTIFY_FAILED', 'the target did not say who it is (process.pid failed)', {
      hint: 'the inspector may belong to a browser or to something that is not Node.js',
    });
  }
  return result.value as TargetIdentity;
}

/** Connects to a target and checks that it is the process we were pointed at. */
export async function attach(spec: TargetSpec, options: AttachOptions): Promise<Attachment> {
  let opened: OpenedInspector | undefined;
  let url: string;
  if (spec.kind === 'pid') {
    opened = await openInspector(spec.pid, { attachTimeoutMs: options.attachTimeoutMs });
    url = await webSocketUrl(opened.host, opened.port, describeTarget(spec)).catch((error: unknown) => {
      opened?.lock?.release();
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
    if (opened) await closeOpenedInspector(undefined, opened, url);
    throw error;
  }

  let target: TargetIdentity;
  try {
    target = await identify(session, options.timeoutMs);
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
    if (opened) await closeOpenedInspector(session, opened, url);
    else await session.close();
    throw error;
  }
  log('attached to', target.pid, 'at', url);

  let detached: Promise<void> | undefined;
  const address = new URL(url).host;
  return {
    session,
    target,
    address,
    openedByUs: opened?.openedByUs ?? false,
    detach() {
      detached ??= (async () => {
        await session.send('Runtime.releaseObjectGroup', { objectGroup: 'probing' }, { timeoutMs: 500 }).catch(() => {});
        if (opened?.openedByUs) await closeOpenedInspector(session, opened, url);
        else await session.close();
      })();
      return detached;
    },
  };
}

/**
 * Closes an inspector we opened. inspector.close() blocks the target's event loop
 * until every connection is gone and then drops them from the target's side, so we
 * fire it without waiting for an answer and wait for the target to hang up.
 */
async function closeOpenedInspector(session: Session | undefined, opened: OpenedInspector, url: string): Promise<void> {
  try {
    if (!opened.openedByUs) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      let current = session;
      if (!current || current.closed) {
        if (!(await isListening(opened.host, opened.port))) return;
        current = new Session(await connectWebSocket(url), 1000);
      }
      session = undefined;
      await closeFromInside(current);
      for (let i = 0; i < 40; i++) {
        if (!(await isListening(opened.host, opened.port, 100))) return;
        await sleep(10);
      }
      log('inspector still open after close, retrying');
    }
    throw new ProbingError('CLOSE_FAILED', `could not close the inspector probing opened at ${opened.host}:${opened.port}`, {
      hint: `close it by hand: probing ${opened.facts.pid} eval "require('inspector').close()"`,
    });
  } finally {
    opened.lock?.release();
  }
}

async function closeFromInside(session: Session): Promise<void> {
  const hungUp = session.whenClosed();
  session.fire('Runtime.evaluate', { expression: CLOSE_INSPECTOR, includeCommandLineAPI: true, silent: true });
  await Promise.race([hungUp, sleep(1000)]);
  await session.close();
}
