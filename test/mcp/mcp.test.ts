/**
 * probing mcp as an MCP client sees it: the real CLI started as a subprocess, driven with
 * the SDK's own client over stdio, against real fixture targets.
 */
import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { eventually, withAttachTimeout } from '../helpers/limits.js';
import { bin, cliEnv, listeningPorts, profilerRunning, startTarget } from '../helpers/targets.js';

const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
});

/** `probing mcp [args]` with an SDK client connected to it. */
async function connect(args: string[] = []): Promise<{ client: Client; transport: StdioClientTransport }> {
  const env = Object.fromEntries(Object.entries(cliEnv()).filter((e): e is [string, string] => e[1] !== undefined));
  // the attach timeout of a loaded machine, as every CLI run in the tests gets it
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', ...withAttachTimeout(args)], env, stderr: 'pipe' });
  const client = new Client({ name: 'probing-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('probing mcp', () => {
  it('lists its tools: read-only ones by default, eval and inject only with --allow-eval', async () => {
    const names = async (args: string[]) => (await (await connect(args)).client.listTools()).tools.map((t) => t.name).sort();
    const readOnly = ['backtrace', 'describe_table', 'heap_sample', 'heap_snapshot_summary', 'list_processes', 'list_tables', 'profile_cpu', 'query'];
    expect(await names([])).toEqual(readOnly);
    expect(await names(['--allow-eval'])).toEqual([...readOnly, 'eval', 'inject'].sort());
  });

  it('answers a query as structured rows with their types; an unknown column is a tool error with the hint', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const { client } = await connect();
    const processes = (await client.callTool({ name: 'list_processes', arguments: {} })) as CallToolResult;
    expect(processes.structuredContent?.processes).toContainEqual(expect.objectContaining({ pid: target.pid, way: 'signal' }));
    const result = (await client.callTool({ name: 'query', arguments: { target: String(target.pid), sql: "SELECT pid, 'x' AS tag FROM process.info" } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ columns: [{ name: 'pid', type: 'BIGINT' }, { name: 'tag', type: 'VARCHAR' }], rows: [{ pid: target.pid, tag: 'x' }], row_count: 1, cut: [] });
    expect(text(result)).toContain(String(target.pid));
    const unknown = (await client.callTool({ name: 'query', arguments: { target: String(target.pid), sql: 'SELECT nope FROM process.memory' } })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/unknown column "nope"[\s\S]*hint: .*heap_used/);
    const described = (await client.callTool({ name: 'describe_table', arguments: { table: 'process.memroy' } })) as CallToolResult;
    expect(described.isError).toBe(true);
    expect(text(described)).toContain('did you mean process.memory');
    await expectLeftAsFound(target, before);
  });

  it('a backtrace of a busy process names its spinning function; a 1 s CPU profile names the hot one and writes its files', async () => {
    const busy = await startTarget('busy-fn.cjs');
    const { client } = await connect();
    const trace = (await client.callTool({ name: 'backtrace', arguments: { target: String(busy.pid) } })) as CallToolResult;
    expect(trace.isError, text(trace)).toBeFalsy();
    expect((trace.structuredContent as { main: { frames: Array<{ function: string }> } }).main.frames[0]!.function).toBe('spinForever');
    const hot = await startTarget('hot.cjs');
    const before = await listeningPorts(hot.pid);
    const profile = (await client.callTool({ name: 'profile_cpu', arguments: { target: String(hot.pid), seconds: 1 } })) as CallToolResult;
    expect(profile.isError, text(profile)).toBeFalsy();
    const out = profile.structuredContent as { functions: Array<{ function: string }>; cpuprofile: string; flamegraph: string };
    expect(out.functions[0]!.function).toBe('hotFunction');
    expect(existsSync(out.cpuprofile) && existsSync(out.flamegraph)).toBe(true);
    await expectLeftAsFound(hot, before);
  });

  it('a cancelled call stops the profiler and closes the inspector; so does a client that goes away mid-call', async () => {
    const target = await startTarget('hot.cjs');
    const before = await listeningPorts(target.pid);
    const { client, transport } = await connect();
    const cancel = new AbortController();
    const call = client.callTool({ name: 'profile_cpu', arguments: { target: String(target.pid), seconds: 60 } }, undefined, { signal: cancel.signal, timeout: 120_000 });
    await eventually(() => profilerRunning(target.pid));
    cancel.abort();
    await expect(call).rejects.toThrow();
    await eventually(async () => !(await profilerRunning(target.pid)) && JSON.stringify(await listeningPorts(target.pid)) === JSON.stringify(before));
    expect(await profilerRunning(target.pid)).toBe(false);
    await expectLeftAsFound(target, before);

    // the client goes away while a call runs: probing mcp detaches, then ends
    const server = transport.pid!;
    void client.callTool({ name: 'profile_cpu', arguments: { target: String(target.pid), seconds: 60 } }, undefined, { timeout: 120_000 }).catch(() => {});
    await eventually(() => profilerRunning(target.pid));
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
