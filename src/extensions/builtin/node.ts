/** The `node` namespace: what the Node.js runtime has loaded. */
import type { Session } from '../../attach/session.js';
import type { Namespace } from '../contract.js';
import * as snippets from '../../target/tables.js';
import { snippetTable } from './snippet-table.js';

const ns = 'node';

/**
 * The file URLs of every script V8 has parsed, which is how ES modules can be listed
 * on Node.js 20 (there is no public list). Debugger.enable replays one scriptParsed
 * event per script before it answers; setSkipAllPauses goes out with it, so that no
 * `debugger;` statement can stop the target while our Debugger domain is on, and
 * Debugger.disable turns it off again at once.
 */
async function parsedFileUrls(session: Session): Promise<string[]> {
  const urls = new Set<string>();
  const stop = session.on('Debugger.scriptParsed', (event) => {
    if (event.url.startsWith('file://')) urls.add(event.url);
  });
  try {
    await Promise.all([session.send('Debugger.enable', {}), session.send('Debugger.setSkipAllPauses', { skip: true })]);
  } finally {
    await session.send('Debugger.disable').catch(() => {});
    stop();
  }
  return [...urls];
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
