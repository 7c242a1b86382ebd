/**
 * Debian's headless Chromium, driven over the DevTools protocol (chrome-remote-interface):
 * for the tests of what a browser shows (the flame graph, probing ui's page). Killed with
 * all its processes by close(), which every test file calls in afterAll; a test's directory
 * holding its profile is removed with retries (a dying renderer may still be writing there).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import CDP from 'chrome-remote-interface';
import { PNG } from 'pngjs';
import { eventually } from './limits.js';

export interface Browser {
  client: CDP.Client;
  /** Navigates and waits for the load event. */
  open(url: string): Promise<void>;
  /** Evaluates in the page (promises awaited); what it throws fails the test. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the page (or of `clip`). */
  screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer>;
  close(): Promise<void>;
}

/** Share of a PNG's pixels that are coloured (not white, black or grey): a picture that was drawn. */
export function colouredShare(png: Buffer): number {
  const image = PNG.sync.read(png);
  let coloured = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return coloured / (image.width * image.height);
}

/** Starts chromium with its profile in `dir` and a window of `width`×`height`, and any `extra` switches. */
export async function startChromium(dir: string, width: number, height: number, extra: string[] = []): Promise<Browser> {
  if (spawnSync('chromium', ['--version']).error) throw new Error("these tests need Debian's chromium: apt-get install chromium (.ci/run installs it)");
  // a process group of its own: chromium's renderer, GPU and crash handler processes are killed with it
  const child: ChildProcess = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`, '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'profile')}`, ...extra, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const listening = /DevTools listening on ws:\/\/[^:]+:(\d+)\//;
  await eventually(() => listening.test(stderr), 30_000);
  const client = await CDP({ port: Number(listening.exec(stderr)![1]) });
  await Promise.all([client.Page.enable(), client.Runtime.enable()]);
  return {
    client,
    async open(url) {
      const loaded = client.Page.loadEventFired();
      await client.Page.navigate({ url });
      await loaded;
    },
    async evaluate<T>(expression: string) {
      const { result, exceptionDetails } = await client.Runtime.evaluate({ expression, returnByValue: true, awaitPromise: true });
      if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
      return result.value as T;
    },
    async screenshot(clip) {
      const { data } = await client.Page.captureScreenshot({ format: 'png', ...(clip ? { clip: { ...clip, scale: 1 } } : {}) });
      return Buffer.from(data, 'base64');
    },
    async close() {
      await client.close().catch(() => {});
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
    },
  };
}
