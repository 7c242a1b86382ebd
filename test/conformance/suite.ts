/**
 * One conformance run: generate the databases and queries, load the tables into
 * SQLite (the oracle) and into one real fixture target, ask every query through
 * the library path per engine (one attachment reused), and a spread of them
 * through the real CLI, and classify each answer against the oracle's.
 */
import type { EngineName } from '../../src/sql/engines/contract.js';
import { classify, expectedOf, fromCli, fromHost, type Expected } from './classify.js';
import { EngineHost, HOST_CLOSE_LIMIT_MS, HOST_START_LIMIT_MS } from './engine-host.js';
import { generateQuery, render, type Query } from './generate.js';
import { Oracle, tableExpression } from './oracle.js';
import { record, type Section, type SuiteReport } from './report.js';
import { generateDatabase, type Database } from './tables.js';
import { FIXTURE_START_LIMIT_MS, runCli, startFixture } from './target.js';

export interface SuiteOptions {
  seed: number;
  databases: number;
  queriesPerDatabase: number;
  /** Queries (per engine) also run through the real CLI. */
  cliQueries: number;
  engines: readonly EngineName[];
  /** Only this query (database:index), to replay one. */
  only?: { db: number; index: number };
  /** probing's --timeout: each read in the target and the engine's run. */
  timeoutMs: number;
  attachTimeoutMs: number;
  /** Progress, one line at a time. */
  progress?: (line: string) => void;
}

/** The SQL as probing runs it: each table a js table of the fixture. */
export function probingSql(query: Query, db: Database): string {
  return render(query.template, (name) => tableExpression(db.tables.find((t) => t.name === name)!, `js.\`conformance.d${db.index}.${name}\``));
}

export function sqliteSql(query: Query, db: Database): string {
  return render(query.template, (name) => tableExpression(db.tables.find((t) => t.name === name)!, name));
}

function tablesIn(query: Query): number {
  return new Set(query.template.match(/\{t\d+\}/g) ?? []).size;
}

/** Exits of the CLI that are not the query's: node and module start-up (a budget), the inspector closing, bin/probing.js's exit grace. */
const CLI_OVERHEAD_MS = 10_000 + 2000 + 2000;

/** The run's databases and queries: the same options, the same ones. */
export function generated(options: SuiteOptions): { databases: Database[]; queries: Query[] } {
  const databases = Array.from({ length: options.databases }, (_, i) => generateDatabase(options.seed, i));
  const queries: Query[] = options.only
    ? [generateQuery(options.seed, databases[options.only.db]!, options.only.index)]
    : databases.flatMap((db) => Array.from({ length: options.queriesPerDatabase }, (_, i) => generateQuery(options.seed, db, i)));
  return { databases, queries };
}

/** What a library query may take: each table read, the engine's check and its run are each bounded by timeoutMs in the host. */
function queryLimit(options: SuiteOptions, query: Query): number {
  return options.timeoutMs * (tablesIn(query) + 2) + 1000;
}

/** What a CLI query may take: attaching, each table read and the engine's run, and the CLI's own start and exit. */
function cliLimit(options: SuiteOptions, query: Query): number {
  return options.attachTimeoutMs + options.timeoutMs * (tablesIn(query) + 3) + CLI_OVERHEAD_MS;
}

function cliPicks(options: SuiteOptions, queries: readonly Query[]): Query[] {
  if (options.cliQueries <= 0) return [];
  const stride = Math.max(1, Math.floor(queries.length / options.cliQueries));
  return queries.filter((_, i) => i % stride === 0).slice(0, options.cliQueries);
}

/**
 * The longest a run can take when every step takes as long as it is allowed to:
 * the sum of the limits of what it awaits (for a test's time limit).
 */
export function worstCaseMs(options: SuiteOptions): number {
  const { queries } = generated(options);
  const perEngine =
    HOST_START_LIMIT_MS(options) +
    queries.reduce((sum, q) => sum + queryLimit(options, q), 0) +
    HOST_CLOSE_LIMIT_MS(options) +
    cliPicks(options, queries).reduce((sum, q) => sum + cliLimit(options, q), 0);
  return FIXTURE_START_LIMIT_MS + options.engines.length * perEngine;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const progress = options.progress ?? (() => {});
  const { databases, queries } = generated(options);
  const oracles = await Promise.all(databases.map((db) => Oracle.open(db)));
  const expected = new Map<Query, Expected>();
  for (const query of queries) expected.set(query, expectedOf(oracles[query.db]!.answer(sqliteSql(query, databases[query.db]!))));
  const report: SuiteReport = { seed: options.seed, databases: databases.length, oracle: `SQLite ${oracles[0]!.version} (sql.js)`, sections: [] };
  for (const o of oracles) o.close();

  const fixture = await startFixture(databases);
  progress(`fixture target: pid ${fixture.pid}; ${queries.length} queries per engine`);
  try {
    for (const engine of options.engines) {
      const library: Section = { engine, path: 'library', byKind: new Map(), cases: [] };
      report.sections.push(library);
      const host = new EngineHost({ pid: fixture.pid, engine, timeoutMs: options.timeoutMs, attachTimeoutMs: options.attachTimeoutMs });
      try {
        await host.start();
        if (host.unavailable !== undefined) {
          library.unavailable = host.unavailable;
          progress(`${engine}: cannot load — ${host.unavailable}`);
          continue;
        }
        const started = Date.now();
        for (const [i, query] of queries.entries()) {
          const sql = probingSql(query, databases[query.db]!);
          const outcome = fromHost(await host.ask(sql, queryLimit(options, query)));
          record(library, { query, sql, expected: expected.get(query)!, outcome, verdict: classify(query, expected.get(query)!, outcome) });
          if ((i + 1) % 500 === 0) progress(`${engine}: ${i + 1}/${queries.length} (${Math.round((Date.now() - started) / 1000)} s)`);
        }
        progress(`${engine}: ${queries.length} queries through the library in ${Math.round((Date.now() - started) / 1000)} s${host.restarts > 0 ? ` (${host.restarts} restarts after hangs)` : ''}`);
      } finally {
        await host.close().catch(() => host.kill());
      }
      if (options.cliQueries <= 0) continue;
      const cli: Section = { engine, path: 'cli', byKind: new Map(), cases: [] };
      report.sections.push(cli);
      const picked = cliPicks(options, queries);
      for (const query of picked) {
        const sql = probingSql(query, databases[query.db]!);
        const limit = cliLimit(options, query);
        const args = [String(fixture.pid), 'query', sql, '-f', 'json', '--engine', engine, '--timeout', String(options.timeoutMs), '--attach-timeout', String(options.attachTimeoutMs)];
        const outcome = fromCli(await runCli(args, limit));
        record(cli, { query, sql, expected: expected.get(query)!, outcome, verdict: classify(query, expected.get(query)!, outcome) });
      }
      progress(`${engine}: ${picked.length} queries through the CLI`);
    }
  } finally {
    fixture.kill();
  }
  return report;
}
