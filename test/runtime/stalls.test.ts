/**
 * The stall watchdog: a real HTTP service with the agent preloaded, blocked by its own
 * handler; the stall is recorded with the function that blocked, while it still ran.
 * Blocks that must be caught are held until the watchdog took their stack, but for the
 * 300 ms ones (caught about 150 ms before they end: a margin, not a guarantee, on a machine
 * that can starve a thread that long); a block that must not be caught is judged by the
 * target's own measure of its loop.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { socketPath } from '../../dist/agent/paths.cjs';
import { eventually, START_LIMIT_MS } from '../helpers/limits.js';
import { httpGet, probing, startTarget } from '../helpers/targets.js';

const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));
const threads = (pid: number) => readdirSync(`/proc/${pid}/task`).length;
const lineOf = (fixture: string, text: string) => readFileSync(fileURLToPath(new URL(`../fixtures/targets/${fixture}`, import.meta.url)), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
// blockingParse's while loop, where the stack is taken
const BLOCK_LINE = lineOf('stall-app.cjs', 'while (Date.now() < end');

/**
 * Until the agent's thread answers on its socket (a connect and hang-up touches nothing in
 * the target): the watchdog lives there, so a stall before it is up is not seen. The thread
 * starts after the process's own code; on a loaded machine, seconds after its ready line.
 */
const agentUp = (pid: number) =>
  eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(socketPath(pid));
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
  );

/**
 * The main thread's timers still scheduled, unref'd ones too (process.getActiveResourcesInfo
 * counts only those that keep the process alive): every Timeout object on the heap
 * (Runtime.queryObjects, through the agent's socket), as "<interval ms> ref|unref".
 */
async function scheduledTimers(pid: number): Promise<string[]> {
  const socket = connect(socketPath(pid));
  const answers = new Map<number, (result: any) => void>();
  let buffer = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline)) as { id?: number; result?: unknown; error?: { message: string } };
      buffer = buffer.slice(newline + 1);
      if (message.id === undefined) continue;
      if (message.error) throw new Error(message.error.message);
      answers.get(message.id)?.(message.result);
    }
  });
  let id = 0;
  const call = (method: string, params: object) =>
    new Promise<any>((resolve) => {
      answers.set(++id, resolve);
      socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  try {
    // a timer made and cleared at once, for its prototype
    const prototype = await call('Runtime.evaluate', { expression: '(() => { const t = setTimeout(() => {}, 0); clearTimeout(t); return Object.getPrototypeOf(t); })()', objectGroup: 'test' });
    const objects = await call('Runtime.queryObjects', { prototypeObjectId: prototype.result.objectId, objectGroup: 'test' });
    const listed = await call('Runtime.callFunctionOn', {
      objectId: objects.objects.objectId,
      // (not Node.js's own HTTP Date cache: after any response its server keeps an unref'd
      // timer of 1000 - the current millisecond, resetCache, for up to a second)
      functionDeclaration: "function () { const out = []; for (const t of this) if (t._idleTimeout !== -1 && !t._destroyed && !(t._onTimeout && t._onTimeout.name === 'resetCache')) out.push(t._idleTimeout + (t.hasRef() ? ' ref' : ' unref')); return out.sort(); }",
      returnByValue: true,
    });
    await call('Runtime.releaseObjectGroup', { objectGroup: 'test' });
    return listed.result.value as string[];
  } finally {
    socket.destroy();
  }
}

describe.skipIf(process.platform !== 'linux')('stalls (runtime.stalls, from the agent)', () => {
  it('records a 300 ms block in blockingParse with its line and request, and a second stack at twice the threshold; a 50 ms one stays below 100 ms; off leaves nothing behind', async () => {
    const target = await startTarget('stall-app.cjs', { nodeArgs: ['--require', agent] });
    const pid = String(target.pid);
    const state = async () => {
      const r = await probing([pid, 'eval', '--json', "({ resources: process.getActiveResourcesInfo().sort(), agentListeners: globalThis[Symbol.for('probing.agent')].worker.listenerCount('message') })"]);
      expect(r.code, r.stderr).toBe(0);
      return { ...(JSON.parse(r.stdout) as object), timers: await scheduledTimers(target.pid), threads: threads(target.pid) };
    };
    const before = await state();
    const http = await probing([pid, 'config', 'set', 'sampler.http', 'on']);
    expect(http.code, http.stderr).toBe(0);
    // on: the default threshold, 100 ms
    const set = await probing([pid, 'config', 'set', 'stalls.threshold', 'on']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim()).toBe('stalls.threshold = 100');
    // the watchdog is a timer in the main thread (its beat, every 50 ms, unref'd), one
    // listener on the agent's worker, and no thread more (it runs in the agent's)
    const on = (await state()) as typeof before & { timers: string[]; agentListeners: number };
    expect(on.threads).toBe(before.threads);
    expect(on.timers).toEqual([...before.timers, '50 unref'].sort());
    expect(on.agentListeners).toBe((before as { agentListeners: number }).agentListeners + 1);

    // A 50 ms block: nothing recorded. On a loaded machine the system can hold the loop back
    // past the threshold on its own (a real stall, rightly recorded), so each try is judged by
    // the target's own measure of its loop's longest pause (GET /gap): below 90 ms, the beat
    // was never late by 100 ms, and no row may name that request.
    const clean: string[] = [];
    for (let i = 0; i < 10 && clean.length === 0; i++) {
      await httpGet(target.port!, '/gap');
      await httpGet(target.port!, `/short?${i}`);
      if (Number((await httpGet(target.port!, '/gap')).body) < 90) clean.push(`GET /short?${i}`);
    }
    expect(clean.length, 'the loop of the target never paused less than 90 ms around a 50 ms block in 10 tries').toBe(1);
    await httpGet(target.port!, '/slow');
    const rows = async () => {
      const r = await probing([pid, 'query', '-f', 'json', 'SELECT duration_ms, top_function, file, line, request, thread, stack, stack_later, stack_after_ms FROM runtime.stalls']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, any>>;
    };
    // (on a loaded machine the process may stall elsewhere too, at start or in a GC: those
    // rows are right, and not what is checked here)
    const ours = async () => (await rows()).filter((r) => r.stack?.some((f: { function: string }) => f.function === 'blockingParse'));
    await eventually(async () => (await ours()).some((r) => r.request === 'GET /slow'));
    // top shows the last stalls (newest first, three at most)
    const top = await probing([pid, 'top', '--once', '--interval', '500ms']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toMatch(new RegExp(`stalls: .*\\d\\d:\\d\\d:\\d\\d \\d+ ms in blockingParse \\(stall-app\\.cjs:${BLOCK_LINE}\\)`));
    await httpGet(target.port!, '/held');
    await eventually(async () => (await ours()).some((r) => r.request === 'GET /held'));
    const found = await ours();
    expect(found.filter((r) => clean.includes(r.request))).toEqual([]);
    const slow = found.filter((r) => r.request === 'GET /slow');
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ top_function: 'blockingParse', file: expect.stringContaining('stall-app.cjs'), line: BLOCK_LINE, request: 'GET /slow', thread: 'main' });
    expect(slow[0]!.duration_ms).toBeGreaterThanOrEqual(250);
    expect(slow[0]!.stack.length).toBeGreaterThan(1);
    expect(slow[0]!.stack[0]).toMatchObject({ function: 'blockingParse', line: BLOCK_LINE });
    // taken at or after the threshold
    expect(slow[0]!.stack_after_ms).toBeGreaterThanOrEqual(100);
    // /held stays blocked until the second stack is taken: at twice the threshold, in blockingParse still
    const held = found.filter((r) => r.request === 'GET /held');
    expect(held).toHaveLength(1);
    expect(held[0]!.duration_ms).toBeGreaterThanOrEqual(200);
    // (its innermost frame may be the condition blockingParse calls)
    expect(held[0]!.stack_later).toContainEqual(expect.objectContaining({ function: 'blockingParse', file: expect.stringContaining('stall-app.cjs'), line: BLOCK_LINE }));
    // A job of the service's own (a signal's listener) blocks while a request is in flight:
    // the stall names no request, for none was being handled
    const waiting = httpGet(target.port!, '/wait');
    expect(await eventually(() => target.stderr().includes('waiting'))).toBe(true);
    process.kill(target.pid, 'SIGUSR2');
    const job = async () => (await rows()).filter((r) => r.stack?.some((f: { function: string }) => f.function === 'backgroundJob'));
    await eventually(async () => (await job()).length > 0);
    expect(await job()).toEqual([expect.objectContaining({ request: null, thread: 'main' })]);
    await httpGet(target.port!, '/release');
    expect((await waiting).body).toBe('ok');
    // a bounded ring like every runtime table, its counts exact (read in one query)
    const fill = await probing([pid, 'query', '-f', 'json', `SELECT "rows", capacity, appended, dropped, (SELECT count(*) FROM runtime.stalls) AS n FROM probing.runtime_tables WHERE "table" = 'runtime.stalls'`]);
    expect(fill.code, fill.stderr).toBe(0);
    const [counts] = JSON.parse(fill.stdout) as Array<{ rows: number; capacity: number; appended: number; dropped: number; n: number }>;
    expect(counts).toEqual({ rows: counts!.n, capacity: 10_000, appended: counts!.n, dropped: 0, n: counts!.n });
    expect(counts!.n).toBeGreaterThanOrEqual(3);
    const listed = await probing([pid, 'stalls', '-f', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ top_function: 'blockingParse', line: BLOCK_LINE, request: 'GET /slow' }));
    for (const key of ['stalls.threshold', 'sampler.http']) expect((await probing([pid, 'config', 'set', key, 'off'])).code).toBe(0);
    // no timer (unref'd ones counted), no listener on the agent's worker, no thread more than before
    expect(await state()).toEqual(before);
  });

  it('PROBING_STALLS=100ms with the agent preloaded: on from the start; stalls --watch prints a line for each as it comes; the process still exits on its own', async () => {
    const target = await startTarget('stall-app.cjs', { nodeArgs: ['--require', agent], env: { PROBING_STALLS: '100ms' } });
    const exited = new Promise<number | null>((resolve) => target.child.once('exit', resolve));
    expect(await agentUp(target.pid)).toBe(true);
    let cli: ChildProcess | undefined;
    let printed = '';
    const watching = probing([String(target.pid), 'stalls', '--watch'], {
      onSpawn: (child) => {
        cli = child;
        child.stdout!.on('data', (chunk: Buffer | string) => (printed += String(chunk)));
      },
    });
    await httpGet(target.port!, '/slow');
    // (the row is posted when the loop's beat comes back, a moment after the response; the
    // watch reads new rows every second)
    const line = () => printed.split('\n').find((l) => l.includes('blockingParse'));
    await eventually(() => line() !== undefined);
    if (line() === undefined) {
      const table = await probing([String(target.pid), 'query', 'SELECT ts, duration_ms, top_function, line, stack_after_ms FROM runtime.stalls']);
      expect.fail(`stalls --watch printed no blockingParse row:\n${printed}\nruntime.stalls:\n${table.stdout}${table.stderr}`);
    }
    // a line per stall: local time, duration, the function and where (no request: sampler.http is off)
    expect(line()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  \\d+ ms in blockingParse \\(stall-app\\.cjs:${BLOCK_LINE}\\)$`));
    cli!.kill('SIGINT');
    const watched = await watching;
    // Ctrl-C ends it as it ends every command: 130, the target left as found
    expect(watched.code, watched.stderr).toBe(130);
    expect(watched.stderr).toContain('the target was left as it was found');
    expect(watched.stdout.split('\n').filter((l) => l.includes('blockingParse'))).toHaveLength(1);
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

  it("a worker thread's own loop (<pid>/w<id>): its stall names workerBlock; a 50 ms block stays below 100 ms; the main thread's table has none; a full ring drops the oldest, counted exactly", async () => {
    const target = await startTarget('stall-worker.cjs', { nodeArgs: ['--require', agent] });
    const workers = await probing([String(target.pid), 'query', '-f', 'json', "SELECT worker FROM process.workers WHERE title LIKE '%blocker%'"]);
    expect(workers.code, workers.stderr).toBe(0);
    const [{ worker }] = JSON.parse(workers.stdout) as Array<{ worker: string }>;
    const thread = `${target.pid}/${worker}`;
    // a ring of two rows, to see it drop the oldest
    for (const [key, value] of [['sampler.capacity', '2'], ['stalls.threshold', '100ms']]) {
      const set = await probing([thread, 'config', 'set', key!, value!]);
      expect(set.code, set.stderr).toBe(0);
    }
    // judged by the worker's own measure of its loop's longest pause, as on the main thread
    const clean: number[] = [];
    for (let i = 0; i < 10 && clean.length === 0; i++) {
      await httpGet(target.port!, '/worker-gap');
      await httpGet(target.port!, '/worker-short');
      if (Number((await httpGet(target.port!, '/worker-gap')).body) < 90) clean.push(i);
    }
    expect(clean.length, "the worker's loop never paused less than 90 ms around a 50 ms block in 10 tries").toBe(1);
    // (the last try was clean: its stall, had there been one, would have been posted by now)
    await httpGet(target.port!, '/worker-slow');
    const rows = async () => {
      const r = await probing([thread, 'query', '-f', 'json', 'SELECT duration_ms, top_function, line, thread, stack_after_ms FROM runtime.stalls']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<{ duration_ms: number; top_function: string | null; line: number; thread: string; stack_after_ms: number }>;
    };
    const blocked = async () => (await rows()).filter((r) => r.top_function === 'workerBlock');
    await eventually(async () => (await blocked()).length > 0);
    const found = await blocked();
    // one: the 300 ms block (held until its stack was taken); the 50 ms one left none
    expect(found).toHaveLength(1);
    // (a line of the worker's eval'd script: its while loop)
    const line = lineOf('stall-worker.cjs', 'while (Date.now() < end') - lineOf('stall-worker.cjs', 'new Worker(`') + 1;
    expect(found[0]).toMatchObject({ top_function: 'workerBlock', line, thread: worker });
    expect(found[0]!.duration_ms).toBeGreaterThanOrEqual(300);
    const main = await probing([String(target.pid), 'query', '-f', 'json', 'SELECT count(*) AS n FROM runtime.stalls']);
    expect(JSON.parse(main.stdout)).toEqual([{ n: 0 }]);
    // two stalls more: the ring keeps the newest two and counts what it dropped, exactly
    const fill = async () => {
      const r = await probing([thread, 'query', '-f', 'json', `SELECT "rows", capacity, appended, dropped, (SELECT count(*) FROM runtime.stalls) AS n FROM probing.runtime_tables WHERE "table" = 'runtime.stalls'`]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Array<{ rows: number; capacity: number; appended: number; dropped: number; n: number }>)[0]!;
    };
    for (let i = 0; i < 2; i++) {
      const appended = (await fill()).appended;
      await httpGet(target.port!, '/worker-slow');
      // each is posted when the worker's beat comes back, a moment after its answer; the
      // next block starts only then (begun sooner, it would be the same stall going on,
      // whose stack was already taken, and the held block would wait out its bound)
      await eventually(async () => (await fill()).appended > appended);
    }
    const counts = await fill();
    expect(counts).toEqual({ rows: 2, capacity: 2, appended: counts.appended, dropped: counts.appended - 2, n: 2 });
    expect((await probing([thread, 'config', 'set', 'stalls.threshold', 'off'])).code).toBe(0);
  });
});
