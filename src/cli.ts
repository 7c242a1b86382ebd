/**
 * The command line: parses arguments, calls the library, prints. The only module
 * that writes to stdout/stderr or decides exit statuses.
 */
import { stdoutWidth } from './output/terminal.js';
import { debug } from './debug.js';
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, ProbingError, UsageError, errorReport } from './errors.js';
import { packageFile } from './paths.js';
import { evalCommand, injectCommand, type TargetOptions } from './commands/run.js';
import { ALL_TARGETS, NO_TARGET, describeCommand, queryCommand, tablesCommand, type QueryOptions } from './commands/query.js';
import { configCommand, installCommand, type ConfigOptions } from './commands/runtime.js';
import { parseDuration, parseSize } from './units.js';
import leven from 'leven';

const TARGET_COMMANDS = ['eval', 'inject', 'query', 'tables', 'describe', 'config', 'call', 'inspect', 'top', 'backtrace', 'profile', 'heap', 'repl', 'agent', 'ui', 'stalls'];
const HOST_COMMANDS = ['list', 'demo', 'launch', 'help', 'tables', 'describe', 'ext', 'mcp'];

const collect = (value: string, previous: string[]) => [...previous, value];
const EXTENSION_HELP = 'load an extension from this file or directory (repeatable)';


function version(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('give a duration such as 500ms, 10s or 1m (a bare number is milliseconds).');
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

/** A size for DuckDB's memory_limit (512m, 4g, 2GiB: binary units, as everywhere), in DuckDB's words. */
function memorySize(value: string): string {
  const n = parseSize(value);
  if (n === undefined) throw new InvalidArgumentError('give a size such as 512m or 4g.');
  if (n < 1024 * 1024) throw new InvalidArgumentError('must be at least 1m.');
  return `${Math.round(n / 1024)}KiB`;
}

/** A size in bytes (65536, 64k, 4m, 1g) of at most `maxMiB`. */
function bytesUpTo(maxMiB: number) {
  return (value: string): number => {
    const n = parseSize(value);
    if (n === undefined) throw new InvalidArgumentError('give bytes (65536) or a size such as 64k, 4m or 1g.');
    if (n < 16 || n > maxMiB * 1024 * 1024) throw new InvalidArgumentError(`must be between 16 bytes and ${maxMiB >= 1024 ? `${maxMiB / 1024}g` : `${maxMiB}m`}.`);
    return n;
  };
}

const bytes = bytesUpTo(64);

/** Options shared by every command that attaches to a target. */
function attachCommand(program: Command, name: string, args: string, description: string): Command {
  return program
    .command(`${name} <target> ${args}`)
    .description(description)
    .addOption(new Option('--timeout <duration>', 'time limit for the code in the target, enforced there and here (5000, 5s, 1m)').default(5000).argParser(duration))
    .addOption(new Option('--attach-timeout <duration>', 'how long to wait for a way in (inspector after SIGUSR1, agent starting)').default(3000).argParser(duration))
    .option('--allow-remote-inspector', 'let SIGUSR1 open an inspector on a non-loopback address the target is configured for (reachable from the network while the command runs)')
    .option('-v, --verbose', 'show full stacks of errors');
}

/** The limits of a command whose target is optional (tables, describe): they apply when one is named. */
function optionalTarget(command: Command): Command {
  return command
    .addOption(new Option('--timeout <duration>', 'with a target: time limit for each step in it (5000, 5s, 1m)').default(5000).argParser(duration))
    .addOption(new Option('--attach-timeout <duration>', 'with a target: how long to wait for a way in (inspector, agent)').default(3000).argParser(duration));
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
  4242                      a local Node.js process id (its inspector is
                            opened with SIGUSR1 and closed again)
  127.0.0.1:9229            an inspector that is already listening
  ws://127.0.0.1:9229/<id>  an inspector WebSocket URL
  4242/w1                   worker thread 1 of the process
                            (probing 4242 query 'SELECT * FROM process.workers')
  101,102 · @file · --all   several targets (rows carry _target, _pid, _host)
  ssh://[user@]host[:port]/4242   a process on another host (also /@all, /4242/w1),
  docker://<container>/1          through ssh, docker exec or kubectl exec (query);
  k8s://[namespace/]pod[/container]/1   the probing there sends the tables back
  --via "ssh app-3" 4242          any target, through a command you give

Examples:
  $ probing demo                  start the bundled demo service and probe it
  $ probing list                  Node.js processes you can probe
  $ probing tables                every table a query can read
  $ probing 4242 eval "process.memoryUsage()"
  $ probing 4242 eval "await fetch('http://localhost:3000/health')"
  $ probing 4242 inject ./hook.js
  $ probing 4242 query "SELECT * FROM process.memory"
  $ probing 4242 query 'SELECT user, count(*) AS n
        FROM js.\`[...app.sessions.values()]\` GROUP BY user'
  $ probing 4242 top              live: CPU by function, event loop, heap
  $ probing 4242 backtrace
  $ probing 4242 profile cpu --duration 5s

Exit status:
  0 success · 1 the code in the target threw · 2 bad arguments or SQL
  3 cannot attach · 4 time limit reached · 5 connection or protocol failure
  6 an extension failed · 7 partial: some of several targets failed
  8 a file could not be written or read · 130 interrupted`;

function buildProgram(out: (text: string) => void, err: (text: string) => void, run: (job: Promise<number>) => void): Command {
  const program = new Command('probing')
    .description('Probe a running Node.js process: ask it questions in SQL, run code in it, load scripts into it — without restarting it.')
    .version(version(), '-V, --version')
    .usage('<target> <command> [options]\n       probing <command> [options]')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (text) => out(fitHelp ? fitHelp(text, Math.min(80, stdoutWidth() ?? 80)) : text), writeErr: err, outputError: (text, write) => write(commanderError(text)) })
    .exitOverride()
    .hook('preAction', async (_program, action) => {
      if (action.opts().allowRemoteInspector === true) (await import('./attach/open-inspector.js')).inspectorPolicy.allowRemote = true;
    });

  const help = new Help();
  program.configureHelp({
    // descriptions wrap beside long command names rather than run past 80 columns
    helpWidth: Math.min(80, stdoutWidth() ?? 80),
    minWidthToWrap: 24,
    // list target commands as they are typed: probing <target> eval <code>
    // (no "[options]": every command has some, and the column stays narrow)
    subcommandTerm: (cmd) => {
      const [first, ...rest] = cmd.registeredArguments;
      const term = (args: readonly (typeof rest)[number][]) => args.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
      if (!TARGET_COMMANDS.includes(cmd.name()) || first?.name() !== 'target' || !first.required) return `${cmd.name()} ${term(cmd.registeredArguments)}`.trimEnd();
      return `<target> ${cmd.name()} ${term(rest)}`.trimEnd();
    },
    commandUsage: (cmd) => {
      if (!TARGET_COMMANDS.includes(cmd.name())) return help.commandUsage(cmd);
      const args = cmd.registeredArguments.slice(1).map((a) => `<${a.name()}>`).join(' ');
      return ['probing <target>', cmd.name(), args, '[options]'].filter(Boolean).join(' ');
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

  attachCommand(program, 'query', '<sql>', 'answer a read-only SQL query over live data in the target')
    .addOption(new Option('-f, --format <format>', 'table, json, ndjson, csv, arrow or parquet (parquet needs -o)').choices(['table', 'json', 'ndjson', 'csv', 'arrow', 'parquet']).default('table'))
    .option('-o, --output <file>', 'write the result to a file instead of stdout')
    .addOption(new Option('--max-rows <n>', 'at most this many rows from each table; the rest is cut (and reported)').default(100_000).argParser(count(1, 100_000_000)))
    // a table's payload is one string in the target: V8 caps strings near 512 MiB
    .addOption(new Option('--max-bytes <size>', 'at most about this much data from each table (up to 256m)').default(64 * 1024 * 1024, '64m').argParser(bytesUpTo(256)))
    .option('--no-color', 'no colours, even on a terminal')
    .option('--show-secrets', 'show values of environment variables whose names look secret (masked by default)')
    .option('--strict', 'several targets: fail when any of them fails, instead of answering with the others')
    .option('--match <text>', 'with --all: only the processes whose command line contains this text (no other process is touched)')
    .addOption(new Option('--concurrency <n>', 'several targets: how many to probe at once (and how many remote hosts)').default(8).argParser(count(1, 64)))
    .option('--via <command>', 'reach the targets through this command, which runs a shell command line over there ("ssh app-3", "sh -c")')
    .option('--remote-probing <command>', 'how probing is started on other hosts (default: probing, or $PROBING_REMOTE_PROBING; e.g. "npx -y probing-node")')
    .option('--ssh <command>', 'the ssh command for ssh:// targets, options and all (default: ssh, or $PROBING_SSH)')
    .addOption(new Option('--emit-tables', 'write the tables the query reads as Arrow IPC streams on stdout, not its answer (what a remote host sends back; docs/fleet.md)').hideHelp())
    .addOption(new Option('--engine <engine>', 'the SQL engine: duckdb, or alasql (pure JavaScript; refuses what it would answer wrong)').choices(['duckdb', 'alasql']))
    .addOption(new Option('--memory-limit <size>', 'memory the SQL engine may use (DuckDB), e.g. 512MB, 4GB').default('1GB').argParser(memorySize))
    .addOption(new Option('--every <duration>', 'stay attached and answer again at this interval (500ms, 2s): a table redraws on a terminal; ndjson and csv append rows with _ts').argParser(duration))
    .addOption(new Option('--count <n>', 'with --every: stop after this many frames').argParser(count(1, 1_000_000)))
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', () => `
Tables (probing describe <table> explains one; --extension adds an extension's):
${catalogHelp}
  js.\`<expression>\`   a JavaScript expression evaluated in the target (await
                      allowed): an array of objects gives a row each; an array
                      of scalars or a Set, a value column; a Map, key and value;
                      an object, one row; a scalar, one value row

SQL is DuckDB's (https://duckdb.org/docs/sql/introduction): one read-only SELECT, with
WITH, joins, subqueries, UNION and window functions. Names that need quoting go in
"double quotes" ("order", "table"); [name] is a list in DuckDB and is refused. Nested
values are JSON: payload->>'$.user.id' (text), payload->'$.user' (JSON),
(payload->>'$.n')::INTEGER. / on two integers divides as integers: 7 / 2 is 3, 7 / 2.0
is 3.5. --timeout also stops the query in the SQL engine. With no target: SQL over the
catalog (probing.tables, probing.columns) or over no table (SELECT 1 + 1).
Types, the engines and what is refused: docs/sql.md.

Inside "double quotes" the shell expands \` and $: write \\\` and \\$, as below.

Examples:
  $ probing 4242 query 'SELECT user, count(*) AS n FROM js.\`[...app.sessions.values()]\` GROUP BY user'
  $ probing 4242 query "SELECT key, (value->>'\\$.price')::DOUBLE AS price FROM js.\\\`app.cache\\\` ORDER BY price DESC LIMIT 5"
  $ probing query "SELECT name, description FROM probing.tables WHERE name LIKE 'heap%'"
  $ probing query 'SELECT 1 + 1'
  $ probing 4242 query 'SELECT * FROM js.\`app.stats.byRoute\`' --format json
  $ probing 4242 query 'SELECT * FROM js.\`[...app.sessions.values()]\`' -f arrow -o sessions.arrow`)
    .action((target: string, sql: string, options: QueryOptions) => run(queryCommand(target, sql, options, out, err)));

  attachCommand(program, 'call', '<name> [args...]', 'perform an extension call: <extension>.<call> [key=value …]')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ probing 4242 call jsqueue.stats\n  $ probing 4242 call pyqueue.retry id=17 --extension examples/extensions/python-queue')
    .action((target: string, name: string, args: string[], options: { extension?: string[]; timeout: number; attachTimeout: number; json?: boolean }) =>
      run(import('./commands/ext.js').then((m) => m.callCommand(target, name, args, options, out, err))));

  attachCommand(program, 'repl', '', 'an interactive shell: SQL, or JavaScript after .js; history, Tab completion')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', '\nExample:\n  $ probing 4242 repl\n  sql> SELECT * FROM process.memory;\n  sql> .js\n  js> app.sessions.size')
    .action((target: string, options: { timeout: number; attachTimeout: number; extension?: string[] }) => run(import('./commands/repl.js').then((m) => m.replCommand(target, options, out, err))));

  attachCommand(program, 'inspect', '', 'open (or join) the inspector for Chrome DevTools until Ctrl-C, then close it if probing opened it')
    .addHelpText('after', '\nExamples:\n  $ probing 4242 inspect          # prints the devtools:// URL; Ctrl-C closes the inspector again')
    .action((target: string, options: { timeout: number; attachTimeout: number }) => run(import('./commands/inspect.js').then((m) => m.inspectCommand(target, options, out))));

  attachCommand(program, 'top', '', 'a live view: CPU by function, event loop, heap and GC, handles, HTTP; refreshed every second')
    .addOption(new Option('--interval <duration>', 'time between frames (500ms, 2s)').default(1000).argParser(duration))
    .addOption(new Option('--rate <hz>', 'CPU samples per second').default(100).argParser(count(1, 10_000)))
    .addOption(new Option('--sort <column>', 'own, total, own_time, total_time or name').default('own'))
    .option('--once', 'print one frame (after one interval) and leave')
    .addOption(new Option('--count <n>', 'leave after this many frames').argParser(count(1, 1_000_000)))
    .option('--no-color', 'no colours')
    .option('--no-source-maps', 'functions of transpiled code as the generated JavaScript, not through their source maps')
    .addHelpText(
      'after',
      `
On a terminal it takes the screen; keys: o own% · t total% · 3 own time · 4 total time · n name · p pause · q quit.
Anywhere else (a pipe, a file) it prints frame after frame as plain text.
HTTP requests/s and latency show when the HTTP sampler is on: probing <pid> config set sampler.http true.

Examples:
  $ probing 4242 top
  $ probing 4242 top --once --sort total
  $ probing 4242/w1 top --interval 2s`,
    )
    .action((target: string, options: import('./commands/top.js').TopOptions) => run(import('./commands/top.js').then((m) => m.topCommand(target, options, out, err))));

  attachCommand(program, 'stalls', '', 'event-loop stalls the watchdog recorded, with the function that blocked (runtime.stalls)')
    .option('--watch', 'print each new stall as it is recorded, until Ctrl-C')
    .addOption(new Option('-f, --format <format>', 'table, json, ndjson or csv (--watch prints new rows as ndjson under a table)').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .addHelpText('after', `
The watchdog runs in the probing agent's thread (the process needs the agent) and is off
until switched on; it costs the process a timer, not a thread:

Examples:
  $ probing 4242 config set stalls.threshold 100ms
  $ probing 4242 stalls --watch
  $ PROBING_STALLS=100ms node --require probing-node/agent app.js`)
    .action((target: string, options: import('./commands/stalls.js').StallsOptions) => run(import('./commands/stalls.js').then((m) => m.stallsCommand(target, options, out, err))));

  attachCommand(program, 'backtrace', '', 'the JavaScript stack of the main thread now (or: idle, and what keeps it alive)')
    .option('--json', 'print JSON')
    .option('--workers', "also each worker thread's stack")
    .option('--no-source-maps', 'show frames of transpiled code as the generated JavaScript, not through their source maps')
    .addHelpText('after', '\nExamples:\n  $ probing 4242 backtrace\n  $ probing 4242 backtrace --json')
    .action((target: string, options: { json?: boolean; workers?: boolean; sourceMaps: boolean; timeout: number; attachTimeout: number }) => run(import('./commands/diagnostics.js').then((m) => m.backtraceCommand(target, options, out, err))));

  attachCommand(program, 'profile', '<kind>', 'sample the CPU: writes a .cpuprofile and a flame graph, prints the top functions')
    .addOption(new Option('--duration <duration>', 'how long to sample (5000, 5s, 1m)').default(5000).argParser(duration))
    .addOption(new Option('--interval <us>', 'sampling interval, microseconds').default(1000).argParser(count(10, 1_000_000)))
    .option('-o, --output <prefix>', 'file name prefix for <prefix>.cpuprofile and <prefix>.svg')
    .option('--query <sql>', 'SQL over profile.functions and profile.calltree instead of the top 10')
    .option('--partial', 'if the target exits during the profile, keep what was recorded until then')
    .option('--idle', 'keep idle time, (program) and GC in the flame graph\'s width (left out by default)')
    .option('--no-source-maps', 'show frames of transpiled code as the generated JavaScript, not through their source maps')
    .addOption(new Option('-f, --format <format>', 'the top functions as table, json, ndjson or csv; or the stacks as collapsed (flamegraph.pl, inferno) or speedscope (its JSON)').choices(['table', 'json', 'ndjson', 'csv', 'collapsed', 'speedscope']).default('table'))
    .addHelpText('after', `
Examples:
  $ probing 4242 profile cpu --duration 5s
  $ probing 4242 profile cpu -f collapsed | inferno-flamegraph > cpu.svg
  $ probing 4242 profile cpu -f speedscope > cpu.speedscope.json
  $ probing 4242 profile cpu --duration 10s -o checkout --query "SELECT \\"function\\", self_ms FROM profile.functions WHERE url LIKE '%src%' ORDER BY self_ms DESC LIMIT 5"`)
    .action((target: string, kind: string, options: import('./commands/diagnostics.js').ProfileOptions) => run(import('./commands/diagnostics.js').then((m) => m.profileCommand(target, kind, options, out, err))));

  attachCommand(program, 'heap', '<action> [files...]', 'memory: heap sample (cheap), heap snapshot (stalls the target), heap diff <a> <b>')
    .addOption(new Option('--duration <duration>', 'sample: how long (5000, 5s, 1m)').default(5000).argParser(duration))
    .addOption(new Option('--interval <bytes>', 'sample: average bytes between samples').default(32_768).argParser(count(64, 1 << 30)))
    .option('-o, --output <path>', 'sample: file name prefix; snapshot: the .heapsnapshot file, or - for stdout (not a terminal: the snapshot itself, no tables)')
    .option('--query <sql>', 'sample: SQL over heap.sites instead of the top 10')
    .option('-y, --yes', 'snapshot: do not ask for confirmation')
    .option('--force', 'snapshot: take it even where the memory it may need looks short')
    .option('--no-source-maps', 'sample: show frames of transpiled code as the generated JavaScript, not through their source maps')
    .addOption(new Option('--top <n>', 'snapshot, diff: rows to show').default(10).argParser(count(1, 100_000)))
    .addOption(new Option('-f, --format <format>', 'table, json, ndjson or csv; sample: also collapsed or speedscope (the stacks)').choices(['table', 'json', 'ndjson', 'csv', 'collapsed', 'speedscope']).default('table'))
    .addHelpText('after', `
A heap snapshot stops the target's JavaScript until it is written and needs about twice
its heap in memory: probing says how much first and asks (or --yes). The file is then read
in the CLI, streaming, into a table per class (count, self size, retained size) and the
largest objects with a retainer path. heap diff compares two snapshot files, no target.

Examples:
  $ probing 4242 heap sample --duration 10s
  $ probing 4242 heap snapshot -o before.heapsnapshot --yes
  $ probing 4242 heap snapshot --yes -o - | gzip > app.heapsnapshot.gz
  $ probing heap diff before.heapsnapshot after.heapsnapshot`)
    .action((target: string, action: string, files: string[], options: import('./commands/diagnostics.js').HeapOptions & import('./commands/diagnostics.js').SnapshotOptions) => {
      const diagnostics = import('./commands/diagnostics.js');
      if ((options.format === 'collapsed' || options.format === 'speedscope') && action !== 'sample') {
        throw new UsageError('BAD_FORMAT', `-f ${options.format} is for the stacks of a heap sample; a snapshot or a diff is a table of classes`, { hint: 'use -f table, json, ndjson or csv here, or probing <target> heap sample -f ' + options.format });
      }
      if (target === 'diff') {
        if (files.length !== 1) throw new UsageError('HEAP_DIFF', 'heap diff takes two snapshot files', { hint: 'probing heap diff before.heapsnapshot after.heapsnapshot' });
        return run(diagnostics.then((m) => m.heapDiffCommand(action, files[0]!, options, out)));
      }
      if (action === 'sample') return run(diagnostics.then((m) => m.heapSampleCommand(target, options, out, err)));
      if (action === 'snapshot') return run(diagnostics.then((m) => m.heapSnapshotCommand(target, options, out, err)));
      throw new UsageError('BAD_HEAP_ACTION', `heap takes sample, snapshot or diff, not "${action}"`, { hint: 'probing heap --help' });
    });

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

  optionalTarget(
    program
      .command('tables [target]')
      .description('list the tables a query can read (with a target: as that target offers them)')
      .option('--extension <path>', EXTENSION_HELP, collect, [])
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExamples:\n  $ probing tables\n  $ probing 4242 tables')
    .action((target: string | undefined, options: { json?: boolean; extension?: string[]; timeout: number; attachTimeout: number }) => run(tablesCommand(target, options, out)));

  optionalTarget(
    program
      .command('describe <table-or-target> [table]')
      .description('the columns of one table, with their types and meaning')
      .option('--json', 'print JSON (the table\'s entry as tables --json gives it)')
      .option('--extension <path>', EXTENSION_HELP, collect, []),
  )
    .addHelpText('after', '\nExamples:\n  $ probing describe process.memory\n  $ probing 4242 describe node.modules')
    .action((first: string, second: string | undefined, options: { json?: boolean; extension?: string[]; timeout: number; attachTimeout: number }) => run(describeCommand(second === undefined ? undefined : first, second ?? first, options, out)));

  optionalTarget(program.command('ui [targets...]'))
    .description('a local web page: processes, live charts, SQL console, stacks, flame graphs, heap')
    .addOption(new Option('--port <port>', 'port on 127.0.0.1 (default: a free one)').default(0).argParser(count(0, 65_535)))
    .option('--open', 'open the page in the default browser')
    .option('--allow-eval', 'offer eval in the page (code run in the target from the browser)')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', `
The page is served on 127.0.0.1 only, at a URL with an access token (printed); requests
without it, for another host name or from another origin are refused. Ctrl-C stops it and
detaches every target it held.

Examples:
  $ probing ui                  # pick processes in the page
  $ probing ui 4242 --open
  $ probing 4242 ui --allow-eval`)
    .action((targets: string[], options: import('./commands/ui.js').UiOptions) => run(import('./commands/ui.js').then((m) => m.uiCommand(targets, options, out, err))));

  optionalTarget(program.command('mcp'))
    .description('serve the probe to an AI assistant: MCP tools over stdio (read-only unless --allow-eval)')
    .option('--allow-eval', 'also offer eval and inject (code run in the target at the assistant\'s request)')
    .option('--output-dir <dir>', 'where profile_cpu and heap_sample write their .cpuprofile, .heapprofile and .svg (default: a temporary directory)')
    .option('--extension <path>', EXTENSION_HELP, collect, [])
    .addHelpText('after', `
Tools: list_processes, list_tables, describe_table, query, backtrace, profile_cpu,
heap_sample, heap_snapshot_summary (asks for confirm first); eval and inject only with
--allow-eval. Each call attaches, works and detaches; a cancelled call detaches too.
A query returns at most max_rows rows (200) and about max_bytes (64 KiB) of them.

Configure a client: Claude Desktop (claude_desktop_config.json)
  { "mcpServers": { "probing": { "command": "npx", "args": ["-y", "probing-node", "mcp"] } } }
VS Code (.vscode/mcp.json)
  { "servers": { "probing": { "type": "stdio", "command": "npx", "args": ["-y", "probing-node", "mcp"] } } }`)
    .action((options: import('./commands/mcp.js').McpCommandOptions) => run(import('./commands/mcp.js').then((m) => m.mcpCommand(options))));

  program
    .command('list')
    .description('list the Node.js processes on this host that you can probe')
    .option('--json', 'print JSON')
    .option('--tree', 'show parents and children (a cluster primary and its workers)')
    .option('--show-secrets', 'show command lines as they are (--password=…, --token …, URL passwords are masked by default)')
    .addHelpText('after', '\nExamples:\n  $ probing list\n  $ probing list --tree')
    .action((options: { json?: boolean; tree?: boolean; showSecrets?: boolean }) => run(listCommand(options, out)));

  attachCommand(program, 'agent', '<action>', 'install, check or remove the probing agent in a running process (install | status | remove)')
    .addHelpText('after', '\nWith the agent, probing gets in over a Unix socket only your user can open: no signal, no port.\n\nExamples:\n  $ probing 4242 agent install\n  $ probing 4242 agent status\n  $ probing 4242 agent remove')
    .action((target: string, action: string, options: { timeout: number; attachTimeout: number }) => run(import('./commands/agent.js').then((m) => m.agentCommand(target, action, options, out, err))));

  program
    .command('launch')
    .description('start a program with the probing agent preloaded: probe it with no signal and no port')
    .argument('<command...>', 'the program and its arguments (after --)')
    .addHelpText('after', '\nIts processes get the agent through NODE_OPTIONS; stdio, signals and the exit status pass through.\n\nExamples:\n  $ probing launch -- node app.js\n  $ probing launch -- npm start')
    .action((command: string[]) => run(import('./commands/launch.js').then((m) => m.launchCommand(command, err))));

  program
    .command('demo')
    .description('start the bundled demo service, run probing commands against it, and stop it')
    .option('--keep', 'keep the demo service running and print its pid, until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  $ probing demo\n  $ probing demo --keep')
    .action((options: { keep?: boolean }) => run(demoCommand(options, out, err)));

  return program;
}

/** Orders processes parent first, children indented under it. */
function asTree<T extends { pid: number; ppid: number | null }>(rows: T[]): Array<{ row: T; prefix: string }> {
  const pids = new Set(rows.map((r) => r.pid));
  const children = new Map<number, T[]>();
  for (const r of rows) if (r.ppid !== null && pids.has(r.ppid)) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r]);
  const out: Array<{ row: T; prefix: string }> = [];
  const visit = (row: T, prefix: string, last: boolean, depth: number) => {
    out.push({ row, prefix: depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}` });
    const kids = children.get(row.pid) ?? [];
    kids.forEach((kid, i) => visit(kid, depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1, depth + 1));
  };
  for (const root of rows.filter((r) => r.ppid === null || !pids.has(r.ppid))) visit(root, '', true, 0);
  return out;
}

async function listCommand(options: { json?: boolean; tree?: boolean; showSecrets?: boolean }, out: (text: string) => void): Promise<number> {
  const { listNodeProcesses } = await import('./attach/list.js');
  const rows = await listNodeProcesses({ showSecrets: options.showSecrets === true });
  if (options.json) {
    out(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.ok;
  }
  const { renderColumns } = await import('./output/columns.js');
  out(
    renderColumns(
      ['PID', 'NODE', 'WAY IN', 'COMMAND'],
      (options.tree ? asTree(rows) : rows.map((row) => ({ row, prefix: '' }))).map(({ row: r, prefix }) => [
        `${prefix}${r.pid}`,
        r.node ?? '?',
        r.way === 'agent' ? 'agent' : r.way === 'inspector' ? `inspector ${r.address}` : r.way === 'signal' ? `signal${r.inspector === 'unknown' ? ' (inspector unknown)' : ''}` : `none (${r.note})`,
        r.command,
      ]),
      stdoutWidth(),
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
/** Options of query that take a value (the word after them is not a positional argument). */
const VALUED = new Set(['-f', '--format', '-o', '--output', '--max-rows', '--max-bytes', '--concurrency', '--engine', '--memory-limit', '--timeout', '--attach-timeout', '--extension', '--every', '--count', '--interval', '--rate', '--sort', '--match', '--via', '--remote-probing', '--ssh']);

/** The index of the first argument that is neither an option nor an option's value. */
function firstPositional(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (VALUED.has(args[i]!)) i++;
    else if (!args[i]!.startsWith('-')) return i;
  }
  return -1;
}

function positionals(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (VALUED.has(args[i]!)) i++;
    else if (!args[i]!.startsWith('-')) out.push(args[i]!);
  }
  return out;
}

/** Help's wrapping (wrap-ansi), loaded only when help will be printed: other commands do not pay for it. */
let fitHelp: typeof import('./output/help-text.js').fitHelp | undefined;

/** Every table a query can read, by namespace, for query --help (read from the catalog before the help is printed). */
let catalogHelp = '';

/** The catalog's tables as help lines: "  process.  info, env, memory, …". */
async function loadCatalogHelp(args: readonly string[]): Promise<string> {
  const extensions = args.flatMap((a, i) => (args[i - 1] === '--extension' ? [a] : a.startsWith('--extension=') ? [a.slice(12)] : []));
  const [{ loadFor }, { catalog }] = await Promise.all([import('./commands/ext.js'), import('./extensions/builtin/catalog.js')]);
  const loaded = await loadFor(extensions);
  loaded.dispose();
  const byNamespace = new Map<string, string[]>();
  // (js.`…` is explained below it)
  for (const t of catalog(loaded.registry)) if (t.namespace !== 'js') byNamespace.set(t.namespace, [...(byNamespace.get(t.namespace) ?? []), t.name]);
  const width = Math.max(...[...byNamespace.keys()].map((n) => n.length)) + 1;
  return [...byNamespace].map(([namespace, names]) => `  ${`${namespace}.`.padEnd(width)}  ${names.join(', ')}`).join('\n');
}

/** The command being parsed, for the hint under commander's own errors. */
let parsing = '';

/**
 * commander's errors ("error: missing required argument 'sql'", "error: unknown option
 * '--fromat'\n(Did you mean --format?)") in probing's own style: the message, then a hint.
 */
function commanderError(text: string): string {
  const [first = '', ...rest] = text.trim().replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim())?.[1];
  const help = `probing ${parsing ? `${parsing} ` : ''}--help`;
  const message = first.replace(/\.\s+(.)/, (_m, c: string) => `: ${c}`).replace(/\.$/, '');
  return `probing: ${message}\n  hint: ${suggestion ? `did you mean ${suggestion}? ` : ''}see ${help}\n`;
}

/** The command a typo was most likely meant to be: at most two edits away (one for short words). */
function nearest(word: string, commands: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let distance = limit + 1;
  for (const command of commands) {
    const d = leven(word.toLowerCase(), command);
    if (d < distance) [best, distance] = [command, d];
  }
  return best;
}

export function reorder(args: readonly string[]): string[] {
  // --all stands for every Node.js process the user may probe, in the target's place
  const all = args.indexOf('--all');
  if (all >= 0) return reorder([...args.slice(0, all), ALL_TARGETS, ...args.slice(all + 1)]);
  const first = firstPositional(args);
  if (first < 0) return [...args];
  const word = args[first]!;
  // probing query "<sql>": no target (the catalog, or SELECT 1 + 1)
  if (word === 'query' && positionals(args.slice(first + 1)).length === 1) return [...args.slice(0, first + 1), NO_TARGET, ...args.slice(first + 1)];
  if (TARGET_COMMANDS.includes(word) || HOST_COMMANDS.includes(word)) return [...args];
  const rest = args.slice(first + 1);
  const second = firstPositional(rest);
  if (second < 0) {
    // a pid or a target is rarely a word one letter away from a command: say which was meant
    const meant = /^\d/.test(word) ? undefined : nearest(word, [...HOST_COMMANDS, ...TARGET_COMMANDS]);
    throw new UsageError('NO_COMMAND', `what should probing do with ${word}?`, {
      hint: `${meant ? `did you mean probing ${meant}? ` : ''}give a command: probing ${word} eval "<code>", or probing ${word} inject <file>`,
    });
  }
  const command = rest[second]!;
  if (!TARGET_COMMANDS.includes(command)) {
    const known = HOST_COMMANDS.includes(command) ? ` (${command} takes no target)` : '';
    const meant = known ? undefined : nearest(command, TARGET_COMMANDS);
    throw new UsageError('UNKNOWN_COMMAND', `unknown command "${command}"${known}`, {
      hint: `${meant ? `did you mean probing ${word} ${meant}? ` : ''}commands for a target: ${TARGET_COMMANDS.join(', ')}; see probing --help`,
    });
  }
  // options before the target (probing --via "ssh app-3" 4242 query …) are the command's: after it
  return [command, word, ...args.slice(0, first), ...rest.slice(0, second), ...rest.slice(second + 1)];
}

function report(error: unknown, verbose: boolean): number {
  const write = (text: string) => process.stderr.write(text);
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof ProbingError) {
    write(`probing: ${errorReport(error)}`);
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
  // closed terminals, broken pipes and uncaught errors close what probing opened before it ends
  (await import('./run/exit-guard.js')).guardProcess();
  const verbose = args.includes('-v') || args.includes('--verbose');
  let job: Promise<number> | undefined;
  const out = (text: string) => void process.stdout.write(text);
  const err = (text: string) => void process.stderr.write(text);
  try {
    const helping = args.length === 0 || args.includes('--help') || args.includes('-h') || args.includes('help');
    if (helping) fitHelp = (await import('./output/help-text.js')).fitHelp;
    const program = buildProgram(out, err, (j) => (job = j));
    if (args.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    const ordered = reorder(args);
    parsing = ordered.find((a) => !a.startsWith('-') && (TARGET_COMMANDS.includes(a) || HOST_COMMANDS.includes(a))) ?? '';
    if (helping && (parsing === 'query' || (parsing === 'help' && ordered.includes('query')))) catalogHelp = await loadCatalogHelp(ordered);
    await program.parseAsync(ordered, { from: 'user' });
    return job ? await job : ExitCode.ok;
  } catch (error) {
    return report(error, verbose);
  }
}
