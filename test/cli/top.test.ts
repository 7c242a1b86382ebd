// probing <target> top: CPU by function, event loop, heap, handles, HTTP — live, from one attachment.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { START_LIMIT_MS, eventually } from '../helpers/limits.js';
import { bin, fixtureLine, httpGet, listeningPorts, probing, startTarget } from '../helpers/targets.js';

const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));

/** The function rows of a frame: [own%, total%, own s, total s, function, location]. */
function functionRows(frame: string): string[][] {
  const lines = frame.split('\n');
  const header = lines.findIndex((l) => /OWN%.*TOTAL%.*FUNCTION/.test(l));
  const rows: string[][] = [];
  for (const line of lines.slice(header + 1)) {
    const m = /^\s*([\d.]+)%\s+([\d.]+)%\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) break;
    rows.push(m.slice(1));
  }
  return rows;
}

describe('probing top', () => {
  it('--once: the busy function at the top of CPU, the event loop, heap and handles; the target left as found', async () => {
    const target = await startTarget('hot.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'top', '--once']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^probing top · pid ${target.pid} `));
    expect(result.stdout).toMatch(/CPU \(main thread\) [\d.]+% busy/);
    expect(result.stdout).toMatch(/event loop: utilization [\d.]+% · delay p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms/);
    expect(result.stdout).toMatch(/heap [\d.]+ MiB of [\d.]+ MiB · rss [\d.]+ MiB/);
    expect(result.stdout).toMatch(/active: .*TCPServerWrap 1/);
    expect(result.stdout).toContain('http: the HTTP sampler is off');
    expect(result.stdout).toMatch(/cost in the target: [\d.]+ ms for this frame's probes/);
    const rows = functionRows(result.stdout);
    expect(rows[0]?.[4], result.stdout).toBe('hotFunction');
    const line = fixtureLine('hot.cjs', 'function hotFunction(n) {');
    expect(line).toBeGreaterThan(0);
    expect(rows[0]?.[5]).toMatch(new RegExp(`hot\\.cjs:${line}$`));
    // one frame only: no key help off a terminal
    expect(result.stdout.split('probing top ·').length - 1).toBe(1);
    expect(result.stdout).not.toContain('keys:');
    await expectLeftAsFound(target, before);
    // nothing of top stays in the target
    expect((await probing([String(target.pid), 'eval', 'Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => s.includes("probing.top"))', '--json'])).stdout.trim()).toBe('[]');
  });

  it('over the agent, with the HTTP sampler on: requests per second and latency; no inspector opened', async () => {
    const target = await startTarget('http-service.cjs', { nodeArgs: ['--require', agent] });
    await eventually(async () => (await probing([String(target.pid), 'agent', 'status'])).stdout.includes('answers'));
    expect((await probing([String(target.pid), 'config', 'set', 'sampler.http', 'true'])).code).toBe(0);
    let load = true;
    const requests = (async () => {
      while (load) await httpGet(target.port!);
    })();
    try {
      const result = await probing([String(target.pid), 'top', '--count', '2', '--interval', '400ms']);
      expect(result.code).toBe(0);
      const frames = result.stdout.split(/^probing top · /m).slice(1);
      expect(frames).toHaveLength(2);
      expect(frames[0]).toContain(`pid ${target.pid} (agent:`);
      for (const frame of frames) expect(frame).toMatch(/http: [\d.]+ req\/s · p50 [\d.]+ ms, p99 [\d.]+ ms/);
      expect(Number(/http: ([\d.]+) req\/s/.exec(frames[1]!)![1])).toBeGreaterThan(0);
    } finally {
      load = false;
      await requests;
    }
    expect(target.stderr()).not.toContain('Debugger listening');
  });

  it('a worker thread: <pid>/w1 shows the worker spinning', async () => {
    const target = await startTarget('workers.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([`${target.pid}/w1`, 'top', '--once']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CPU \(worker w1\) (9\d|100)\.\d% busy/);
    expect(functionRows(result.stdout)[0]?.[5]).toContain('[worker eval]');
    await expectLeftAsFound(target, before);
  });

  it('on a terminal: sorts and quits on keys, puts the terminal back, and leaves the target as found', async () => {
    const target = await startTarget('hot.cjs');
    const before = await listeningPorts(target.pid);
    // util-linux script gives the CLI a pseudo-terminal; keys go in through its stdin
    const child = spawn('script', ['-qfec', `${process.execPath} ${bin} ${target.pid} top --interval 300ms --attach-timeout 30000`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let screen = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // a frame reaches the pty in several writes: wait for its last line, the keys
      expect(await eventually(() => /OWN%▼[\s\S]*hotFunction[\s\S]*keys: o own%/.test(screen), START_LIMIT_MS)).toBe(true);
      expect(screen).toContain('\x1b[?1049h');
      child.stdin!.write('t');
      expect(await eventually(() => screen.includes('TOTAL%▼'))).toBe(true);
      child.stdin!.write('n');
      expect(await eventually(() => screen.includes('FUNCTION▼'))).toBe(true);
      child.stdin!.write('q');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    // the alternate screen left, the cursor shown again
    expect(screen.trimEnd().endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    await expectLeftAsFound(target, before);
  });

  it('refuses bad options before touching the target', async () => {
    const target = await startTarget('server.cjs');
    const sort = await probing([String(target.pid), 'top', '--sort', 'memory']);
    expect(sort.code).toBe(2);
    expect(sort.stderr).toContain('--sort memory is not one of own, total, own_time, total_time, name');
    const both = await probing([String(target.pid), 'top', '--once', '--count', '3']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--once is one frame');
    const rate = await probing([String(target.pid), 'top', '--rate', '0']);
    expect(rate.code).toBe(2);
    expect(target.stderr()).not.toContain('Debugger listening');
  });
});
