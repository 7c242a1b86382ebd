/**
 * probing-node/agent: loaded into a process (`node --require probing-node/agent app.js`, or
 * `--import` for ES modules), it starts one worker thread that listens on a Unix
 * domain socket only its user can open and relays inspector protocol messages —
 * one session per connection — to the main thread through
 * `inspector.Session.connectToMainThread()`. No TCP port, no signal; a main thread
 * spinning in a loop still answers (the messages reach it through V8 interrupts).
 *
 * It never keeps the process alive (the worker is unref'd), never
 * writes to the process's stdout or stderr, and removes its socket when the
 * process exits. A directory that is not the user's own, or is open to others, is
 * not used: the agent then does not start.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { bindingPath, socketPath } from './paths.cjs';

const STARTED = Symbol.for('probing.agent');
const AGENT_WORKER_NAME = 'probing-agent';

/** The worker's code: a socket server relaying newline-delimited JSON protocol messages. */
const WORKER = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const inspector = require('node:inspector');
const fs = require('node:fs');
const MAX_MESSAGE = 16 * 1024 * 1024;
const server = net.createServer((socket) => {
  const write = (message) => { if (!socket.destroyed) socket.write(JSON.stringify(message) + '\\n'); };
  // the session opens with the first message: a connection that only checks the agent
  // is there (probing list, agent status) never touches the main thread
  let session;
  const open = () => {
    if (session) return session;
    session = new inspector.Session();
    session.connectToMainThread();
    session.on('inspectorNotification', (message) => write(message));
    return session;
  };
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffer += chunk;
    // garbage, oversized or endless messages: the connection ends, the target is untouched
    if (buffer.length > MAX_MESSAGE) return socket.destroy();
    let newline;
    while ((newline = buffer.indexOf('\\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let message;
      try { message = JSON.parse(line); } catch { return socket.destroy(); }
      if (!message || typeof message.id !== 'number' || typeof message.method !== 'string') return socket.destroy();
      try { open(); } catch { return socket.destroy(); }
      try {
        session.post(message.method, message.params || {}, (error, result) =>
          write(error ? { id: message.id, error: { message: String(error.message).replace(/^Inspector error -?\\d+: /, '') } } : { id: message.id, result }));
      } catch (error) {
        write({ id: message.id, error: { message: String(error && error.message) } });
      }
    }
  });
  // a connection that ends ends its session: what it enabled or started stops with it
  socket.on('close', () => { try { if (session) session.disconnect(); } catch {} });
  socket.on('error', () => socket.destroy());
});
server.on('error', () => {});

// The stall watchdog (runtime option stalls.threshold): the watched thread bumps a counter
// in beat[0] every \`interval\` ms; it is read here twice as often, and this thread's clock
// says when it moved. A beat late by the threshold is a stall: the thread's stack is
// taken at once through an inspector session (V8 interrupts reach a spinning thread), again
// at twice the threshold, and the stall is posted to the thread when its beat comes back.
const { parentPort } = require('node:worker_threads');
const CAPTURE = ${JSON.stringify(captureStack.toString())};
/**
 * Watches one thread's beat; take(count, into) asks for its stack, report(row) sends a
 * stall. Returns what stops it.
 */
function watch({ threshold, interval, beat }, take, report, thread) {
  let count = Atomics.load(beat, 0);
  // The beat moved between the check before the one that saw it move (\`before\`) and that
  // one (\`movedAt\`). A stall is seen from movedAt (never too early: no block shorter than
  // the threshold is taken for one) and recorded from before (never too short: its duration
  // covers the whole pause, plus at most the time between two checks).
  let checkedAt = Date.now();
  let before = checkedAt;
  let movedAt = checkedAt;
  let stall;
  const timer = setInterval(() => {
    const now = Date.now();
    const seen = Atomics.load(beat, 0);
    const previous = checkedAt;
    checkedAt = now;
    if (seen !== count) {
      count = seen;
      if (stall) {
        // the loop came back
        const first = stall.first || { frames: [], request: null };
        const top = first.frames[0] || {};
        report({
          ts: stall.from, duration_ms: now - stall.from, top_function: top.function ?? null, file: top.file ?? null, line: top.line ?? null,
          stack: first.frames, stack_later: stall.later && stall.later.frames.length > 0 ? stall.later.frames : null, request: first.request, thread,
          stack_after_ms: stall.takenAt === undefined ? null : stall.takenAt - stall.from,
        });
        stall = undefined;
      }
      before = previous;
      movedAt = now;
      return;
    }
    // the beat is due every interval: late by the threshold past that
    const late = now - movedAt - interval;
    if (!stall && late >= threshold) {
      stall = { from: before };
      const current = stall;
      take(count, (value) => {
        current.first = value;
        current.takenAt = Date.now();
      });
    } else if (stall && !stall.asked && late >= 2 * threshold) {
      stall.asked = true;
      const current = stall;
      take(count, (value) => (current.later = value));
    }
    // checked twice per beat: a move is seen within half a beat of it
  }, Math.max(5, Math.floor(interval / 2)));
  return () => clearInterval(timer);
}
// a stack that came back after the loop did is no stack of the stall's
const evaluateCapture = (post) => (count, into) => {
  try {
    post({ expression: '(' + CAPTURE + ')(' + count + ')', returnByValue: true, silent: true, timeout: 1000 }, (value) => value && into(value.late ? { frames: [], request: null } : value));
  } catch {}
};

// the main thread: its runtime asks through parentPort, a session of our own takes its stack
let mainWatch;
parentPort.on('message', (message) => {
  if (!message || message.type !== 'probing.stalls') return;
  if (mainWatch) mainWatch();
  mainWatch = undefined;
  if (!(message.threshold > 0)) return;
  // the session is opened when a stall is seen and closed when it ends: a process whose
  // loop never stalls has no inspector session of ours connected (it reaches a thread that
  // spins just the same: its messages are delivered by interrupts)
  let session;
  const take = evaluateCapture((params, done) => {
    if (!session) {
      session = new inspector.Session();
      session.connectToMainThread();
    }
    session.post('Runtime.evaluate', params, (error, answer) => done(!error && answer && answer.result ? answer.result.value : undefined));
  });
  const close = () => {
    try { if (session) session.disconnect(); } catch {}
    session = undefined;
  };
  const stop = watch(message, take, (row) => {
    close();
    parentPort.postMessage({ type: 'probing.stall', row });
  }, 'main');
  mainWatch = () => {
    stop();
    close();
  };
});

// a worker thread: its runtime asks on a BroadcastChannel (a worker cannot reach this
// thread otherwise); its stack is taken through the main thread's NodeWorker domain, which
// reaches a worker's inspector the same way, by interrupts
const workerWatches = new Map();
const channel = new BroadcastChannel('probing.stalls');
channel.onmessage = ({ data: message }) => {
  if (!message || message.type !== 'probing.stalls' || typeof message.threadId !== 'number') return;
  const { threadId } = message;
  const running = workerWatches.get(threadId);
  if (running) running();
  workerWatches.delete(threadId);
  if (!(message.threshold > 0)) return;
  const session = new inspector.Session();
  session.connectToMainThread();
  let workerSession;
  let nextId = 1;
  const pending = new Map();
  session.on('NodeWorker.attachedToWorker', ({ params }) => {
    const id = /^\\[worker (\\d+)\\]/.exec(params.workerInfo.title);
    if (id && Number(id[1]) === threadId) workerSession = params.sessionId;
  });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    if (params.sessionId !== workerSession) return;
    let answer;
    try { answer = JSON.parse(params.message); } catch { return; }
    const done = pending.get(answer.id);
    if (!done) return;
    pending.delete(answer.id);
    done(answer.result && answer.result.result ? answer.result.result.value : undefined);
  });
  try { session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }); } catch {}
  const take = evaluateCapture((params, done) => {
    if (!workerSession) return;
    const id = nextId++;
    pending.set(id, done);
    session.post('NodeWorker.sendMessageToWorker', { sessionId: workerSession, message: JSON.stringify({ id, method: 'Runtime.evaluate', params }) });
  });
  const stop = watch(message, take, (row) => channel.postMessage({ type: 'probing.stall', threadId, row }), 'w' + threadId);
  workerWatches.set(threadId, () => {
    stop();
    try { session.disconnect(); } catch {}
  });
};

// On Unix the socket is bound under another name and renamed into place once it listens:
// a bound socket refuses connections until listen() (the thread can be descheduled
// between the two on a loaded machine), and a probing command that meets a refusing
// socket takes it for one left by a killed process and removes it (connectAgent).
server.listen(workerData.binding, () => {
  if (process.platform === 'win32') return;
  try { fs.chmodSync(workerData.binding, 0o600); } catch {}
  try { fs.renameSync(workerData.binding, workerData.path); } catch {}
});
// (the server keeps the worker's own loop alive; the Worker is unref'd, so the process is not kept)
`;

interface StallFrame {
  function: string;
  file: string | null;
  line: number | null;
  column: number | null;
}

/**
 * Runs in the watched thread, from an inspector interrupt while its loop is blocked: the
 * stack as V8 gives it (the application's Error.prepareStackTrace not consulted, the stack
 * limit put back as found), and the HTTP request whose handler runs (sampler.http). Nothing
 * when the beat moved since the stall was seen (`expected`): the loop came back, and what
 * runs now is not what blocked it. Plain loops: the target's Array.prototype may be replaced.
 */
function captureStack(expected: number): { frames: StallFrame[]; request: string | null; late?: true } {
  const state = (globalThis as unknown as Record<symbol, { state?: Map<string, unknown> } | undefined>)[Symbol.for('probing.runtime')]?.state;
  let beat: Int32Array | undefined;
  try {
    beat = state?.get('stalls.beat') as Int32Array | undefined;
  } catch {}
  if (beat && beat[0] !== expected) return { frames: [], request: null, late: true };
  let ours = 0;
  const E = Error;
  const limit = E.stackTraceLimit;
  const prepare = E.prepareStackTrace;
  const frames: StallFrame[] = [];
  try {
    E.stackTraceLimit = 64;
    E.prepareStackTrace = (_error, sites) => sites;
    const sites = new E().stack as unknown as NodeJS.CallSite[];
    for (let i = 0; i < sites.length; i++) {
      const c = sites[i]!;
      const file = c.getFileName() || null;
      // this snippet's own frames (no file), and probing's named snippets
      if (file === null || String(file).startsWith('probing://')) continue;
      const name = c.getFunctionName() || (c.getTypeName() && c.getMethodName() ? `${c.getTypeName()}.${c.getMethodName()}` : '<anonymous>');
      frames[frames.length] = { function: name, file, line: c.getLineNumber(), column: c.getColumnNumber() };
      const entry = name === 'processTimers' || name === 'listOnTimeout' || name === 'processImmediate' || name === 'processTicksAndRejections' || name === 'runNextTicks';
      if (name === 'probingStallBeat' || (entry && String(file).startsWith('node:'))) ours++;
    }
  } catch {
  } finally {
    E.stackTraceLimit = limit;
    E.prepareStackTrace = prepare;
  }
  // Only the beat itself, or Node's entry into a timer or immediate, on the stack: the
  // interrupt came as the loop came back, before the beat moved (the stall had no
  // JavaScript to interrupt: native code, a long GC, the thread not scheduled).
  if (frames.length === ours) return { frames: [], request: null, late: true };
  let request: string | null = null;
  try {
    const current = state?.get('http.current');
    if (typeof current === 'function') request = (current as () => string | null)();
  } catch {}
  // how many stacks the watchdog took in this thread (a test's blocked code waits for the second)
  try {
    state?.set('stalls.stacks_taken', ((state.get('stalls.stacks_taken') as number | undefined) ?? 0) + 1);
  } catch {}
  return { frames, request };
}

/** The user's own directory, 0700; false when an existing one belongs to someone else or is open to others. */
function ownDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function start(): void {
  // --require and NODE_OPTIONS preload into worker threads too: the agent belongs to the main thread only
  if (!isMainThread) return;
  const registry = globalThis as unknown as Record<symbol, unknown>;
  if (registry[STARTED]) return;
  const path = socketPath(process.pid);
  // where the agent's thread binds before it renames the socket into place (see WORKER)
  const binding = process.platform === 'win32' ? path : bindingPath(path);
  if (process.platform !== 'win32') {
    if (!ownDirectory(dirname(path))) return;
    // sockets left by an earlier process with this pid
    for (const stale of [path, binding]) {
      try {
        unlinkSync(stale);
      } catch {}
    }
  }
  // a worker thread's runtime (started after this) can see that the agent is here
  try {
    (require('node:worker_threads') as { setEnvironmentData?(key: string, value: unknown): void }).setEnvironmentData?.('probing.agent', path);
  } catch {}
  // named, so that probing's lists of the process's workers can leave it out
  const worker = new Worker(WORKER, { eval: true, name: AGENT_WORKER_NAME, workerData: { path, binding }, execArgv: [], stdout: true, stderr: true });
  worker.unref();
  worker.on('error', () => {});
  const removeSocket = () => {
    if (process.platform === 'win32') return;
    // (and the name it is bound under, should the process end before the rename)
    for (const name of [path, binding]) {
      try {
        unlinkSync(name);
      } catch {}
    }
  };
  process.on('exit', removeSocket);
  // `probing <pid> agent remove`: the process as it was before the agent (no thread, no socket, no listener)
  const stop = () => {
    // the stall watchdog's beat lives in the main thread: it stops with the agent
    try {
      const runtime = (globalThis as unknown as Record<symbol, { state?: Map<string, unknown> } | undefined>)[Symbol.for('probing.runtime')];
      const module = runtime?.state?.get('module') as { configure?(key: string, value: unknown): unknown } | undefined;
      if ((runtime?.state?.get('samplers') as Map<string, unknown> | undefined)?.has('stalls')) module?.configure?.('stalls.threshold', 'off');
    } catch {}
    process.off('exit', removeSocket);
    removeSocket();
    delete registry[STARTED];
    return worker.terminate().then(() => true);
  };
  registry[STARTED] = { path, worker, stop, version: 1 };
  // PROBING_STALLS=100ms (or on, or 1: 100 ms): the stall watchdog on from the start (it
  // writes into probing/runtime's runtime.stalls)
  const stalls = process.env.PROBING_STALLS;
  if (stalls) {
    try {
      (require('../runtime/index.cjs') as { configure(key: string, value: unknown): unknown }).configure('stalls.threshold', stalls.trim() === '1' ? 'on' : stalls);
    } catch {}
  }
}

start();

export { socketPath };
