import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { prepareCode } from '../../src/run/prepare-code.js';

const nodeRequire = createRequire(import.meta.url);

/** What a script run through the inspector has in scope: `require` (built-ins real) and the target's globals. */
function context(): Record<string, unknown> {
  const require = (id: string) => (id.startsWith('node:') ? nodeRequire(id) : `required ${id}`);
  return { require, setTimeout, Promise, Error, process };
}

/** Evaluates prepared code the way the inspector would (a script with a `require` in scope, built-ins real). */
async function run(code: string): Promise<unknown> {
  const prepared = prepareCode(code);
  const value = runInNewContext(prepared.expression, context());
  return prepared.async ? await value : value;
}

describe('prepareCode', () => {
  it('returns the value of the last expression', async () => {
    expect(await run('1 + 1')).toBe(2);
    expect(await run('let x = 20; x + 22')).toBe(42);
    expect(await run('1 + 1 // a trailing comment')).toBe(2);
  });

  it('treats { … } as an object literal, as the REPL does', async () => {
    expect(await run('{ a: 1 }')).toEqual({ a: 1 });
    expect(await run('{ let a = 1; a + 1 }')).toBe(2);
  });

  it('turns code with top-level await into an async function that returns the last value', async () => {
    const prepared = prepareCode('const v = await Promise.resolve(40); v + 2');
    expect(prepared.async).toBe(true);
    expect(await run('const v = await Promise.resolve(40); v + 2')).toBe(42);
    expect(await run("await 0; require('x')")).toBe('required x');
  });

  it('keeps code without await synchronous', () => {
    expect(prepareCode('a.b.c').async).toBe(false);
    expect(prepareCode('"await" + 1').async).toBe(false);
  });

  it('marks a returned rejected promise as handled at once', async () => {
    let unhandled = 0;
    const onUnhandled = () => unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      // at once, and after an await (the code's async function rejects later, before the CLI's Runtime.awaitPromise may come)
      for (const code of ['Promise.reject(new Error("x"))', 'await 1; Promise.reject(new Error("x"))', 'await 1; throw new Error("x")']) {
        const prepared = prepareCode(code);
        const value = runInNewContext(prepared.expression, context()) as Promise<unknown>;
        await new Promise((r) => setTimeout(r, 20));
        expect(unhandled, code).toBe(0);
        await expect(value).rejects.toThrow('x');
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses code that does not parse, saying where', () => {
    expect(() => prepareCode('foo(')).toThrow(/not valid JavaScript: Unexpected token \(1:4\)/);
  });

  it('keeps var and function declarations local, like let and const', async () => {
    const scope = context();
    const prepared = prepareCode('var todos = [1]; function helper() { return 2 } todos.length + helper()');
    expect(runInNewContext(prepared.expression, scope)).toBe(3);
    expect(scope.todos).toBeUndefined();
    expect(scope.helper).toBeUndefined();
    const awaited = prepareCode('var late = await Promise.resolve(4); late');
    expect(await runInNewContext(awaited.expression, scope)).toBe(4);
    expect(scope.late).toBeUndefined();
  });

  it('gives import() a loader, and leaves the word import elsewhere alone', () => {
    const prepared = prepareCode('const os = await import("node:os"); os.platform() + " import(x)"');
    expect(prepared.expression).toContain('__probing_import("node:os")');
    expect(prepared.expression).toContain('" import(x)"');
  });
});
