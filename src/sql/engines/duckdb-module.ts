/**
 * Loads DuckDB's Node.js module (an optional dependency: it ships prebuilt
 * binaries for Linux x64/arm64 glibc, macOS and Windows x64, and none for musl).
 * Through require: the package is CommonJS, and loading it is mostly loading the
 * shared library (~100–240 ms), so only queries that need an engine do it.
 */
import { createRequire } from 'node:module';

export interface DuckDB {
  api: typeof import('@duckdb/node-api');
  bindings: typeof import('@duckdb/node-bindings');
}

let loaded: Promise<DuckDB> | undefined;

export function loadDuckDB(): Promise<DuckDB> {
  loaded ??= (async () => {
    // A test makes the module unloadable this way, to check the fallback to alasql.
    if (process.env.PROBING_TEST_DUCKDB_MODULE) throw new Error(`Cannot find module '${process.env.PROBING_TEST_DUCKDB_MODULE}'`);
    const require = createRequire(import.meta.url);
    const api = require('@duckdb/node-api') as DuckDB['api'];
    // the low-level bindings, for copying column bytes into data chunks: node-api's own copy
    const bindings = createRequire(require.resolve('@duckdb/node-api'))('@duckdb/node-bindings') as DuckDB['bindings'];
    return { api, bindings };
  })();
  return loaded;
}
