/** The `probing` namespace: the catalog of everything a query can read. Answered in the CLI. */
import type { ColumnSpec, Namespace } from '../contract.js';
import { localTable } from '../local-table.js';
import type { Registry } from '../registry.js';
import { runtimeTablesSource } from './runtime.js';

export interface CatalogTable {
  namespace: string;
  name: string;
  description: string;
  provider: string;
  pushdown: string | null;
  columns: readonly ColumnSpec[] | undefined;
}

/** Every table the registry knows, including dynamic ones as their pattern (js.`<expression>`). */
export function catalog(registry: Registry): CatalogTable[] {
  return registry.entries().flatMap(({ namespace, extension }) => {
    const fixed = (namespace.tables ?? []).map((t) => ({
      namespace: namespace.name,
      name: t.name,
      description: t.description,
      provider: extension.name,
      pushdown: t.pushdown?.join(', ') ?? null,
      columns: t.columns,
    }));
    const dynamic = namespace.resolve
      ? [{ namespace: namespace.name, name: namespace.name === 'js' ? '`<expression>`' : '<name>', description: namespace.description, provider: extension.name, pushdown: null, columns: undefined }]
      : [];
    return [...fixed, ...dynamic];
  });
}

export function catalogNamespace(registry: Registry): Namespace {
  return {
    name: 'probing',
    description: 'the catalog: the tables, columns and extensions a query can use',
    tables: [
      localTable(
        'tables',
        'one row per table a query can read',
        [
          { name: 'namespace', type: 'string', doc: 'namespace: js, process, v8, node, os, probing, or an extension’s' },
          { name: 'name', type: 'string', doc: 'table name; `<expression>` for js.`…`' },
          { name: 'description', type: 'string', doc: 'what the table holds' },
          { name: 'provider', type: 'string', doc: 'the extension that provides it' },
          { name: 'pushdown', type: 'string', doc: 'conditions the table applies inside the target (NULL: none)' },
        ],
        () => catalog(registry).map(({ columns: _columns, ...row }) => row),
      ),
      localTable(
        'columns',
        'one row per declared column, with its type and meaning',
        [
          { name: 'table', type: 'string', doc: 'namespace.table' },
          { name: 'column', type: 'string', doc: 'column name' },
          { name: 'type', type: 'string', doc: 'integer, float, boolean, string, bigint, timestamp, json' },
          { name: 'doc', type: 'string', doc: 'what the column means' },
        ],
        () => catalog(registry).flatMap((t) => (t.columns ?? []).map((c) => ({ table: `${t.namespace}.${t.name}`, column: c.name, type: c.type, doc: c.doc }))),
      ),
      localTable(
        'extensions',
        'one row per registered extension',
        [
          { name: 'name', type: 'string', doc: 'extension name' },
          { name: 'version', type: 'string', doc: 'its version (NULL for built-ins)' },
          { name: 'description', type: 'string', doc: 'what it provides' },
          { name: 'namespaces', type: 'json', doc: 'the namespaces it adds' },
        ],
        () => registry.extensions().map((e) => ({ name: e.name, version: e.version ?? null, description: e.description, namespaces: e.namespaces.map((n) => n.name) })),
      ),
      runtimeTablesSource,
    ],
  };
}
