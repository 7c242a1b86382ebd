/**
 * Picks the SQL engine: DuckDB unless the user asks for alasql, and alasql —
 * with a notice saying why — where DuckDB's native module cannot load.
 */
import { UsageError, errorMessage } from '../../errors.js';
import type { Engine, EngineName } from './contract.js';

export const ENGINES: readonly EngineName[] = ['duckdb', 'alasql'];

export async function loadEngine(preferred?: EngineName): Promise<{ engine: Engine; notice?: string }> {
  if (preferred === 'alasql') return { engine: (await import('./alasql.js')).alasqlEngine };
  const { loadDuckDB } = await import('./duckdb-module.js');
  try {
    await loadDuckDB();
  } catch (error) {
    const missing = /Cannot find (?:module|package) '(@duckdb\/[^']+)'/.exec(errorMessage(error))?.[1];
    const why = missing ? `${missing} is not installed` : errorMessage(error).split('\n')[0]!;
    if (preferred === 'duckdb') {
      throw new UsageError('ENGINE_UNAVAILABLE', `DuckDB cannot load on this machine: ${why}`, {
        hint: `@duckdb/node-bindings (an optional dependency) ships prebuilt binaries for Linux x64/arm64 (glibc and musl), macOS x64/arm64 and Windows x64/arm64 — reinstall it (npm install) if it is missing; elsewhere run with --engine alasql`,
      });
    }
    return { engine: (await import('./alasql.js')).alasqlEngine, notice: `SQL engine: alasql, because DuckDB cannot load here (${why}); run with --engine alasql to choose it without this notice` };
  }
  return { engine: (await import('./duckdb.js')).duckdbEngine };
}
