/**
 * probing/agent: loaded into a process (`node --require probing/agent app.js`, or
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
import { socketPath } from './paths.cjs';

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

// The stall watchdog (runtime option stalls.threshold): the main thread writes Date.now()
// into beat[0] every \`interval\` ms; read here each interval. A beat late by the threshold
// is a stall: the main thread's stack is taken at once through a session of our own (V8
// interrupts reach a spinning thread), again at twice the threshold, and the stall is
// posted to the main thread when its beat comes back.
const { parentPort } = require('node:worker_threads');
// frames as V8 gives them, without the application's formatter; the evaluation's own frame
// (no file) and the stack limit put back as found; what the HTTP sampler says is being handled
const CAPTURE = \`(() => { const E = Error; const limit = E.stackTraceLimit; const prepare = E.prepareStackTrace; let frames = []; try { E.stackTraceLimit = 64; E.prepareStackTrace = (_, sites) => sites.map((c) => ({ function: c.getFunctionName() || (c.getTypeName() && c.getMethodName() ? c.getTypeName() + '.' + c.getMethodName() : '<anonymous>'), file: c.getFileName() || null, line: c.getLineNumber(), column: c.getColumnNumber() })); frames = new E().stack.filter((f) => f.file !== null && !String(f.file).startsWith('probing://')); } catch {} finally { E.stackTraceLimit = limit; E.prepareStackTrace = prepare; } let request = null; try { const r = globalThis[Symbol.for('probing.runtime')]?.state?.get('http.current'); if (r) request = String(r.method) + ' ' + String(r.url); } catch {} return { frames, request }; })()\`;
/**
 * Watches one thread's beat; take(into) asks for its stack, report(row) sends a stall.
 * Returns what stops it.
 */
function watch({ threshold, interval, beat }, take, report, thread) {
  let stall;
  const timer = setInterval(() => {
    const now = Date.now();
    const last = beat[0];
    if (stall && last !== stall.from) {
      // the loop came back: the stall lasted from its last beat to this one
      const first = stall.first || { frames: [], request: null };
      const top = first.frames[0] || {};
      report({
        ts: stall.from, duration_ms: last - stall.from, top_function: top.function ?? null, file: top.file ?? null, line: top.line ?? null,
        stack: first.frames, stack_later: stall.later ? stall.later.frames : null, request: first.request, thread,
        stack_after_ms: stall.takenAt === undefined ? null : stall.takenAt - stall.from,
      });
      stall = undefined;
    }
    const late = now - last - interval;
    if (!stall && late >= threshold) {
      stall = { from: last };
      const current = stall;
      take((value) => {
        current.first = value;
        current.takenAt = Date.now();
      });
    } else if (stall && !stall.asked && late >= 2 * threshold) {
      stall.asked = true;
      const current = stall;
      take((value) => (current.later = value));
    }
  }, interval);
  return () => clearInterval(timer);
}
const evaluateCapture = (post) => (into) => {
  try {
    post({ expression: CAPTURE, returnByValue: true, silent: true, timeout: 1000 }, (value) => value && into(value));
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

server.listen(workerData.path, () => {
  if (process.platform !== 'win32') try { fs.chmodSync(workerData.path, 0o600); } catch {}
});
// (the server keeps the worker's own loop alive; the Worker is unref'd, so the process is not kept)
`;

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
  if (process.platform !== 'win32') {
    if (!ownDirectory(dirname(path))) return;
    // a socket left by an earlier process with this pid
    try {
      unlinkSync(path);
    } catch {}
  }
  // a worker thread's runtime (started after this) can see that the agent is here
  try {
    (require('node:worker_threads') as { setEnvironmentData?(key: string, value: unknown): void }).setEnvironmentData?.('probing.agent', path);
  } catch {}
  // named, so that probing's lists of the process's workers can leave it out
  const worker = new Worker(WORKER, { eval: true, name: AGENT_WORKER_NAME, workerData: { path }, execArgv: [], stdout: true, stderr: true });
  worker.unref();
  worker.on('error', () => {});
  const removeSocket = () => {
    if (process.platform === 'win32') return;
    try {
      unlinkSync(path);
    } catch {}
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
  // PROBING_STALLS=100ms: the stall watchdog on from the start (it writes into probing/runtime's runtime.stalls)
  const stalls = process.env.PROBING_STALLS;
  if (stalls) {
    try {
      (require('../runtime/index.cjs') as { configure(key: string, value: unknown): unknown }).configure('stalls.threshold', stalls);
    } catch {}
  }
}

start();

export { socketPath };
