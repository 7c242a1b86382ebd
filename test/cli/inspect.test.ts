// probing <target> inspect: the inspector stays open for DevTools until Ctrl-C, then is closed if probing opened it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import CDP from 'chrome-remote-interface';
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget, type Target } from '../helpers/targets.js';

const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));
const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));

/** Runs `inspect` until it prints its URL; returns the URL and a function that sends SIGINT and waits for the exit. */
async function inspecting(target: Target) {
  const child = spawn(process.execPath, [bin, String(target.pid), 'inspect'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ws = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const match = /ws=(\S+)/.exec(stdout);
      if (match) resolve(`ws://${match[1]}`);
    });
    void exited.then((code) => reject(new Error(`inspect exited (${code}) before printing a URL: ${stderr}`)));
  });
  const stop = async () => {
    child.kill('SIGINT');
    return { code: await exited, stdout, stderr };
  };
  return { ws, stop, stdout: () => stdout };
}

/** A DevTools stand-in: connects to the URL and evaluates in the target. */
async function devtoolsEvaluate(ws: string, expression: string): Promise<unknown> {
  const client = await CDP({ target: ws, local: true });
  try {
    const { result } = (await client.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: unknown } };
    return result.value;
  } finally {
    await client.close();
  }
}

describe('inspect', () => {
  it('opens the inspector with SIGUSR1, keeps it for DevTools until SIGINT, then closes it', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const session = await inspecting(target);
    expect(session.stdout()).toContain('(probing opened it, and closes it then)');
    expect(session.stdout()).toContain('chrome://inspect');
    expect(await devtoolsEvaluate(session.ws, 'process.pid')).toBe(target.pid);
    // still open after DevTools hung up: only Ctrl-C ends it
    expect((await listeningPorts(target.pid)).length).toBe(before.length + 1);
    const { code, stderr } = await session.stop();
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted by SIGINT; the target was left as it was found');
    await expectLeftAsFound(target, before);
  });

  it('through the agent: opens one on loopback from inside (no signal) and closes it at the end', async () => {
    const target = await startTarget('server.cjs', { nodeArgs: ['--require', agent] });
    for (let i = 0; i < 100 && !(await probing([String(target.pid), 'agent', 'status'])).stdout.includes('answers'); i++) await new Promise((r) => setTimeout(r, 20));
    const before = await listeningPorts(target.pid);
    const session = await inspecting(target);
    expect(session.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    expect(await devtoolsEvaluate(session.ws, '6 * 7')).toBe(42);
    expect((await session.stop()).code).toBe(130);
    await expectLeftAsFound(target, before);
    expect(target.stderr().split('Debugger listening').length - 1).toBe(1);
  });

  it('an inspector that was open before stays open', async () => {
    const target = await startTarget('server.cjs', { nodeArgs: ['--inspect=127.0.0.1:0'] });
    const before = await listeningPorts(target.pid);
    const session = await inspecting(target);
    expect(session.stdout()).toContain('(it was open before; it stays open)');
    await session.stop();
    expect(await listeningPorts(target.pid)).toEqual(before);
  });
});
