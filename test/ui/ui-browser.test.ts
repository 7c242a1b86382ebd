/**
 * probing ui's page in real headless Chromium (Debian's chromium), against a real target
 * through the real CLI: the processes list, live charts, the SQL console (rows and an
 * error), a CPU profile's flame graph (in the DOM and as drawn pixels), a heap sample,
 * stacks; then the server stops and the target is as it was found. A screenshot of each
 * view is saved (the directory is printed; PROBING_SCREENSHOTS chooses it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { colouredShare, startChromium, type Browser } from '../helpers/chromium.js';
import { eventually, START_LIMIT_MS } from '../helpers/limits.js';
import { bin, cliEnv, listeningPorts, startTarget, type Target } from '../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'probing-ui-browser-'));
const shots = process.env.PROBING_SCREENSHOTS ?? join(dir, 'screenshots');
let browser: Browser;
let target: Target;
let portsBefore: number[];
let ui: ChildProcess;
let uiExited: Promise<number | null>;
let url: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await startChromium(dir, 1280, 900);
}, 120_000);

/** The target and \`probing ui <pid>\`: started in the test (targets are killed after each test). */
async function start(): Promise<void> {
  target = await startTarget('hot.cjs');
  portsBefore = await listeningPorts(target.pid);
  ui = spawn(process.execPath, [bin, 'ui', String(target.pid)], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
  uiExited = new Promise((resolve) => ui.on('close', resolve));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`probing ui printed no URL within ${START_LIMIT_MS} ms`)), START_LIMIT_MS);
    createInterface({ input: ui.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
}

afterAll(async () => {
  await browser?.close();
  if (ui && ui.exitCode === null && ui.signalCode === null) ui.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  if (!process.env.PROBING_SCREENSHOTS) console.log(`(screenshots were in ${shots}; set PROBING_SCREENSHOTS to keep them)`);
});

const $ = (testid: string) => `document.querySelector('[data-testid="${testid}"]')`;
const exists = (testid: string) => browser.evaluate<boolean>(`!!${$(testid)}`);
const textOf = (testid: string) => browser.evaluate<string>(`${$(testid)}?.textContent ?? ''`);
const click = (testid: string) => browser.evaluate<void>(`${$(testid)}.click()`);
/** Waits for `check`; failing, says what the page showed (the visible panel's text). */
const until = async (what: string, check: () => Promise<boolean>) => {
  await eventually(check);
  if (await check()) return;
  const shown = await browser.evaluate<string>(`[...document.querySelectorAll('[data-testid^="panel-"]')].filter((p) => p.offsetParent !== null).map((p) => p.textContent).join(' | ').slice(0, 2000)`);
  expect.fail(`${what} never came; the page showed: ${shown}`);
};
const shoot = async (name: string) => writeFileSync(join(shots, `${name}.png`), await browser.screenshot());

/** Replaces the SQL editor's text and runs it (Ctrl-Enter, as a user would). */
async function runSql(sql: string): Promise<void> {
  const { client } = browser;
  await browser.evaluate<void>(`document.querySelector('[data-testid="sql-editor"] .cm-content').focus()`);
  await client.Input.dispatchKeyEvent({ type: 'keyDown', commands: ['selectAll'] });
  await client.Input.insertText({ text: sql });
  await click('sql-run');
}

describe('probing ui in headless Chromium', () => {
  it('processes, live charts, SQL (rows and an error), a CPU flame graph drawn, a heap sample, stacks; the token; the target left as found', async () => {
    await start();
    // the target in the list, opened (named on the command line), its live charts drawing
    await browser.open(url);
    await until('the target in the processes list', () => exists(`process-${target.pid}`));
    await until('its tab, opened from the command line', () => exists(`target-tab-${target.pid}`));
    // a sample a second: three points after three seconds
    await until('three points in the memory chart', async () => Number(await browser.evaluate<string>(`${$('chart-memory')}?.dataset.points ?? '0'`)) >= 3);
    expect(await textOf('info')).toContain(String(target.pid));
    await shoot('overview');

    // SQL: the rows, and an unknown column as an error with its hint
    await click('tab-sql');
    await until('the SQL editor', () => exists('sql-editor'));
    await runSql('SELECT pid, title FROM process.info');
    await until('the results', async () => (await textOf('sql-results')).includes(String(target.pid)));
    await shoot('sql');
    await runSql('SELECT nope FROM process.memory');
    await until('the error', async () => (await textOf('error')).includes('unknown column "nope"'));
    expect(await textOf('error')).toContain('heap_used');

    // a 1 s CPU profile: the flame graph names the hot function and is drawn
    await click('tab-cpu');
    await until('the CPU view', () => exists('cpu-record'));
    await browser.evaluate<void>(`(() => { const i = ${$('cpu-seconds')}; i.value = '1'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
    await click('cpu-record');
    const inFlame = `${$('flame')}?.contentDocument`;
    await until('the flame graph', () => browser.evaluate<boolean>(`!!${inFlame}?.querySelector('.f title')`));
    const titles = await browser.evaluate<string[]>(`[...${inFlame}.querySelectorAll('.f title')].map((t) => t.textContent)`);
    expect(titles.some((t) => t.startsWith('hotFunction — '))).toBe(true);
    expect(await textOf('functions')).toContain('hotFunction');
    const box = await browser.evaluate<{ x: number; y: number; width: number; height: number }>(`(() => { const r = ${$('flame')}.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`);
    expect(box.height).toBeGreaterThan(60);
    // drawn: coloured frames in the picture, not a blank frame
    expect(colouredShare(await browser.screenshot(box))).toBeGreaterThan(0.05);
    await shoot('cpu');

    // a heap sample, and the stacks
    await click('tab-heap');
    await until('the heap view', () => exists('heap-sample-run'));
    await browser.evaluate<void>(`(() => { const i = ${$('heap-sample-seconds')}; i.value = '1'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
    await click('heap-sample-run');
    await until('the allocation flame graph', () => browser.evaluate<boolean>(`!!${$('heap-flame')}?.contentDocument?.querySelector('.f title')`));
    await shoot('heap');
    await click('tab-stacks');
    await until('the stacks', async () => /main thread/i.test(await textOf('stacks')));
    await shoot('stacks');

    // the page answers only with its token; stopping the server leaves the target as found
    const status = await browser.evaluate<number>(`fetch('/api/config').then((r) => r.status)`);
    expect(status).toBe(403);
    await browser.open('about:blank');
    ui.kill('SIGINT');
    expect(await uiExited).toBe(0);
    await expectLeftAsFound(target, portsBefore);
  });
});
