// The CLI's code cache (src/compile-cache.ts): written after a command that succeeded,
// used by the next run of that command, private to the user, never trusted blindly.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, cliEnv, startTarget } from '../helpers/targets.js';

const examples = fileURLToPath(new URL('../../examples/extensions/', import.meta.url));

function run(cache: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: cliEnv({ XDG_CACHE_HOME: cache, ...env }) });
}
const made: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'probing-cache-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const entries = (cache: string) => readdirSync(join(cache, 'probing')).sort();

describe('the compile cache', () => {
  it('is written by a command that succeeded, used by the next, rewritten when V8 rejects it, and holds the import() of ES module extensions', async () => {
    const target = await startTarget('server.cjs');
    const cache = tempDir();
    const evalArgs = [String(target.pid), 'eval', 'state.name', '--attach-timeout', '30000'];

    // a command that fails writes nothing
    const failed = run(cache, [String(target.pid), 'eval', 'nosuch.name', '--attach-timeout', '30000']);
    expect(failed.status).not.toBe(0);
    expect(() => entries(cache)).toThrow();

    // an entry of an earlier build of the bundle goes when this build writes its own; other files stay
    mkdirSync(join(cache, 'probing'), { mode: 0o700 });
    writeFileSync(join(cache, 'probing', 'cli.cjs-0123456789abcdef-1-1-v20.0.0-x64-eval.v8'), 'old', { mode: 0o600 });
    writeFileSync(join(cache, 'probing', 'notes.txt'), 'mine', { mode: 0o600 });
    const first = run(cache, evalArgs);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe("'cjs-fixture'");
    const written = entries(cache);
    expect(written).not.toContain('cli.cjs-0123456789abcdef-1-1-v20.0.0-x64-eval.v8');
    expect(written).toContain('notes.txt');
    expect(written.some((e) => /^cli\.cjs-[0-9a-f]{16}-\d+-\d+-v[\d.]+-\w+-eval\.v8$/.test(e))).toBe(true);
    // private: the directory is the user's alone, and so is each entry
    expect(statSync(join(cache, 'probing')).mode & 0o777).toBe(0o700);
    for (const e of written) expect(statSync(join(cache, 'probing', e)).mode & 0o777).toBe(0o600);

    // the next run uses the entries (and so leaves them as they were)
    const cli = join(cache, 'probing', written.find((e) => e.startsWith('cli.cjs-'))!);
    const before = readFileSync(cli);
    const second = run(cache, evalArgs);
    expect(second.stdout.trim()).toBe("'cjs-fixture'");
    expect(readFileSync(cli).equals(before)).toBe(true);

    // an entry V8 will not take (here: garbage) costs a compile, not a wrong answer, and is replaced
    writeFileSync(cli, Buffer.alloc(before.length, 7));
    const third = run(cache, evalArgs);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe("'cjs-fixture'");
    expect(readFileSync(cli).equals(Buffer.alloc(before.length, 7))).toBe(false);

    // an ES module extension is loaded with import() from code compiled out of the cache
    const query = [String(target.pid), 'query', 'SELECT name FROM app.globals', '-f', 'json', '--extension', `${examples}appinfo.mjs`, '--attach-timeout', '30000'];
    for (let i = 0; i < 2; i++) {
      const answer = run(cache, query);
      expect(answer.stderr).toBe('');
      expect(JSON.parse(answer.stdout)).toEqual([{ name: 'state' }]);
    }
    expect(entries(cache).some((e) => e.startsWith('cli.cjs-') && e.endsWith('-query.v8'))).toBe(true);
  });

  it('is off with PROBING_COMPILE_CACHE=0; a cache directory that cannot be made, or that others may write to, changes nothing but speed', () => {
    const cache = tempDir();
    const off = run(cache, ['tables'], { PROBING_COMPILE_CACHE: '0' });
    expect(off.status).toBe(0);
    expect(readdirSync(cache)).toEqual([]);
    // XDG_CACHE_HOME is a file: no directory can be made under it
    const file = join(cache, 'a-file');
    writeFileSync(file, '');
    const blocked = run(file, ['tables']);
    expect(blocked.status).toBe(0);
    expect(blocked.stderr).toBe('');
    expect(blocked.stdout).toContain('process.memory');
    // a cache directory others may write to is not used: its code would run as found
    const shared = tempDir();
    mkdirSync(join(shared, 'probing'));
    chmodSync(join(shared, 'probing'), 0o777);
    const refused = run(shared, ['tables']);
    expect(refused.status).toBe(0);
    expect(readdirSync(join(shared, 'probing'))).toEqual([]);
  });
});
