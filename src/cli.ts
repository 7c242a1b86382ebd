/**
 * The command line: parses arguments, calls the library, prints. The only module
 * that writes to stdout/stderr or decides exit statuses.
 */
import { debug } from './debug.js';
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { parseTarget } from './attach/target-spec.js';
import { ExitCode, ProbingError, RemoteError, UsageError } from './errors.js';
import type { Formatted } from './target/snippets.js';
import type { Outcome } from './run/with-target.js';

const TARGET_COMMANDS = ['eval', 'inject', 'query', 'tables', 'describe', 'config', 'call'];
const HOST_COMMANDS = ['list', 'demo', 'help', 'tables', 'describe', 'ext'];

const collect = (value: string, previous: string[]) => [...previous, value];
const EXTENSION_HELP = 'load an extension from this file or directory (repeatable)';

interface TargetOptions {
  timeout: number;
  attachTimeout: number;
  json?: boolean;
  depth: number;
  maxBytes: number;
  color?: boolean;
  verbose?: boolean;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('give milliseconds (5000) or seconds (5s).');
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (ms < 1 || ms > 3_600_000) throw new InvalidArgumentError('must be between 1 ms and 1 hour.');
  return Math.round(ms);
}

function count(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`give a whole number from ${min} to ${max}.`);
    return n;
  };
}

function bytes(value: string): number {
  const match = /^(\d+)(k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('give bytes (65536) or a size such as 64k or 4m.');
  const unit = (match[2] ?? '').toLowerCase();
  const n = Number(match[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
  if (n < 16 || n > 64 * 1024 * 1024) throw new InvalidArgumentError('must be between 16 bytes and 64 MiB.');
  return n;
}

/** Options shared by every command that attaches to a target. */
function attachCommand(program: Command, name: string, args: string, description: string): Command {
  return program
    .command(`${name} <target> ${args}`)
    .description(description)
    .addOption(new Option('--timeout <ms>', 'time limit for the code in the target, enforced there and here (ms, or 5s)').default(5000).argParser(duration))
    .addOption(new Option('--attach-timeout <ms>', 'how long to wait for the inspector to open after SIGUSR1').default(3000).argParser(duration))
    .option('-v, --verbose', 'show full stacks of errors');
}

/** eval and inject: a JavaScript value printed back. */
function targetCommand(program: Command, name: string, args: string, description: string): Command {
  return attachCommand(program, name, args, description)
    .option('--json', 'print the result as JSON instead of util.inspect')
    .addOption(new Option('--depth <n>', 'how deep util.inspect shows nested objects').default(2).argParser(count(0, 100)))
    .addOption(new Option('--max-bytes <size>', 'cut the printed result at this size (the target never sends more)').default(1024 * 1024, '1m').argParser(bytes))
    .option('--no-color', 'no colours, even on a terminal');
}

const EXAMPLES = `
Targets:
  4242                      a local Node.js process id (its inspector is opened with SIGUSR1 and closed again)
  127.0.0.1:9229            an inspector that is already listening
  ws://127.0.0.1:9229/<id>  an inspector WebSocket URL

Examples:
  $ probing demo                                   start the bundled demo service and probe it
  $ probing list                                   Node.js processes you can probe
  $ probing 4242 eval "process.memoryUsage()"
  $ probing 4242 eval "await fetch('http://localhost:3000/health').then(r => r.status)"
  $ probing 4242 inject ./hook.js
  $ probing 4242 query 'SELECT user, count(*) AS n FROM js.\`[...app.sessions.values()]\` GROUP BY user'

Exit status:
  0 success · 1 the code in the target threw · 2 bad arguments or SQL · 3 cannot attach
  4 time limit reached · 5 connection or protocol failure · 6 an extension failed · 130 interrupted`;

function buildProgram(out: (text: string) => void, err: (text: string) => void, run: (job: Promise<number>) => void): Command {
  const program = new Command('probing')
    .description('Probe a running Node.js process: ask it questions in SQL, run code in it, load scripts into it — without restarting it.')
    .version(version(), '-V, --version')
    .usage('<target> <command> [options]\n       probing <command> [options]')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: out, writeErr: err })
    .exitOverride();

  const help = new Help();
  program.configureHelp({
    commandUsage: (cmd) => {
      if (!TARGET_COMMANDS.includes(cmd.name())) return help.commandUsage(cmd);
      const args = cmd.registeredArguments.slice(1).map((a) => `<${a.name()}>`).join(' ');
      return `probing <target> ${cmd.name()} ${args} [options]`;
    },
  });

  targetCommand(program, 'eval', '<code>', 'evaluate JavaScript in the target (top-level await and require() work) and print the result')
    .addHelpText('after', `
Examples:
  $ probing 4242 eval "globalThis.cache.size"
  $ probing 4242 eval "require('os').loadavg()"
  $ probing 4242 eval --json "[...app.sessions.values()]"
  $ probing 4242 eval "await db.query('select 1')" --timeout 10s`)
    .action((target: string, code: string, options: TargetOptions) => run(evalCommand(target, code, options, out)));

  targetCommand(program, 'inject', '[file]', 'load a CommonJS script into the target (prints its module.exports); without a file, install probing/runtime')
    .addHelpText('after', `
The script runs like a CommonJS module inside the target: require() resolves relative
to the script, module.exports is printed back, and timers or hooks it installs keep
running after probing leaves. require('probing/runtime') gives the runtime (probing
installs it first). ES module syntax (import/export) is not supported.

Without a file, inject installs probing/runtime (tables written by the target, samplers)
into a process that never imported it; doing it twice changes nothing.

Examples:
  $ probing 4242 inject ./hook.js
  $ probing 4242 inject ./dump-routes.js --json
  $ probing 4242 inject`)
    .action((target: string, file: string | undefined, options: TargetOptions) => run(file === undefined ? installCommand(target, options, out) : injectCommand(target, file, options, out)));

  attachCommand(program, 'config', '[action] [key] [value]', "list the target runtime's options, or change one: config set <key> <value>")
    .option('--json', 'print JSON')
    .addHelpText('after', `
Options switch the runtime's samplers on and off (each fills a runtime.* table) and tune
them. Setting one installs probing/runtime if the target does not have it; switching a
sampler off removes everything it installed.

Examples:
  $ probing 4242 config
  $ probing 4242 config set sampler.http on
  $ probing 4242 query 'SELECT url, status, count(*) AS n FROM runtime.http GROUP BY url, status'
  $ probing 4242 config set sampler.http off`)
    .action((target: string, action: string | undefined, key: string | undefined, value: string | undefined, options: ConfigOptions) =>
      run(configCommand(target, action, key, value, options, out)));

  attachCommand(program, 'query', '<sql>', 'answer a read-only SQL query over live tables of the target')
    .addOption(new Option('-f, --format <format>', 'table, json, ndjson, csv or arrow').choices(['table', 'json', 'ndjson', 'csv', 'arrow']).default('table'))
    .option('-o, --output <file>', 'write the result to a file instead of stdout')
    .addOption(new Option('--max-rows <n>', 'at most this many rows from each table; the rest is cut (and reported)').default(100_000).argParser(count(1, 100_000_000)))
    .addOption(new Option('--max-bytes <size>', 'at most about this much data from each table').default(64 * 1024 * 1024, '64m').argParser(bytes))
    .option('--no-color', 'no colours, even on a terminal')
    .option('--show-secrets', 'show values of environment variables whose names look secret (masked by default)')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', `
Tables (probing tables lists them all, probing describe <table> explains one):
  process.info, process.env, process.memory, process.resource_usage, process.resources,
  process.handles, process.versions, v8.heap_spaces, v8.heap_statistics,
  v8.heap_code_statistics, node.modules, os.info, os.cpus, probing.tables, probing.columns
  js.\`<expression>\`   a JavaScript expression evaluated in the target (await allowed):
                        an array of objects → a row each; an array of scalars, a Set → value;
                        a Map → key, value; an object → one row; a scalar → one value row

Only SELECT is accepted (WITH, joins, subqueries, UNION included); nested values are
reachable as payload->user->id. Window functions (OVER) are refused.

Single quotes keep the shell away from the backticks. Names that are SQL keywords
need brackets: [value], [key], [count], [total], [order].

Examples:
  $ probing 4242 query 'SELECT user, count(*) AS n FROM js.\`[...app.sessions.values()]\` GROUP BY user'
  $ probing 4242 query 'SELECT [key], [value]->price AS price FROM js.\`app.cache\` ORDER BY price DESC LIMIT 5'
  $ probing 4242 query 'SELECT * FROM js.\`app.stats.byRoute\`' --format json
  $ probing 4242 query 'SELECT * FROM js.\`[...app.sessions.values()]\`' -f arrow -o sessions.arrow`)
    .action((target: string, sql: string, options: QueryOptions) => run(queryCommand(target, sql, options, out, err)));

  attachCommand(program, 'call', '<name> [args...]', 'perform an extension call: <extension>.<call> [key=value …]')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ probing 4242 call jsqueue.stats\n  $ probing 4242 call pyqueue.retry id=17 --extension examples/extensions/python-queue')
    .action((target: string, name: string, args: string[], options: { extension?: string[]; timeout: number; attachTimeout: number; json?: boolean }) =>
      run(import('./commands/ext.js').then((m) => m.callCommand(target, name, args, options, out))));

  program
    .command('ext <action> [args...]')
    .description('extensions: list, info <name>, enable <name>, disable <name>, options <name>, set <name>.<key> <value>')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .option('--json', 'print JSON')
    .addHelpText('after', `
Extensions are found through --extension <path>, in $PROBING_HOME/extensions (default
~/.probing/extensions), and as npm packages named probing-extension-* in ./node_modules.
Enabling, disabling and options are kept in $PROBING_HOME/settings.json. See docs/extensions.md.

Examples:
  $ probing ext list --extension examples/extensions/js-queue
  $ probing ext info jsqueue --extension examples/extensions/js-queue
  $ probing ext disable jsqueue`)
    .action((action: string, args: string[], options: { extension?: string[]; json?: boolean }) => run(import('./commands/ext.js').then((m) => m.extCommand(action, args, options, out))));

  program
    .command('tables [target]')
    .description('list the tables a query can read (with a target: as that target offers them)')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ probing tables\n  $ probing 4242 tables')
    .action((target: string | undefined, options: { json?: boolean; extension?: string[] }) => run(tablesCommand(target, options, out)));

  program
    .command('describe <table-or-target> [table]')
    .description('the columns of one table, with their types and meaning')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', '\nExamples:\n  $ probing describe process.memory\n  $ probing 4242 describe node.modules')
    .action((first: string, second: string | undefined, options: { extension?: string[] }) => run(describeCommand(second === undefined ? undefined : first, second ?? first, options, out)));

  program
    .command('list')
    .description('list the Node.js processes on this host that you can probe')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ probing list')
    .action((options: { json?: boolean }) => run(listCommand(options, out)));

  program
    .command('demo')
    .description('start the bundled demo service, run probing commands against it, and stop it')
    .option('--keep', 'keep the demo service running and print its pid, until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  $ probing demo\n  $ probing demo --keep')
    .action((options: { keep?: boolean }) => run(demoCommand(options, out, err)));

  return program;
}

function printResult({ value: result, leftOpen }: Outcome<Formatted>, out: (text: string) => void, err: (text: string) => void, maxBytes: number): void {
  out(result.text + '\n');
  if (leftOpen) err(`probing: note: ${leftOpen}\n`);
  if (result.truncated) {
    const total = result.truncated.total === null ? '' : ` of ${result.truncated.total}`;
    err(`probing: output cut at ${maxBytes} bytes${total}; raise --max-bytes to see more\n`);
  }
}

function formatOptions(options: TargetOptions) {
  return {
    json: options.json === true,
    colors: options.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR,
    depth: options.depth,
    columns: process.stdout.columns ?? 80,
    maxBytes: options.maxBytes,
    timeoutMs: options.timeout,
  };
}

async function evalCommand(target: string, code: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const { withTarget } = await import('./run/with-target.js');
  // loads (with acorn) while the target's inspector opens
  let loading: Promise<typeof import('./run/evaluate.js')> | undefined;
  const load = () => (loading ??= import('./run/evaluate.js'));
  const attachOptions = { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, onSignalled: () => void load().catch(() => {}) };
  const result = await withTarget(spec, attachOptions, async (a) => (await load()).evaluate(a, code, formatOptions(options)));
  printResult(result, out, (t) => process.stderr.write(t), options.maxBytes);
  return ExitCode.ok;
}

async function injectCommand(target: string, file: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const { withTarget } = await import('./run/with-target.js');
  const { inject, readScript } = await import('./run/inject.js');
  await readScript(file); // refuse a missing or unsupported file before attaching
  const result = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (a) => inject(a, file, formatOptions(options)));
  printResult(result, out, (t) => process.stderr.write(t), options.maxBytes);
  return ExitCode.ok;
}

interface QueryOptions {
  extension?: string[];
  showSecrets?: boolean;
  timeout: number;
  attachTimeout: number;
  format: 'table' | 'json' | 'ndjson' | 'csv' | 'arrow';
  output?: string;
  maxRows: number;
  maxBytes: number;
  color?: boolean;
}

async function queryCommand(target: string, sql: string, options: QueryOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  if (options.format === 'arrow' && !options.output && process.stdout.isTTY) {
    throw new UsageError('BINARY_TO_TERMINAL', 'the arrow format is binary and stdout is a terminal', { hint: 'write it to a file with -o results.arrow, or pipe it' });
  }
  const [{ withTarget }, { loadFor }, { runQuery, prepareQuery }] = await Promise.all([
    import('./run/with-target.js'),
    import('./commands/ext.js'),
    import('./sql/query.js'),
  ]);
  const loaded = await loadFor(options.extension, options.timeout);
  try {
    return await runQueryCommand(spec, sql, options, loaded.registry, { withTarget, runQuery, prepareQuery }, out, err);
  } finally {
    loaded.dispose();
  }
}

async function runQueryCommand(
  spec: ReturnType<typeof parseTarget>,
  sql: string,
  options: QueryOptions,
  registry: import('./extensions/registry.js').Registry,
  { withTarget, runQuery, prepareQuery }: Pick<typeof import('./run/with-target.js'), 'withTarget'> & Pick<typeof import('./sql/query.js'), 'runQuery' | 'prepareQuery'>,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  // Bad SQL and unknown tables are refused before the target is touched.
  const prepared = await prepareQuery(sql, registry);
  const limits = { maxRows: options.maxRows, maxBytes: options.maxBytes, timeoutMs: options.timeout };
  const flags = { showSecrets: options.showSecrets === true };
  // Arrow loads while the target opens its inspector.
  const onSignalled = () => void import('./tables/from-payload.js').catch(() => {});
  const { value: result, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, onSignalled }, (a) => runQuery(a, prepared, limits, flags));
  const { render } = await import('./output/render.js');
  const rendered = await render(result, options.format, {
    width: options.output ? undefined : process.stdout.isTTY ? process.stdout.columns : undefined,
    colors: !options.output && options.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR,
  });
  if (options.output) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(options.output, rendered);
  } else if (typeof rendered === 'string') {
    out(rendered);
  } else {
    process.stdout.write(rendered);
  }
  for (const t of result.truncated) {
    const of = t.total === null ? '' : ` of ${t.total}`;
    if (t.reason === 'overwritten') {
      err(`probing: ${t.table}: the ring overwrote rows while they were read; ${t.rows}${of} rows shown\n`);
      continue;
    }
    const why = t.reason === 'rows' ? '--max-rows' : '--max-bytes';
    err(`probing: ${t.table}: cut at ${t.rows}${of} rows by ${why}; raise ${why} to read more\n`);
  }
  if (leftOpen) err(`probing: note: ${leftOpen}\n`);
  return ExitCode.ok;
}

async function tablesCommand(target: string | undefined, options: { json?: boolean; extension?: string[] }, out: (text: string) => void): Promise<number> {
  const [{ loadFor }, { catalog }] = await Promise.all([import('./commands/ext.js'), import('./extensions/builtin/catalog.js')]);
  const loaded = await loadFor(options.extension);
  loaded.dispose();
  const tables = catalog(loaded.registry);
  let header = '';
  if (target !== undefined) {
    // With a target: confirm it is reachable and say which process the catalog is for.
    const { withTarget } = await import('./run/with-target.js');
    const { value } = await withTarget(parseTarget(target), { timeoutMs: 5000, attachTimeoutMs: 3000 }, async (a) => a.target);
    header = `pid ${value.pid}, Node.js ${value.nodeVersion}\n`;
  }
  if (options.json) {
    out(JSON.stringify(tables.map(({ columns, ...t }) => ({ ...t, columns: columns ?? null })), null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('./output/columns.js');
  out(header + renderColumns(['TABLE', 'DESCRIPTION'], tables.map((t) => [`${t.namespace}.${t.name}`, t.description]), process.stdout.isTTY ? process.stdout.columns : undefined));
  return ExitCode.ok;
}

async function describeCommand(target: string | undefined, table: string, options: { extension?: string[] }, out: (text: string) => void): Promise<number> {
  const [{ loadFor }, { catalog }, { findReferences }] = await Promise.all([
    import('./commands/ext.js'),
    import('./extensions/builtin/catalog.js'),
    import('./sql/references.js'),
  ]);
  const loaded = await loadFor(options.extension);
  loaded.dispose();
  const registry = loaded.registry;
  const ref = findReferences(table)[0];
  if (!ref || ref.text !== table.trim()) {
    throw new UsageError('BAD_TABLE_NAME', `"${table}" is not a table name`, { hint: 'write namespace.table, e.g. probing describe process.memory; `probing tables` lists them' });
  }
  const source = registry.resolve(ref.namespace, ref.name, ref.quoted);
  if (target !== undefined) {
    const { withTarget } = await import('./run/with-target.js');
    await withTarget(parseTarget(target), { timeoutMs: 5000, attachTimeoutMs: 3000 }, async () => undefined);
  }
  const entry = catalog(registry).find((t) => t.namespace === ref.namespace && t.name === source.name);
  out(`${ref.namespace}.${source.name} — ${source.description}\n`);
  if (entry?.pushdown) out(`applied inside the target: ${entry.pushdown}\n`);
  if (!source.columns) {
    out('\nIts columns come from the value: an array of objects gives a column per key, scalars a value column, a Map key and value (see probing query --help).\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('./output/columns.js');
  out('\n' + renderColumns(['COLUMN', 'TYPE', 'MEANING'], source.columns.map((c) => [c.name, c.type, c.doc]), process.stdout.isTTY ? process.stdout.columns : undefined));
  return ExitCode.ok;
}

interface ConfigOptions {
  timeout: number;
  attachTimeout: number;
  json?: boolean;
}

async function installCommand(target: string, options: TargetOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const [{ withTarget }, { installRuntime }] = await Promise.all([import('./run/with-target.js'), import('./run/runtime.js')]);
  const { value: status, leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (a) => installRuntime(a, options.timeout));
  if (options.json) out(JSON.stringify(status, null, 2) + '\n');
  else out(`probing/runtime ${status.version} ${status.loadedNow ? 'installed' : 'was already loaded'}; tables: ${status.tables.length > 0 ? status.tables.join(', ') : '(none yet)'}\n`);
  if (leftOpen) process.stderr.write(`probing: note: ${leftOpen}\n`);
  return ExitCode.ok;
}

async function configCommand(target: string, action: string | undefined, key: string | undefined, value: string | undefined, options: ConfigOptions, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  if (action !== undefined && action !== 'set') throw new UsageError('BAD_CONFIG_ACTION', `config takes no action or "set", not "${action}"`, { hint: 'probing <target> config, or probing <target> config set <key> <value>' });
  if (action === 'set' && (key === undefined || value === undefined)) throw new UsageError('BAD_CONFIG_SET', 'config set needs a key and a value', { hint: 'e.g. probing 4242 config set sampler.http on' });
  const [{ withTarget }, runtime] = await Promise.all([import('./run/with-target.js'), import('./run/runtime.js')]);
  const attachOptions = { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout };
  if (action === 'set') {
    const { value: set } = await withTarget(spec, attachOptions, (a) => runtime.setRuntimeOption(a, key!, value!, options.timeout));
    out(`${key} = ${set}\n`);
    return ExitCode.ok;
  }
  const { value: listed } = await withTarget(spec, attachOptions, (a) => runtime.runtimeOptions(a, options.timeout));
  let rows = listed;
  let note = '';
  if (!rows) {
    // Not loaded in the target: show the defaults of the runtime that `config set` would install.
    const { createRequire } = await import('node:module');
    rows = (createRequire(import.meta.url)(runtime.RUNTIME_FILE) as { options(): typeof rows }).options();
    note = '(probing/runtime is not loaded in the target: these are the defaults; config set installs it)\n';
  }
  if (options.json) {
    out(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('./output/columns.js');
  out(note + renderColumns(['KEY', 'VALUE', 'DEFAULT', 'HELP'], rows!.map((o) => [o.key, String(o.value), String(o.default), o.help]), process.stdout.isTTY ? process.stdout.columns : undefined));
  return ExitCode.ok;
}

async function listCommand(options: { json?: boolean }, out: (text: string) => void): Promise<number> {
  const { listNodeProcesses } = await import('./attach/list.js');
  const rows = await listNodeProcesses();
  if (options.json) {
    out(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('./output/columns.js');
  out(
    renderColumns(
      ['PID', 'NODE', 'INSPECTOR', 'COMMAND'],
      rows.map((r) => [
        String(r.pid),
        r.node ?? '?',
        r.inspector === 'open' ? `open ${r.address}` : r.note ? `${r.inspector} (${r.note})` : r.inspector,
        r.command,
      ]),
      process.stdout.isTTY ? process.stdout.columns : undefined,
    ),
  );
  if (rows.length === 0) out('(no Node.js processes that you can probe)\n');
  return ExitCode.ok;
}

async function demoCommand(options: { keep?: boolean }, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const { runDemo } = await import('./demo.js');
  return runDemo({ keep: options.keep === true, out, err });
}

/** Moves a leading target behind its command: `probing 4242 eval x` → `probing eval 4242 x`. */
export function reorder(args: readonly string[]): string[] {
  const first = args.findIndex((a) => !a.startsWith('-'));
  if (first < 0) return [...args];
  const word = args[first]!;
  if (TARGET_COMMANDS.includes(word) || HOST_COMMANDS.includes(word)) return [...args];
  const rest = args.slice(first + 1);
  const second = rest.findIndex((a) => !a.startsWith('-'));
  if (second < 0) {
    throw new UsageError('NO_COMMAND', `what should probing do with ${word}?`, { hint: `give a command: probing ${word} eval "<code>", or probing ${word} inject <file>` });
  }
  const command = rest[second]!;
  if (!TARGET_COMMANDS.includes(command)) {
    const known = HOST_COMMANDS.includes(command) ? ` (${command} takes no target)` : '';
    throw new UsageError('UNKNOWN_COMMAND', `unknown command "${command}"${known}`, { hint: `commands for a target: ${TARGET_COMMANDS.join(', ')}; see probing --help` });
  }
  return [...args.slice(0, first), command, word, ...rest.slice(0, second), ...rest.slice(second + 1)];
}

function report(error: unknown, verbose: boolean): number {
  const write = (text: string) => process.stderr.write(text);
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof ProbingError) {
    write(`probing: ${error.message}\n`);
    if (error instanceof RemoteError && error.remoteStack) {
      const stack = error.remoteStack.split('\n').filter((line) => !line.includes('probing://'));
      if (stack[0] && error.message.endsWith(stack[0].replace(/^Uncaught\s*/, ''))) stack.shift();
      if (stack.length > 0) write(stack.map((line) => `  │ ${line}`).join('\n') + '\n');
    }
    if (error.hint) write(`  hint: ${error.hint}\n`);
    if (verbose) write(`${error.stack}\n`);
    return error.exitCode;
  }
  write(`probing: internal error: ${error instanceof Error ? (verbose ? error.stack : error.message) : String(error)}\n`);
  if (!verbose) write('  hint: run again with --verbose for the stack, and report it\n');
  return ExitCode.protocol;
}

/** Runs the CLI with the given arguments (without node and script); resolves with the exit status. */
export async function main(args: readonly string[] = process.argv.slice(2)): Promise<number> {
  debug('cli')('start');
  const verbose = args.includes('-v') || args.includes('--verbose');
  let job: Promise<number> | undefined;
  const out = (text: string) => void process.stdout.write(text);
  const err = (text: string) => void process.stderr.write(text);
  try {
    const program = buildProgram(out, err, (j) => (job = j));
    if (args.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(reorder(args), { from: 'user' });
    return job ? await job : ExitCode.ok;
  } catch (error) {
    return report(error, verbose);
  }
}
