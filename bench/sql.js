// The SQL engines, on 1,000,000 rows × 7 mixed columns (bench/targets/table7.cjs):
// 1. in-process, alasql against DuckDB on the same Arrow table, each query's time
//    including the load into the engine (engine.run), and DuckDB's load alone;
// 2. end to end against a target holding the rows: `SELECT count(*)` and
//    `SELECT * … -f arrow` against a naive JSON client (JSON.stringify in the target,
//    JSON.parse here), in time and in peak memory (each child's getrusage maxRSS,
//    written by bench/peak-rss.cjs on exit).
// The small end-to-end queries over process.memory are in run.js. Nothing fails on a timing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS_SQL ?? 3);
const ROWS = Number(process.env.BENCH_SQL_ROWS ?? 1_000_000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(0).padStart(6)} ms`;
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0).padStart(5)} MiB`;
const firstLine = (error) => String(error?.message ?? error).split('\n')[0];

const QUERIES = [
  {
    title: 'GROUP BY with aggregates',
    sql: 'SELECT kind, count(*) AS n, sum(score) AS score_sum, avg(score) AS score_avg, max(parent) AS parent_max, count(DISTINCT active) AS flags FROM "_t0" GROUP BY kind ORDER BY kind',
    rows: 8,
    columns: ['kind', 'score', 'parent', 'active'],
  },
  { title: 'ORDER BY … LIMIT 10', sql: 'SELECT id, url, score FROM "_t0" ORDER BY score DESC, id LIMIT 10', rows: 10, columns: ['id', 'url', 'score'] },
  { title: 'WHERE … + count', sql: `SELECT count(*) AS n FROM "_t0" WHERE active AND score > 500 AND kind <> 'GET' AND parent IS NOT NULL`, rows: 1, columns: ['active', 'score', 'kind', 'parent'] },
];

async function engines() {
  const found = [];
  for (const [name, file, exported] of [
    ['alasql', '../build/sql/engines/alasql.js', 'alasqlEngine'],
    ['duckdb', '../build/sql/engines/duckdb.js', 'duckdbEngine'],
  ]) {
    try {
      const engine = (await import(file))[exported];
      if (!engine) throw new Error(`${file} exports no ${exported}`);
      found.push({ name, engine });
    } catch (error) {
      found.push({ name, error: firstLine(error) });
    }
  }
  return found;
}

/** The rows as a target would send them: toColumns there, tableFromPayload here. */
async function arrowRows() {
  const { makeRows } = require('./targets/table7.cjs');
  const { toColumns } = await import('../build/target/columns.js');
  const { tableFromPayload } = await import('../build/tables/from-payload.js');
  let t = performance.now();
  const rows = makeRows(ROWS);
  const made = performance.now() - t;
  t = performance.now();
  const payload = toColumns(rows, { maxRows: ROWS, maxBytes: 2 ** 40, maxString: 64 * 1024, maxColumns: 1000 });
  const columns = performance.now() - t;
  t = performance.now();
  const table = tableFromPayload(payload);
  const decoded = performance.now() - t;
  const perColumn = [];
  for (const c of payload.columns) {
    t = performance.now();
    tableFromPayload({ rows: payload.rows, columns: [c] });
    perColumn.push(`${c.name} ${(performance.now() - t).toFixed(0)}`);
  }
  return { table, made, columns, decoded, perColumn };
}

async function inProcess() {
  const { table, made, columns, decoded, perColumn } = await arrowRows();
  console.log(`\nSQL engines in-process, ${table.numRows.toLocaleString('en')} js rows × ${table.numCols} columns (${table.schema.fields.map((f) => `${f.name} ${f.metadata.get('probing.kind')}`).join(', ')}), median of ${ROUNDS}`);
  console.log(`  (set-up, not compared: rows made ${made.toFixed(0)} ms; toColumns as in a target ${columns.toFixed(0)} ms; tableFromPayload as in the CLI ${decoded.toFixed(0)} ms — per column: ${perColumn.join(', ')} ms)`);

  const input = (sql, part) => ({
    sql,
    original: (offset) => offset,
    text: sql.replace('"_t0"', 'js.`rows`'),
    tables: [{ name: '_t0', label: 'js.`rows`', parts: [part] }],
    functions: new Map(),
    timeoutMs: 600_000,
    memoryLimit: '4GB',
  });
  const found = await engines();
  for (const e of found) if (e.error) console.log(`  ${e.name}: not available (${e.error})`);
  const available = found.filter((e) => e.engine);

  // Each query twice: over all 7 columns, and over only the columns it names (what the CLI collects).
  for (const q of QUERIES) {
    console.log(`  ${q.title}: ${q.sql}`);
    for (const [what, part] of [
      ['all 7 columns', table],
      [`only ${q.columns.join(', ')}`, table.select(q.columns)],
    ]) {
      const times = new Map(available.map((e) => [e.name, []]));
      const failed = new Map();
      for (let round = 0; round < ROUNDS; round++) {
        for (const { name, engine } of available) {
          if (failed.has(name)) continue;
          try {
            const t = performance.now();
            const result = await engine.run(input(q.sql, part));
            const took = performance.now() - t;
            if (result.rowCount !== q.rows) throw new Error(`expected ${q.rows} rows, got ${result.rowCount}`);
            times.get(name).push(took);
          } catch (error) {
            failed.set(name, firstLine(error));
          }
        }
      }
      const medians = {};
      const cells = available.map(({ name }) => (failed.has(name) ? `${name} failed: ${failed.get(name)}` : `${name} ${ms((medians[name] = median(times.get(name)))).trim()}`));
      const ratio = medians.duckdb !== undefined && medians.alasql !== undefined ? (medians.duckdb / medians.alasql).toFixed(2) : 'n/a';
      console.log(`    ${`load + query, ${what}:`.padEnd(52)} ${cells.join('   ')}   ratio duckdb / alasql ${ratio}  (aim: <= 1)`);
    }
  }

  if (!available.some((e) => e.name === 'duckdb')) return;
  // DuckDB's load alone: the loader the engine calls, into a bare in-memory database.
  const { loadDuckDB } = await import('../build/sql/engines/duckdb-module.js');
  const { loadTable } = await import('../build/sql/engines/duckdb-load.js');
  const duck = await loadDuckDB();
  const load = async (name, t) => {
    const instance = await duck.api.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const started = performance.now();
      await loadTable(duck, connection, name, 'js.`rows`', [t], undefined);
      return performance.now() - started;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  const whole = [];
  for (let round = 0; round < ROUNDS; round++) whole.push(await load('_t0', table));
  const columnsAlone = [];
  for (const field of table.schema.fields) columnsAlone.push(`${field.name} ${(await load('_t0', table.select([field.name]))).toFixed(0)}`);
  console.log(`  DuckDB load alone (duckdb-load.js loadTable), ${table.numRows.toLocaleString('en')} rows × ${table.numCols} columns   median ${ms(median(whole))}  (aim: <= 300 ms)`);
  console.log(`    one column at a time: ${columnsAlone.join(', ')} ms`);
}

function startTarget() {
  const child = spawn(process.execPath, ['--max-old-space-size=8192', here('targets/table7.cjs')], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ROWS: String(ROWS) } });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, pid: JSON.parse(line).pid }));
  });
}

/**
 * Runs a node script as a child: wall time, peak RSS (bytes), stdout, stderr. A
 * failed run is tried once more (another program on the machine may have opened
 * or closed the target's inspector meanwhile), and said.
 */
function run(args, dir) {
  try {
    return runOnce(args, dir);
  } catch (error) {
    console.log(`  (a run failed and was repeated: ${firstLine(error).slice(0, 300)})`);
    return runOnce(args, dir);
  }
}

function runOnce(args, dir) {
  const rssFile = join(dir, 'rss');
  rmSync(rssFile, { force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', here('peak-rss.cjs'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, BENCH_PEAK_RSS: rssFile },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    const why = `${result.stdout}${result.stderr}`.trim().split('\n').filter((l) => !/^(Debugger|For help)/.test(l));
    throw new Error(`${args.slice(0, 4).join(' ')} … exited with ${result.status}: ${why.slice(-3).join(' | ')}`);
  }
  return { ms: wall, rss: Number(readFileSync(rssFile, 'utf8')), stdout: result.stdout, stderr: result.stderr };
}

/** The largest --max-bytes the CLI takes (it has a ceiling): the biggest of a few that it accepts. */
function maxBytesAccepted() {
  for (const size of ['4096m', '1024m', '256m', '64m']) {
    const r = spawnSync(process.execPath, [here('../bin/probing.js'), 'query', 'SELECT 1 AS x', '--max-bytes', size], { encoding: 'utf8' });
    if (r.status === 0) return size;
  }
  return '64m';
}

async function endToEnd() {
  const dir = mkdtempSync(join(tmpdir(), 'probing-bench-sql-'));
  const { child, pid } = await startTarget();
  try {
    const maxBytes = maxBytesAccepted();
    const probing = (sql, ...extra) => [here('../bin/probing.js'), String(pid), 'query', sql, '--max-rows', String(ROWS * 2), '--max-bytes', maxBytes, '--timeout', '300s', ...extra];
    const arrowFile = join(dir, 'rows.arrow');
    const cases = {
      count: probing('SELECT count(*) AS n FROM js.`rows`'),
      arrow: probing('SELECT * FROM js.`rows`', '-f', 'arrow', '-o', arrowFile),
      naive: [here('baseline-json.js'), String(pid), 'globalThis.rows'],
    };
    const samples = { count: [], arrow: [], naive: [], naiveCut: [] };
    let cutAt;
    for (let round = 0; round < ROUNDS; round++) {
      samples.naive.push(run(cases.naive, dir));
      const count = run(cases.count, dir);
      if (!count.stdout.includes(String(ROWS))) throw new Error(`count(*) printed ${count.stdout}`);
      samples.count.push(count);
      const arrow = run(cases.arrow, dir);
      samples.arrow.push(arrow);
      const cut = /cut at (\d+)/.exec(arrow.stderr);
      if (round === 0) {
        cutAt = cut ? Number(cut[1]) : undefined;
        const { tableFromIPC } = await import('apache-arrow');
        const written = tableFromIPC(readFileSync(arrowFile));
        if (written.numRows !== (cutAt ?? ROWS) || written.numCols !== 7) throw new Error(`the Arrow file has ${written.numRows} rows × ${written.numCols} columns`);
      }
      // the naive client moving the same rows as the cut -f arrow did
      if (cutAt !== undefined) samples.naiveCut.push(run([here('baseline-json.js'), String(pid), `globalThis.rows.slice(0, ${cutAt})`], dir));
    }
    const m = (key) => ({ ms: median(samples[key].map((s) => s.ms)), rss: median(samples[key].map((s) => s.rss)) });
    const naive = m('naive');
    const count = m('count');
    const arrow = m('arrow');
    console.log(`\nSQL end to end against a target holding ${ROWS.toLocaleString('en')} rows × 7 columns (js.\`rows\`), median of ${ROUNDS}; peak RSS of each child (getrusage maxRSS)`);
    console.log(`  naive JSON client: JSON.stringify(rows) in the target, JSON.parse here   ${ms(naive.ms)}  peak ${mb(naive.rss)}`);
    console.log(`  probing query "SELECT count(*) AS n FROM js.\`rows\`"                  ${ms(count.ms)}  peak ${mb(count.rss)}`);
    console.log(`    ratio probing / naive: time ${(count.ms / naive.ms).toFixed(2)} (aim: <= 0.2), peak memory ${(count.rss / naive.rss).toFixed(2)} (aim: < 1)`);
    console.log(`  probing query "SELECT * FROM js.\`rows\`" -f arrow -o <file> (${statSync(arrowFile).size.toLocaleString('en')} bytes)   ${ms(arrow.ms)}  peak ${mb(arrow.rss)}`);
    if (cutAt === undefined) {
      console.log(`    ratio probing / naive: time ${(arrow.ms / naive.ms).toFixed(2)} (aim: <= 0.4), peak memory ${(arrow.rss / naive.rss).toFixed(2)} (aim: < 1)`);
    } else {
      const same = m('naiveCut');
      console.log(`    cut at ${cutAt.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows: --max-bytes stops at ${maxBytes}, the most the CLI accepts`);
      console.log(`  naive JSON client over the same ${cutAt.toLocaleString('en')} rows (rows.slice)            ${ms(same.ms)}  peak ${mb(same.rss)}`);
      console.log(`    ratio probing / naive, same rows: time ${(arrow.ms / same.ms).toFixed(2)} (aim: <= 0.4 for all rows), peak memory ${(arrow.rss / same.rss).toFixed(2)} (aim: < 1)`);
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSql() {
  await inProcess();
  await endToEnd();
}
