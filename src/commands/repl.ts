/**
 * `probing <target> repl`: an interactive shell on one attached target. SQL by
 * default (a statement runs at its `;` or at an empty line), JavaScript after `.js`
 * (an input runs once it is a complete program). History is kept between runs in
 * $PROBING_HOME/history; Tab completes namespaces, tables, columns and commands in SQL,
 * and the target's own names in JavaScript (run/complete-js.ts).
 * Ctrl-C abandons the running statement (the target's own time limit still applies)
 * or the input so far; Ctrl-D leaves, detaching cleanly.
 */
import { stdoutColors, stdoutWidth } from '../output/terminal.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode, ProbingError } from '../errors.js';
import type { Format } from '../output/render.js';
import { noteLeftOpen } from '../run/left-open.js';

type Out = (text: string) => void;

/** How long a Tab may wait for the target's names: a busy target answers when V8 interrupts it. */
const COMPLETE_MS = 1000;

const HELP = `SQL runs at ";" or at an empty line. Commands:
  .tables               the tables a query can read
  .describe <table>     one table's columns
  .format <f>           table, json, ndjson or csv
  .js / .sql            JavaScript mode (eval in the target) / SQL mode
  .help                 this
  .exit                 leave (Ctrl-D too); Ctrl-C abandons the running statement
`;

export async function replCommand(target: string, options: { timeout: number; attachTimeout: number; extension?: string[] }, out: Out, err: Out): Promise<number> {
  const spec = parseTarget(target);
  const [{ attach }, { loadFor }, query, { render }, { catalog }, { evaluate }, { probingHome, writeAtomically }, { completeJs }] = await Promise.all([
    import('../attach/attach.js'),
    import('./ext.js'),
    import('../sql/query.js'),
    import('../output/render.js'),
    import('../extensions/builtin/catalog.js'),
    import('../run/evaluate.js'),
    import('../extensions/loader/home.js'),
    import('../run/complete-js.js'),
  ]);
  const loaded = await loadFor(options.extension, options.timeout);
  // a repl stays for long: its inspector leaves the shared port (9229), so other targets need not wait for it
  const attachment = await attach(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, moveOffSharedPort: true });
  const tables = catalog(loaded.registry);
  let format: Format = 'table';
  let mode: 'sql' | 'js' = 'sql';
  let buffer = '';
  let running: { cancel(): void } | undefined;

  const historyFile = join(probingHome(), 'history');
  let history: string[] = [];
  try {
    // an entry a line, as JSON text: a statement typed over several lines stays one entry
    // (a line that is not JSON is from an older file, taken as it is)
    history = readFileSync(historyFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          const entry = JSON.parse(line) as unknown;
          return typeof entry === 'string' ? entry : line;
        } catch {
          return line;
        }
      })
      .reverse()
      .slice(0, 1000);
  } catch {
    // first run
  }

  const commands = ['.tables', '.describe', '.format', '.js', '.sql', '.help', '.exit'];
  const sqlWords = [
    ...new Set([
      ...tables.map((t) => `${t.namespace}.${t.name}`),
      ...tables.flatMap((t) => (t.columns ?? []).map((c) => c.name)),
      ...commands,
      ...['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT', 'JOIN', 'COUNT(*)'],
    ]),
  ];
  // SQL names only in SQL mode; in JavaScript, the names of the target's own objects (the
  // commands work in both)
  const completer = (line: string, callback: (error: null, result: [string[], string]) => void): void => {
    if (mode === 'js' && !(!buffer && line.trimStart().startsWith('.'))) {
      void completeJs(attachment.session, line, COMPLETE_MS).then((result) => callback(null, result));
      return;
    }
    const word = /[\w.`$]*$/.exec(line)?.[0] ?? '';
    const words = mode === 'sql' ? sqlWords : commands;
    callback(null, [words.filter((w) => w.toLowerCase().startsWith(word.toLowerCase())), word]);
  };

  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true, history, historySize: 1000, completer });
  const prompt = () => {
    rl.setPrompt(buffer ? `${' '.repeat(mode.length)}> ` : `${mode}> `);
    rl.prompt();
  };
  const show = async (result: import('../sql/query.js').QueryResult) => {
    out(String(await render(result, format, { width: stdoutWidth(), colors: stdoutColors() })));
  };
  const describe = (name: string) => {
    const t = tables.find((x) => `${x.namespace}.${x.name}` === name);
    if (!t) return err(`no table ${name}; .tables lists them\n`);
    out(`${name} — ${t.description}\n${(t.columns ?? []).map((c) => `  ${c.name.padEnd(24)} ${c.type.padEnd(10)} ${c.doc}`).join('\n')}\n`);
  };
  const runStatement = async (text: string) => {
    const work =
      mode === 'sql'
        ? (async () => show(await query.runQuery(attachment, await query.prepareQuery(text, loaded.registry), { maxRows: 100_000, maxBytes: 64 << 20, timeoutMs: options.timeout })))()
        : (async () => out((await evaluate(attachment, text, { json: format === 'json', colors: stdoutColors(), depth: 2, columns: stdoutWidth() ?? 80, maxBytes: 1 << 20, timeoutMs: options.timeout })).text + '\n'))();
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    running = { cancel };
    try {
      await Promise.race([work, cancelled.then(() => err('(abandoned; the target stops it at its own time limit)\n'))]);
    } catch (error) {
      if (error instanceof ProbingError) err(`error: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
      else err(`error: ${(error as Error).message}\n`);
    } finally {
      running = undefined;
      work.catch(() => {});
    }
  };
  const command = (line: string) => {
    const [name, ...args] = line.trim().split(/\s+/);
    switch (name) {
      case '.help':
        return out(HELP);
      case '.tables':
        return out(tables.map((t) => `${t.namespace}.${t.name}`).join('\n') + '\n');
      case '.describe':
        return args[0] ? describe(args[0]) : err('.describe <table>\n');
      case '.format':
        if (!['table', 'json', 'ndjson', 'csv'].includes(args[0] ?? '')) return err('.format takes table, json, ndjson or csv\n');
        format = args[0] as Format;
        return out(`format: ${format}\n`);
      case '.js':
      case '.sql':
        mode = name.slice(1) as 'js' | 'sql';
        return undefined;
      case '.exit':
        rl.close();
        return undefined;
      default:
        return err(`unknown command ${name}; .help lists them\n`);
    }
  };
  const complete = async (text: string): Promise<boolean> => {
    if (mode === 'sql') return /;\s*$/.test(text);
    const { parse } = await import('acorn');
    try {
      parse(text, { ecmaVersion: 'latest', allowAwaitOutsideFunction: true });
      return true;
    } catch (error) {
      // an input that stops in the middle continues on the next line; any other error runs, and the target reports it
      const at = (error as { raisedAt?: number; pos?: number }).raisedAt ?? (error as { pos?: number }).pos ?? 0;
      return at < text.trimEnd().length;
    }
  };

  /** A statement typed over several lines: its lines, which readline kept one by one, become one entry. */
  const wholeInHistory = (text: string) => {
    const lines = text.split('\n').filter((l) => l !== '');
    const kept = (rl as unknown as { history?: string[] }).history;
    if (lines.length < 2 || !kept) return;
    const newest = kept.slice(0, lines.length).reverse();
    if (newest.every((l, i) => l === lines[i])) kept.splice(0, lines.length, text);
  };

  const done = new Promise<void>((resolve) => rl.on('close', resolve));
  // SIGTERM, SIGHUP (the terminal closed) and a Ctrl-C that is not a key press: leave as Ctrl-D does
  const { onInterrupt } = await import('../run/exit-guard.js');
  const stopListening = onInterrupt(() => {
    running?.cancel();
    rl.close();
  });
  rl.on('SIGINT', () => {
    if (running) running.cancel();
    else if (buffer) {
      buffer = '';
      out('\n');
      prompt();
    } else {
      out('\n(Ctrl-D or .exit to leave)\n');
      prompt();
    }
  });
  out(`attached to pid ${attachment.target.pid} (Node.js ${attachment.target.nodeVersion}); .help for commands\n`);
  prompt();
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      if (!buffer && line.trim().startsWith('.')) {
        command(line);
        if (!(rl as unknown as { closed?: boolean }).closed) prompt();
        return;
      }
      if (!buffer && line.trim() === '') return prompt();
      const text = buffer ? `${buffer}\n${line}` : line;
      const run = (mode === 'sql' && line.trim() === '') || (await complete(text));
      if (!run) {
        buffer = text;
        return prompt();
      }
      buffer = '';
      wholeInHistory(text);
      await runStatement(mode === 'sql' ? text.replace(/;\s*$/, '') : text);
      prompt();
    });
  });
  await done;
  await queue.catch(() => {});
  stopListening();
  try {
    mkdirSync(probingHome(), { recursive: true, mode: 0o700 });
    const lines = (rl as unknown as { history: string[] }).history ?? [];
    writeAtomically(historyFile, [...lines].reverse().map((entry) => JSON.stringify(entry)).join('\n') + '\n');
  } catch {
    // history is a convenience
  }
  out('\n');
  const { leftOpen } = await attachment.detach();
  noteLeftOpen(leftOpen, err);
  loaded.dispose();
  return ExitCode.ok;
}
