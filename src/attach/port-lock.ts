/**
 * A host-wide lock on an inspector port. SIGUSR1 makes every Node.js process open
 * the same configured port (usually 9229); two probing commands that opened two
 * targets at once would make the second target fail to listen. Whoever opens a
 * target's inspector on a fixed port holds this lock until that port is closed
 * again; the second command waits instead of failing.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExists } from './processes.js';

export interface PortLock {
  release(): void;
}

export interface LockHolder {
  pid: number;
  target: number;
}

function lockPath(host: string, port: number): string {
  const dir = join(tmpdir(), 'probing-locks');
  mkdirSync(dir, { recursive: true, mode: 0o1777 });
  return join(dir, `${host.replace(/[^A-Za-z0-9.]/g, '_')}-${port}.lock`);
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const [pid, target] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return pid ? { pid, target: target ?? 0 } : undefined;
  } catch {
    return undefined;
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
  const draft = `${path}.${process.pid}`;
  try {
    writeFileSync(draft, `${process.pid} ${targetPid}\n`, { mode: 0o644 });
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
