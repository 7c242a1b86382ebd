// The pull driver (target/pull.ts) run in this process: slices, pages, live Maps, and its state going away.
import { describe, expect, it } from 'vitest';
import { columnSteps, toColumns, type ColumnLimits, type NativeHelpers, type TablePayload } from '../../src/target/columns.js';
import { pullDriver, type PullAnswer } from '../../src/target/pull.js';
import { NATIVE } from '../../src/target/realm.js';

const limits: ColumnLimits = { maxRows: 10_000_000, maxBytes: 1 << 30, maxString: 64 * 1024, maxColumns: 1000, only: null };
const KEY = Symbol.for('probing.pulls');
/** What a Node.js target gives toColumns (its node:util types, node:buffer's base64): the same expression, run here. */
const native = (0, eval)(NATIVE) as NativeHelpers;

/** Runs a pull to its end as the CLI does (run/pull.ts), counting the steps. */
async function pull(value: unknown, sliceMs: number, g: Record<symbol, unknown> = {}): Promise<{ payload: TablePayload; steps: number; pages: number; g: Record<symbol, unknown> }> {
  const driver = pullDriver(columnSteps);
  let answer = (await driver(g, 'start', 'p1', sliceMs, value, limits, native)) as PullAnswer;
  let steps = 1;
  while (!answer.done) {
    answer = (await (g[KEY] as { driver: typeof driver }).driver(g, 'step', 'p1', sliceMs)) as PullAnswer;
    steps++;
  }
  let json: string;
  let pages = 0;
  if ('json' in answer) json = answer.json;
  else {
    pages = answer.pages;
    const texts: string[] = [];
    for (let i = 0; i < pages; i++) texts.push((await driver(g, 'page', 'p1', i)) as string);
    json = texts.join('');
    driver(g, 'end', 'p1', 0);
  }
  const parsed = JSON.parse(json) as { rest: Omit<TablePayload, 'columns'>; columns: TablePayload['columns'] };
  return { payload: { ...parsed.rest, columns: parsed.columns }, steps, pages, g };
}

describe('pull driver', () => {
  it('gives what toColumns gives, in many short steps, and leaves nothing behind', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `row ${i}`, f: i / 3, b: i % 2 === 0, n: i % 5 === 0 ? null : i, big: BigInt(i) * 10n ** 20n, j: { i } }));
    const { payload, steps, g } = await pull(rows, 1);
    expect(steps).toBeGreaterThan(5);
    expect(payload).toEqual(toColumns(rows, limits, native));
    expect(Object.getOwnPropertySymbols(g)).toEqual([]);
  });

  it('reads the rows there were when it started: an array changed between steps', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ i }));
    const driver = pullDriver(columnSteps);
    const g: Record<symbol, unknown> = {};
    let answer = (await driver(g, 'start', 'p1', 0, rows, limits, native)) as PullAnswer;
    expect(answer.done).toBe(false);
    rows.length = 10;
    rows.push({ i: -1 });
    while (!answer.done) answer = (await driver(g, 'step', 'p1', 0)) as PullAnswer;
    const payload = JSON.parse((answer as { json: string }).json) as { rest: { rows: number } };
    expect(payload.rest.rows).toBe(20_000);
  });

  it('sends a big payload in pages, joined back exactly', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => ({ i, text: `${i}:`.padEnd(1500, 'x') }));
    const { payload, pages } = await pull(rows, 5);
    expect(pages).toBeGreaterThan(1);
    expect(payload).toEqual(toColumns(rows, limits, native));
  });

  it('a Map is read live across steps, as for…of would', async () => {
    const map = new Map(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    const { payload } = await pull(map, 1);
    expect(payload.rows).toBe(50_000);
    expect(payload.columns.map((c) => c.name)).toEqual(['key', 'value']);
  });

  it('a Map that grows during the pull past its size at the start (and past a chunk of rows) keeps every entry', async () => {
    const map = new Map(Array.from({ length: 8000 }, (_, i) => [`k${i}`, i]));
    const driver = pullDriver(columnSteps);
    const g: Record<symbol, unknown> = {};
    let answer = (await driver(g, 'start', 'p1', 0, map, limits, native)) as PullAnswer;
    expect(answer.done).toBe(false);
    for (let i = 8000; i < 10_000; i++) map.set(`k${i}`, i);
    while (!answer.done) answer = (await driver(g, 'step', 'p1', 0)) as PullAnswer;
    const payload = JSON.parse((answer as { json: string }).json) as { rest: { rows: number }; columns: Array<{ name: string; dict?: string[]; values?: string[] }> };
    expect(payload.rest.rows).toBe(10_000);
    const keys = payload.columns.find((c) => c.name === 'key')!;
    expect(keys.values ?? keys.dict).toContain('k9999');
  });

  it('drops a pull left idle for a minute when another starts; end removes its own', async () => {
    const driver = pullDriver(columnSteps);
    const g: Record<symbol, unknown> = {};
    expect(((await driver(g, 'start', 'old', 0, Array.from({ length: 10_000 }, (_, i) => i), limits, native)) as PullAnswer).done).toBe(false);
    const pulls = g[KEY] as Map<string, { at: number }>;
    pulls.get('old')!.at -= 61_000;
    await driver(g, 'start', 'new', 0, Array.from({ length: 10_000 }, (_, i) => i), limits, native);
    expect([...pulls.keys()]).toEqual(['new']);
    expect(() => driver(g, 'step', 'old', 10)).toThrow(/pull old is gone/);
    driver(g, 'end', 'new', 0);
    expect(Object.getOwnPropertySymbols(g)).toEqual([]);
  });
});
