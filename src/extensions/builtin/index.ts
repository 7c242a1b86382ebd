/** The built-in extensions, as a typed list. */
import type { Extension } from '../contract.js';
import { Registry } from '../registry.js';
import { jsNamespace } from './js.js';

export const builtinExtensions: readonly Extension[] = [
  {
    name: 'core',
    description: 'built-in tables',
    namespaces: [jsNamespace],
  },
];

export function defaultRegistry(): Registry {
  const registry = new Registry();
  for (const extension of builtinExtensions) registry.register(extension);
  return registry;
}
