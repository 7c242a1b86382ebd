import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { soonAfter } from '../helpers/limits.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

const faults = fileURLToPath(new URL('../fixtures/extensions/', import.meta.url));
const peakHook = fileURLToPath(new URL('../helpers/peak-rss.cjs', import.meta.url));
const MiB = 1024 * 1024;

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'probing-home-'));
});

/** Runs the CLI and measures its peak resident memory (process.resourceUsage, from inside it). */
async function measured(args: string[], env: NodeJS.ProcessEnv = {}) {
  const peakFile = join(home, `peak-${Math.random().toString(36).slice(2)}`);
  const started = Date.now();
  const result = await probing(args, { env: { PROBING_HOME: home, NODE_OPTIONS: `--require ${peakHook}`, PROBING_TEST_PEAK: peakFile, ...env } });
  return { ...result, ms: Date.now() - started, peak: Number(readFileSync(peakFile, 'utf8')) };
}

describe('extensions cannot exhaust the CLI', () => {
  it('an out-of-process extension writing 1 GB without a newline is stopped at one message: exit 6, memory bounded, target as found', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const baseline = await measured([String(target.pid), 'query', 'SELECT pid FROM process.info']);
    expect(baseline.code).toBe(0);
    const flood = await measured([String(target.pid), 'query', 'SELECT * FROM flood.line', '--extension', `${faults}flood`]);
    console.log(`1 GB line: CLI peak RSS ${(flood.peak / MiB).toFixed(0)} MiB (a plain query: ${(baseline.peak / MiB).toFixed(0)} MiB; before the limits it crashed at ~650 MiB)`);
    expect(flood.code).toBe(6);
    expect(flood.stderr).toContain('extension flood wrote more than 64 MiB without ending the message (no newline) and was stopped');
    expect(flood.stderr).toContain('hint: if the extension is right to send that much: probing ext set flood.limits.message_bytes 256m');
    expect(flood.stderr).not.toMatch(/RangeError|internal error/);
    // one message's worth (64 MiB) held as chunks, then dropped — not the gigabyte
    expect(flood.peak - baseline.peak).toBeLessThan(160 * MiB);
    await expectLeftAsFound(target, before);
  });

  it('everything a program writes in one command is bounded too, and the user sets the limits (ext set / ext options)', async () => {
    const target = await startTarget('server.cjs');
    const ext = ['--extension', `${faults}flood`];
    const run = (args: string[]) => probing([...args, ...ext], { env: { PROBING_HOME: home } });
    expect(JSON.parse((await run([String(target.pid), 'query', 'SELECT length(text) AS n FROM flood.big', '-f', 'json'])).stdout)).toEqual([{ n: 2097152 }]);
    expect((await run(['ext', 'set', 'flood.limits.output_bytes', '1m'])).stdout).toBe('flood.limits.output_bytes = 1 MiB\n');
    // the settings file is the user's alone, like the repl's history
    expect(statSync(join(home, 'settings.json')).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const options = (await run(['ext', 'options', 'flood', '--json'])).stdout;
    expect(JSON.parse(options)).toEqual([
      { key: 'limits.message_bytes', value: '64 MiB', default: '64 MiB', help: expect.stringContaining('largest message') },
      { key: 'limits.output_bytes', value: '1 MiB', default: '256 MiB', help: expect.stringContaining('during one command') },
    ]);
    const cut = await run([String(target.pid), 'query', 'SELECT length(text) AS n FROM flood.big']);
    expect(cut.code).toBe(6);
    expect(cut.stderr).toContain('extension flood wrote more than 1 MiB to stdout in one command and was stopped');
    for (const [key, value, message] of [
      ['flood.limits.output_bytes', 'lots', 'limits.output_bytes takes a size from 1k to 4g, not "lots"'],
      ['flood.limits.output_bytes', '8g', 'limits.output_bytes takes a size from 1k to 4g, not "8g"'],
      ['flood.limits.body_bytes', '1m', 'extension flood has no limit "body_bytes"'],
    ] as const) {
      const bad = await run(['ext', 'set', key, value]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(message);
      expect(bad.stderr).toContain('hint:');
    }
  });

  it('an HTTP function answering 512 MB is cut off while streaming, a body that trickles is timed out; both exit 6 naming the extension', async () => {
    const target = await startTarget('server.cjs');
    const service = await startTarget('big-body.cjs');
    const before = await listeningPorts(target.pid);
    const env = { BIG_PORT: String(service.port) };
    const ext = ['--extension', `${faults}bigbody`];
    const baseline = await measured([String(target.pid), 'query', "SELECT small('a') AS v FROM process.info", '-f', 'json', ...ext], env);
    expect(JSON.parse(baseline.stdout)).toEqual([{ v: 'a' }]);
    const huge = await measured([String(target.pid), 'query', "SELECT length(huge('512')) AS n FROM process.info", ...ext], env);
    console.log(`512 MB body: CLI peak RSS ${(huge.peak / MiB).toFixed(0)} MiB (a small answer: ${(baseline.peak / MiB).toFixed(0)} MiB; before the limits it reached 1.16 GB)`);
    expect(huge.code).toBe(6);
    expect(huge.stderr).toMatch(/extension bigbody: huge\(\): http:\/\/127\.0\.0\.1:\d+\/huge\/512 answered with more than 8 MiB; the rest was not read/);
    expect(huge.stderr).toContain('probing ext set bigbody.limits.body_bytes 32m');
    expect(huge.peak - baseline.peak).toBeLessThan(96 * MiB);
    expect(service.alive()).toBe(true);

    const started = Date.now();
    const slow = await probing([String(target.pid), 'query', "SELECT trickle('x') FROM process.info", ...ext], { env: { PROBING_HOME: home, ...env } });
    expect(slow.code).toBe(6);
    expect(slow.stderr).toMatch(/extension bigbody: trickle\(\): \S+ did not finish answering within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(soonAfter(1000, baseline.ms));

    // raised by the user, the same function answers
    await probing(['ext', 'set', 'bigbody.limits.body_bytes', '16m', ...ext], { env: { PROBING_HOME: home } });
    const raised = await probing([String(target.pid), 'query', "SELECT length(huge('12')) AS n FROM process.info", '-f', 'json', ...ext], { env: { PROBING_HOME: home, ...env } });
    expect(JSON.parse(raised.stdout)).toEqual([{ n: 12 * MiB }]);
    await expectLeftAsFound(target, before);
  });
});
