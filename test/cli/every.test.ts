// query --every: one attachment, frame after frame, ended by --count or a signal.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));
const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));
const listening = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('Debugger listening')).length;

describe('query --every', () => {
  it('gives 5 frames from one attachment (ndjson rows with _ts, in order), and leaves the target as found', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'query', 'SELECT heap_used, rss FROM process.memory', '--every', '200ms', '--count', '5', '-f', 'ndjson']);
    // on a busy machine a frame may take longer than the interval: said, and the clock kept
    for (const line of result.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^probing: frame \d+ took \d+ ms, longer than --every 200 ms: \d+ ticks? skipped/);
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { _ts: string; heap_used: number; rss: number });
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0]!)).toEqual(['_ts', 'heap_used', 'rss']);
    const times = rows.map((r) => Date.parse(r._ts));
    // in order, each a tick apart at least in spirit: increasing, and not all in one burst
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(4 * 200 - 50);
    expect(listening(target.stderr())).toBe(1);
    await expectLeftAsFound(target, before);
  });

  it('over the agent: frames with no inspector at all; csv has its header once', async () => {
    const target = await startTarget('server.cjs', { nodeArgs: ['--require', agent] });
    // the agent's socket comes a few ms after start
    for (let i = 0; i < 100 && !(await probing([String(target.pid), 'agent', 'status'])).stdout.includes('answers'); i++) await new Promise((r) => setTimeout(r, 20));
    const result = await probing([String(target.pid), 'query', 'SELECT pid FROM process.info', '--every', '100ms', '--count', '4', '-f', 'csv']);
    // CRLF, as RFC 4180 writes csv
    expect(result.stdout.trim().split('\r\n').map((l) => (l.startsWith('_ts') ? l : l.split(',')[1]))).toEqual(['_ts,pid', ...Array(4).fill(String(target.pid))]);
    expect(listening(target.stderr())).toBe(0);
  });

  it('a table off a terminal: one frame after another, each under its time', async () => {
    const target = await startTarget('server.cjs');
    const result = await probing([String(target.pid), 'query', 'SELECT pid FROM process.info', '--every', '100ms', '--count', '3']);
    const headers = result.stdout.split('\n').filter((l) => l.startsWith('every 100 ms: SELECT pid FROM process.info'));
    expect(headers).toHaveLength(3);
    expect(headers[2]).toMatch(/frame 3 of 3$/);
    expect(result.stdout.split(String(target.pid)).length - 1).toBe(3);
  });

  it('on a terminal, the table redraws in place', async () => {
    const target = await startTarget('server.cjs');
    // util-linux script gives the CLI a pseudo-terminal
    const script = spawnSync('script', ['-qec', `${process.execPath} ${bin} ${target.pid} query "SELECT pid FROM process.info" --every 100ms --count 3`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
    expect(script.status).toBe(0);
    expect(script.stdout.split('\x1b[H\x1b[2J').length - 1).toBe(3);
  });

  it('SIGINT ends it: detached, said once, target as found', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const child = spawn(process.execPath, [bin, String(target.pid), 'query', 'SELECT pid FROM process.info', '--every', '100ms', '-f', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (stdout.split('\n').length > 3) child.kill('SIGINT');
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted by SIGINT; the target was left as it was found');
    expect(listening(target.stderr())).toBe(1);
    await expectLeftAsFound(target, before);
  });

  it('over several targets: each attached once for all frames; one killed midway is named and the others go on (exit 7)', async () => {
    const targets = await Promise.all([startTarget('server.cjs'), startTarget('server.cjs'), startTarget('server.cjs')]);
    const [a, b, c] = targets;
    const before = await Promise.all(targets.map((t) => listeningPorts(t.pid)));
    const child = spawn(process.execPath, [bin, `${a!.pid},${b!.pid},${c!.pid}`, 'query', 'SELECT _pid FROM process.info ORDER BY _pid', '--every', '250ms', '--count', '6', '-f', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // after the second frame, one target goes away
      if (stdout.trim().split('\n').length === 6) b!.child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(7);
    const frames = new Map<string, number[]>();
    for (const line of stdout.trim().split('\n')) {
      const row = JSON.parse(line) as { _ts: string; _pid: number };
      frames.set(row._ts, [...(frames.get(row._ts) ?? []), row._pid]);
    }
    expect(frames.size).toBe(6);
    const pids = [...frames.values()];
    expect(pids[0]).toEqual([a!.pid, b!.pid, c!.pid].sort((x, y) => x - y));
    expect(pids.at(-1)).toEqual([a!.pid, c!.pid].sort((x, y) => x - y));
    expect(stderr).toContain(`probing: target ${b!.pid} failed:`);
    expect(stderr.match(/failed:/g)).toHaveLength(1);
    // each of the others: attached once (SIGUSR1 once), and left as found
    for (const t of [a!, c!]) {
      expect(t.stderr().split('Debugger attached.').length - 1).toBeLessThanOrEqual(2);
      await expectLeftAsFound(t, before[targets.indexOf(t)]!);
    }
  });

  it('refuses what it cannot do, before touching anything', async () => {
    const target = await startTarget('server.cjs');
    for (const [args, message] of [
      [['-f', 'json', '--every', '1s'], '--every writes a stream of frames; json is one document'],
      [['-f', 'arrow', '-o', '/dev/null', '--every', '1s'], '--every writes a stream of frames; arrow is one document'],
      [['--count', '3'], '--count is the number of frames of --every'],
      [['--every', '0'], "option '--every <duration>' argument '0' is invalid"],
      [['--every', 'soon'], "option '--every <duration>' argument 'soon' is invalid"],
    ] as const) {
      const result = await probing([String(target.pid), 'query', 'SELECT pid FROM process.info', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    const noTarget = await probing(['query', 'SELECT 1', '--every', '1s']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('--every watches a process: name one');
    expect(listening(target.stderr())).toBe(0);
  });
});
