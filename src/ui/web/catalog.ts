/** The tables a query can read (api/catalog), as CodeMirror's SQL completion wants them. */
import { snippetCompletion, type Completion } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { CatalogEntry } from '../api.js';
import { getJson } from './client.js';

let loading: Promise<CatalogEntry[]> | undefined;

/** Asked once per page; a failure is asked again next time. */
export function loadCatalog(): Promise<CatalogEntry[]> {
  loading ??= getJson<CatalogEntry[]>('api/catalog').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** namespace → table → columns; the js namespace's tables are written js.`expression`. */
export function completionSchema(catalog: CatalogEntry[]): SQLNamespace {
  const namespaces: Record<string, { self: Completion; children: Record<string, SQLNamespace> }> = {};
  for (const entry of catalog) {
    const namespace = (namespaces[entry.namespace] ??= {
      self: { label: entry.namespace, type: 'namespace' },
      children: {},
    });
    if (entry.namespace === 'js') continue;
    namespace.children[entry.name] = {
      self: { label: entry.name, type: 'type', detail: `${entry.columns.length} columns`, info: entry.description },
      children: entry.columns.map((column) => ({ label: column.name, type: 'property', detail: column.type, info: column.doc })),
    };
  }
  const js = (namespaces.js ??= { self: { label: 'js', type: 'namespace' }, children: {} });
  js.self.info = 'js.`<expression>`: any JavaScript value in the target, as a table';
  // a key that is not a name: lang-sql lists the child's own completion
  js.children['`expression`'] = {
    self: snippetCompletion('`${expression}`', { label: '`expression`', type: 'function', detail: 'a JavaScript value as a table' }),
    children: [],
  };
  return namespaces;
}
