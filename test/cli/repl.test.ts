import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { eventually, withAttachTimeout } from '../helpers/limits.js';
import { bin, cliEnv, listeningPorts, startTarget } from '../helpers/targets.js';
// util-linux `script` gives the shell a pseudo-terminal
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux');

/** probing <pid> repl in a pseudo-terminal: what it printed so far, a way to type, and to wait for text. */
function ptyRepl(pid: number, home: string) {
  const command = [process.execPath, bin, ...withAttachTimeout([String(pid), 'repl', '--timeout', '20s'])].join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    env: cliEnv({ PROBING_HOME: home }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  return {
    child,
    output: () => output,
    until: async (text: string) => {
      await eventually(() => output.includes(text));
      expect(output).toContain(text);
    },
    type: (text: string) => child.stdin.write(text),
    exited: new Promise<number | null>((resolve) => child.on('exit', resolve)),
  };
}

describe.skipIf(!hasScript)('probing <target> repl, driven through a pseudo-terminal', () => {
  it('runs SQL and JavaScript, multi-line, abandons a statement on Ctrl-C, keeps history, and detaches on Ctrl-D', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const home = mkdtempSync(join(tmpdir(), 'probing-home-'));
    const { child, output, until, type, exited } = ptyRepl(target.pid, home);
    try {
      await until('.help for commands');
      type('SELECT pid FROM process.info;\n');
      await until(`${target.pid}`);
      type('SELECT count(*) AS n\n  FROM process.versions;\n');
      await until('(1 row)\r\n');
      type('.tables\n');
      await until('process.memory');
      // Tab completes table names in SQL mode…
      // (a Tab in the same chunk as other input is pasted text to readline: typed after the echo, it is a key)
      type('SELECT heap_total FROM process.memo');
      await until('FROM process.memo');
      type('\t');
      await until('FROM process.memory');
      type(';\n');
      await until('│ heap_total');
      type('.js\n');
      // …and offers no SQL in JavaScript mode: COUN stays COUN (not COUNT(*))
      await until('js> ');
      type('COUN');
      await until('COUN');
      type('\t');
      // a key of its own, apart from the Enter (a completion would echo at once)
      await new Promise((r) => setTimeout(r, 300));
      type('\n');
      await until('COUN is not defined');
      expect(output()).not.toContain('COUNT(*)');
      type('state.name\n');
      await until("'cjs-fixture'");
      type('[1,\n 2].length\n');
      await until('2\r\n');
      type('new Promise(() => {})\n');
      await new Promise((r) => setTimeout(r, 500));
      type('\u0003');
      await until('(abandoned');
      type('.format json\n.sql\nSELECT 1 AS one FROM process.info;\n');
      await until('"one": 1');
      type('\u0004');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    // an entry a line (JSON text): what was typed over several lines is one entry
    const history = readFileSync(join(home, 'history'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as string);
    expect(history).toContain('SELECT pid FROM process.info;');
    expect(history).toContain('state.name');
    expect(history).toContain('SELECT count(*) AS n\n  FROM process.versions;');
    expect(history).toContain('[1,\n 2].length');
    expect(history).not.toContain('SELECT count(*) AS n');
    // what was typed can hold secrets: the user's alone, as Node's own REPL history
    if (process.platform !== 'win32') {
      const { statSync } = await import('node:fs');
      expect(statSync(join(home, 'history')).mode & 0o777).toBe(0o600);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    }
    await expectLeftAsFound(target, before);
  });

  it("completes JavaScript from the target's own objects without running their side effects, and leaves on Ctrl-D at a continuation prompt", async () => {
    const target = await startTarget('app-object.cjs');
    const before = await listeningPorts(target.pid);
    const home = mkdtempSync(join(tmpdir(), 'probing-home-'));
    const { child, output, until, type, exited } = ptyRepl(target.pid, home);
    try {
      await until('.help for commands');
      type('.js\n');
      await until('js> ');
      // methods on the prototype: the common part first, then the one chosen
      type('app.pri');
      await until('app.pri');
      type('\t');
      await until('app.print');
      type('R');
      await until('app.printR');
      type('\t');
      await until('app.printRoutes');
      type('()\n');
      await until("'/orders,/users'");
      // a global begun: completed from globalThis
      type('effe');
      await until('effe');
      type('\t');
      await until('effects');
      type('\n');
      await until('0\r\n');
      // a getter that counts: completing after it offers nothing, and it never ran
      type('counted.ins');
      await until('counted.ins');
      type('\t');
      await new Promise((r) => setTimeout(r, 500));
      type('\u0015'); // Ctrl-U: the line is dropped
      type('effects + 100\n');
      await until('100\r\n');
      expect(output()).not.toContain('counted.inside');
      // an unfinished statement, then Ctrl-D at the continuation prompt: probing leaves
      type('[1,\n');
      await until('  > ');
      type('\u0004');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    await expectLeftAsFound(target, before);
  });
});
