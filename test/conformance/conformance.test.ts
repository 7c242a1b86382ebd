/**
 * The standing check of `npm test`: a slice of the conformance suite (a few
 * hundred generated queries, a fixed seed, both engines, a few through the real
 * CLI) against SQLite as the oracle. `npm run conformance` runs the full suite.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, total } from './report.js';
import { runSuite, worstCaseMs, type SuiteOptions } from './suite.js';

const SLICE: SuiteOptions = {
  seed: 11,
  databases: 3,
  queriesPerDatabase: 100,
  cliQueries: 4,
  engines: ['duckdb', 'alasql'],
  timeoutMs: 5000,
  attachTimeoutMs: 5000,
};

describe('SQL conformance: differential testing against SQLite', () => {
  it(
    'answers no generated query silently wrong, and none hangs',
    async () => {
      const report = await runSuite(SLICE);
      const text = formatReport(report);
      const duckdb = report.sections.find((s) => s.engine === 'duckdb' && s.path === 'library');
      expect(duckdb?.unavailable, text).toBeUndefined();
      for (const section of report.sections) {
        if (section.unavailable !== undefined) continue;
        const t = total(section);
        expect({ section: `${section.engine} (${section.path})`, wrong: t.wrong, hang: t.hang, invalid: t.invalid }, text).toEqual({
          section: `${section.engine} (${section.path})`,
          wrong: 0,
          hang: 0,
          invalid: 0,
        });
      }
    },
    // the sum of the limits of everything the run awaits
    worstCaseMs(SLICE),
  );
});
