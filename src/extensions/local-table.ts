/** A table answered in the CLI from rows it already has (the catalog, a profile just taken). */
import type { ColumnSpec, TableSource } from './contract.js';

/** `columns` undefined: the columns come from the rows. */
export function localTable(name: string, description: string, columns: ColumnSpec[] | undefined, rows: () => Record<string, unknown>[]): TableSource {
  return {
    name,
    description,
    ...(columns ? { columns } : {}),
    local: true,
    async generate() {
      const [{ conform }, { tableFromRows }] = await Promise.all([import('../tables/from-payload.js'), import('../tables/from-rows.js')]);
      const table = tableFromRows(rows());
      return { table: columns ? conform(table, columns) : table };
    },
  };
}
