import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLock, tryLock } from '../../src/attach/port-lock.js';
// imported up front: it registers the hook that kills the targets a test started
import { probing, sharedPort, startTarget } from '../helpers/targets.js';

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

describe('the lock directory cannot be turned against the user', () => {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) console.log('skipped: the lock-directory attack needs root, to plant files as another user');

  it.skipIf(!root || process.platform !== 'linux')("another user's lock directory, with links planted at the lock's names, changes nothing of root's", async () => {
    const { chownSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, rmSync } = await import('node:fs');
    const attacker = 47900 + (process.pid % 50);
    const base = mkdtempSync(join(tmpdir(), 'probing-lockattack-'));
    chmodSync(base, 0o755);
    try {
      const victim = join(base, 'victim');
      writeFileSync(victim, 'root secret\n', { mode: 0o600 });
      const locks = join(base, 'probing-locks');
      mkdirSync(locks);
      chmodSync(locks, 0o777);
      chownSync(locks, attacker, attacker);
      // the lock's own name, and drafts under every name the old code would have used
      // (the target's port is fixed, as 9229 is by default: only a fixed port is locked)
      symlinkSync(victim, join(locks, `127.0.0.1-${sharedPort}.lock`));
      for (let pid = 1; pid < 400; pid++) symlinkSync(victim, join(locks, `127.0.0.1-${sharedPort}.lock.${pid}`));
      const target = await startTarget('server.cjs', { sharedPort: true });
      const result = await probing([String(target.pid), 'eval', '40 + 2'], { env: { TMPDIR: base } });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('42');
      expect(readFileSync(victim, 'utf8')).toBe('root secret\n');
      expect(statSync(victim).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform === 'win32')('a shared directory of ours made under a umask is opened to other users, sticky', () => {
    const lock = tryLock('127.0.0.1', 40000 + (process.pid % 20000) + 1, 1);
    if (isLock(lock)) lock.release();
    const { lstatSync } = require('node:fs') as typeof import('node:fs');
    const stat = lstatSync(join(tmpdir(), 'probing-locks'));
    if (stat.uid === process.getuid!()) expect(stat.mode & 0o7777).toBe(0o1777);
  });
});
