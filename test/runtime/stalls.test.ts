/**
 * The stall watchdog: a real HTTP service with the agent preloaded, blocked by its own
 * handler; the stall is recorded with the function that blocked, while it still ran.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, START_LIMIT_MS } from '../helpers/limits.js';
import { httpGet, probing, startTarget } from '../helpers/targets.js';

const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));
const threads = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

describe.skipIf(process.platform !== 'linux')('stalls (runtime.stalls, from the agent)', () => {
  it('records a 300 ms block in blockingParse with its line and request; a 50 ms one stays below the threshold; off leaves nothing behind', async () => {
    const target = await startTarget('stall-app.cjs', { nodeArgs: ['--require', agent] });
    const pid = String(target.pid);
    const state = async () => {
      const r = await probing([pid, 'eval', '--json', "({ resources: process.getActiveResourcesInfo().sort(), agentListeners: globalThis[Symbol.for('probing.agent')].worker.listenerCount('message') })"]);
      expect(r.code, r.stderr).toBe(0);
      return { ...(JSON.parse(r.stdout) as object), threads: threads(target.pid) };
    };
    const before = await state();
    // 150 ms: on a loaded 2-core host the system alone delays a loop by tens of ms, and a
    // 50 ms block plus that is a real stall past 100 ms (seen here); 100 ms of margin keeps
    // "a block shorter than the threshold records nothing" true on a busy machine
    for (const [key, value] of [['sampler.http', 'on'], ['stalls.threshold', '150ms']]) {
      const set = await probing([pid, 'config', 'set', key!, value!]);
      expect(set.code, set.stderr).toBe(0);
    }
    // the watchdog is a timer in the main thread, and no thread more (it runs in the agent's)
    expect((await state()).threads).toBe(before.threads);
    await httpGet(target.port!, '/short');
    await httpGet(target.port!, '/slow');
    const rows = async () => {
      const r = await probing([pid, 'query', '-f', 'json', 'SELECT duration_ms, top_function, file, line, request, thread, json_array_length(stack) AS frames FROM runtime.stalls']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    };
    // (on a loaded machine the process may stall elsewhere too, at start or in a GC: those
    // rows are right, and not what is checked here)
    const ours = async () => (await rows()).filter((r) => r.top_function === 'blockingParse');
    await eventually(async () => (await ours()).length > 0);
    const found = await ours();
    // the 50 ms block stayed below the threshold: one row, the 300 ms one
    expect(found.map((r) => r.request)).toEqual(['GET /slow']);
    expect(found[0]).toMatchObject({ top_function: 'blockingParse', file: expect.stringContaining('stall-app.cjs'), line: 7, request: 'GET /slow', thread: 'main' });
    expect(found[0]!.duration_ms as number).toBeGreaterThanOrEqual(250);
    expect(found[0]!.frames as number).toBeGreaterThan(1);
    const listed = await probing([pid, 'stalls', '-f', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ top_function: 'blockingParse', line: 7, request: 'GET /slow' }));
    // top shows the last stalls
    const top = await probing([pid, 'top', '--once', '--interval', '500ms']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toMatch(/stalls: .*\d\d:\d\d:\d\d \d+ ms in blockingParse \(stall-app\.cjs:7\)/);
    for (const key of ['stalls.threshold', 'sampler.http']) expect((await probing([pid, 'config', 'set', key, 'off'])).code).toBe(0);
    // no timer, no listener on the agent's worker, no thread more than before
    expect(await state()).toEqual(before);
  });

  it('PROBING_STALLS=100ms with the agent preloaded: on from the start; the process still exits on its own', async () => {
    const target = await startTarget('stall-app.cjs', { nodeArgs: ['--require', agent], env: { PROBING_STALLS: '100ms' } });
    const exited = new Promise<number | null>((resolve) => target.child.once('exit', resolve));
    await httpGet(target.port!, '/slow');
    const read = async () => {
      const r = await probing([String(target.pid), 'query', '-f', 'json', "SELECT top_function FROM runtime.stalls WHERE top_function = 'blockingParse'"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as unknown[];
    };
    // (the row is posted when the loop's beat comes back, a moment after the response)
    await eventually(async () => (await read()).length > 0);
    expect(await read()).toEqual([{ top_function: 'blockingParse' }]);
    // its server closed, nothing else holds it: it ends, the watchdog still on
    await httpGet(target.port!, '/close');
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the target did not exit on its own within ${START_LIMIT_MS} ms`)), START_LIMIT_MS);
      void exited.then((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
  });

  it('a process without the agent: switching it on is refused, saying what it needs', async () => {
    const target = await startTarget('server.cjs');
    const set = await probing([String(target.pid), 'config', 'set', 'stalls.threshold', '100ms']);
    expect(set.code).not.toBe(0);
    expect(set.stderr).toContain("stalls are watched from the probing agent's thread");
    expect(set.stderr).toContain('--require probing-node/agent');
    const bad = await probing([String(target.pid), 'config', 'set', 'stalls.threshold', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('stalls.threshold takes a duration from 10ms to 60s');
  });

  it('a TypeScript app run with tsx: the stall names the .ts file and line, through its source map', async () => {
    const target = await startTarget('stall-app.ts', { nodeArgs: ['--import', 'tsx', '--require', agent], env: { PROBING_STALLS: '100ms' } });
    await httpGet(target.port!, '/slow');
    const line = readFileSync(fileURLToPath(new URL('../fixtures/targets/stall-app.ts', import.meta.url)), 'utf8').split('\n').findIndex((l) => l.includes('while (Date.now() < end)')) + 1;
    const read = async () => {
      const r = await probing([String(target.pid), 'query', '-f', 'json', "SELECT file, line, stack[1].generated.line AS js_line FROM runtime.stalls WHERE top_function = 'blockingParse'"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<{ file: string; line: number; js_line: number }>;
    };
    await eventually(async () => (await read()).length > 0);
    const [row] = await read();
    expect(row).toMatchObject({ file: expect.stringContaining('stall-app.ts'), line });
    // where V8 ran it: tsx writes the module as one line
    expect(row!.js_line).toBe(1);
  });

  it("a worker thread's own loop (<pid>/w<id>): its stall names workerBlock; the main thread's table has none", async () => {
    const target = await startTarget('stall-worker.cjs', { nodeArgs: ['--require', agent] });
    const workers = await probing([String(target.pid), 'query', '-f', 'json', "SELECT worker FROM process.workers WHERE title LIKE '%blocker%'"]);
    expect(workers.code, workers.stderr).toBe(0);
    const [{ worker }] = JSON.parse(workers.stdout) as Array<{ worker: string }>;
    const thread = `${target.pid}/${worker}`;
    const set = await probing([thread, 'config', 'set', 'stalls.threshold', '150ms']);
    expect(set.code, set.stderr).toBe(0);
    await httpGet(target.port!, '/worker-short');
    await httpGet(target.port!, '/worker-slow');
    const rows = async () => {
      const r = await probing([thread, 'query', '-f', 'json', "SELECT duration_ms, top_function, line, thread FROM runtime.stalls WHERE top_function = 'workerBlock'"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<{ duration_ms: number; top_function: string; line: number; thread: string }>;
    };
    await eventually(async () => (await rows()).length > 0);
    const found = await rows();
    expect(found).toHaveLength(1);
    // (line 6 of the worker's eval'd script: its while loop)
    expect(found[0]).toMatchObject({ top_function: 'workerBlock', line: 6, thread: worker });
    expect(found[0]!.duration_ms).toBeGreaterThanOrEqual(250);
    const main = await probing([String(target.pid), 'query', '-f', 'json', 'SELECT count(*) AS n FROM runtime.stalls']);
    expect(JSON.parse(main.stdout)).toEqual([{ n: 0 }]);
    expect((await probing([thread, 'config', 'set', 'stalls.threshold', 'off'])).code).toBe(0);
  });
});
