/** `probing ext …` and `probing <target> call …`: managing extensions and performing their calls. */
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import { ExitCode, UsageError } from '../errors.js';
import type { ExtensionRecord, Loaded } from '../extensions/loader/load.js';
import { noteLeftOpen } from '../run/left-open.js';

type Out = (text: string) => void;

export async function loadFor(paths: readonly string[] | undefined, timeoutMs = 10_000): Promise<Loaded> {
  const { loadExtensions } = await import('../extensions/loader/load.js');
  return loadExtensions({ paths: paths ?? [], timeoutMs });
}

function find(loaded: Loaded, name: string): ExtensionRecord {
  const records = loaded.records.filter((r) => r.name === name);
  const record = records.find((r) => r.state === 'loaded' || r.state === 'disabled') ?? records[0];
  if (!record) {
    throw new UsageError('UNKNOWN_EXTENSION', `no extension named "${name}" was found`, {
      hint: `probing ext list shows what was found; extensions come from --extension <path>, ${'$PROBING_HOME/extensions'} (default ~/.probing/extensions) and npm packages named probing-extension-*`,
    });
  }
  return record;
}

export async function extCommand(action: string, args: string[], options: { extension?: string[]; json?: boolean }, out: Out): Promise<number> {
  const { readSettings, writeSettings, probingHome } = await import('../extensions/loader/home.js');
  const loaded = await loadFor(options.extension);
  try {
    switch (action) {
      case 'list': {
        const rows = loaded.records.map((r) => ({ name: r.name, version: r.version, kind: r.kind, state: r.state, reason: r.reason ?? null, provides: r.provides, path: r.path, origin: r.origin }));
        if (options.json) out(JSON.stringify(rows, null, 2) + '\n');
        else if (rows.length === 0) out(`(no extensions found: add one with --extension <path>, in ${probingHome()}/extensions, or as an npm package named probing-extension-*)\n`);
        else {
          const { renderColumns } = await import('../output/columns.js');
          out(renderColumns(['NAME', 'VERSION', 'KIND', 'STATE', 'PROVIDES / REASON'], rows.map((r) => [r.name, r.version ?? '-', r.kind, r.state, r.reason ?? r.provides.join(', ')]), stdoutWidth()));
        }
        return ExitCode.ok;
      }
      case 'info': {
        const record = find(loaded, need(args[0], 'ext info <name>'));
        const extension = record.extension;
        const described = extension?.describe ? await extension.describe() : undefined;
        const info = {
          name: record.name,
          version: record.version,
          kind: record.kind,
          state: record.state,
          reason: record.reason ?? null,
          path: record.path,
          description: extension?.description ?? null,
          provides: record.provides,
          options: extension?.options ?? (described as { options?: unknown })?.options ?? [],
          calls: (extension?.calls ?? []).map((c) => ({ name: c.name, description: c.description, params: c.params ?? {} })),
          functions: (extension?.functions ?? []).map((f) => ({ name: f.name, description: f.description })),
          ...(described ? { described } : {}),
        };
        out(JSON.stringify(info, null, 2) + '\n');
        return ExitCode.ok;
      }
      case 'enable':
      case 'disable': {
        const name = need(args[0], `ext ${action} <name>`);
        find(loaded, name);
        const settings = readSettings();
        settings.disabled = settings.disabled.filter((n) => n !== name);
        if (action === 'disable') settings.disabled.push(name);
        writeSettings(settings);
        out(`${name} ${action}d\n`);
        return ExitCode.ok;
      }
      case 'options': {
        const record = find(loaded, need(args[0], 'ext options <name>'));
        const specs = record.extension?.options ?? ((record.extension?.describe ? await record.extension.describe() : undefined) as { options?: Array<{ key: string; help: string; default: unknown }> } | undefined)?.options ?? [];
        const values = readSettings().options[record.name] ?? {};
        const rows: Array<{ key: string; value: unknown; default: unknown; help: string }> = specs.map((o) => ({ key: o.key, value: values[o.key] ?? o.default, default: o.default, help: o.help }));
        if (record.limits) {
          const { DEFAULT_LIMITS, LIMIT_HELP, formatSize } = await import('../extensions/loader/limits.js');
          for (const key of Object.keys(LIMIT_HELP[record.kind as 'process' | 'functions']) as Array<keyof typeof DEFAULT_LIMITS>) {
            rows.push({ key: `limits.${key}`, value: formatSize(record.limits[key]), default: formatSize(DEFAULT_LIMITS[key]), help: LIMIT_HELP[record.kind as 'process' | 'functions'][key]! });
          }
        }
        if (options.json) out(JSON.stringify(rows, null, 2) + '\n');
        else {
          const { renderColumns } = await import('../output/columns.js');
          out(rows.length === 0 ? `(${record.name} has no options)\n` : renderColumns(['KEY', 'VALUE', 'DEFAULT', 'HELP'], rows.map((r) => [r.key, String(r.value), String(r.default), r.help])));
        }
        return ExitCode.ok;
      }
      case 'set': {
        const target = need(args[0], 'ext set <name>.<key> <value>');
        const value = need(args[1], 'ext set <name>.<key> <value>');
        const dot = target.indexOf('.');
        if (dot < 1) throw new UsageError('BAD_OPTION_NAME', `"${target}" is not <extension>.<key>`, { hint: 'e.g. probing ext set queue.max_jobs 100' });
        const record = find(loaded, target.slice(0, dot));
        const key = target.slice(dot + 1);
        if (key.startsWith('limits.')) {
          const { LIMIT_HELP, checkLimit, formatSize } = await import('../extensions/loader/limits.js');
          const name = key.slice('limits.'.length);
          const known = record.kind === 'process' || record.kind === 'functions' ? Object.keys(LIMIT_HELP[record.kind]) : [];
          if (!known.includes(name)) {
            throw new UsageError('UNKNOWN_OPTION', `extension ${record.name} has no limit "${name}"`, {
              hint: known.length ? `its limits: ${known.map((k) => `limits.${k}`).join(', ')}` : `limits are for out-of-process and HTTP-function extensions; ${record.name} runs in the CLI`,
            });
          }
          const size = checkLimit(name, value);
          const settings = readSettings();
          settings.options[record.name] = { ...(settings.options[record.name] ?? {}), [key]: size };
          writeSettings(settings);
          out(`${target} = ${formatSize(size)}\n`);
          return ExitCode.ok;
        }
        const specs = record.extension?.options ?? ((record.extension?.describe ? await record.extension.describe() : undefined) as { options?: Array<{ key: string; default: unknown }> } | undefined)?.options ?? [];
        const spec = specs.find((o) => o.key === key);
        if (!spec) throw new UsageError('UNKNOWN_OPTION', `extension ${record.name} has no option "${key}"`, { hint: `probing ext options ${record.name} lists them` });
        const typed = typeof spec.default === 'number' ? Number(value) : typeof spec.default === 'boolean' ? ['true', 'on', '1', 'yes'].includes(value.toLowerCase()) : value;
        if (typeof typed === 'number' && Number.isNaN(typed)) throw new UsageError('BAD_OPTION_VALUE', `${target} takes a number, not "${value}"`);
        const settings = readSettings();
        settings.options[record.name] = { ...(settings.options[record.name] ?? {}), [key]: typed };
        writeSettings(settings);
        out(`${target} = ${String(typed)}\n`);
        return ExitCode.ok;
      }
      default:
        throw new UsageError('BAD_EXT_ACTION', `ext takes list, info, enable, disable, options or set, not "${action}"`, { hint: 'probing ext --help' });
    }
  } finally {
    loaded.dispose();
  }
}

function need(value: string | undefined, usage: string): string {
  if (value === undefined) throw new UsageError('MISSING_ARGUMENT', `missing argument: probing ${usage}`);
  return value;
}

/** `probing <target> call <extension>.<call> [key=value …]` */
export async function callCommand(
  target: string,
  name: string,
  pairs: string[],
  options: { extension?: string[]; timeout: number; attachTimeout: number; json?: boolean },
  out: Out,
  err: Out,
): Promise<number> {
  const dot = name.indexOf('.');
  if (dot < 1) throw new UsageError('BAD_CALL_NAME', `"${name}" is not <extension>.<call>`, { hint: 'e.g. probing 4242 call queue.retry id=17' });
  const args: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError('BAD_CALL_ARGUMENT', `"${pair}" is not key=value`);
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const { parseTarget } = await import('../attach/target-spec.js');
  const spec = parseTarget(target);
  const loaded = await loadFor(options.extension, options.timeout);
  try {
    const record = find(loaded, name.slice(0, dot));
    if (record.state !== 'loaded' || !record.extension) throw new UsageError('EXTENSION_NOT_LOADED', `extension ${record.name} is ${record.state}${record.reason ? `: ${record.reason}` : ''}`);
    const callName = name.slice(dot + 1);
    const call = record.extension.calls?.find((c) => c.name === callName) ?? (await record.extension.resolveCall?.(callName));
    if (!call) throw new UsageError('UNKNOWN_CALL', `extension ${record.name} has no call "${callName}"`, { hint: `probing ext info ${record.name} lists its calls` });
    const { withTarget } = await import('../run/with-target.js');
    const { extensionContext } = await import('../extensions/loader/wrap.js');
    const { value, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (attachment) =>
      call.invoke({ attachment, extension: extensionContext(record.name, record.extension!.options, {}) }, args),
    );
    noteLeftOpen(leftOpen, err);
    const { toJsonText } = await import('../output/cells.js');
    const { inspect } = await import('node:util');
    out((options.json ? toJsonText(value, 2) : inspect(value, { depth: 4, colors: stdoutColors() })) + '\n');
    return ExitCode.ok;
  } finally {
    loaded.dispose();
  }
}
