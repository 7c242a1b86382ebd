import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLock, tryLock } from '../../src/attach/port-lock.js';

describe('tryLock', () => {
  const port = 40000 + (process.pid % 20000);

  it('gives the lock to one holder at a time and names the holder', () => {
    const first = tryLock('127.0.0.1', port, 111);
    expect(isLock(first)).toBe(true);
    const second = tryLock('127.0.0.1', port, 222);
    expect(second).toEqual({ pid: process.pid, target: 111 });
    if (isLock(first)) first.release();
    const third = tryLock('127.0.0.1', port, 333);
    expect(isLock(third)).toBe(true);
    if (isLock(third)) third.release();
  });

  it('clears a lock whose probing process is gone', () => {
    writeFileSync(join(tmpdir(), 'probing-locks', `127.0.0.1-${port}.lock`), '4194000 123\n');
    const lock = tryLock('127.0.0.1', port, 444);
    expect(isLock(lock)).toBe(true);
    if (isLock(lock)) lock.release();
  });
});
