/**
 * What a model reads before it calls a tool: the tables, from the catalog of the registry
 * the server was started with (extensions' tables among them), so that a query can be
 * written without a round of list_tables first.
 */
import { catalog, type CatalogTable } from '../extensions/builtin/catalog.js';
import type { Registry } from '../extensions/registry.js';

const SHORT = 100;

/** A table's description up to its first clause, at most SHORT characters. */
function short(description: string): string {
  const clause = description.split(/;\s|\.\s/)[0]!.trim();
  return clause.length <= SHORT ? clause : `${clause.slice(0, SHORT - 1)}…`;
}

const qualified = (t: CatalogTable) => `${t.namespace}.${t.name}`;

/** One line per table: its name and what it holds, shortly. */
export function tableGuide(registry: Registry): string {
  return catalog(registry)
    .map((t) => `${qualified(t)}: ${short(t.description)}`)
    .join('\n');
}

export const QUERY_EXAMPLES = [
  'SELECT rss, heap_used, heap_total, external FROM process.memory',
  'SELECT type, count(*) AS n FROM process.resources GROUP BY type ORDER BY n DESC',
  'SELECT package, count(*) AS files FROM node.modules GROUP BY package ORDER BY files DESC LIMIT 10',
  'SELECT space_name, space_used_size FROM v8.heap_spaces ORDER BY space_used_size DESC',
  'SELECT * FROM js.`[...app.sessions.values()]` WHERE idle_ms > 60000',
  'SELECT count(*) FROM js.`[...globalThis.cache.keys()]`',
];
