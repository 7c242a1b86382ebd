/**
 * External functions (after eKuiper's): SQL functions declared in a manifest that
 * call an existing HTTP service — no code. `{0}`, `{1}`, … in the URL are the
 * arguments (URL-encoded); POST sends {"args": [...]} as JSON. `result` is a dotted
 * path into the JSON answer; without it the whole answer is the value.
 */
import { ExtensionFailure } from './process-client.js';
import type { Extension, FunctionSpec } from '../contract.js';
import type { Manifest } from './load.js';

export interface FunctionManifest {
  name: string;
  description?: string;
  method?: 'GET' | 'POST';
  url: string;
  result?: string;
  timeout_ms?: number;
}

function pick(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? null;
}

function httpFunction(extension: string, f: FunctionManifest): FunctionSpec {
  const timeoutMs = f.timeout_ms ?? 5000;
  return {
    name: f.name,
    description: f.description ?? `${f.method ?? 'GET'} ${f.url}`,
    async call(args) {
      // ${NAME} in the URL comes from the environment, {0}, {1} … from the arguments
      const url = f.url.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, v: string) => process.env[v] ?? '').replace(/\{(\d+)\}/g, (_m, i: string) => encodeURIComponent(String(args[Number(i)] ?? '')));
      let response: Response;
      try {
        response = await fetch(url, {
          method: f.method ?? 'GET',
          signal: AbortSignal.timeout(timeoutMs),
          ...(f.method === 'POST' ? { body: JSON.stringify({ args }), headers: { 'content-type': 'application/json' } } : {}),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
        throw new ExtensionFailure('FUNCTION_FAILED', `${f.name}(): ${url} ${timedOut ? `did not answer within ${timeoutMs} ms` : `could not be reached (${(error as Error).message})`}`, {
          hint: `check the service, or timeout_ms in extension ${extension}'s manifest`,
        });
      }
      const text = await response.text();
      if (!response.ok) {
        throw new ExtensionFailure('FUNCTION_FAILED', `${f.name}(): ${url} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 120)}` : ''}`, {
          hint: `the service behind extension ${extension} failed for this argument`,
        });
      }
      try {
        return pick(JSON.parse(text), f.result);
      } catch {
        return f.result ? null : text;
      }
    },
  };
}

export function functionsExtension(manifest: Manifest, _options: Record<string, string | number | boolean>): Extension {
  return {
    name: manifest.name,
    ...(manifest.version ? { version: manifest.version } : {}),
    description: manifest.description ?? 'SQL functions that call an HTTP service',
    namespaces: [],
    functions: (manifest.functions ?? []).map((f) => httpFunction(manifest.name, f)),
  };
}
