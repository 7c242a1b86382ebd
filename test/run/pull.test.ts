// Pulling a big table out of a live target in slices of its time: its event loop keeps running.
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

describe('a 1,000,000-row pull', () => {
  // The aim is 50 ms; measured on the idle machine: 32-39 ms (a 15 ms slice, the target's GC
  // when it falls in one), and `npm run bench` (bench/rows.js) measures it each run. A test cannot
  // hold a bound like that on a busy machine: there any process can be descheduled for hundreds of
  // ms (563 ms was seen with the benchmarks running beside the suite). The same pull in one
  // evaluation (SLICE_MS set past it; idle machine) stopped the timer for 1,301 ms of a 3.7 s
  // pull, a third of it. The bound below tells the two apart: 1 s, or against a second target
  // that ticks the same timer over the same time, not pulled — what the machine does to a timer
  // just then — or a sixth of the pull's own length, which the machine's load stretches as it
  // stretches the slices (a loaded run: a 1,124 ms gap in a 16 s pull beside an idle twin's
  // 146 ms; the twin sleeps between ticks, and the scheduler favours a sleeper over a process
  // that computes).
  it('never stops the target\'s 1 ms timer for long: no gap above 1 s (or 3 times what an idle twin got meanwhile, or a sixth of the pull)', async () => {
    // (the twin's table is small: it is there for its timer)
    const [target, twin] = await Promise.all([startTarget('ticking.cjs'), startTarget('ticking.cjs', { env: { ROWS: '1000' } })]);
    const before = await listeningPorts(target.pid);
    const gap = async (pid: number) => Number((await probing([String(pid), 'eval', 'globalThis.ticks.max'])).stdout);
    await Promise.all([target, twin].map((t) => probing([String(t.pid), 'eval', 'globalThis.ticks.reset()'])));
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
    const pullMs = Date.now() - pulled;
    const [during, meanwhile] = await Promise.all([gap(target.pid), gap(twin.pid)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ n: 1_000_000, ids: 499_999_500_000, kinds: 8, url: 35, scores: 900_000, active: 333_334, last: '2025-01-12T13:46:39.000Z', parents: 800_000 }]);
    expect(during, `longest gap ${during} ms during a ${pullMs} ms pull; the idle twin's ${meanwhile} ms`).toBeLessThanOrEqual(Math.max(1000, 3 * meanwhile, pullMs / 6));
    await expectLeftAsFound(target, before);
    // nothing of the pull stays in the target
    expect((await probing([String(target.pid), 'eval', 'Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => s.includes("probing.pulls"))', '--json'])).stdout.trim()).toBe('[]');
  });
});
