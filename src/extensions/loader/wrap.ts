/**
 * Wraps an extension's table sources and calls so that probing can rely on them:
 * a generate may return rows, an Arrow table or { table }; the result is shaped to
 * the declared columns; the extension gets its options, state and directory; and an
 * exception inside it becomes an error that names the extension.
 */
import type { Table } from 'apache-arrow';
import { ProbingError } from '../../errors.js';
import type { CallSpec, Extension, ExtensionContext, Generated, GenerateResult, Namespace, OptionSpec, TableSource } from '../contract.js';
import { extensionDir, extensionState } from './home.js';
import { ExtensionFailure } from './process-client.js';

export function extensionContext(name: string, options: readonly OptionSpec[] | undefined, values: Record<string, string | number | boolean>): ExtensionContext {
  const resolved: Record<string, string | number | boolean> = {};
  for (const option of options ?? []) resolved[option.key] = values[option.key] ?? option.default;
  let state: ExtensionContext['state'] | undefined;
  let dir: string | undefined;
  return {
    options: resolved,
    // created on first use: most extensions never touch them
    get state() {
      return (state ??= extensionState(name));
    },
    get dir() {
      return (dir ??= extensionDir(name));
    },
  };
}

function failure(extension: string, what: string, error: unknown): Error {
  if (error instanceof ProbingError) return error;
  return new ExtensionFailure('EXTENSION_THREW', `extension ${extension}: ${what} threw ${(error as Error)?.message ?? String(error)}`, {
    hint: `the fault is in extension ${extension}; probing ext disable ${extension} turns it off`,
    cause: error,
  });
}

export async function normalize(result: GenerateResult, columns: TableSource['columns']): Promise<Generated> {
  const [{ conform }, { tableFromRows }] = await Promise.all([import('../../tables/from-payload.js'), import('../../tables/from-rows.js')]);
  let generated: Generated;
  if (Array.isArray(result)) generated = { table: tableFromRows(result) };
  else if ('table' in result && (result as Generated).table && typeof (result as Generated).table.numRows === 'number') generated = result as Generated;
  else generated = { table: result as Table };
  return columns ? { ...generated, table: conform(generated.table, columns) } : generated;
}

function wrapSource(extension: string, namespace: string, source: TableSource, ctx: ExtensionContext): TableSource {
  return {
    ...source,
    async generate(generateContext) {
      let result: GenerateResult;
      try {
        result = await (source.generate as (c: typeof generateContext) => Promise<GenerateResult>)({ ...generateContext, extension: ctx });
      } catch (error) {
        throw failure(extension, `${namespace}.${source.name}`, error);
      }
      return normalize(result, source.columns);
    },
  };
}

export function wrapExtension(extension: Extension, ctx: ExtensionContext): Extension {
  const namespaces: Namespace[] = extension.namespaces.map((ns) => ({
    ...ns,
    ...(ns.tables ? { tables: ns.tables.map((t) => wrapSource(extension.name, ns.name, t, ctx)) } : {}),
    ...(ns.resolve
      ? {
          resolve: (name: string, quoted: boolean) => {
            const source = ns.resolve!(name, quoted);
            return source ? wrapSource(extension.name, ns.name, source, ctx) : undefined;
          },
        }
      : {}),
  }));
  const calls: CallSpec[] | undefined = extension.calls?.map((call) => ({
    ...call,
    async invoke(callContext, args) {
      try {
        return await call.invoke({ ...callContext, extension: ctx }, args);
      } catch (error) {
        throw failure(extension.name, `call ${call.name}`, error);
      }
    },
  }));
  return { ...extension, namespaces, ...(calls ? { calls } : {}) };
}
