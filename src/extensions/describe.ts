/**
 * One table as `probing describe` and probing mcp's describe_table give it: found through
 * the registry as a query finds it, so that a name it cannot read is refused with the same
 * message and hint.
 */
import { UsageError } from '../errors.js';
import type { ColumnSpec } from './contract.js';
import type { Registry } from './registry.js';

export interface TableDescription {
  namespace: string;
  name: string;
  description: string;
  /** The extension that provides it, when the catalog lists the table by this name. */
  provider?: string;
  /** Conditions applied inside the target (null: none). */
  pushdown: string | null;
  /** null: its columns come from the value (js.`…`, a dynamic namespace's table). */
  columns: readonly ColumnSpec[] | null;
}

/** The table `table` (namespace.name, or js.`…`) names; the fields as tables --json gives them. */
export async function describeTable(registry: Registry, table: string): Promise<TableDescription> {
  const [{ catalog }, { findReferences, loadParserFor }] = await Promise.all([import('./builtin/catalog.js'), import('../sql/references.js')]);
  await loadParserFor(table);
  const ref = findReferences(table)[0];
  if (!ref || ref.text !== table.trim()) {
    throw new UsageError('BAD_TABLE_NAME', `"${table}" is not a table name`, { hint: 'write namespace.table, e.g. probing describe process.memory; `probing tables` lists them' });
  }
  const source = registry.resolve(ref.namespace, ref.name, ref.quoted);
  const entry = catalog(registry).find((t) => t.namespace === ref.namespace && t.name === source.name);
  return entry ? { ...entry, columns: entry.columns ?? null } : { namespace: ref.namespace, name: source.name, description: source.description, pushdown: null, columns: source.columns ?? null };
}
