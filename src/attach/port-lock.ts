/**
 * A host-wide lock on an inspector port. SIGUSR1 makes every Node.js process open
 * the same configured port (usually 9229); two probing commands that opened two
 * targets at once would make the second target fail to listen. Whoever opens a
 * target's inspector on a fixed port holds this lock until that port is closed
 * again; the second command waits instead of failing.
 */
import { chmodSync, closeSync, constants, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { processExists } from './processes.js';
import { ownDirectory } from './agent-path.js';

export interface PortLock {
  release(): void;
}

export interface LockHolder {
  pid: number;
  target: number;
}

/** O_NOFOLLOW where the platform has it: a symbolic link planted at a lock's name is never followed. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The shared lock directory, `<tmpdir>/probing-locks`, when it is safe: a real directory
 * (not a link), owned by root or by us, and — being writable by everyone so that users
 * coordinate — sticky, so nobody can remove or replace another's files. We create it
 * 1777 whatever the umask. Anything else (another user made it first, or loosened it):
 * our own 0700 probing directory, with no coordination across users, rather than a
 * directory someone else controls.
 */
function lockDirectory(): string {
  const shared = join(tmpdir(), 'probing-locks');
  try {
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777);
  } catch {
    // there already, or not ours to make
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid === undefined) return shared;
  try {
    let stat = lstatSync(shared);
    // ours, but made under a umask (1755 when root made it): other users could not take locks in it
    if (stat.isDirectory() && stat.uid === uid && (stat.mode & 0o7777) !== 0o1777) {
      chmodSync(shared, 0o1777);
      stat = lstatSync(shared);
    }
    const worldWritable = (stat.mode & 0o002) !== 0;
    if (stat.isDirectory() && (stat.uid === 0 || stat.uid === uid) && (!worldWritable || (stat.mode & 0o1000) !== 0)) return shared;
  } catch {
    // fall through to our own
  }
  const own = ownDirectory();
  if (!own) throw new Error('no directory only we can open');
  return own;
}

function lockPath(host: string, port: number): string {
  return join(lockDirectory(), `${host.replace(/[^A-Za-z0-9.]/g, '_')}-${port}.lock`);
}

function readHolder(path: string): LockHolder | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
    const [pid, target] = readFileSync(fd, 'utf8').trim().split(/\s+/).map(Number);
    return pid ? { pid, target: target ?? 0 } : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Tries once; returns the lock, or who holds it. A holder that no longer exists is cleared. */
export function tryLock(host: string, port: number, targetPid: number): PortLock | LockHolder {
  let path: string;
  try {
    path = lockPath(host, port);
  } catch {
    // No shared temp directory we may write to: go on without coordination.
    return { release() {} };
  }
  // The lock file appears complete or not at all: written aside, then hard-linked into
  // place (link fails if the name exists). Created empty and written after, a reader
  // could take the empty file for a stale lock and break it.
  // Created exclusively and without following links, under a name nobody can guess: a
  // file or link someone placed there first makes this fail instead of writing through it.
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(draft, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NOFOLLOW, 0o644);
    try {
      writeSync(fd, `${process.pid} ${targetPid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch {
    return { release() {} };
  }
  try {
    return lockWith(draft, path);
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // already gone
    }
  }
}

function lockWith(draft: string, path: string): PortLock | LockHolder {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(draft, path);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readHolder(path)?.pid === process.pid) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (!holder || processExists(holder.pid) !== 'missing') return holder ?? { pid: 0, target: 0 };
      // stale: its probing process is gone (killed before it could clean up)
      try {
        if (readHolder(path)?.pid === holder.pid) unlinkSync(path);
      } catch {
        // someone else cleared it
      }
    }
  }
  return readHolder(path) ?? { pid: 0, target: 0 };
}

export function isLock(value: PortLock | LockHolder): value is PortLock {
  return 'release' in value;
}
