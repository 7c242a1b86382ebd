/** probing/runtime for ES modules: the same module as the CommonJS entry (one registry either way). */
export { table, save, options, configure, registry, version } from './index.cjs';
export type { ColumnType, Table, TableOptions, TableWriter } from './index.cjs';
