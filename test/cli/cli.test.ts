import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
// the agent is CommonJS (.cts): its compiled form, as targets load it
import { socketPath } from '../../dist/agent/paths.cjs';
import { shareTarget } from '../helpers/assertions.js';
import { eventually } from '../helpers/limits.js';
import { probing, startTarget, type Target } from '../helpers/targets.js';

describe('the command line', () => {
  it('prints help with examples and the exit statuses', async () => {
    const help = await probing(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('probing 4242 eval');
    expect(help.stdout).toContain('Exit status:');
    const evalHelp = await probing(['eval', '--help']);
    expect(evalHelp.code).toBe(0);
    expect(evalHelp.stdout).toContain('Usage: probing <target> eval <code> [options]');
    expect(evalHelp.stdout).toContain('--timeout');
    const injectHelp = await probing(['inject', '--help']);
    expect(injectHelp.stdout.replace(/\s+/g, ' ')).toContain('ES module syntax (import/export) is not supported');
  });

  it('prints the version', async () => {
    const result = await probing(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('shows help and exits 2 without arguments', async () => {
    const result = await probing([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage:');
  });

  it.each([
    [['abc', 'eval', '1'], '"abc" is not a target', 'probing list'],
    [['127.0.0.1:99999', 'eval', '1'], 'out of range', 'port'],
    [['4242'], 'what should probing do with 4242?', 'probing 4242 eval'],
    [['4242', 'frobnicate'], 'unknown command "frobnicate"', 'eval, inject'],
    [['4242', 'list'], 'list takes no target', 'probing --help'],
    [['4242', 'eval', '1', '--timeout', 'soon'], "option '--timeout <duration>' argument 'soon' is invalid: give a duration such as 500ms, 10s or 1m", 'see probing eval --help'],
    [['4242', 'eval', '1', '--max-bytes', '1'], 'invalid: must be between 16 bytes and 64m', 'see probing eval --help'],
    [['4242', 'eval', '1', '--max-bytes', '1g'], 'invalid: must be between 16 bytes and 64m', 'see probing eval --help'],
    [['4242', 'profile', 'cpu', '--duration', '2h'], 'invalid: must be between 1 ms and 1 hour', 'see probing profile --help'],
    [['4242', 'eval'], "missing required argument 'code'", 'see probing eval --help'],
    [['4242', 'eval', '1', '--frob'], "unknown option '--frob'", 'see probing eval --help'],
    [['4242', 'query', 'SELECT 1', '--fromat', 'csv'], "unknown option '--fromat'", 'did you mean --format?'],
    [['2010', 'qurey', 'SELECT 1'], 'unknown command "qurey"', 'did you mean probing 2010 query?'],
    [['2010', 'evl', '1'], 'unknown command "evl"', 'did you mean probing 2010 eval?'],
    [['lst'], 'what should probing do with lst?', 'did you mean probing list?'],
  ])('refuses %j with a clear message and exit status 2', async (args, message, hint) => {
    const result = await probing(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    // one style for every error, commander's own included
    expect(result.stderr).toMatch(/^probing: .*\n {2}hint: .*\n$/);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(hint);
  });

  describe('against a running target', () => {
    // one for these tests, which each leave it as found
    let target: Target;
    shareTarget('server.cjs', {}, (t) => (target = t));

    it('refuses an -o it cannot write before attaching (exit 8)', async () => {
      const mark = target.stderr().length;
      for (const [path, says] of [
        ['/nonexistent-dir/x.csv', 'the directory /nonexistent-dir does not exist'],
        [tmpdir(), 'it is a directory'],
      ]) {
        const result = await probing([String(target.pid), 'query', 'SELECT * FROM process.memory', '-f', 'csv', '-o', path!]);
        expect(result.code).toBe(8);
        expect(result.stderr).toMatch(new RegExp(`^probing: cannot write .*: ${says}\\n  hint: `));
      }
      // a heap snapshot and a heap sample too: refused before the target is stalled or sampled
      for (const args of [['heap', 'snapshot', '--yes', '-o', '/nonexistent-dir/x.heapsnapshot'], ['heap', 'sample', '--duration', '1m', '-o', '/nonexistent-dir/x']]) {
        const result = await probing([String(target.pid), ...args]);
        expect(result.code, args.join(' ')).toBe(8);
        expect(result.stderr).toMatch(/^probing: cannot write \/nonexistent-dir\/x\.heap(snapshot|profile): the directory \/nonexistent-dir does not exist\n  hint: create it/);
      }
      // its inspector never opened
      expect(target.stderr().slice(mark)).not.toContain('Debugger listening');
    });

    it('reads durations and sizes one way everywhere (1m, 1g), and -o - is stdout', async () => {
      const result = await probing([String(target.pid), 'query', 'SELECT heap_used > 0 AS ok FROM process.memory', '--timeout', '1m', '--memory-limit', '1g', '--max-bytes', '64m', '-f', 'csv', '-o', '-']);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('ok\r\ntrue\r\n');
      expect(result.code).toBe(0);
      expect(existsSync('-')).toBe(false);
    });

    it('says when nothing at host:port is an inspector', async () => {
      const result = await probing([`127.0.0.1:${target.port}`, 'eval', '1']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`nothing at 127.0.0.1:${target.port} answers as a Node.js inspector`);
      expect(result.stderr).toContain('hint:');
    });
  });
});

/** What `probing list --json` says of a process. */
interface Listed {
  pid: number;
  ppid: number;
  node: string;
  inspector: string;
  address: string | null;
  command: string;
  way: string;
}

// One set of targets, and one `probing list --json` of them, for both tests: they only list them.
describe('probing list', () => {
  let closed: Target;
  let open: Target;
  let withAgent: Target;
  let cluster: Target;
  let workers: number[];
  let rows: Listed[];
  beforeAll(async () => {
    const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));
    [closed, open, withAgent, cluster] = await Promise.all([
      startTarget('server.cjs', { keep: 'file' }),
      startTarget('server.cjs', { nodeArgs: ['--inspect=127.0.0.1:0'], keep: 'file' }),
      startTarget('server.cjs', { nodeArgs: ['--require', agent], keep: 'file' }),
      startTarget('cluster.cjs', { env: { WORKERS: '2' }, keep: 'file' }),
    ]);
    workers = cluster.ready.workers as number[];
    // the agent listens a few ms after its target's ready line
    await eventually(() => existsSync(socketPath(withAgent.pid)));
    const json = await probing(['list', '--json']);
    expect(json.code).toBe(0);
    rows = JSON.parse(json.stdout) as Listed[];
  });
  afterAll(() => {
    for (const w of workers ?? []) {
      try {
        process.kill(w, 'SIGKILL');
      } catch {
        // gone with the primary
      }
    }
  });

  it('lists Node.js processes with their version and the way in: agent, open inspector or signal', async () => {
    const port = new URL(/ws:\/\/\S+/.exec(open.stderr())![0]).port;
    const a = rows.find((r) => r.pid === closed.pid);
    const b = rows.find((r) => r.pid === open.pid);
    expect(a).toMatchObject({ node: process.version, inspector: 'closed', address: null, way: 'signal' });
    expect(a!.command).toContain('server.cjs');
    expect(b).toMatchObject({ node: process.version, inspector: 'open', address: `127.0.0.1:${port}`, way: 'inspector' });
    expect(rows.find((r) => r.pid === withAgent.pid)).toMatchObject({ inspector: 'closed', way: 'agent' });
    const text = await probing(['list']);
    expect(text.stdout).toMatch(/^PID\s+NODE\s+WAY IN\s+COMMAND/);
    expect(text.stdout).toContain(`inspector 127.0.0.1:${port}`);
    expect(text.stdout).toMatch(new RegExp(`\\n${withAgent.pid}\\s+\\S+\\s+agent\\s`));
    // listing sends nothing to the applications' own ports
    expect((await probing([String(closed.pid), 'eval', 'state.hits'])).stdout.trim()).toBe('0');
  });

  it('--tree shows a cluster primary with its workers under it', async () => {
    const result = await probing(['list', '--tree']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const primary = lines.findIndex((l) => l.startsWith(`${cluster.pid} `));
    expect(primary).toBeGreaterThan(0);
    const under = lines.slice(primary + 1, primary + 3).map((l) => /^[├└]─ (\d+)/.exec(l)?.[1]).map(Number).sort((a, b) => a - b);
    expect(under).toEqual([...workers].sort((a, b) => a - b));
    for (const w of workers) expect(rows.find((r) => r.pid === w)!.ppid).toBe(cluster.pid);
  });
});

describe('probing demo', () => {
  it('starts the demo service, probes it with real commands, and stops it', async () => {
    const result = await probing(['demo']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const pid = /pid (\d+)/.exec(result.stdout)?.[1];
    expect(pid).toBeDefined();
    expect(result.stdout).toContain(`$ probing ${pid} eval app.sessions.size\n6\n`);
    expect(result.stdout).toContain("{ user: 'ada', items: 0 }");
    expect(result.stdout).toContain('installed: \'route timer\'');
    expect(result.stdout).toContain('ran for longer than 300 ms and was stopped');
    expect(result.stdout).toContain(`Stopping the demo service (pid ${pid})`);
    expect(() => process.kill(Number(pid), 0)).toThrow();
  });
});
