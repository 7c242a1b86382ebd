// The flame graph in a real browser (Debian's headless chromium): drawn as a plain picture
// (an <img>), and interactive as a page: zoom in and back out, search.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type CDP from 'chrome-remote-interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapsed, speedscope } from '../../src/diagnostics/exports.js';
import { flameGraph, type FlameNode } from '../../src/diagnostics/flamegraph.js';
import { startChromium, colouredShare, type Browser } from '../helpers/chromium.js';
import { eventually } from '../helpers/limits.js';

const leaf = (name: string, detail: string, self: number, children: FlameNode[] = []): FlameNode => ({ name, detail, self, children });
const tree = leaf('all', '', 0, [
  leaf('(idle)', '', 900, []),
  leaf('main', '/srv/app/server.js:10', 5, [
    leaf('hotFunction', '/srv/app/hot.js:3', 60, []),
    leaf('parse', '/srv/app/node_modules/fast-json/index.js:1', 30, [leaf('scan', '/srv/app/node_modules/fast-json/scan.js:7', 20)]),
    leaf('readFile', 'node:fs:400', 10),
  ]),
]);

const dir = mkdtempSync(join(tmpdir(), 'probing-flame-'));
let server: Server;
let browser: Browser;
let client: CDP.Client;
let base: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'fg.svg'), flameGraph(tree, { title: 'CPU, test', unit: (v) => `${v} ms` }));
  writeFileSync(join(dir, 'cpu.speedscope.json'), speedscope(tree, { name: 'CPU, test export', unit: 'milliseconds' }));
  writeFileSync(join(dir, 'cpu.folded'), collapsed(tree));
  writeFileSync(join(dir, 'img.html'), '<!doctype html><body style="margin:0;background:white"><img src="fg.svg"></body>');
  // speedscope's own page (its npm package) under /speedscope/, our files beside it
  const speedscopeRoot = join(dirname(createRequire(import.meta.url).resolve('speedscope/package.json')), 'dist', 'release');
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.startsWith('/speedscope/') ? join(speedscopeRoot, path.slice('/speedscope/'.length)) : join(dir, path.slice(1));
    try {
      const body = readFileSync(file);
      const types: Record<string, string> = { svg: 'image/svg+xml', html: 'text/html', js: 'text/javascript', css: 'text/css', json: 'application/json', wasm: 'application/wasm' };
      res.writeHead(200, { 'content-type': types[file.split('.').pop()!] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await startChromium(dir, 1200, 400);
  client = browser.client;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

const open = (url: string) => browser.open(url);
const evaluate = <T>(expression: string) => browser.evaluate<T>(expression);

/** Pixels of the screenshot, in the band where frames are drawn, that are coloured (not white, not grey). */
async function colouredBand(): Promise<number> {
  return colouredShare(await browser.screenshot({ x: 0, y: 50, width: 1200, height: 80 }));
}

describe('the flame graph in headless Chromium', () => {
  it('is a picture as an <img> (no script runs there): frames are drawn', async () => {
    await open(`${base}/img.html`);
    await eventually(() => evaluate<boolean>('document.images[0].complete && document.images[0].naturalWidth > 0'));
    expect(await colouredBand()).toBeGreaterThan(0.3);
  });

  it('as a page: frames are drawn; click a frame to zoom in, Reset zoom or the root frame to come back; idle is left out of the width', async () => {
    await open(`${base}/fg.svg`);
    // a screenshot of the page (its script has run): frames drawn
    expect(await colouredBand()).toBeGreaterThan(0.3);
    const width = (name: string) =>
      evaluate<number | null>(`(() => { const g = [...document.querySelectorAll('.f')].find((g) => g.querySelector('title').textContent.startsWith(${JSON.stringify(name)} + ' ')); return g && g.style.display !== 'none' ? +g.querySelector('rect').getAttribute('width') : null; })()`);
    const click = async (selector: string) => {
      const box = await evaluate<{ x: number; y: number }>(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
      for (const type of ['mousePressed', 'mouseReleased'] as const) await client.Input.dispatchMouseEvent({ type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    };
    // (idle) was 900 of 1025: left out, main spans the width
    expect(await width('(idle)')).toBeNull();
    expect(await evaluate<string>('document.getElementById("note").textContent')).toContain('(idle) 87.8%');
    const before = { main: await width('main'), hot: await width('hotFunction'), parse: await width('parse') };
    expect(before.main).toBeGreaterThan(1190);
    expect(before.hot!).toBeGreaterThan(400);
    const hotIndex = await evaluate<number>(`[...document.querySelectorAll('.f')].findIndex((g) => g.querySelector('title').textContent.startsWith('hotFunction '))`);
    await click(`.f:nth-of-type(${hotIndex + 1}) rect`);
    expect(await width('hotFunction')).toBeGreaterThan(1190);
    expect(await width('parse')).toBeNull();
    await click('#reset');
    expect({ main: await width('main'), hot: await width('hotFunction'), parse: await width('parse') }).toEqual(before);
    // the root frame (kept, faded, under a zoomed frame) zooms out as well
    await click(`.f:nth-of-type(${hotIndex + 1}) rect`);
    expect(await width('parse')).toBeNull();
    await click('.f:nth-of-type(1) rect');
    expect({ main: await width('main'), hot: await width('hotFunction'), parse: await width('parse') }).toEqual(before);
    expect(await evaluate<string>('document.getElementById("reset").style.display')).toBe('none');
    expect(await colouredBand()).toBeGreaterThan(0.3);
  });

  it('searches: marks the matching frames and says their share; an invalid pattern is said, not thrown', async () => {
    await open(`${base}/fg.svg`);
    const search = (term: string) =>
      evaluate<{ matched: string; hits: string[] }>(`(() => { const i = document.getElementById('search'); i.value = ${JSON.stringify(term)}; i.dispatchEvent(new Event('input')); return { matched: document.getElementById('matched').textContent, hits: [...document.querySelectorAll('.hit title')].map((t) => t.textContent.split(' — ')[0]) }; })()`);
    // parse (50 with scan) and scan inside it: counted once, 50 of 125
    expect(await search('parse|scan')).toEqual({ matched: '2 matched, 40.0% of the total', hits: ['parse', 'scan'] });
    expect((await search('(')).matched).toMatch(/^not a regular expression: /);
    expect(await search('')).toEqual({ matched: '', hits: [] });
  });

  it("speedscope's own importer reads both exports (its page, from its npm package)", async () => {
    for (const [file, title] of [['cpu.speedscope.json', 'CPU, test export - speedscope'], ['cpu.folded', 'cpu.folded - speedscope']] as const) {
      // (a query of its own: a change of hash alone is a navigation with no load event)
      await open(`${base}/speedscope/index.html?${file}#profileURL=${encodeURIComponent(`${base}/${file}`)}`);
      expect(await eventually(async () => (await evaluate<string>('document.title')) === title, 20_000), `${file}: ${await evaluate<string>('document.title')}`).toBe(true);
      expect(await evaluate<string>('document.body.innerText')).not.toMatch(/Something went wrong|Unrecognized format/);
      // what it read, frame by frame: its Sandwich view's table (total, self, name per function)
      // has the tree's times, idle left out (125 in all)
      await evaluate<void>(`[...document.querySelectorAll('div')].find((d) => d.textContent === '🥪Sandwich').click()`);
      // (the table's header can be drawn a moment before its rows: read until all five are there)
      const sandwich = async () => {
        const text = await evaluate<string>('document.body.innerText');
        const at = text.indexOf('Symbol Name');
        const cells = at < 0 ? [] : text.slice(at + 'Symbol Name'.length).trim().split(/\s*\n\s*/);
        const read: Record<string, [number, number]> = {};
        for (let i = 0; i + 2 < cells.length; i += 3) read[cells[i + 2]!.replace(/ \(.*\)$/, '')] = [parseFloat(cells[i]!), parseFloat(cells[i + 1]!)];
        return read;
      };
      let read: Record<string, [number, number]> = {};
      await eventually(async () => Object.keys((read = await sandwich())).length >= 5);
      expect(read, file).toEqual({ hotFunction: [60, 60], parse: [50, 30], scan: [20, 20], readFile: [10, 10], main: [125, 5] });
    }
  });
});
