import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { fixtures, listeningPorts, probing, startTarget } from '../helpers/targets.js';

const script = (name: string) => `${fixtures}scripts/${name}`;

describe('probing <pid> inject', () => {
  it('loads a script CommonJS-style into an ESM target; its timer keeps running after probing leaves', async () => {
    const target = await startTarget('server.mjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'inject', script('hook.cjs')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("label: 'from helper-module'");
    expect(result.stdout).toContain("file: 'hook.cjs'");
    expect(result.stdout).toContain("hasRequire: 'function'");
    await expectLeftAsFound(target, before);
    await new Promise((r) => setTimeout(r, 150));
    const ticks = await probing([String(target.pid), 'eval', 'globalThis.hookTicks']);
    expect(Number(ticks.stdout)).toBeGreaterThan(0);
  });

  it('prints module.exports as JSON, and awaits an exported promise', async () => {
    const target = await startTarget('server.cjs');
    const result = await probing([String(target.pid), 'inject', script('exports-promise.cjs'), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ settled: 'after 30 ms' });
    // a promise that rejects before probing asks for it is reported, and is no unhandled rejection in the target
    const before = await listeningPorts(target.pid);
    const rejected = await probing([String(target.pid), 'inject', script('exports-rejection.cjs')]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('rejected later');
    await expectLeftAsFound(target, before);
  });

  it("reports a syntax error with the script's line; nothing runs and the target keeps serving", async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'inject', script('syntax-error.cjs')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/syntax-error\.cjs:4: SyntaxError: Unexpected identifier/);
    expect(result.stderr).toContain('nothing of the script ran');
    expect(result.stderr).not.toContain('node:internal');
    await expectLeftAsFound(target, before);
  });

  it("reports a throw with the script's line; what ran before it stays", async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'inject', script('throws.cjs')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('throws.cjs:3: Error: boom at 42');
    await expectLeftAsFound(target, before);
    expect((await probing([String(target.pid), 'eval', 'globalThis.beforeThrow'])).stdout.trim()).toBe('true');
  });

  it('says plainly that ES module syntax is not supported', async () => {
    const target = await startTarget('server.cjs');
    const result = await probing([String(target.pid), 'inject', script('esm-syntax.js')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('esm-syntax.js:1: ES module syntax is not supported by inject');
    expect(result.stderr).toContain('require(');
  });

  it('stops top-level code that runs past --timeout', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'inject', script('loops.cjs'), '--timeout', '300']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('ran for longer than 300 ms and was stopped');
    await expectLeftAsFound(target, before);
  });

  it('refuses a missing file or a .mjs file before attaching', async () => {
    const target = await startTarget('server.cjs');
    const missing = await probing([String(target.pid), 'inject', script('nope.js')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const mjs = await probing([String(target.pid), 'inject', `${fixtures}targets/server.mjs`]);
    expect(mjs.code).toBe(2);
    expect(mjs.stderr).toContain('not .mjs files');
    expect(target.stderr()).not.toContain('Debugger listening');
  });
});
