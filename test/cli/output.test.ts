// What the user sees on a terminal and through a pipe: the real CLI against real targets.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { bin, cliEnv, listeningPorts, probing, startTarget } from '../helpers/targets.js';

/** `probing … | head -c 100` in a real shell: probing's exit status and stderr. */
function throughHead(args: string[]): Promise<{ code: number; stderr: string }> {
  const quoted = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `'${process.execPath}' ${quoted} | head -c 100 > /dev/null; exit "\${PIPESTATUS[0]}"`], { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

// util-linux `script` gives probing a pseudo-terminal for stdout
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux');

// What Node's tty.WriteStream#getColorDepth reads besides TERM: under CI=true (as CI runs
// us) a terminal has no colours whatever its TERM, so the terminal tests start without them
const COLOUR_HINTS = ['CI', 'TMUX', 'COLORTERM', 'TERM_PROGRAM', 'TEAMCITY_VERSION', 'NODE_DISABLE_COLORS', 'CI_NAME', 'TRAVIS', 'CIRCLECI', 'APPVEYOR', 'GITLAB_CI', 'GITHUB_ACTIONS', 'BUILDKITE', 'DRONE'];

/** probing with its stdout (and stderr) on a pseudo-terminal: its exit status, and what the terminal showed. */
function inTerminal(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string } {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const cleared = Object.fromEntries(COLOUR_HINTS.map((name) => [name, undefined]));
  return spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], { env: cliEnv({ ...cleared, ...env }), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const scratch = mkdtempSync(join(tmpdir(), 'probing-output-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MANY = 'js.`Array.from({ length: 20000 }, (_, i) => ({ i, s: "row " + i }))`';

describe('pipes', () => {
  it('a reader that stops early (| head) ends every format quietly, the target as found', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    for (const format of ['table', 'json', 'ndjson', 'csv', 'arrow']) {
      const result = await throughHead([String(target.pid), 'query', `SELECT * FROM ${MANY}`, '-f', format]);
      expect(result.stderr, format).toBe('');
      expect(result.code, format).toBe(0);
    }
    const evaluated = await throughHead([String(target.pid), 'eval', '"x".repeat(1e6)', '--max-bytes', '4m']);
    expect(evaluated).toEqual({ code: 0, stderr: '' });
    const described = await throughHead(['describe', 'process.info']);
    expect(described).toEqual({ code: 0, stderr: '' });
    // a snapshot's tables (stderr: the warning before it is taken, and the file written). The
    // pulls above leave garbage in the target's heap (heapUsed 8 -> 27 MB), which probing's
    // estimate of the stall counts: past 33 MB it passes the default --timeout of 5 s, and the
    // snapshot is refused (exit 2; a loaded run met that), so this one may take longer
    const snapshot = await throughHead([String(target.pid), 'heap', 'snapshot', '--yes', '--timeout', '30s', '-o', join(scratch, 'piped.heapsnapshot')]);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(snapshot.stderr).toMatch(/^pid \d+: a heap snapshot stops its JavaScript[^\n]*\nwrote [^\n]*piped\.heapsnapshot [^\n]*\n$/);
    await expectLeftAsFound(target, before);
  });

  it('heap snapshot -o -: the snapshot itself on stdout; a reader that leaves early ends it quietly; refused on a terminal and with -f json, before attaching', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const warning = /^pid \d+: a heap snapshot stops its JavaScript[^\n]*\n/;
    // through a pipe: a whole snapshot, what DevTools reads, and nothing else on stdout
    const whole = await probing([String(target.pid), 'heap', 'snapshot', '--yes', '-o', '-']);
    expect(whole.code, whole.stderr).toBe(0);
    const parsed = JSON.parse(whole.stdout) as { snapshot: { node_count: number; meta: { node_fields: string[] } }; nodes: number[] };
    expect(parsed.nodes.length).toBe(parsed.snapshot.node_count * parsed.snapshot.meta.node_fields.length);
    expect(parsed.snapshot.node_count).toBeGreaterThan(1000);
    const mib = (Buffer.byteLength(whole.stdout) / 1048576).toFixed(1);
    expect(whole.stderr).toMatch(new RegExp(`${warning.source}wrote the snapshot to stdout \\(${mib.replace('.', '\\.')} MiB; [^\\n]*\\n$`));
    // | head -c 100: the snapshot (megabytes) outgrows the pipe, its reader is gone long
    // before V8 is done; V8 finishes it unread, probing detaches and exits 0 without a word
    const cut = await throughHead([String(target.pid), 'heap', 'snapshot', '--yes', '-o', '-']);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toMatch(new RegExp(`${warning.source}$`));
    await expectLeftAsFound(target, before);

    const mark = target.stderr().length;
    const json = await probing([String(target.pid), 'heap', 'snapshot', '--yes', '-o', '-', '-f', 'json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/^probing: with -o - stdout is the snapshot itself[^\n]*\n  hint: drop -f, or write the snapshot to a file/);
    if (hasScript) {
      const terminal = inTerminal([String(target.pid), 'heap', 'snapshot', '--yes', '-o', '-']);
      expect(terminal.status).toBe(2);
      expect(terminal.stdout).toContain('probing: -o - writes the heap snapshot itself (JSON as large as the heap, often larger) to stdout, and stdout is a terminal');
      expect(terminal.stdout).toContain('hint: redirect it (-o - > app.heapsnapshot');
    }
    // refused before anything was attached: its inspector never opened
    expect(target.stderr().slice(mark)).not.toContain('Debugger listening');
    await expectLeftAsFound(target, before);
  });
});

describe('colours', () => {
  it('FORCE_COLOR gives colours through a pipe; NO_COLOR and FORCE_COLOR=0 none', async () => {
    const sql = 'SELECT NULL AS n, 1 AS one';
    const forced = await probing(['query', sql], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[2mNULL\u001b[22m');
    for (const env of [{ NO_COLOR: '1', FORCE_COLOR: undefined }, { NO_COLOR: undefined, FORCE_COLOR: '0' }, { NO_COLOR: undefined, FORCE_COLOR: undefined }]) {
      const plain = await probing(['query', sql], { env });
      expect(plain.stdout, JSON.stringify(env)).not.toContain('\u001b[');
      expect(plain.stdout).toContain('NULL');
    }
  });

  it.skipIf(!hasScript)("on a terminal, colours as the terminal can show them (tty.WriteStream#hasColors): TERM=xterm-256color has them, TERM=dumb none", () => {
    const sql = 'SELECT NULL AS n, 1 AS one';
    const colour = inTerminal(['query', sql], { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' });
    expect(colour.status).toBe(0);
    expect(colour.stdout).toContain('\u001b[2mNULL\u001b[22m');
    const dumb = inTerminal(['query', sql], { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'dumb' });
    expect(dumb.status).toBe(0);
    expect(dumb.stdout).toContain('NULL');
    expect(dumb.stdout).not.toContain('\u001b[');
    // NO_COLOR wins over a terminal that has them
    const no = inTerminal(['query', sql], { NO_COLOR: '1', FORCE_COLOR: undefined, TERM: 'xterm-256color' });
    expect(no.stdout).toContain('NULL');
    expect(no.stdout).not.toContain('\u001b[');
  });
});

describe('tables that fit', () => {
  const widest = (text: string) => Math.max(...text.trimEnd().split('\n').map((line) => stringWidth(line)));

  it('COLUMNS=60: a wide table is cut to fit; one that cannot fit goes one record per block', async () => {
    const target = await startTarget('server.cjs');
    const cut = await probing([String(target.pid), 'query', 'SELECT pid, argv, cwd, entry FROM process.info'], { env: { COLUMNS: '60' } });
    expect(cut.code).toBe(0);
    expect(widest(cut.stdout)).toBeLessThanOrEqual(60);
    expect(cut.stdout).toContain('…');
    expect(cut.stdout).toContain(`│ ${target.pid} │`);
    const records = await probing([String(target.pid), 'query', 'SELECT * FROM process.info'], { env: { COLUMNS: '60' } });
    expect(widest(records.stdout)).toBeLessThanOrEqual(60);
    expect(records.stdout).toMatch(/^─\[ row 1 \]─+\npid +│ \d+\nppid +│ \d+\n/);
    expect(records.stdout).toContain('(1 row)');
    // no terminal and no COLUMNS: the whole table, whatever its width
    const whole = await probing([String(target.pid), 'query', 'SELECT * FROM process.info'], { env: { COLUMNS: undefined } });
    expect(widest(whole.stdout)).toBeGreaterThan(80);
    // eval's output breaks its lines at COLUMNS too (an object of 12 short keys: one line at 200)
    const object = 'Object.fromEntries(Array.from({ length: 12 }, (_, i) => ["key" + i, i]))';
    const narrow = await probing([String(target.pid), 'eval', object], { env: { COLUMNS: '40' } });
    const wide = await probing([String(target.pid), 'eval', object], { env: { COLUMNS: '200' } });
    expect(narrow.stdout.trimEnd().split('\n').length).toBeGreaterThan(1);
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(40);
    expect(wide.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('escapes tabs, newlines and escape sequences in cells; wide and combining characters keep columns aligned', async () => {
    const result = await probing(['query', "SELECT 'a' || chr(9) || 'b' || chr(10) || 'c' || chr(27) || '[31m' AS t, '👨‍👩‍👧 x' AS e, 'é́' AS c, '中文' AS w"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('│ a\\tb\\nc\\x1b[31m │');
    expect(result.stdout).not.toContain('\u001b');
    const lines = result.stdout.split('\n').filter((l) => l.startsWith('│') || l.startsWith('┌'));
    expect(new Set(lines.map((l) => stringWidth(l))).size).toBe(1);
    // right-aligned numbers
    const numbers = await probing(['query', 'SELECT 5 AS n UNION ALL SELECT 12345 ORDER BY n']);
    expect(numbers.stdout).toContain('│     5 │\n│ 12345 │');
  });

  it('probing list: one line per process, a newline in a command escaped', async () => {
    const target = await startTarget('server.cjs', { scriptArgs: ['two\nlines'] });
    const result = await probing(['list']);
    const line = result.stdout.split('\n').filter((l) => l.includes(String(target.pid)));
    expect(line).toHaveLength(1);
    expect(line[0]).toContain('two\\nlines');
  });
});

describe('help that reads well', () => {
  const COMMANDS = ['', 'eval', 'inject', 'query', 'tables', 'describe', 'config', 'call', 'top', 'profile', 'heap', 'inspect', 'list', 'ext', 'repl', 'agent', 'backtrace', 'launch', 'demo'];

  it('every line of every help fits 80 columns, on a wide terminal too', async () => {
    for (const command of COMMANDS) {
      const help = await probing([...(command ? [command] : []), '--help'], { env: { COLUMNS: '200' } });
      expect(help.code, command).toBe(0);
      const long = help.stdout.split('\n').filter((line) => stringWidth(line) > 80);
      expect(long, `${command || 'probing'} --help`).toEqual([]);
    }
  });

  it('query --help lists every table of the catalog; describe --json gives its entry', async () => {
    const [help, tables] = await Promise.all([probing(['query', '--help']), probing(['tables', '--json'])]);
    const catalog = JSON.parse(tables.stdout) as Array<{ namespace: string; name: string }>;
    const listed = help.stdout.slice(help.stdout.indexOf('Tables'), help.stdout.indexOf('js.`<expression>`   '));
    for (const t of catalog.filter((t) => t.namespace !== 'js')) {
      expect(listed, `${t.namespace}.${t.name}`).toMatch(new RegExp(`^  ${t.namespace}\\.[^\\n]*(?:\\n {4,}[^\\n]*)*\\b${t.name}\\b`, 'm'));
    }
    const described = await probing(['describe', 'process.memory', '--json']);
    expect(JSON.parse(described.stdout)).toEqual(catalog.find((t) => t.namespace === 'process' && t.name === 'memory'));
  });
});
