/**
 * probing ui's server, as the page and an attacker's page would reach it: the real CLI
 * (`probing ui <pid>`) against a real target, over HTTP. The page itself is tested in
 * headless Chromium (ui-browser.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { eventually, START_LIMIT_MS } from '../helpers/limits.js';
import { socketPath } from '../../dist/agent/paths.cjs';
import { bin, cliEnv, fixtures, httpGet, listeningPorts, startTarget } from '../helpers/targets.js';

interface Ui {
  child: ChildProcess;
  url: URL;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `probing ui …` and waits for the URL it prints. */
async function startUi(args: string[]): Promise<Ui> {
  const child = spawn(process.execPath, [bin, 'ui', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
  running.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`probing ui printed no URL within ${START_LIMIT_MS} ms: ${stderr}`)), START_LIMIT_MS);
    void exited.then((code) => reject(new Error(`probing ui exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  return { child, url: new URL(line), stderr: () => stderr, exited };
}

/** One HTTP request with full control of its headers (fetch will not send another Host). */
function call(ui: Ui, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any }> {
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ui.url.port,
        method,
        path: path.startsWith('/') ? path : `${ui.url.pathname}${path}`,
        headers: { ...(body !== undefined && options.raw === undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('probing ui: the server', () => {
  it('refuses requests without the token, for another host name, from another origin, and cross-site forms; SIGHUP stops it', async () => {
    const ui = await startUi([]);
    expect((await call(ui, 'GET', 'api/config')).status).toBe(200);
    expect((await call(ui, 'GET', '/api/config')).status).toBe(403);
    expect((await call(ui, 'GET', `/${'x'.repeat(32)}/api/config`)).status).toBe(403);
    expect((await call(ui, 'GET', '/')).status).toBe(403);
    // DNS rebinding: a hostile name that resolves to 127.0.0.1 still sends its own Host
    const rebound = await call(ui, 'GET', 'api/config', { headers: { Host: 'evil.example' } });
    expect(rebound.status).toBe(403);
    expect((await call(ui, 'GET', 'api/config', { headers: { Host: `evil.example:${ui.url.port}` } })).status).toBe(403);
    expect((await call(ui, 'GET', 'api/config', { headers: { Origin: 'http://evil.example' } })).status).toBe(403);
    expect((await call(ui, 'POST', 'api/t/1/query', { raw: 'sql=SELECT+1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await call(ui, 'GET', 'api/config', { headers: { Origin: `http://127.0.0.1:${ui.url.port}` } })).status).toBe(200);
    // the page: a strict policy, and no Referer to carry the token anywhere
    const page = await call(ui, 'GET', '');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // eval is not offered without --allow-eval
    expect((await call(ui, 'GET', 'api/config')).json()).toMatchObject({ allowEval: false });
    // not a route, answered without attaching to anything (pid 1 is no Node.js process)
    expect((await call(ui, 'POST', 'api/t/1/eval', { body: { code: '1' } })).status).toBe(404);
    expect((await call(ui, 'POST', 'api/t/1/inject', { body: { file: 'hook.cjs' } })).status).toBe(404);
    expect((await call(ui, 'GET', 'api/t/1/nothing')).status).toBe(404);
    // the terminal it ran in was closed
    ui.child.kill('SIGHUP');
    expect(await ui.exited).toBe(0);
  });

  it('lists the target, samples it (one series for every page), answers SQL (and its errors), stacks, a CPU profile and a heap sample; Ctrl-C leaves it as found', async () => {
    // busy only while it is profiled (its bursts spend most of a core)
    const target = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
    const before = await listeningPorts(target.pid);
    const ui = await startUi([String(target.pid)]);
    const config = (await call(ui, 'GET', 'api/config')).json();
    expect(config).toMatchObject({ targets: [String(target.pid)], sampleMs: 1000 });
    const processes = (await call(ui, 'GET', 'api/processes')).json() as Array<{ pid: number; way: string }>;
    expect(processes).toContainEqual(expect.objectContaining({ pid: target.pid, way: 'signal' }));
    const opened = await call(ui, 'POST', `api/t/${target.pid}/open`, { body: {} });
    expect(opened.status, opened.text).toBe(200);
    expect(opened.json()).toMatchObject({ pid: target.pid, info: { pid: target.pid } });
    // two pages on the target: each asks for the readings after the last it has; the
    // target is read once for both, so neither takes GC time or delay from the other's
    const samples = (after: number) => call(ui, 'GET', `api/t/${target.pid}/samples?after=${after}`).then((r) => r.json() as Array<{ ts: number; first?: true; interval_ms: number; heap: { used: number }; gc: { ms: number; count: number }; utilization: number }>);
    const pageA = await samples(0);
    expect(pageA.length).toBeGreaterThan(0);
    // the first reading covers probing's own attach, and says so
    expect(pageA[0]).toMatchObject({ first: true });
    const pageB = await samples(0);
    expect(pageB.slice(0, pageA.length)).toEqual(pageA);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      pageB.push(...(await samples(pageB[pageB.length - 1]!.ts)));
      pageA.push(...(await samples(pageA[pageA.length - 1]!.ts)));
    }
    // A asked last: it has every reading B has, the same ones, in the same order
    expect(pageA.slice(0, pageB.length)).toEqual(pageB);
    expect(pageA.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < pageA.length; i++) {
      expect(pageA[i]!.ts).toBeGreaterThan(pageA[i - 1]!.ts);
      expect(pageA[i]).not.toHaveProperty('first');
    }
    const last = pageA[pageA.length - 1]!;
    expect(last.heap.used).toBeGreaterThan(0);
    expect(last.utilization).toBeGreaterThanOrEqual(0);
    expect(last.interval_ms).toBeGreaterThan(0);
    expect((await call(ui, 'GET', `api/t/${target.pid}/samples?after=${last.ts + 60_000}`)).json()).toEqual([]);
    expect((await call(ui, 'GET', `api/t/${target.pid}/samples?after=soon`)).status).toBe(400);

    const rows = await call(ui, 'POST', `api/t/${target.pid}/query`, { body: { sql: 'SELECT pid, title FROM process.info' } });
    expect(rows.status, rows.text).toBe(200);
    expect(rows.json()).toMatchObject({ columns: [{ name: 'pid' }, { name: 'title' }], rows: [[target.pid, expect.any(String)]], cut: [] });
    const unknown = await call(ui, 'POST', `api/t/${target.pid}/query`, { body: { sql: 'SELECT nope FROM process.memory' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_COLUMN', position: 7, hint: expect.stringContaining('heap_used') });
    const csv = await call(ui, 'POST', `api/t/${target.pid}/query?format=csv`, { body: { sql: 'SELECT pid FROM process.info' } });
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="probing-\d+\.csv"$/);
    expect(csv.text).toBe(`pid\r\n${target.pid}\r\n`);

    const stacks = await call(ui, 'GET', `api/t/${target.pid}/stacks`);
    expect(stacks.status, stacks.text).toBe(200);
    expect(stacks.json()).toMatchObject({ main: { frames: expect.any(Array) }, workers: [] });

    await httpGet(target.port!, '/busy');
    const profile = await call(ui, 'POST', `api/t/${target.pid}/profile`, { body: { seconds: 1 } });
    await httpGet(target.port!, '/idle');
    expect(profile.status, profile.text).toBe(200);
    const cpu = profile.json();
    expect(cpu.functions[0]).toMatchObject({ function: 'hotFunction' });
    expect(cpu.svg).toContain('<title>hotFunction');
    const svg = await call(ui, 'GET', cpu.svgPath);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toBe(cpu.svg);
    expect((await call(ui, 'POST', `api/t/${target.pid}/profile`, { body: { seconds: 0 } })).status).toBe(400);

    const heap = await call(ui, 'POST', `api/t/${target.pid}/heap-sample`, { body: { seconds: 1 } });
    expect(heap.status, heap.text).toBe(200);
    expect(heap.json().sites.length).toBeGreaterThan(0);

    expect((await call(ui, 'POST', `api/t/${target.pid}/heap-snapshot`, { body: {} })).json().error.code).toBe('CONFIRM');
    // the warning the page shows before asking, then two snapshots and their diff
    const cost = (await call(ui, 'GET', `api/t/${target.pid}/snapshot-cost`)).json();
    expect(cost).toMatchObject({ refused: null, warning: expect.stringContaining('stops its JavaScript until it is written') });
    const snapshots = [];
    for (let i = 0; i < 2; i++) {
      const taken = await call(ui, 'POST', `api/t/${target.pid}/heap-snapshot`, { body: { confirm: true } });
      expect(taken.status, taken.text).toBe(200);
      snapshots.push(taken.json());
    }
    expect(snapshots[0].classes.length).toBeGreaterThan(10);
    expect(snapshots[0].nodeCount).toBeGreaterThan(1000);
    const diff = await call(ui, 'POST', 'api/heap-diff', { body: { before: snapshots[0].id, after: snapshots[1].id } });
    expect(diff.status, diff.text).toBe(200);
    expect(diff.json().columns.map((c: { name: string }) => c.name)).toEqual(['class', 'count_before', 'count_after', 'count_delta', 'size_delta']);
    expect((await call(ui, 'POST', 'api/heap-diff', { body: { before: 'nope', after: snapshots[1].id } })).status).toBe(404);
    ui.child.kill('SIGINT');
    expect(await ui.exited).toBe(0);
    expect(ui.stderr()).toContain('every target it held was detached');
    await expectLeftAsFound(target, before);
  });

  it('offers eval and inject only when started with --allow-eval; SIGTERM stops it and leaves the target as found', async () => {
    const target = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
    const before = await listeningPorts(target.pid);
    const ui = await startUi(['--allow-eval', String(target.pid)]);
    expect((await call(ui, 'GET', 'api/config')).json()).toMatchObject({ allowEval: true });
    const answer = await call(ui, 'POST', `api/t/${target.pid}/eval`, { body: { code: 'typeof globalThis.result' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toEqual({ text: "'number'" });
    const bad = await call(ui, 'POST', `api/t/${target.pid}/eval`, { body: { code: 'let = ;' } });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'SYNTAX', hint: expect.stringContaining('nothing was sent') });
    // inject: a script from disk, as probing inject loads it (its sibling module required)
    const injected = await call(ui, 'POST', `api/t/${target.pid}/inject`, { body: { file: `${fixtures}scripts/hook.cjs` } });
    expect(injected.status, injected.text).toBe(200);
    expect(injected.json().text).toContain("label: 'from helper-module'");
    expect(injected.json().text).toContain("file: 'hook.cjs'");
    const missing = await call(ui, 'POST', `api/t/${target.pid}/inject`, { body: { file: `${fixtures}scripts/no-such.cjs` } });
    expect(missing.status).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'NO_SUCH_FILE' });
    // any signal stops it as Ctrl-C does: SIGTERM here (a service manager's stop)
    ui.child.kill('SIGTERM');
    expect(await ui.exited).toBe(0);
    expect(ui.stderr()).toContain('every target it held was detached');
    await expectLeftAsFound(target, before);
  });

  it('holds a target with the agent through the agent: no signal, no port opened', async () => {
    const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));
    const target = await startTarget('server.cjs', { nodeArgs: ['--require', agent] });
    // the socket appears a few ms after the preload ran, possibly after the ready line
    await eventually(() => existsSync(socketPath(target.pid)));
    const before = await listeningPorts(target.pid);
    const ui = await startUi([String(target.pid)]);
    const processes = (await call(ui, 'GET', 'api/processes')).json() as Array<{ pid: number; way: string }>;
    expect(processes).toContainEqual(expect.objectContaining({ pid: target.pid, way: 'agent' }));
    const opened = await call(ui, 'POST', `api/t/${target.pid}/open`, { body: {} });
    expect(opened.status, opened.text).toBe(200);
    expect(opened.json().address).toBe(`agent:${socketPath(target.pid)}`);
    const samples = (await call(ui, 'GET', `api/t/${target.pid}/samples?after=0`)).json() as unknown[];
    expect(samples.length).toBeGreaterThan(0);
    // held through the socket: the target opened no port, and no inspector
    expect(await listeningPorts(target.pid)).toEqual(before);
    expect(target.stderr()).not.toContain('Debugger listening');
    ui.child.kill('SIGINT');
    expect(await ui.exited).toBe(0);
    await expectLeftAsFound(target, before);
  });
});
