import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { soonAfter } from '../helpers/limits.js';
import { listeningPorts, probing, startTarget, type Target } from '../helpers/targets.js';

describe('probing <pid> eval', () => {
  let target: Target;
  let before: number[];
  const evalIn = (code: string, ...options: string[]) => probing([String(target.pid), 'eval', code, ...options]);


  async function start(name = 'server.cjs') {
    target = await startTarget(name);
    before = await listeningPorts(target.pid);
  }

  it('prints values as util.inspect would, and JSON with --json', async () => {
    await start();
    const inspected = await evalIn('state.items');
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toBe("Map(2) { 'a' => 1, 'b' => 2 }\n");
    const json = await evalIn('({ n: 1, big: 2n ** 64n, when: new Date(0), items: state.items, nothing: undefined })', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ n: 1, big: '18446744073709551616', when: '1970-01-01T00:00:00.000Z', items: { a: 1, b: 2 } });
    const undef = await evalIn('undefined');
    expect(undef.stdout).toBe('undefined\n');
    await expectLeftAsFound(target, before);
  });

  it('supports top-level await, awaits returned promises, and keeps declarations local', async () => {
    await start('server.mjs');
    const awaited = await evalIn("const t = await new Promise((r) => setTimeout(() => r(21), 20)); t * 2");
    expect(awaited.stdout.trim()).toBe('42');
    expect((await evalIn('Promise.resolve("done")')).stdout.trim()).toBe("'done'");
    expect((await evalIn("await 0; require('node:path').sep")).stdout.trim()).toBe("'/'");
    expect((await evalIn('typeof t')).stdout.trim()).toBe("'undefined'");
    expect((await evalIn('{ a: 1 }')).stdout.trim()).toBe('{ a: 1 }');
    await expectLeftAsFound(target, before);
  });

  it("prints the target's exception and stack and exits 1", async () => {
    await start();
    const result = await evalIn('function deep() { throw new RangeError("too far") }\ndeep()');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the code threw RangeError: too far');
    expect(result.stderr).toMatch(/at deep/);
    const rejected = await evalIn('Promise.reject(new Error("nope"))');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('the code threw Error: nope');
    const rejectedAfterAwait = await evalIn('await 1; Promise.reject(new Error("later"))');
    expect(rejectedAfterAwait.code).toBe(1);
    expect(rejectedAfterAwait.stderr).toContain('Error: later');
    // code that does not parse is refused here, before the target is touched
    const syntax = await evalIn('foo(');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain('the code is not valid JavaScript: Unexpected token (1:4)');
    expect(syntax.stderr).toContain('nothing was sent to the target');
    // a rejected promise must not become an unhandled rejection that kills the target
    await expectLeftAsFound(target, before);
  });

  it('gives up on a promise that never settles, within --timeout, and leaves the target serving', async () => {
    await start();
    // what the same command takes when the code settles at once, on this machine now
    let started = Date.now();
    expect((await evalIn('1')).code).toBe(0);
    const baseline = Date.now() - started;
    started = Date.now();
    const result = await evalIn('new Promise(() => {})', '--timeout', '500');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('did not finish within 500 ms');
    expect(result.stderr).toContain('--timeout');
    expect(Date.now() - started).toBeLessThan(soonAfter(500, baseline));
    await expectLeftAsFound(target, before);
  });

  it('stops an infinite loop in the target after --timeout; the target keeps serving', async () => {
    await start();
    const result = await evalIn('while (true) {}', '--timeout', '300');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('ran for longer than 300 ms and was stopped; the target keeps running');
    await expectLeftAsFound(target, before);
    expect((await evalIn('state.name')).stdout.trim()).toBe("'cjs-fixture'");
  });

  it('bounds what comes back with --max-bytes', async () => {
    await start();
    const result = await evalIn("'x'.repeat(100000)", '--max-bytes', '1k');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeLessThanOrEqual(1025);
    // the real size of what was cut, not of the shortened text
    expect(result.stderr).toContain("output cut at 1024 characters of the string's 100000");
    const json = await evalIn('Array.from({ length: 100000 }, (_, i) => ({ i }))', '--json', '--max-bytes', '4k');
    expect(json.code).toBe(0);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    expect(json.stdout.length).toBeLessThan(16 * 1024);
    expect(json.stderr).toContain('output cut at 4096 characters');
    await expectLeftAsFound(target, before);
  });

  it('survives hostile values: throwing getters, cycles, proxies', async () => {
    await start();
    const code = `const o = { get bad() { throw new Error('getter') }, ok: 1 }; o.self = o; o.proxy = new Proxy({}, { get() { throw new Error('trap') }, ownKeys() { throw new Error('keys') } }); o`;
    const inspected = await evalIn(code);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain('ok: 1');
    expect(inspected.stdout).toContain('[Circular');
    const json = await evalIn(`const o = { get bad() { throw new Error('getter') }, ok: 1 }; o.self = o; o`, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ bad: '[Getter threw: getter]', ok: 1, self: '[Circular]' });
    await expectLeftAsFound(target, before);
  });
});
