/**
 * docs/tables.md, generated from the registry: the declarations are the single
 * source of the documentation (`npm run docs` writes it; a test fails when the
 * committed file differs).
 */
import type { Registry } from './registry.js';
import { catalog } from './builtin/catalog.js';

export function tablesDoc(registry: Registry): string {
  const lines = [
    '# Tables',
    '',
    '<!-- Generated from the table declarations by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every table a query can read. `probing tables` lists them, `probing describe <table>` shows one,',
    'and `SELECT * FROM probing.columns` answers the same in SQL.',
    '',
  ];
  let namespace = '';
  for (const table of catalog(registry)) {
    if (table.namespace !== namespace) {
      namespace = table.namespace;
      const ns = registry.entries().find((e) => e.namespace.name === namespace)!;
      lines.push(`## ${namespace}`, '', `${ns.namespace.description}.`, '');
    }
    lines.push(`### ${table.namespace}.${table.name}`, '', `${table.description}`, '');
    if (table.pushdown) lines.push(`Applied inside the target: ${table.pushdown}.`, '');
    if (table.columns) {
      lines.push('| column | type | meaning |', '| --- | --- | --- |');
      for (const c of table.columns) lines.push(`| \`${c.name}\` | ${c.type} | ${c.doc.replace(/\|/g, '\\|')} |`);
      lines.push('');
    } else {
      lines.push('Columns come from the value (see `probing query --help`).', '');
    }
  }
  return lines.join('\n');
}
