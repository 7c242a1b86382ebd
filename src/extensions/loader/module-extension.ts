/**
 * In-process extensions: a JavaScript module (ESM or CommonJS) loaded into the CLI.
 * Its default export (module.exports for CommonJS) is the extension object, or a
 * function that receives the helpers below and returns it.
 */
import { importModule } from '../../import-module.js';
import { ProbingError } from '../../errors.js';
import { evaluateJson } from '../../run/remote-json.js';
import type { Attachment } from '../../attach/attach.js';
import type { Extension } from '../contract.js';
import type { Manifest } from './load.js';
import { extensionContext, wrapExtension } from './wrap.js';

/** Helpers an in-process extension may use: run an expression in the target and get its value back as JSON. */
export const helpers = {
  async evaluate<T = unknown>(attachment: Attachment, expression: string, timeoutMs = 5000): Promise<T> {
    return evaluateJson<T>(attachment, `(${expression}\n)`, { timeoutMs, what: 'an extension snippet', async: /\bawait\b/.test(expression) });
  },
};

export type Helpers = typeof helpers;

export async function moduleExtension(url: string, manifest: Manifest, options: Record<string, string | number | boolean>): Promise<Extension> {
  let exported: unknown;
  try {
    const module = (await importModule(url)) as { default?: unknown };
    exported = module.default ?? module;
  } catch (error) {
    throw new ProbingError('EXTENSION_LOAD', `could not load ${url}: ${(error as Error).message}`);
  }
  const extension = (typeof exported === 'function' ? await (exported as (h: Helpers) => unknown)(helpers) : exported) as Extension;
  if (typeof extension !== 'object' || extension === null || typeof extension.name !== 'string' || !Array.isArray(extension.namespaces)) {
    throw new ProbingError('EXTENSION_SHAPE', `${url} does not export an extension ({ name, description, namespaces, … })`);
  }
  const version = extension.version ?? manifest.version;
  return wrapExtension({ ...extension, ...(version ? { version } : {}) }, extensionContext(extension.name, extension.options, options));
}
