/**
 * probing ui's page in real headless Chromium (Debian's chromium), against a real target
 * through the real CLI: the processes list, live charts, the SQL console (rows and an
 * error), a CPU profile's flame graph (in the DOM and as drawn pixels), a heap sample,
 * stacks, the Modules and Runtime tables views, dark mode; that the page loads nothing
 * from anywhere but its server (it works offline) and offers no eval; that the server
 * refuses a page reached through another host name (DNS rebinding, for real: chromium
 * resolves evil.example to 127.0.0.1) and a request from that page's origin; then the
 * server stops and the target is as it was found. A screenshot of each view is saved in
 * <tmpdir>/probing-ui-screenshots (printed; PROBING_SCREENSHOTS chooses another directory),
 * kept after the run and overwritten by the next.
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
import { bin, cliEnv, httpGet, listeningPorts, startTarget, type Target } from '../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'probing-ui-browser-'));
const shots = process.env.PROBING_SCREENSHOTS ?? join(tmpdir(), 'probing-ui-screenshots');
/** Every URL the browser asked for, and the status of each answer. */
const requested: string[] = [];
const statuses = new Map<string, number>();
let browser: Browser;
let target: Target;
let portsBefore: number[];
let ui: ChildProcess;
let uiExited: Promise<number | null>;
let url: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // evil.example resolves to 127.0.0.1 in this browser: a DNS-rebinding attacker's name
  browser = await startChromium(dir, 1280, 900, ['--host-resolver-rules=MAP evil.example 127.0.0.1', '--no-proxy-server']);
  await browser.client.Network.enable({});
  // the status as it came off the wire, also of an answer CORS then hid from the page; the
  // network service's ExtraInfo event may come before or after the request's own event
  const urls = new Map<string, string>();
  const codes = new Map<string, number>();
  const pair = (requestId: string) => {
    const at = urls.get(requestId);
    const code = codes.get(requestId);
    if (at !== undefined && code !== undefined) statuses.set(at, code);
  };
  browser.client.on('Network.requestWillBeSent', ({ requestId, request }) => {
    requested.push(request.url);
    urls.set(requestId, request.url);
    pair(requestId);
  });
  browser.client.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => {
    codes.set(requestId, statusCode);
    pair(requestId);
  });
}, 120_000);

/** The target and \`probing ui <pid>\`: started in the test (targets are killed after each test). */
async function start(): Promise<void> {
  // busy only while the CPU view profiles it (its bursts spend most of a core)
  target = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
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
  console.log(`(screenshots of each view of probing ui: ${shots})`);
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
  it('processes, live charts (light and dark), SQL (rows, an error marked at its position, history, completion, sorting), modules, runtime tables, a CPU flame graph drawn, a heap sample, a confirmed snapshot, stacks; offline, no eval; the token, Host and Origin refusals; the target left as found', async () => {
    await start();
    // the target in the list, opened (named on the command line), its live charts drawing
    await browser.open(url);
    await until('the target in the processes list', () => exists(`process-${target.pid}`));
    await until('its tab, opened from the command line', () => exists(`target-tab-${target.pid}`));
    // how it is reached: hot.cjs has no agent; SIGUSR1, or the inspector the ui opened with it (the list may come before or after)
    expect(await textOf(`process-${target.pid}`)).toMatch(/^\d+(signal|inspector)v\d/);
    // no eval without --allow-eval
    await until('the target tabs', () => exists('tab-overview'));
    expect(await exists('tab-eval')).toBe(false);
    // a sample a second: three points after three seconds
    await until('three points in the memory chart', async () => Number(await browser.evaluate<string>(`${$('chart-memory')}?.dataset.points ?? '0'`)) >= 3);
    expect(await textOf('info')).toContain(String(target.pid));
    // the first reading (right after the attach, which may set off a collection) is said in words, not drawn
    expect(await textOf('chart-note-gc')).toMatch(/^not drawn: the first reading, \d+ ms right after probing attached, with \d+ collections? \(/);
    await shoot('overview');

    // dark mode: the page follows the system's scheme, its charts drawn again in it
    const background = () => browser.evaluate<number[]>(`getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)`);
    const light = await background();
    await browser.client.Emulation.setEmulatedMedia({ features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
    await until('the dark background', async () => Math.max(...(await background())) < 64);
    expect(Math.min(...light)).toBeGreaterThan(192);
    expect(Number(await browser.evaluate<string>(`${$('chart-memory')}.dataset.points`))).toBeGreaterThanOrEqual(3);
    expect(await browser.evaluate<number>(`document.querySelectorAll('[data-testid="chart-memory"] canvas').length`)).toBe(1);
    await shoot('overview-dark');
    await browser.client.Emulation.setEmulatedMedia({ features: [{ name: 'prefers-color-scheme', value: 'light' }] });
    await until('the light background', async () => Math.min(...(await background())) > 192);

    // SQL: the rows, and an unknown column as an error with its hint
    await click('tab-sql');
    // the editor's text area, not only its box: CodeMirror fills the box after the tab shows it
    await until('the SQL editor', () => browser.evaluate<boolean>(`!!document.querySelector('[data-testid="sql-editor"] .cm-content')`));
    await runSql('SELECT pid, title FROM process.info');
    await until('the results', async () => (await textOf('sql-results')).includes(String(target.pid)));
    await shoot('sql');
    await runSql('SELECT nope FROM process.memory');
    await until('the error', async () => (await textOf('error')).includes('unknown column "nope"'));
    expect(await textOf('error')).toContain('heap_used');
    // the error's position is marked in the text
    expect(await browser.evaluate<string | null>(`${$('sql-editor')}.querySelector('.cm-error-mark')?.textContent ?? null`)).toBe('nope');
    await shoot('sql-error');
    // both queries in the history
    await click('sql-history-toggle');
    await until('the history', async () => (await textOf('sql-history')).includes('SELECT nope FROM process.memory'));
    expect(await textOf('sql-history')).toContain('SELECT pid, title FROM process.info');
    await click('sql-history-toggle');
    // completion of a table name from the catalog
    await browser.evaluate<void>(`${$('sql-editor')}.querySelector('.cm-content').focus()`);
    await browser.client.Input.dispatchKeyEvent({ type: 'keyDown', commands: ['selectAll'] });
    await browser.client.Input.insertText({ text: 'SELECT * FROM process.memo' });
    await until('the completion of process.memory', () => browser.evaluate<boolean>(`[...document.querySelectorAll('.cm-tooltip-autocomplete li')].some((li) => li.textContent.startsWith('memory'))`));
    await browser.client.Input.dispatchKeyEvent({ type: 'keyDown', key: 'Escape', code: 'Escape', windowsVirtualKeyCode: 27 });

    // the Modules and Runtime tables views: their queries' results in the console's table
    await click('tab-modules');
    await until('the modules table', async () => /package.*version.*files.*bytes/s.test(await textOf('sql-results')));
    await shoot('modules');
    await click('tab-runtime');
    await until('the runtime tables', async () => /capacity.*runtime\.http/s.test(await textOf('sql-results')));
    await shoot('runtime-tables');
    // sortable: the first column's header, clicked twice, puts the table names one way then the other
    const tableNames = () => browser.evaluate<string[]>(`[...${$('sql-results')}.querySelectorAll('tbody tr')].map((tr) => tr.cells[0].textContent)`);
    const header = `${$('sql-results')}.querySelector('th')`;
    await browser.evaluate<void>(`${header}.click()`);
    const ascending = await tableNames();
    expect(await browser.evaluate<string | null>(`${header}.getAttribute('aria-sort')`)).toBe('ascending');
    await browser.evaluate<void>(`${header}.click()`);
    const descending = await tableNames();
    expect(ascending.length).toBeGreaterThan(2);
    expect(ascending).toEqual([...ascending].sort());
    expect(descending).toEqual([...ascending].reverse());

    // a 1 s CPU profile: the flame graph names the hot function and is drawn
    await click('tab-cpu');
    await until('the CPU view', () => exists('cpu-record'));
    await browser.evaluate<void>(`(() => { const i = ${$('cpu-seconds')}; i.value = '1'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
    await httpGet(target.port!, '/busy');
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
    await httpGet(target.port!, '/idle');

    // a heap sample, and the stacks
    await click('tab-heap');
    await until('the heap view', () => exists('heap-sample-run'));
    await browser.evaluate<void>(`(() => { const i = ${$('heap-sample-seconds')}; i.value = '1'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
    await click('heap-sample-run');
    await until('the allocation flame graph', () => browser.evaluate<boolean>(`!!${$('heap-flame')}?.contentDocument?.querySelector('.f title')`));
    await shoot('heap');
    // a snapshot: the CLI's warning first, taken only once confirmed; then its class table (retained sizes) and largest objects (retainers)
    await click('snapshot-take');
    await until('the snapshot warning', async () => (await textOf('snapshot-warning')).includes('stops its JavaScript until it is written'));
    expect(await exists('classes')).toBe(false);
    await click('snapshot-confirm');
    await until('the class table', async () => Number(await browser.evaluate<string>(`${$('classes')}?.dataset.rows ?? '0'`)) > 10);
    expect(await textOf('classes')).toContain('retained_size');
    expect(await textOf('objects')).toContain('retainers');
    await shoot('heap-snapshot');
    await click('tab-stacks');
    await until('the stacks', async () => /main thread/i.test(await textOf('stacks')));
    // refreshable
    await click('stacks-refresh');
    await until('the stacks again', async () => /main thread/i.test(await textOf('stacks')) && !(await browser.evaluate<boolean>(`${$('stacks-refresh')}.disabled`)));
    await shoot('stacks');

    // everything the page loaded came from its own server: nothing from a CDN, it works offline
    const origin = new URL(url).origin;
    const elsewhere = requested.filter((u) => !u.startsWith(`${origin}/`) && !/^(data|blob|about):/.test(u));
    expect(elsewhere).toEqual([]);
    expect(requested.some((u) => u.endsWith('/app.js'))).toBe(true);

    // the page answers only with its token
    const status = await browser.evaluate<number>(`fetch('/api/config').then((r) => r.status)`);
    expect(status).toBe(403);
    // DNS rebinding: the same server, the right token, reached as evil.example
    const rebound = url.replace('127.0.0.1', 'evil.example');
    await browser.open(rebound);
    expect(statuses.get(rebound)).toBe(403);
    expect(await browser.evaluate<string>('document.body.innerText')).toContain('answers only to its own address');
    // a request from that (foreign) origin to the real address: refused for its Origin
    const configUrl = `${url}api/config?from=evil.example`;
    expect(await browser.evaluate<string>(`fetch(${JSON.stringify(configUrl)}).then(() => 'read', (e) => 'failed')`)).toBe('failed');
    await until('the answer to the cross-origin request', async () => statuses.has(configUrl));
    expect(statuses.get(configUrl)).toBe(403);

    // the page closed, the server stopped: the target as found
    await browser.open('about:blank');
    ui.kill('SIGINT');
    expect(await uiExited).toBe(0);
    await expectLeftAsFound(target, portsBefore);
  });
});
