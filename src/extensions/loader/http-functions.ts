/**
 * External functions (after eKuiper's): SQL functions declared in a manifest that
 * call an existing HTTP service — no code. `{0}`, `{1}`, … in the URL are the
 * arguments (URL-encoded); POST sends {"args": [...]} as JSON. `result` is a dotted
 * path into the JSON answer; without it the whole answer is the value.
 *
 * The answer is bounded while it streams in: `timeout_ms` covers the whole of it,
 * body included, and a body past limits.body_bytes is cut off unread.
 */
import { formatSize, raiseHint, type ExtensionLimits } from './limits.js';
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

/** The body as text, read chunk by chunk and given up on past `maxBytes`; undefined when it is too big. */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function httpFunction(extension: string, f: FunctionManifest, limits: ExtensionLimits): FunctionSpec {
  const timeoutMs = f.timeout_ms ?? 5000;
  const maxBytes = limits.body_bytes;
  return {
    name: f.name,
    description: f.description ?? `${f.method ?? 'GET'} ${f.url}`,
    async call(args) {
      // ${NAME} in the URL comes from the environment, {0}, {1} … from the arguments
      const url = f.url.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, v: string) => process.env[v] ?? '').replace(/\{(\d+)\}/g, (_m, i: string) => encodeURIComponent(String(args[Number(i)] ?? '')));
      let response: Response;
      let text: string | undefined;
      let answering = false;
      try {
        response = await fetch(url, {
          method: f.method ?? 'GET',
          signal: AbortSignal.timeout(timeoutMs),
          ...(f.method === 'POST' ? { body: JSON.stringify({ args }), headers: { 'content-type': 'application/json' } } : {}),
        });
        answering = true;
        text = await boundedText(response, maxBytes);
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
        const what = timedOut ? (answering ? `did not finish answering within ${timeoutMs} ms` : `did not answer within ${timeoutMs} ms`) : answering ? `broke off its answer (${(error as Error).message})` : `could not be reached (${(error as Error).message})`;
        throw new ExtensionFailure('FUNCTION_FAILED', `extension ${extension}: ${f.name}(): ${url} ${what}`, {
          hint: `check the service, or timeout_ms in extension ${extension}'s manifest`,
        });
      }
      if (text === undefined) {
        throw new ExtensionFailure('FUNCTION_FAILED', `extension ${extension}: ${f.name}(): ${url} answered with more than ${formatSize(maxBytes)}; the rest was not read`, {
          hint: raiseHint(extension, 'body_bytes', maxBytes),
        });
      }
      if (!response.ok) {
        throw new ExtensionFailure('FUNCTION_FAILED', `extension ${extension}: ${f.name}(): ${url} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 120)}` : ''}`, {
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

export function functionsExtension(manifest: Manifest, limits: ExtensionLimits): Extension {
  return {
    name: manifest.name,
    ...(manifest.version ? { version: manifest.version } : {}),
    description: manifest.description ?? 'SQL functions that call an HTTP service',
    namespaces: [],
    functions: (manifest.functions ?? []).map((f) => httpFunction(manifest.name, f, limits)),
  };
}
