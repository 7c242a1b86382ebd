/** The built-in extensions, as a typed list. */
import type { Extension } from '../contract.js';
import { Registry } from '../registry.js';
import { catalogNamespace } from './catalog.js';
import { jsNamespace } from './js.js';
import { nodeNamespace } from './node.js';
import { osNamespace } from './os.js';
import { processNamespace } from './process.js';
import { runtimeNamespace } from './runtime.js';
import { v8Namespace } from './v8.js';

export const builtinExtensions: readonly Extension[] = [
  {
    name: 'core',
    description: 'built-in live tables: JavaScript values, the process, V8, Node.js, the host',
    namespaces: [jsNamespace, processNamespace, v8Namespace, nodeNamespace, osNamespace, runtimeNamespace],
  },
];

/** Names no loaded extension may take, as its own name or a namespace. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['js', 'process', 'v8', 'node', 'os', 'runtime', 'probing', 'core', 'catalog', 'ext', 'profile', 'heap']);

export function defaultRegistry(): Registry {
  const registry = new Registry();
  for (const extension of builtinExtensions) registry.register(extension);
  registry.register({ name: 'catalog', description: 'the catalog of tables, columns and extensions', namespaces: [catalogNamespace(registry)] });
  return registry;
}
