/**
 * The way in with no signal and no port: the probing agent's Unix domain socket
 * (src/agent). One connection is one inspector session in the target, carried as
 * newline-delimited JSON protocol messages. A socket that is not the user's own,
 * or sits in a directory open to others, is never used.
 */
import { connect, type Socket } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { agentSocketPath } from './agent-path.js';
import { AttachError, ProtocolError } from '../errors.js';
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

/** Refuses a socket or directory that another user could have placed or could reach. */
async function checkOwnership(path: string): Promise<void> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const [socket, dir] = await Promise.all([lstat(path), lstat(dirname(path))]);
  if (!socket.isSocket() || socket.uid !== uid || dir.uid !== uid || (dir.mode & 0o077) !== 0) {
    throw new AttachError('AGENT_SOCKET_UNSAFE', `${path} is not a socket of yours in a directory only you can open; probing does not use it`, {
      hint: `remove it (and check who created ${dirname(path)}); the target's agent makes a new one when it restarts`,
    });
  }
}

/**
 * Connects to the agent of `pid`, or answers undefined when the process has none
 * (no socket, or a stale one of a process that has gone, which is removed).
 */
export async function connectAgent(pid: number): Promise<{ transport: Transport; path: string } | undefined> {
  const path = agentSocketPath(pid);
  if (process.platform !== 'win32') {
    try {
      await lstat(path);
    } catch {
      return undefined;
    }
    await checkOwnership(path);
  }
  const socket = await new Promise<Socket | undefined>((resolve) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(undefined));
  });
  if (!socket) {
    // nobody listens: the process is gone, or its agent stopped
    if (process.platform !== 'win32' && !alive(pid)) await unlink(path).catch(() => {});
    return undefined;
  }
  return { transport: socketTransport(socket), path };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
