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
    process.off('exit', removeSocket);
    removeSocket();
    delete registry[STARTED];
    return worker.terminate().then(() => true);
  };
  registry[STARTED] = { path, worker, stop, version: 1 };
}

start();

export { socketPath };
