/**
 * The fault matrix: things that go wrong around a probing command — signals, broken
 * pipes, hostile targets, concurrent commands, bad input — each against a real target.
 * Every case checks that the target is left as found (alive, still serving HTTP,
 * listening on exactly the ports it had) and what the user is told; the file ends with a
 * one-line summary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownDirectory } from '../../src/attach/agent-path.js';
import { listeners } from '../../src/attach/procfs.js';
import { cliLimitMs, eventually, withAttachTimeout } from '../helpers/limits.js';
import { bin, cliEnv, httpGet, listeningPorts, probing, profilerRunning, sharedPort, startTarget, type StartOptions, type Target } from '../helpers/targets.js';

const linux = process.platform === 'linux';

const tally = { cases: 0, held: 0, deaths: 0, leftOpen: 0 };
afterAll(() => {
  console.log(`fault matrix: ${tally.cases} cases, ${tally.held} held, ${tally.deaths} target deaths, ${tally.leftOpen} inspectors left open`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One case: a fresh target, the fault, then the checks every case shares. `fault` returns
 * nothing; its own expectations are about what the user saw.
 */
function fault(name: string, fixture: string, options: StartOptions, run: (target: Target) => Promise<void>): void {
  it.skipIf(!linux)(name, async () => {
    tally.cases++;
    const target = await startTarget(fixture, options);
    const before = await listeningPorts(target.pid);
    let ok = false;
    try {
      await run(target);
      // the inspector probing opened is closed once the command has ended (a close runs in the target's next turn)
      const restored = await eventually(async () => same(await listeningPorts(target.pid), before));
      if (!target.alive()) tally.deaths++;
      else if (!restored) tally.leftOpen++;
      expect(target.alive(), `pid ${target.pid} ended (${target.child.exitCode ?? target.child.signalCode}); its stderr:\n${target.stderr()}`).toBe(true);
      expect(await listeningPorts(target.pid)).toEqual(before);
      if (target.port !== undefined) expect((await httpGet(target.port)).status).toBe(200);
      ok = true;
    } finally {
      if (ok) tally.held++;
    }
  });
}

/** Starts the CLI with stdin and stdout as pipes, to signal it or close its output. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const argv = withAttachTimeout(args);
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: cliEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // 'close': everything it wrote has been read by then, not only its exit heard
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  // a CLI that does not end is a failed case, not a stuck suite
  const timer = setTimeout(() => child.kill('SIGKILL'), cliLimitMs(argv));
  void exited.then(() => clearTimeout(timer));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Until the target has an inspector open (a listening port more than it had). */
async function inspectorOpened(target: Target, before: number[]): Promise<boolean> {
  return eventually(async () => (await listeningPorts(target.pid)).length > before.length);
}

describe('every way out of a command closes the inspector it opened', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    fault(`${signal} during eval`, 'server.cjs', {}, async (target) => {
      const before = await listeningPorts(target.pid);
      const cli = startCli([String(target.pid), 'eval', 'await new Promise((r) => setTimeout(r, 20000))']);
      expect(await inspectorOpened(target, before)).toBe(true);
      await sleep(200);
      cli.child.kill(signal);
      const { code } = await cli.exited;
      expect(code).toBe(130);
      expect(cli.stderr()).toContain(`interrupted by ${signal}; the target was left as it was found`);
      // said only once checked: the port is already gone when probing says so
      expect(await listeningPorts(target.pid)).toEqual(before);
    });
  }

  // (the profiler runs whether or not the target is busy: without its bursts)
  fault('SIGHUP during profile cpu', 'hot.cjs', { env: { BURSTS: 'off' } }, async (target) => {
    const before = await listeningPorts(target.pid);
    const dir = mkdtempSync(join(tmpdir(), 'probing-fault-'));
    const cli = startCli([String(target.pid), 'profile', 'cpu', '--duration', '20s', '-o', join(dir, 'p')]);
    expect(await inspectorOpened(target, before)).toBe(true);
    await sleep(300);
    cli.child.kill('SIGHUP');
    const { code } = await cli.exited;
    expect(code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGHUP', 'SIGTERM'] as const) {
    fault(`${signal} to a repl (a closed terminal, a stopped session)`, 'server.cjs', {}, async (target) => {
      const before = await listeningPorts(target.pid);
      const cli = startCli([String(target.pid), 'repl']);
      expect(await inspectorOpened(target, before)).toBe(true);
      await eventually(() => cli.stdout().includes('attached to pid'));
      cli.child.kill(signal);
      const { code, signal: killedBy } = await cli.exited;
      expect(killedBy).toBe(null);
      expect(code).not.toBe(null);
    });
  }

  fault('SIGINT during a query', 'server.cjs', {}, async (target) => {
    const before = await listeningPorts(target.pid);
    const cli = startCli([String(target.pid), 'query', 'SELECT * FROM js.`await new Promise((r) => setTimeout(() => r([1]), 20000))`']);
    expect(await inspectorOpened(target, before)).toBe(true);
    await sleep(300);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(130);
    expect(cli.stderr()).toContain('interrupted by SIGINT; the target was left as it was found');
  });

  fault('a probing command killed with SIGKILL leaves the inspector open; the next command closes it', 'server.cjs', {}, async (target) => {
    const before = await listeningPorts(target.pid);
    const cli = startCli([String(target.pid), 'eval', 'await new Promise((r) => setTimeout(r, 20000))']);
    expect(await inspectorOpened(target, before)).toBe(true);
    await sleep(200);
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect((await listeningPorts(target.pid)).length).toBe(before.length + 1);
    const next = await probing([String(target.pid), 'eval', '1']);
    expect(next.stdout.trim(), next.stderr).toBe('1');
  });

  // Killed after its signal but before it wrote down where the inspector opened (a loaded
  // machine makes that window long): written here as such a command leaves it — its pending
  // file (the target's sockets before the signal, its own pid gone), and the signal sent.
  fault('a probing command killed between its SIGUSR1 and writing down the port: the next command finds that inspector and closes it', 'server.cjs', {}, async (target) => {
    const before = await listeningPorts(target.pid);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const listening = ((await listeners(target.pid)) ?? []).map((l) => `${l.host}:${l.port}`);
    writeFileSync(join(ownDirectory()!, `${target.pid}.${gone}.pending`), `${listening.join('\n')}\n`, { mode: 0o600 });
    process.kill(target.pid, 'SIGUSR1');
    expect(await inspectorOpened(target, before)).toBe(true);
    const next = await probing([String(target.pid), 'eval', '1']);
    expect(next.stdout.trim(), next.stderr).toBe('1');
    expect(readdirSync(ownDirectory()!).filter((f) => f.startsWith(`${target.pid}.`))).toEqual([]);
  });

  // Between SIGUSR1 and being in, the inspector is opening and nothing of ours is in the
  // target yet: leaving then must still close it (it once stayed open, unmarked, and the
  // next command joined it and left it open for good).
  fault('the reader of stderr goes away right after SIGUSR1 (DEBUG output | head)', 'server.cjs', {}, async (target) => {
    const cli = startCli([String(target.pid), 'eval', '1+1'], { DEBUG: 'probing:attach' });
    // at once, in the same turn: the inspector opens within milliseconds
    cli.child.stderr!.on('data', () => cli.stderr().includes('SIGUSR1 →') && cli.child.stderr!.destroy());
    const { signal } = await cli.exited;
    expect(signal).toBe(null);
  });

  fault('SIGINT right after SIGUSR1, before the inspector is open', 'server.cjs', {}, async (target) => {
    const cli = startCli([String(target.pid), 'eval', '1+1'], { DEBUG: 'probing:attach' });
    let sent = false;
    cli.child.stderr!.on('data', () => !sent && cli.stderr().includes('SIGUSR1 →') && (sent = cli.child.kill('SIGINT')));
    const { code, signal } = await cli.exited;
    expect(signal).toBe(null);
    expect([0, 130]).toContain(code);
  });

  fault('the reader of stdout goes away (| head -1)', 'server.cjs', {}, async (target) => {
    const cli = startCli([String(target.pid), 'query', 'SELECT * FROM js.`Array.from({ length: 200000 }, (_, i) => ({ i, s: "row " + i }))`', '-f', 'csv']);
    await eventually(() => cli.stdout().length > 0);
    cli.child.stdout!.destroy();
    const { code, signal } = await cli.exited;
    expect(signal).toBe(null);
    expect(code).toBe(0);
    expect(cli.stderr()).not.toContain('Unhandled');
    expect(cli.stderr()).not.toContain('EPIPE');
  });

  // 200,000 objects: a snapshot of over a second (a file is begun as it starts, and SIGINT
  // follows within milliseconds), and the case waits for all of it (the target finishes
  // the snapshot it was asked for): 5 CPU-seconds of the target's at the default 600,000
  fault('SIGINT during a heap snapshot: the target finishes, its inspector is closed, no file is left', 'big-heap.cjs', { env: { OBJECTS: '200000' } }, async (target) => {
    const before = await listeningPorts(target.pid);
    const dir = mkdtempSync(join(tmpdir(), 'probing-fault-'));
    const file = join(dir, 'h.heapsnapshot');
    const cli = startCli([String(target.pid), 'heap', 'snapshot', '--yes', '--timeout', '60s', '-o', file]);
    expect(await inspectorOpened(target, before)).toBe(true);
    await eventually(() => cli.stderr().includes('a heap snapshot stops'));
    // in the middle of it: the file has begun
    await eventually(() => existsSync(file));
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code).toBe(130);
    expect(cli.stderr()).toContain('interrupted by SIGINT; the target was left as it was found');
    expect(existsSync(file)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a tampered target is never harmed, and is left as found', () => {
  for (const hostile of ['getBuiltinModule-throws', 'getBuiltinModule-undefined', 'setImmediate', 'getBuiltinModule-throws,require']) {
    fault(`process with ${hostile}: eval answers and the inspector closes`, 'hostile.cjs', { env: { HOSTILE: hostile } }, async (target) => {
      await sleep(50);
      const result = await probing([String(target.pid), 'eval', '1 + 1']);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('2');
      await sleep(200);
      expect(target.alive()).toBe(true);
    });
  }
});

describe('a target with tampered built-ins gets right answers', () => {
  const csv = async (pid: number, sql: string) => {
    const result = await probing([String(pid), 'query', sql, '-f', 'csv']);
    expect(result.stderr).toBe('');
    return result.stdout.replace(/\r\n/g, '\n');
  };
  for (const hostile of ['map', 'keys', 'isArray', 'from', 'set-has', 'stringify', 'map,keys,isArray,from,set-has,stringify']) {
    fault(`replaced ${hostile}: counts, sums, Map and Set tables, built-in tables and eval --json are right`, 'hostile.cjs', { env: { HOSTILE: hostile } }, async (target) => {
      await sleep(50);
      // every table read in one command (one attach, each table's own snippet in the target)
      const tables = [
        '(SELECT count(*) FROM js.`app.sessions`) AS n',
        '(SELECT sum(idle_ms) FROM js.`app.sessions`) AS s',
        "(SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM js.`app.cache`) AS cache",
        '(SELECT count(*) FROM js.`app.tags`) AS tags',
        '(SELECT count(*) > 0 FROM process.env) AS env',
        '(SELECT count(*) FROM os.cpus) AS cpus',
        '(SELECT count(*) > 3 FROM v8.heap_spaces) AS spaces',
      ];
      expect(await csv(target.pid, `SELECT ${tables.join(', ')}`)).toBe(`n,s,cache,tags,env,cpus,spaces\n3,152200,a=1 b=2 c=3,2,true,${(await import('node:os')).cpus().length},true\n`);
      const json = await probing([String(target.pid), 'eval', '--json', 'app.sessions[0]']);
      expect(JSON.parse(json.stdout)).toEqual({ user: 'ada', idle_ms: 1200 });
    });
  }
});

describe('bad input: a clear error, and the target untouched', () => {
  const untouched = (target: Target) => expect(target.stderr()).not.toContain('Debugger listening');

  fault('an unknown table', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'query', 'SELECT * FROM process.nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('process.nope');
    expect(result.stderr).toContain('hint:');
    untouched(target);
  });

  fault('a statement that writes', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'query', 'CREATE TABLE t AS SELECT 1']);
    expect(result.code).toBe(2);
    untouched(target);
  });

  fault('eval of code that does not parse', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'eval', 'function (']);
    expect(result.code).toBe(2);
    untouched(target);
  });

  fault('eval of code that throws', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'eval', 'null.x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TypeError');
  });

  fault('a promise that never settles, cut by --timeout', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'eval', 'new Promise(() => {})', '--timeout', '500']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('hint:');
  });

  fault('an unknown column', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'query', 'SELECT no_such_column FROM process.memory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no_such_column');
    untouched(target);
  });

  fault('synchronous code that never ends, stopped by --timeout', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'eval', 'while (true) {}', '--timeout', '500']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('the target keeps running');
  });

  fault('a value whose getters throw, and a Proxy that throws on every trap', 'server.cjs', {}, async (target) => {
    const evaluated = await probing([String(target.pid), 'eval', '({ ok: 1, get bad() { throw new Error("boom") } })']);
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toContain('ok: 1');
    const queried = await probing([String(target.pid), 'query', "SELECT * FROM js.`[new Proxy({}, { ownKeys() { throw new Error('trap') }, get() { throw new Error('trap') } })]`", '-f', 'json']);
    expect(queried.code).toBe(0);
    expect(queried.stdout).toContain('[Threw: trap]');
  });

  fault('a worker that does not exist', 'server.cjs', {}, async (target) => {
    const result = await probing([`${target.pid}/w7`, 'eval', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no worker thread w7');
  });

  fault('--match without --all', 'server.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'query', 'SELECT 1', '--match', 'x']);
    expect(result.code).toBe(2);
    untouched(target);
  });
});

describe('many commands, many targets', () => {
  fault('a fan-out puts back the process.debugPort of every inspector it moved off the port they share', 'server.cjs', { sharedPort: true }, async (target) => {
    const other = await startTarget('server.cjs', { sharedPort: true });
    const result = await probing([`${target.pid},${other.pid}`, 'query', 'SELECT _pid FROM process.info', '-f', 'json']);
    expect(result.code).toBe(0);
    for (const t of [target, other]) {
      expect(await eventually(async () => (await listeningPorts(t.pid)).length === 1)).toBe(true);
      const port = await probing([String(t.pid), 'eval', 'process.debugPort']);
      expect(port.stdout.trim()).toBe(String(sharedPort));
    }
  });
});

describe('concurrent commands on one target share its inspector; the last one out closes it', () => {
  const concurrently = async (target: Target) => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => probing([String(target.pid), 'eval', `await new Promise((r) => setTimeout(r, 300)); ${i}`])));
    results.forEach((r, i) => {
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(String(i));
    });
  };
  fault('ten at once on a fixed port (9229 by default)', 'server.cjs', { sharedPort: true }, concurrently);
  fault('ten at once on --inspect-port=0', 'server.cjs', { nodeArgs: ['--inspect-port=0'] }, concurrently);

  fault('an idle repl on one target does not hold up commands on another that shares its port', 'server.cjs', { sharedPort: true }, async (target) => {
    const other = await startTarget('server.cjs', { sharedPort: true });
    const repl = startCli([String(target.pid), 'repl']);
    await eventually(() => repl.stdout().includes('attached to pid'));
    const result = await probing([String(other.pid), 'eval', '40 + 2']);
    // the port lock is not held for the repl's whole life (it was: the command waited 15 s for it, then failed)
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('42');
    repl.child.stdin!.end();
    expect((await repl.exited).code).toBe(0);
  });

  fault('a busy --inspect-port=0 target: the inspector left open is listed, and the next command closes it', 'server.cjs', { nodeArgs: ['--inspect-port=0'] }, async (target) => {
    const before = await listeningPorts(target.pid);
    // the close probing schedules waits behind 4 s of synchronous work
    const first = await probing([String(target.pid), 'eval', 'setImmediate(() => { const t = Date.now(); while (Date.now() - t < 4000); }); 1']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('its inspector stays open on 127.0.0.1:');
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first.stderr)![1]);
    expect(await listeningPorts(target.pid)).toContain(port);
    const listed = JSON.parse((await probing(['list', '--json'])).stdout) as Array<{ pid: number; address: string | null }>;
    expect(listed.find((p) => p.pid === target.pid)?.address).toBe(`127.0.0.1:${port}`);
    await eventually(async () => (await httpGet(target.port!).then(() => true, () => false)));
    const second = await probing([String(target.pid), 'eval', '2']);
    expect(second.stderr).toBe('');
    expect(second.stdout.trim()).toBe('2');
    expect(await eventually(async () => same(await listeningPorts(target.pid), before))).toBe(true);
  });
});

describe('clusters', () => {
  fault('a cluster primary is not signalled (its workers would open inspectors); its workers answer', 'cluster.cjs', { env: { WORKERS: '2' } }, async (primary) => {
    const workers = primary.ready.workers as number[];
    const before = await Promise.all(workers.map((w) => listeningPorts(w)));
    const refused = await probing([String(primary.pid), 'eval', '1']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`pid ${primary.pid} is a cluster primary with 2 workers`);
    expect(refused.stderr).toContain('hint: probe its workers by pid');
    const fanOut = await probing([[primary.pid, ...workers].join(','), 'query', 'SELECT _pid FROM process.info ORDER BY _pid', '-f', 'csv']);
    expect(fanOut.code).toBe(7);
    expect(fanOut.stdout.replace(/\r\n/g, '\n')).toBe(`_pid\n${[...workers].sort((a, b) => a - b).join('\n')}\n`);
    expect(fanOut.stderr).toContain(`target ${primary.pid} failed: pid ${primary.pid} is a cluster primary`);
    // the workers: back to their own ports, and nothing opened an inspector in any of them behind our back
    for (const [i, w] of workers.entries()) expect(await eventually(async () => same(await listeningPorts(w), before[i]!))).toBe(true);
    expect(primary.stderr()).not.toContain('Starting inspector');
    for (const w of workers) process.kill(w, 0);
  });
});

describe('a target that exits while probing is attached is let go at once', () => {
  /** What the command would otherwise wait for: a profile's --duration, a promise's delay. */
  const WAIT_MS = 60_000;

  /**
   * The target ends on its own (process.exit, when a request asks it to) once the command
   * is under way: what is checked is how soon probing lets it go — far sooner than the
   * WAIT_MS it would otherwise wait — and what it says. `exit` returns when it was asked.
   */
  const exiting = (name: string, run: (target: Target, dir: string, exit: () => Promise<number>) => Promise<void>) =>
    it.skipIf(!linux)(name, async () => {
      tally.cases++;
      const dir = mkdtempSync(join(tmpdir(), 'probing-fault-'));
      try {
        const target = await startTarget('exits.cjs');
        const exited = new Promise<number | null>((resolve) => target.child.once('exit', (code) => resolve(code)));
        const exit = async () => {
          const asked = Date.now();
          await httpGet(target.port!, '/exit');
          return asked;
        };
        await run(target, dir, exit);
        expect(await exited).toBe(0);
        tally.held++;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  /** Until the profile is under way in the target: V8's profiler thread runs. */
  const profiling = (target: Target) => eventually(() => profilerRunning(target.pid));

  exiting('process.exit during profile cpu: no wait for the rest of --duration, nothing written, and it says why', async (target, dir, exit) => {
    const cli = probing([String(target.pid), 'profile', 'cpu', '--duration', `${WAIT_MS}ms`, '-o', join(dir, 'p')]);
    expect(await profiling(target)).toBe(true);
    const asked = await exit();
    const result = await cli;
    expect(Date.now() - asked).toBeLessThan(WAIT_MS / 2);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`pid ${target.pid} exited during the profile; probing let it go at once and wrote nothing`);
    expect(result.stderr).toContain('--partial');
    expect(readdirSync(dir)).toEqual([]);
  });

  exiting('process.exit during profile cpu --partial: what was recorded is written, and marked', async (target, dir, exit) => {
    const cli = probing([String(target.pid), 'profile', 'cpu', '--duration', `${WAIT_MS}ms`, '-o', join(dir, 'p'), '--partial', '-f', 'csv']);
    expect(await profiling(target)).toBe(true);
    await exit();
    const result = await cli;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`exited during the profile: what follows covers \\d+\\.\\d s of the ${WAIT_MS / 1000}\\.0 s asked for`));
    expect(readdirSync(dir).sort()).toEqual(['p.cpuprofile', 'p.svg']);
  });

  exiting('process.exit during eval', async (target, _dir, exit) => {
    const cli = probing([String(target.pid), 'eval', `process.stderr.write('evaluating\\n'); await new Promise((r) => setTimeout(r, ${WAIT_MS}))`]);
    expect(await eventually(() => target.stderr().includes('evaluating\n'))).toBe(true);
    const asked = await exit();
    const result = await cli;
    expect(Date.now() - asked).toBeLessThan(WAIT_MS / 2);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`pid ${target.pid} is exiting; probing let it go at once`);
  });
});

describe('targets probing cannot enter by signal', () => {
  fault('an application that handles SIGUSR1 itself', 'sigusr1-handler.cjs', {}, async (target) => {
    const result = await probing([String(target.pid), 'eval', '1', '--attach-timeout', '1000']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('hint:');
  });
});

describe('not a Node.js process, or not one at all', () => {
  it.skipIf(!linux)('never signals a process that is not Node.js', async () => {
    tally.cases++;
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const result = await probing([String(sleeper.pid), 'eval', '1']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('not a Node.js process');
      expect(sleeper.exitCode).toBe(null);
      expect(sleeper.signalCode).toBe(null);
      tally.held++;
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('a pid that does not exist', async () => {
    tally.cases++;
    const result = await probing(['4194301', 'eval', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no process with pid 4194301');
    expect(result.stderr).toContain('hint:');
    tally.held++;
  });
});
