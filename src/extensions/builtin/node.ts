/** The `node` namespace: what the Node.js runtime has loaded. */
import { parsedScripts } from '../../attach/scripts.js';
import type { Session } from '../../attach/session.js';
import type { Namespace } from '../contract.js';
import * as snippets from '../../target/tables.js';
import { snippetTable } from './snippet-table.js';

const ns = 'node';

/** The file URLs of every script V8 has parsed: how ES modules can be listed on Node.js 20 (there is no public list). */
async function parsedFileUrls(session: Session): Promise<string[]> {
  return [...new Set((await parsedScripts(session)).map((s) => s.url).filter((url) => url.startsWith('file://')))];
}

export const nodeNamespace: Namespace = {
  name: ns,
  description: 'the Node.js runtime: loaded modules',
  tables: [
    snippetTable({
      namespace: ns,
      name: 'modules',
      description:
        'every loaded module file: CommonJS from the require cache, ES modules from the scripts V8 has parsed (no public list exists on Node.js 20), with the package each belongs to. ' +
        "WHERE path = …, package = … or kind = … and a plain LIMIT are applied inside the target. Built-in modules (node:…) are not listed.",
      snippet: snippets.nodeModules,
      pushdown: ['path =', 'package =', 'kind =', 'LIMIT'],
      args: async (ctx) => {
        const esm = await parsedFileUrls(ctx.attachment.session);
        const equals = Object.fromEntries(Object.entries(ctx.constraints.equals ?? {}).filter(([k]) => ['path', 'package', 'kind'].includes(k)));
        return [esm, equals, Math.min(ctx.limits.maxRows, ctx.constraints.limit ?? Infinity)];
      },
      columns: [
        { name: 'path', type: 'string', doc: 'file path of the module' },
        { name: 'kind', type: 'string', doc: "'commonjs' (in the require cache) or 'esm' (loaded by the ES module loader)" },
        { name: 'package', type: 'string', doc: 'name from the nearest package.json with a name or version (NULL if none)' },
        { name: 'version', type: 'string', doc: 'version from that package.json' },
        { name: 'package_dir', type: 'string', doc: 'directory of that package.json' },
        { name: 'size_bytes', type: 'integer', doc: 'size of the file on disk (NULL if it is gone)' },
      ],
    }),
  ],
};
