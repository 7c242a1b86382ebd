/**
 * Out-of-process extensions (after eKuiper's portable plugins): a program in any
 * language, started when a query first needs one of its namespaces, speaking the
 * JSON protocol of process-client.ts. It cannot touch the target itself; it may ask
 * the CLI to evaluate an expression there while it answers.
 */
import type { Attachment } from '../../attach/attach.js';
import { evaluateJson } from '../../run/remote-json.js';
import type { CallSpec, ColumnSpec, Extension, OptionSpec, TableSource } from '../contract.js';
import type { Manifest } from './load.js';
import type { ExtensionLimits } from './limits.js';
import { ExtensionFailure, ProcessClient } from './process-client.js';
import { extensionContext, wrapExtension } from './wrap.js';

interface Description {
  name: string;
  version?: string;
  description?: string;
  namespaces?: Array<{ name: string; description?: string; tables?: Array<{ name: string; description?: string; columns?: ColumnSpec[] }> }>;
  options?: OptionSpec[];
  calls?: Array<{ name: string; description?: string; params?: Record<string, string> }>;
}

export function processExtension(
  manifest: Manifest,
  root: string,
  optionValues: Record<string, string | number | boolean>,
  timeoutMs: number,
  disposers: Array<() => void>,
  limits: ExtensionLimits,
): Extension {
  let client: ProcessClient | undefined;
  let described: Promise<Description> | undefined;
  const start = () => {
    if (!client) {
      client = new ProcessClient(manifest.name, manifest.command!, root, { PROBING_EXTENSION: manifest.name }, limits);
      disposers.push(() => client?.stop());
    }
    return client;
  };
  const describe = () => (described ??= start().request<Description>('describe', {}, { timeoutMs }));
  const options = async () => {
    const d = await describe();
    return extensionContext(manifest.name, d.options, optionValues).options;
  };
  const evaluateIn = (attachment: Attachment | undefined) => async (method: string, params: unknown) => {
    if (method !== 'evaluate') throw new Error(`unknown request ${method}`);
    if (!attachment) throw new Error('there is no target to evaluate in');
    const expression = (params as { expression?: unknown })?.expression;
    if (typeof expression !== 'string') throw new Error('evaluate needs {"expression": "…"}');
    return evaluateJson(attachment, `(${expression}\n)`, { timeoutMs, what: `extension ${manifest.name}'s expression`, async: /\bawait\b/.test(expression) });
  };

  const table = (namespace: string, name: string): TableSource => ({
    name,
    description: `provided by the out-of-process extension ${manifest.name}`,
    async generate(ctx) {
      const d = await describe();
      const declared = d.namespaces?.find((n) => n.name === namespace)?.tables?.find((t) => t.name === name);
      const dynamic = d.namespaces?.find((n) => n.name === namespace)?.tables === undefined;
      if (!declared && !dynamic) {
        const known = d.namespaces?.find((n) => n.name === namespace)?.tables?.map((t) => `${namespace}.${t.name}`) ?? [];
        throw new ExtensionFailure('UNKNOWN_TABLE', `extension ${manifest.name} has no table ${namespace}.${name}`, { hint: known.length ? `its tables: ${known.join(', ')}` : 'probing ext info shows what it provides' });
      }
      const answer = await start().request<{ rows?: unknown }>(
        'rows',
        { namespace, table: name, constraints: ctx.constraints, options: await options(), maxRows: ctx.limits.maxRows },
        { timeoutMs: ctx.limits.timeoutMs, onRequest: evaluateIn(ctx.attachment) },
      );
      if (!Array.isArray(answer?.rows)) throw new ExtensionFailure('BAD_ANSWER', `extension ${manifest.name} answered rows without a "rows" array`);
      const rows = answer.rows as Record<string, unknown>[];
      const { normalize } = await import('./wrap.js');
      return normalize(rows.slice(0, ctx.limits.maxRows), declared?.columns) as never;
    },
  });

  const extension: Extension = {
    name: manifest.name,
    ...(manifest.version ? { version: manifest.version } : {}),
    description: manifest.description ?? `out-of-process extension (${manifest.command!.join(' ')})`,
    namespaces: manifest.namespaces!.map((ns) => ({
      name: ns,
      description: `provided by the out-of-process extension ${manifest.name}`,
      resolve: (name, quoted) => (quoted ? undefined : table(ns, name)),
    })),
    async resolveCall(name) {
      const d = await describe();
      const call = d.calls?.find((c) => c.name === name);
      if (!call) return undefined;
      const spec: CallSpec = {
        name,
        description: call.description ?? '',
        ...(call.params ? { params: call.params } : {}),
        invoke: async (ctx, args) =>
          start().request('call', { name, args, options: await options() }, { timeoutMs, onRequest: evaluateIn(ctx.attachment) }),
      };
      return spec;
    },
    async describe() {
      return describe();
    },
  };
  return wrapExtension(extension, extensionContext(manifest.name, undefined, optionValues));
}
