/**
 * The way in with no signal and no port: the probing agent's Unix domain socket
 * (src/agent). One connection is one inspector session in the target, carried as
 * newline-delimited JSON protocol messages. A socket that is not the user's own,
 * or sits in a directory open to others, is never used.
 */
import { connect, Socket } from 'node:net';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentSocketPath } from './agent-path.js';
import { ProtocolError } from '../errors.js';
import { readEnviron, readStatus } from './procfs.js';
import { processExists } from './processes.js';
import type { Transport } from './transport.js';

/** A protocol transport over the agent's socket. */
function socketTransport(socket: Socket): Transport {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const eventListeners = new Map<string, Set<(params: unknown) => void>>();
  const closeListeners: Array<() => void> = [];
  let closed = false;
  const fireClose = () => {
    if (closed) return;
    closed = true;
    for (const p of pending.values()) p.reject(new ProtocolError('AGENT_CLOSED', 'the agent closed the connection'));
    pending.clear();
    for (const l of closeListeners) l();
  };
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const message = JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(Object.assign(new Error(message.error.message), { response: message.error }));
        else p?.resolve(message.result);
      } else if (message.method) for (const l of eventListeners.get(message.method) ?? []) l(message.params);
    }
  });
  socket.on('close', fireClose);
  socket.on('error', () => socket.destroy());
  return {
    send(method, params) {
      if (closed) return Promise.reject(new ProtocolError('AGENT_CLOSED', 'the connection to the agent is closed'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.write(JSON.stringify({ id, method, params: params ?? {} }) + '\n');
      });
    },
    onClose: (listener) => void closeListeners.push(listener),
    onEvent(method, listener) {
      if (!eventListeners.has(method)) eventListeners.set(method, new Set());
      eventListeners.get(method)!.add(listener);
      return () => void eventListeners.get(method)?.delete(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        socket.once('close', () => resolve());
        socket.end();
      }),
  };
}

/** Where the agent of `pid` would listen, and the user the socket must belong to. */
export interface AgentLocation {
  path: string;
  /** The target's user (the socket's owner), when known. */
  owner: number | null;
}

/**
 * The target's socket path, computed from its own environment and user where this
 * platform lets us read them (Linux /proc: the same user, or root), so that a service
 * started without XDG_RUNTIME_DIR, or root probing another user's process, still finds
 * its agent; else from ours.
 */
export async function locateAgent(pid: number): Promise<AgentLocation> {
  const own = typeof process.getuid === 'function' ? process.getuid() : null;
  if (process.platform === 'linux') {
    const [status, environ] = await Promise.all([readStatus(pid), readEnviron(pid)]);
    if (status?.uid !== undefined && environ) return { path: agentSocketPath(pid, environ, status.uid), owner: status.uid };
  }
  return { path: agentSocketPath(pid), owner: own };
}

/**
 * Why a socket must not be used, or undefined when it may: it must be a socket owned by
 * the target's user, in a directory of that user with no group or other bits — and
 * that user must be us (or we are root).
 */
export async function unsafeSocket(location: AgentLocation): Promise<string | undefined> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  const uid = process.getuid();
  const owner = location.owner ?? uid;
  const { path } = location;
  if (uid !== 0 && owner !== uid) return `${path} belongs to uid ${owner}, not to you`;
  const [socket, dir] = await Promise.all([lstat(path), lstat(dirname(path))]);
  if (!socket.isSocket()) return `${path} is not a socket`;
  if (socket.uid !== owner) return `${path} belongs to uid ${socket.uid}, not to the target's user (uid ${owner})`;
  if (!dir.isDirectory() || dir.uid !== owner || (dir.mode & 0o077) !== 0) {
    return `${dirname(path)} is not a directory that only the target's user (uid ${owner}) can open (owner uid ${dir.uid}, mode ${(dir.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/** What connectAgent found: a connection, or why the agent was not used. */
export type AgentConnection =
  | { transport: Transport; path: string; refused?: undefined }
  | { transport?: undefined; path: string; refused?: string };

/**
 * Connects to the agent of `pid`. Without a connection it says why when the reason is
 * worth telling (`refused`: a socket that is not safe to use) and stays quiet when the
 * process simply has no agent (no socket, or a stale one of a process that has gone,
 * which is removed).
 */
export async function connectAgent(pid: number): Promise<AgentConnection> {
  const location = await locateAgent(pid);
  const { path } = location;
  if (process.platform !== 'win32') {
    try {
      await lstat(path);
    } catch {
      return { path };
    }
    const refused = await unsafeSocket(location).catch((error: Error) => error.message);
    if (refused) return { path, refused };
  }
  const socket = await new Promise<Socket | NodeJS.ErrnoException>((resolve) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', (error) => resolve(error));
  });
  if (!(socket instanceof Socket)) {
    // Nobody listens: left by a process that was killed (no exit listener ran), whether
    // or not its pid has been reused since. A live agent listens from the moment its
    // socket exists (it binds under another name and renames the socket into place once
    // it listens; one loaded by an earlier build of probing binds in place, and a check in the
    // moment between its bind and listen removes its socket), and `agent remove` deletes it.
    if (process.platform !== 'win32' && (socket.code === 'ECONNREFUSED' || !alive(pid))) await unlink(path).catch(() => {});
    return { path };
  }
  return { transport: socketTransport(socket), path };
}

/** Whether something listens on the Unix socket at `path` (the connection is closed at once). */
export function socketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Removes the sockets in our own agent directory whose process has gone (killed by a
 * signal, so its exit listener never ran). Answers how many were removed.
 */
export async function sweepStaleSockets(): Promise<number> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return 0;
  const dir = dirname(agentSocketPath(0));
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    // a socket, or one an agent bound and had not yet renamed into place when it was killed
    const pid = /^(\d+)\.(?:sock|new)$/.exec(name)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    const path = join(dir, name);
    const stat = await lstat(path).catch(() => undefined);
    if (!stat?.isSocket() || stat.uid !== process.getuid()) continue;
    if (await unlink(path).then(() => true, () => false)) removed++;
  }
  return removed;
}

const alive = (pid: number): boolean => processExists(pid) !== 'missing';
