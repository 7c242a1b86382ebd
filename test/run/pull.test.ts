// Pulling a big table out of a live target in slices of its time: its event loop keeps running.
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a 1,000,000-row pull', () => {
  // The aim is 50 ms; measured on the idle machine: 32-39 ms (a 15 ms slice, the target's GC
  // when it falls in one). A timing bound that holds on a busy machine cannot be 50 ms; before slicing,
  // one evaluation held the loop for seconds, and the bound below tells the two apart.
  it('never stops the target\'s 1 ms timer for long: no gap above 250 ms (or twice what the machine alone gives it)', async () => {
    const target = await startTarget('ticking.cjs');
    const before = await listeningPorts(target.pid);
    const gap = async () => Number((await probing([String(target.pid), 'eval', 'globalThis.ticks.max'])).stdout);
    // what this machine does to the timer with no pull, for as long as a pull takes
    await probing([String(target.pid), 'eval', 'globalThis.ticks.reset()']);
    const quiet = Date.now();
    await sleep(1500);
    const alone = await gap();
    await probing([String(target.pid), 'eval', 'globalThis.ticks.reset()']);
    const pulled = Date.now();
    const result = await probing([
      String(target.pid),
      'query',
      'SELECT count(*) AS n, sum(id) AS ids, count(DISTINCT kind) AS kinds, max(length(url)) AS url, count(score) AS scores, sum(CASE WHEN active THEN 1 ELSE 0 END) AS active, max("at") AS last, count(parent) AS parents FROM js.`rows`',
      '-f',
      'json',
      '--max-rows',
      '1000000',
      '--max-bytes',
      '256m',
      '--timeout',
      '120s',
    ]);
    const during = await gap();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ n: 1_000_000, ids: 499_999_500_000, kinds: 8, url: 35, scores: 900_000, active: 333_334, last: '2025-01-12T13:46:39.000Z', parents: 800_000 }]);
    expect(during, `longest gap ${during} ms during a ${Date.now() - pulled} ms pull; ${alone} ms in ${pulled - quiet} ms alone`).toBeLessThanOrEqual(Math.max(250, 2 * alone));
    await expectLeftAsFound(target, before);
    // nothing of the pull stays in the target
    expect((await probing([String(target.pid), 'eval', 'Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => s.includes("probing.pulls"))', '--json'])).stdout.trim()).toBe('[]');
  });
});
