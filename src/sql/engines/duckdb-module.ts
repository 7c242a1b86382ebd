/**
 * Loads DuckDB. Its native part, @duckdb/node-bindings (an optional dependency: it
 * ships prebuilt binaries for Linux x64/arm64 glibc, macOS and Windows x64, and none
 * for musl), is loaded from node_modules; @duckdb/node-api, the JavaScript API over
 * it, is compiled into the bundle: as a package it is ~120 CommonJS files, and
 * reading and compiling them took longer than loading the shared library. Only
 * queries that need an engine load either.
 */
export interface DuckDB {
  api: typeof import('@duckdb/node-api');
  bindings: typeof import('@duckdb/node-bindings');
}

let loaded: Promise<DuckDB> | undefined;

export function loadDuckDB(): Promise<DuckDB> {
  loaded ??= (async () => {
    // A test makes the module unloadable this way, to check the fallback to alasql.
    if (process.env.PROBING_TEST_DUCKDB_MODULE) throw new Error(`Cannot find module '${process.env.PROBING_TEST_DUCKDB_MODULE}'`);
    // the low-level bindings too, for copying column bytes into data chunks: the same module node-api uses
    const [api, bindings] = await Promise.all([import('@duckdb/node-api'), import('@duckdb/node-bindings')]);
    // CommonJS modules: their exports are the namespace's default
    const exportsOf = (m: object) => ((m as { default?: unknown }).default ?? m) as never;
    return { api: exportsOf(api), bindings: exportsOf(bindings) };
  })();
  return loaded;
}
