/**
 * probing mcp as an MCP client sees it: the real CLI started as a subprocess, driven with
 * the SDK's own client over stdio, against real fixture targets.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLeftAsFound, shareTarget } from '../helpers/assertions.js';
import { cliLimitMs, eventually, withAttachTimeout } from '../helpers/limits.js';
import { bin, cliEnv, httpGet, listeningPorts, probing, profilerRunning, startTarget, type Target } from '../helpers/targets.js';

const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
});

/** `probing mcp [args]` with an SDK client connected to it. */
async function connect(args: string[] = []): Promise<{ client: Client; transport: StdioClientTransport }> {
  const env = Object.fromEntries(Object.entries(cliEnv()).filter((e): e is [string, string] => e[1] !== undefined));
  // the attach timeout of a loaded machine, as every CLI run in the tests gets it
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, ...withAttachTimeout(['mcp', ...args])], env, stderr: 'pipe' });
  const client = new Client({ name: 'probing-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
/**
 * The longest a healthy call runs on a server with the default --timeout: a CLI command's own
 * bound (its attach, the port lock, its --timeout steps) and the longest recording asked for
 * (60 s). The SDK's own default (60 s) is not that bound.
 */
const CALL_LIMIT_MS = cliLimitMs([]) + 60_000;
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_LIMIT_MS })) as CallToolResult;

/** Whether the inspector of every target is open: more ports than before. */
const allOpen = async (targets: readonly Target[], before: readonly number[][]) => (await Promise.all(targets.map(async (t, i) => (await listeningPorts(t.pid)).length > before[i]!.length))).every(Boolean);
const allAsBefore = async (targets: readonly Target[], before: readonly number[][]) =>
  (await Promise.all(targets.map(async (t, i) => JSON.stringify(await listeningPorts(t.pid)) === JSON.stringify(before[i])))).every(Boolean);

describe('probing mcp', () => {
  it('lists its tools: read-only ones by default, eval and inject only with --allow-eval; the query tool names the tables', async () => {
    const { client } = await connect();
    const tools = (await client.listTools()).tools;
    const readOnly = ['backtrace', 'describe_table', 'heap_sample', 'heap_snapshot_summary', 'list_processes', 'list_tables', 'profile_cpu', 'query'];
    expect(tools.map((t) => t.name).sort()).toEqual(readOnly);
    // from the catalog: every built-in table, with what it holds; examples; the limits
    const query = tools.find((t) => t.name === 'query')!;
    expect(query.description).toContain('process.memory: one row: process.memoryUsage(), in bytes');
    expect(query.description).toContain('node.modules: every loaded module file');
    expect(query.description).toContain('SELECT type, count(*) AS n FROM process.resources');
    expect(query.description).toContain('at most max_rows rows (default 200)');
    expect(Object.keys((query.inputSchema as { properties: object }).properties).sort()).toEqual(['max_bytes', 'max_rows', 'sql', 'target', 'targets']);
    // not listed, and not callable either
    const refused = await call(client, 'eval', { target: String(process.pid), code: '1' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('Tool eval not found');
    const withEval = await connect(['--allow-eval']);
    expect((await withEval.client.listTools()).tools.map((t) => t.name).sort()).toEqual([...readOnly, 'eval', 'inject'].sort());
  });

  describe('over one process', () => {
    let target: Target;
    let before: number[];
    shareTarget('server.cjs', {}, (t, b) => ((target = t), (before = b)));

    it('answers a query as structured rows with their types and a text table; errors are the CLI\'s, with its hint', async () => {
      const { client } = await connect();
      const processes = await call(client, 'list_processes', {});
      expect(processes.structuredContent?.processes).toContainEqual(expect.objectContaining({ pid: target.pid, way: 'signal' }));
      const result = await call(client, 'query', { target: String(target.pid), sql: "SELECT pid, 'x' AS tag FROM process.info" });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ columns: [{ name: 'pid', type: 'BIGINT' }, { name: 'tag', type: 'VARCHAR' }], rows: [{ pid: target.pid, tag: 'x' }], row_count: 1, returned: 1, cut: [] });
      expect(text(result)).toMatch(new RegExp(`│ +pid │ tag │[\\s\\S]*│ +${target.pid} │ x +│[\\s\\S]*\\(1 row\\)`));

      // an unknown column: the CLI's message and hint, word for word
      const sql = 'SELECT nope FROM process.memory';
      const unknown = await call(client, 'query', { target: String(target.pid), sql });
      expect(unknown.isError).toBe(true);
      expect(text(unknown)).toMatch(/^unknown column "nope" in process.memory[\s\S]*hint: the columns are .*"heap_used"/);
      const cli = await probing([String(target.pid), 'query', sql]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toBe(`probing: ${text(unknown)}\n`);

      // a table that does not exist: the CLI's describe's message and hint, word for word
      const described = await call(client, 'describe_table', { table: 'process.memroy' });
      expect(described.isError).toBe(true);
      expect(text(described)).toMatch(/^unknown table process.memroy\n  hint: tables in process: .*process.memory/);
      const cliDescribe = await probing(['describe', 'process.memroy']);
      expect(cliDescribe.code).toBe(2);
      expect(cliDescribe.stderr).toBe(`probing: ${text(described)}\n`);
      const memory = await call(client, 'describe_table', { table: 'process.memory' });
      expect(memory.structuredContent?.columns).toContainEqual(expect.objectContaining({ name: 'heap_used', type: 'integer' }));
      expect(text(memory)).toContain('process.memory — one row: process.memoryUsage(), in bytes');
    });

    it('bounds what it returns by max_rows and max_bytes and says so; the tables themselves are read whole', async () => {
      const { client } = await connect();
      const five00 = 'js.`Array.from({ length: 500 }, (_, i) => i)`';
      // an aggregate sees every row of the table (the bound is on the answer, not on what is read)
      const count = await call(client, 'query', { target: String(target.pid), sql: `SELECT count(*) AS n, sum(value) AS total FROM ${five00}` });
      expect(count.structuredContent).toMatchObject({ rows: [{ n: 500, total: 124750 }], row_count: 1, returned: 1, cut: [] });

      const many = await call(client, 'query', { target: String(target.pid), sql: `SELECT value, value * 2 AS value FROM ${five00} ORDER BY 1`, max_rows: 3 });
      const rowsCut = 'the answer has 500 rows; 3 returned, cut by max_rows (3)';
      // two columns of one name keep both, as -f json does
      expect(many.structuredContent).toMatchObject({
        columns: [{ name: 'value', type: 'BIGINT' }, { name: 'value_2', type: 'BIGINT' }],
        rows: [{ value: 0, value_2: 0 }, { value: 1, value_2: 2 }, { value: 2, value_2: 4 }],
        row_count: 500,
        returned: 3,
        cut: [expect.stringContaining(rowsCut)],
      });
      expect(text(many)).toContain('(3 rows)');
      expect(text(many)).toContain(`cut: ${rowsCut}`);

      // 1000 characters a row: 2 of them fit in 2500 bytes of JSON
      const wide = await call(client, 'query', { target: String(target.pid), sql: `SELECT value, repeat('x', 1000) AS s FROM ${five00} WHERE value < 5 ORDER BY value`, max_bytes: 2500 });
      const bytesCut = 'the answer has 5 rows; 2 returned, cut by max_bytes (2500 bytes of rows as JSON)';
      expect(wide.structuredContent).toMatchObject({ row_count: 5, returned: 2, cut: [expect.stringContaining(bytesCut)] });
      expect((wide.structuredContent!.rows as unknown[]).length).toBe(2);
      expect(text(wide)).toContain(`cut: ${bytesCut}`);
    });

    it('offers eval and inject with --allow-eval; a throw in the target comes back as the CLI says it', async () => {
      const { client } = await connect(['--allow-eval']);
      const value = await call(client, 'eval', { target: String(target.pid), code: 'globalThis.state.name' });
      expect(value.isError, text(value)).toBeFalsy();
      expect(text(value)).toBe("'cjs-fixture'");
      const code = 'null.boom';
      const threw = await call(client, 'eval', { target: String(target.pid), code });
      expect(threw.isError).toBe(true);
      const cli = await probing([String(target.pid), 'eval', code]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toBe(`probing: ${text(threw)}\n`);
      const dir = mkdtempSync(join(tmpdir(), 'probing-mcp-inject-'));
      writeFileSync(join(dir, 'count.js'), 'module.exports = globalThis.state.items.size * 21;\n');
      const injected = await call(client, 'inject', { target: String(target.pid), file: join(dir, 'count.js') });
      rmSync(dir, { recursive: true, force: true });
      expect(injected.isError, text(injected)).toBeFalsy();
      expect(text(injected)).toBe('42');
      await expectLeftAsFound(target, before);
    });
  });

  it('queries several processes at once; cancelled, it stops reading every one of them at once and leaves each as found', async () => {
    const targets = await Promise.all([startTarget('server.cjs'), startTarget('server.cjs')]);
    const before = await Promise.all(targets.map((t) => listeningPorts(t.pid)));
    // a --timeout far past the wait for the ports below: only a cancel that stops the work detaches in time
    const { client } = await connect(['--timeout', '300s']);
    const labels = targets.map((t) => String(t.pid));
    const both = await call(client, 'query', { targets: labels, sql: 'SELECT _target, pid FROM process.info ORDER BY _target' });
    expect(both.isError, text(both)).toBeFalsy();
    expect(both.structuredContent?.rows).toEqual([...labels].sort().map((l) => ({ _target: l, pid: Number(l) })));

    // a read that never ends by itself (a promise that never settles: nothing is left in the target)
    const cancel = new AbortController();
    const never = 'SELECT count(*) FROM js.`await new Promise(() => {})`';
    const running = client.callTool({ name: 'query', arguments: { targets: labels, sql: never } }, undefined, { signal: cancel.signal, timeout: CALL_LIMIT_MS });
    expect(await eventually(() => allOpen(targets, before))).toBe(true);
    cancel.abort();
    await expect(running).rejects.toThrow();
    expect(await eventually(() => allAsBefore(targets, before))).toBe(true);
    for (const [i, t] of targets.entries()) await expectLeftAsFound(t, before[i]!);
    // the server still serves
    expect((await call(client, 'query', { target: labels[0], sql: 'SELECT pid FROM process.info' })).structuredContent?.rows).toEqual([{ pid: targets[0]!.pid }]);
    await expectLeftAsFound(targets[0]!, before[0]!);
  });

  it('a backtrace of a busy process names its spinning function, and a worker\'s its own', async () => {
    const { client } = await connect();
    const busy = await startTarget('busy-fn.cjs');
    const trace = await call(client, 'backtrace', { target: String(busy.pid) });
    expect(trace.isError, text(trace)).toBeFalsy();
    expect((trace.structuredContent as { main: { frames: Array<{ function: string }> } }).main.frames[0]!.function).toBe('spinForever');
    expect(text(trace)).toContain('spinForever');
    // it spins a core: ended once its stack is read
    busy.child.kill('SIGKILL');

    // (its worker blocked in workerSpin, not spinning: the same stack, no core spent)
    const workers = await startTarget('workers.cjs', { env: { WORKER: 'blocked' } });
    const before = await listeningPorts(workers.pid);
    const traces = await call(client, 'backtrace', { target: String(workers.pid) });
    expect(traces.isError, text(traces)).toBeFalsy();
    const out = traces.structuredContent as { main: { idle: boolean }; workers: Array<{ id: string; trace: { frames: Array<{ function: string }> } }> };
    expect(out.main.idle).toBe(true);
    expect(out.workers).toHaveLength(1);
    expect(out.workers[0]!.trace.frames[0]!.function).toContain('workerSpin');
    expect(text(traces)).toContain(`worker ${out.workers[0]!.id}`);
    await expectLeftAsFound(workers, before);
  });

  it('a process that never returns to its event loop: the stack, then the note that its inspector stays open', async () => {
    const { client } = await connect();
    // blocked in Atomics.wait, spending nothing: the close probing schedules never runs
    const target = await startTarget('blocked.cjs');
    const trace = await call(client, 'backtrace', { target: String(target.pid) });
    expect(trace.isError, text(trace)).toBeFalsy();
    expect(text(trace)).toMatch(/#0 +Timeout\._onTimeout +\S*blocked\.cjs:6:\d+/);
    expect(text(trace)).toMatch(/note: the target did not return to its event loop within \d+ ms, so its inspector stays open on 127\.0\.0\.1:\d+; the next probing command against it closes it/);
  });

  it('a 1 s CPU profile names the hot function and writes its files; a heap sample names the allocating one and writes its', async () => {
    const { client } = await connect();
    // busy only while it is profiled (its bursts spend most of a core); it allocates all along
    const hot = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
    const before = await listeningPorts(hot.pid);
    await httpGet(hot.port!, '/busy');
    const profile = await call(client, 'profile_cpu', { target: String(hot.pid), seconds: 1 });
    await httpGet(hot.port!, '/idle');
    expect(profile.isError, text(profile)).toBeFalsy();
    const cpu = profile.structuredContent as { functions: Array<{ function: string }>; cpuprofile: string; flamegraph: string };
    expect(cpu.functions[0]!.function).toBe('hotFunction');
    expect(text(profile)).toContain(`wrote ${cpu.cpuprofile} and ${cpu.flamegraph}`);
    expect((JSON.parse(readFileSync(cpu.cpuprofile, 'utf8')) as { nodes: unknown[] }).nodes.length).toBeGreaterThan(0);
    expect(readFileSync(cpu.flamegraph, 'utf8')).toContain('hotFunction');
    await expectLeftAsFound(hot, before);

    const sample = await call(client, 'heap_sample', { target: String(hot.pid), seconds: 0.5 });
    expect(sample.isError, text(sample)).toBeFalsy();
    const heap = sample.structuredContent as { sites: Array<{ function: string }>; heapprofile: string; flamegraph: string };
    expect(heap.sites[0]!.function).toBe('allocateWidgets');
    expect(text(sample)).toContain(`wrote ${heap.heapprofile} and ${heap.flamegraph}`);
    expect((JSON.parse(readFileSync(heap.heapprofile, 'utf8')) as { head: { children: unknown[] } }).head.children.length).toBeGreaterThan(0);
    expect(readFileSync(heap.flamegraph, 'utf8')).toContain('allocateWidgets');
    for (const file of [cpu.cpuprofile, cpu.flamegraph, heap.heapprofile, heap.flamegraph]) rmSync(file);
    await expectLeftAsFound(hot, before);
  });

  it('a heap snapshot is only the warning until confirm: true, then its classes', async () => {
    const { client } = await connect();
    const leak = await startTarget('leak.cjs');
    const before = await listeningPorts(leak.pid);
    const asked = await call(client, 'heap_snapshot_summary', { target: String(leak.pid) });
    expect(asked.isError, text(asked)).toBeFalsy();
    expect(asked.structuredContent).toEqual({ taken: false, warning: expect.stringContaining(`pid ${leak.pid}: a heap snapshot stops its JavaScript until it is written`) });
    expect(text(asked)).toContain('not taken');
    expect(text(asked)).toContain('confirm: true');
    await expectLeftAsFound(leak, before);
    const taken = await call(client, 'heap_snapshot_summary', { target: String(leak.pid), confirm: true, top: 200 });
    expect(taken.isError, text(taken)).toBeFalsy();
    const summary = taken.structuredContent as { taken: boolean; classes: Array<{ class: string; count: number }> };
    expect(summary.taken).toBe(true);
    expect(summary.classes.find((c) => c.class === 'LeakyThing')!.count).toBeGreaterThan(0);
    await expectLeftAsFound(leak, before);
  });

  it('a cancelled call stops the profiler and closes the inspector; so does a client that goes away mid-call', async () => {
    // (the profiler runs whether or not the target is busy: without its bursts)
    const target = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
    const before = await listeningPorts(target.pid);
    const { client, transport } = await connect();
    const cancel = new AbortController();
    const running = client.callTool({ name: 'profile_cpu', arguments: { target: String(target.pid), seconds: 60 } }, undefined, { signal: cancel.signal, timeout: CALL_LIMIT_MS });
    expect(await eventually(() => profilerRunning(target.pid))).toBe(true);
    cancel.abort();
    await expect(running).rejects.toThrow();
    await eventually(async () => !(await profilerRunning(target.pid)) && JSON.stringify(await listeningPorts(target.pid)) === JSON.stringify(before));
    expect(await profilerRunning(target.pid)).toBe(false);
    await expectLeftAsFound(target, before);

    // the client goes away while a call runs: probing mcp detaches, then ends
    const server = transport.pid!;
    void client.callTool({ name: 'profile_cpu', arguments: { target: String(target.pid), seconds: 60 } }, undefined, { timeout: CALL_LIMIT_MS }).catch(() => {});
    expect(await eventually(() => profilerRunning(target.pid))).toBe(true);
    await client.close();
    const gone = () => {
      try {
        process.kill(server, 0);
        return false;
      } catch {
        return true;
      }
    };
    await eventually(gone);
    expect(gone()).toBe(true);
    expect(await profilerRunning(target.pid)).toBe(false);
    await expectLeftAsFound(target, before);
  });
});
