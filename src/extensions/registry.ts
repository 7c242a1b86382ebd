/** The one registry every table comes from. Explicit, and it refuses duplicates. */
import { ProbingError } from '../errors.js';
import { SqlError } from '../sql/errors.js';
import type { Extension, FunctionSpec, Namespace, TableSource } from './contract.js';

const NAME = /^[a-z][a-z0-9_]*$/;

export class ExtensionError extends ProbingError {}

export class Registry {
  readonly #extensions = new Map<string, Extension>();
  readonly #namespaces = new Map<string, { namespace: Namespace; extension: Extension }>();
  readonly #functions = new Map<string, { fn: FunctionSpec; extension: Extension }>();

  register(extension: Extension): void {
    if (!NAME.test(extension.name)) {
      throw new ExtensionError('BAD_EXTENSION_NAME', `extension name "${extension.name}" must match ${NAME}`);
    }
    if (this.#extensions.has(extension.name)) {
      throw new ExtensionError('DUPLICATE_EXTENSION', `an extension named "${extension.name}" is already registered`);
    }
    for (const namespace of extension.namespaces) {
      if (!NAME.test(namespace.name)) {
        throw new ExtensionError('BAD_NAMESPACE_NAME', `namespace "${namespace.name}" of extension ${extension.name} must match ${NAME}`);
      }
      const owner = this.#namespaces.get(namespace.name);
      if (owner) {
        throw new ExtensionError('DUPLICATE_NAMESPACE', `namespace "${namespace.name}" of extension ${extension.name} is already provided by ${owner.extension.name}`);
      }
      const names = new Set<string>();
      for (const table of namespace.tables ?? []) {
        if (names.has(table.name)) throw new ExtensionError('DUPLICATE_TABLE', `${namespace.name}.${table.name} is declared twice`);
        names.add(table.name);
      }
    }
    for (const fn of extension.functions ?? []) {
      if (!NAME.test(fn.name)) throw new ExtensionError('BAD_FUNCTION_NAME', `function "${fn.name}" of extension ${extension.name} must match ${NAME}`);
      const owner = this.#functions.get(fn.name);
      if (owner) throw new ExtensionError('DUPLICATE_FUNCTION', `function ${fn.name}() of extension ${extension.name} is already provided by ${owner.extension.name}`);
    }
    this.#extensions.set(extension.name, extension);
    for (const fn of extension.functions ?? []) this.#functions.set(fn.name, { fn, extension });
    for (const namespace of extension.namespaces) this.#namespaces.set(namespace.name, { namespace, extension });
  }

  /** SQL functions that extensions provide, by name. */
  functions(): ReadonlyMap<string, { fn: FunctionSpec; extension: Extension }> {
    return this.#functions;
  }

  extension(name: string): Extension | undefined {
    return this.#extensions.get(name);
  }

  hasNamespace(name: string): boolean {
    return this.#namespaces.has(name);
  }

  namespaces(): Namespace[] {
    return [...this.#namespaces.values()].map((entry) => entry.namespace);
  }

  entries(): Array<{ namespace: Namespace; extension: Extension }> {
    return [...this.#namespaces.values()];
  }

  extensions(): Extension[] {
    return [...this.#extensions.values()];
  }

  /** The table a reference names, or an error that says what exists. */
  resolve(namespace: string, name: string, quoted: boolean): TableSource {
    const entry = this.#namespaces.get(namespace);
    const written = quoted ? `${namespace}.\`${name}\`` : `${namespace}.${name}`;
    if (!entry) {
      throw new SqlError('UNKNOWN_NAMESPACE', `unknown table ${written}: there is no namespace "${namespace}"`, {
        hint: `namespaces: ${[...this.#namespaces.keys()].join(', ')}`,
      });
    }
    const table = (!quoted ? entry.namespace.tables?.find((t) => t.name === name) : undefined) ?? entry.namespace.resolve?.(name, quoted);
    if (!table) {
      const known = (entry.namespace.tables ?? []).map((t) => `${namespace}.${t.name}`);
      throw new SqlError('UNKNOWN_TABLE', `unknown table ${written}`, {
        hint: known.length > 0 ? `tables in ${namespace}: ${known.join(', ')}` : entry.namespace.description,
      });
    }
    return table;
  }
}
