/**
 * Runs a checked SELECT over plain rows in a throw-away alasql database, which
 * is removed afterwards (any alasql database can read any other's tables).
 */
import { createRequire } from 'node:module';
import type { AlaSQL } from 'alasql';
import { SqlError } from './errors.js';
import type { FunctionSpec } from '../extensions/contract.js';

let loaded: AlaSQL | undefined;

/**
 * Only queries that need the engine load it, and through require: as an ES module
 * import, Node first scans the 1 MB CommonJS file for its exports (183 ms here,
 * against 86 ms for require).
 */
export async function loadAlasql(): Promise<AlaSQL> {
  loaded ??= createRequire(import.meta.url)('alasql') as AlaSQL;
  return loaded;
}

/**
 * Runs the query with SQL functions that are asynchronous (an HTTP call, say):
 * alasql calls functions synchronously, so a first run records the arguments each
 * function is called with (answering NULL), the calls are made, and the query runs
 * again with the answers — until a run asks for nothing new (a function whose answer
 * feeds a WHERE can reveal new arguments). The functions exist in alasql's global
 * table only during the query.
 */
export async function runWithFunctions(
  alasql: AlaSQL,
  sql: string,
  tables: Map<string, Record<string, unknown>[]>,
  functions: ReadonlyMap<string, FunctionSpec>,
): Promise<Record<string, unknown>[]> {
  if (functions.size === 0) return runSelect(alasql, sql, tables);
  const fn = (alasql as unknown as { fn: Record<string, unknown> }).fn;
  const answers = new Map<string, Map<string, unknown>>();
  const asked = new Map<string, Map<string, unknown[]>>();
  for (const name of functions.keys()) {
    if (name in fn) throw new SqlError('FUNCTION_CLASH', `${name}() is already a function of the SQL engine`, { hint: 'rename it in the extension' });
    answers.set(name, new Map());
    asked.set(name, new Map());
    fn[name] = (...args: unknown[]) => {
      const key = JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      const known = answers.get(name)!;
      if (known.has(key)) return known.get(key);
      asked.get(name)!.set(key, args);
      return null;
    };
  }
  try {
    for (let round = 0; round < 5; round++) {
      for (const m of asked.values()) m.clear();
      const rows = runSelect(alasql, sql, tables);
      const pending = [...asked].flatMap(([name, calls]) => [...calls].map(([key, args]) => ({ name, key, args })));
      if (pending.length === 0) return rows;
      // at most 8 calls in flight
      for (let i = 0; i < pending.length; i += 8) {
        await Promise.all(
          pending.slice(i, i + 8).map(async ({ name, key, args }) => answers.get(name)!.set(key, await functions.get(name)!.call(args))),
        );
      }
    }
    throw new SqlError('FUNCTION_ROUNDS', 'the query kept asking its functions new questions after 5 rounds', { hint: 'simplify how function results feed the WHERE clause' });
  } finally {
    for (const name of functions.keys()) delete fn[name];
  }
}

export function runSelect(alasql: AlaSQL, sql: string, tables: Map<string, Record<string, unknown>[]>): Record<string, unknown>[] {
  const Database = (alasql as unknown as { Database: new () => { databaseid: string; tables: Record<string, unknown>; exec(sql: string): unknown } }).Database;
  const TableClass = (alasql as unknown as { Table: new (init: { data: unknown[] }) => unknown }).Table;
  const db = new Database();
  try {
    for (const [name, rows] of tables) db.tables[name] = new TableClass({ data: rows });
    let result: unknown;
    try {
      result = db.exec(sql);
    } catch (error) {
      throw new SqlError('SQL_RUNTIME', `the query failed while running: ${(error as Error).message}`, {
        hint: 'a function may have met NULL or a value of another type: guard it with COALESCE(x, …) or a WHERE',
        cause: error,
      });
    }
    return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
  } finally {
    delete (alasql as unknown as { databases: Record<string, unknown> }).databases[db.databaseid];
  }
}
