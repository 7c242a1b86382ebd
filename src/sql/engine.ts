/**
 * Runs a checked SELECT over plain rows in a throw-away alasql database, which
 * is removed afterwards (any alasql database can read any other's tables).
 */
import { createRequire } from 'node:module';
import type { AlaSQL } from 'alasql';
import { SqlError } from './errors.js';

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
