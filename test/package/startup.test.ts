// What a command loads: the bundle is split so that --help, --version and eval load no
// SQL engine and no Arrow (they are most of its size), and a query loads Arrow.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTarget } from '../helpers/targets.js';

const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));
const hook = fileURLToPath(new URL('../helpers/log-imports.mjs', import.meta.url));

/** The bundle files a command loaded, and whether any holds Arrow, alasql or DuckDB. */
function loads(...args: string[]) {
  const log = join(mkdtempSync(join(tmpdir(), 'probing-imports-')), 'imports.txt');
  const result = spawnSync(process.execPath, ['--import', hook, bin, ...args], { encoding: 'utf8', env: { ...process.env, PROBING_TEST_IMPORTS: log, NO_COLOR: '1' } });
  expect(result.status, result.stderr).toBe(0);
  const files = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))].filter((u) => u.includes('/dist/')).map((u) => fileURLToPath(u));
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  return {
    files: files.length,
    arrow: text.includes('RecordBatchReader=class'),
    alasql: files.some((f) => /[\\/]alasql-[^/\\]*\.js$/.test(f)),
    duckdb: files.some((f) => /[\\/]duckdb(-module)?-[^/\\]*\.js$/.test(f)),
  };
}

describe('what each command loads', () => {
  it('--version, --help and eval load no SQL engine and no Arrow; a query through the engine does', async () => {
    const target = await startTarget('server.cjs');
    for (const args of [['--version'], ['--help'], [String(target.pid), 'eval', '1+1']]) {
      const loaded = loads(...args);
      expect({ args, ...loaded, files: undefined }).toEqual({ args, arrow: false, alasql: false, duckdb: false, files: undefined });
    }
    const query = loads(String(target.pid), 'query', 'SELECT count(*) AS n FROM process.memory WHERE rss > 0', '--engine', 'alasql');
    expect(query).toMatchObject({ arrow: true, alasql: true });
  });
});
