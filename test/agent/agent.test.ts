import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// the agent is CommonJS (.cts): its compiled form, as targets load it
import { socketPath } from '../../dist/agent/paths.cjs';
import { agentSocketPath } from '../../src/attach/agent-path.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

const agent = fileURLToPath(new URL('../../dist/agent/index.cjs', import.meta.url));

/** Holds 127.0.0.1:9229, the port SIGUSR1 would open, so that only the agent can get in. */
async function holdInspectorPort(): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(9229, '127.0.0.1', () => resolve(server));
  });
}

let held: Server | undefined;
afterEach(() => {
  held?.close();
  held = undefined;
});

describe('the probing agent: in over a Unix socket, no signal and no port', () => {
  it('answers eval and query while another process holds 127.0.0.1:9229, and the target never listens on a new port', async () => {
    const target = await startTarget('data.cjs', { nodeArgs: ['--require', agent] });
    held = await holdInspectorPort();
    const before = await listeningPorts(target.pid);
    const evaluated = await probing([String(target.pid), 'eval', 'app.sessions.length']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.stdout.trim()).toBe('4');
    const queried = await probing([String(target.pid), 'query', 'SELECT user, count(*) AS n FROM js.`app.sessions` GROUP BY user ORDER BY user', '-f', 'csv']);
    expect(queried.stderr).toBe('');
    expect(queried.stdout).toBe('user,n\r\nada,2\r\ngrace,1\r\nlinus,1\r\n');
    expect(await listeningPorts(target.pid)).toEqual(before);
    expect(target.stderr()).not.toContain('Debugger listening');
    expect(target.alive()).toBe(true);
  });

  it('answers backtrace and a query from a target spinning in a tight loop', async () => {
    const target = await startTarget('spin.cjs', { nodeArgs: ['--require', agent] });
    // the loop starts 50 ms after the ready line
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stack = await probing([String(target.pid), 'backtrace']);
    expect(stack.code).toBe(0);
    expect(stack.stdout).toContain('spin.cjs');
    const spins = await probing([String(target.pid), 'query', 'SELECT value > 0 AS spinning FROM js.`globalThis.spins`', '-f', 'csv']);
    expect(spins.stdout).toBe('spinning\r\ntrue\r\n');
    expect(target.stderr()).not.toContain('Debugger listening');
  });

  it('serves ten concurrent queries, each in a session of its own', async () => {
    const target = await startTarget('data.cjs', { nodeArgs: ['--require', agent] });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => probing([String(target.pid), 'query', `SELECT ${i} AS i, count(*) AS n FROM js.\`app.many\``, '-f', 'csv'])));
    results.forEach((r, i) => {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`i,n\r\n${i},5000\r\n`);
    });
    expect(target.stderr()).not.toContain('Debugger listening');
  });

  it('never keeps a process alive, and removes its socket when the process exits', async () => {
    const target = await startTarget('server.cjs', { nodeArgs: ['--require', agent, '-e', 'console.log(JSON.stringify({ pid: process.pid })); setTimeout(() => {}, 300)'] });
    const path = socketPath(target.pid);
    const exited = await new Promise<number | null>((resolve) => target.child.once('exit', (code) => resolve(code)));
    expect(exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('is looked for where it listens: the CLI and the agent agree on the socket path', () => {
    for (const env of [{}, { XDG_RUNTIME_DIR: '/run/user/1000' }]) expect(agentSocketPath(4242, env)).toBe(socketPath(4242, env));
  });
});

describe('probing launch', () => {
  it('starts a program with the agent, probes it without a signal, and passes its exit status through', async () => {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));
    const program = 'console.log(JSON.stringify({ pid: process.pid })); globalThis.answer = 42; setTimeout(() => process.exit(3), 3000)';
    const launched = spawn(process.execPath, [bin, 'launch', '--', process.execPath, '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      launched.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => launched.once('exit', (code) => resolve(code)));
      const { pid } = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: launched.stdout! }).once('line', resolve))) as { pid: number };
      const evaluated = await probing([String(pid), 'eval', 'answer']);
      expect(evaluated.stderr).toBe('');
      expect(evaluated.stdout.trim()).toBe('42');
      expect(await exited).toBe(3);
      expect(stderr).toContain(`probing: started pid ${pid} with the probing agent`);
      expect(stderr).not.toContain('Debugger listening');
    } finally {
      launched.kill('SIGKILL');
    }
  });
});

describe('a cluster with the agent in every process (NODE_OPTIONS)', () => {
  it('answers a fan-out over the primary and its workers with no signal, no inspector port and a clean log', async () => {
    const cluster = await startTarget('cluster.cjs', { env: { WORKERS: '2', NODE_OPTIONS: `--require ${JSON.stringify(agent)}` } });
    const workers = cluster.ready.workers as number[];
    try {
      held = await holdInspectorPort();
      const pids = [cluster.pid, ...workers];
      const before = await Promise.all(pids.map((pid) => listeningPorts(pid)));
      const result = await probing([pids.join(','), 'query', 'SELECT _pid, count(*) AS n FROM process.memory GROUP BY _pid ORDER BY _pid', '-f', 'csv']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`_pid,n\r\n${[...pids].sort((a, b) => a - b).map((p) => `${p},1`).join('\r\n')}\r\n`);
      expect(await Promise.all(pids.map((pid) => listeningPorts(pid)))).toEqual(before);
      // the primary's stderr carries its workers' too: nobody opened an inspector
      expect(cluster.stderr()).not.toMatch(/Debugger listening|Starting inspector/);
    } finally {
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  });
});

describe('probing <pid> agent install | status | remove', () => {
  const threads = async (pid: number) => Number(/Threads:\s+(\d+)/.exec(await (await import('node:fs/promises')).readFile(`/proc/${pid}/status`, 'utf8'))![1]);

  it.skipIf(process.platform !== 'linux')('installs into a running process, serves through the socket, and removes it leaving threads and ports as before', async () => {
    const target = await startTarget('server.cjs');
    const [threadsBefore, portsBefore] = [await threads(target.pid), await listeningPorts(target.pid)];
    expect((await probing([String(target.pid), 'agent', 'status'])).stdout).toContain('no agent');
    const installed = await probing([String(target.pid), 'agent', 'install']);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('the agent answers on');
    // the inspector opened for the install is closed again
    expect(await listeningPorts(target.pid)).toEqual(portsBefore);
    expect((await probing([String(target.pid), 'agent', 'install'])).stdout).toContain('already installed');
    const opened = target.stderr().split('Debugger listening').length;
    expect((await probing([String(target.pid), 'eval', 'state.hits'])).stdout.trim()).toBe('0');
    // that eval went in through the agent: no new inspector
    expect(target.stderr().split('Debugger listening').length).toBe(opened);
    const removed = await probing([String(target.pid), 'agent', 'remove']);
    expect(removed.stderr).toBe('');
    expect(removed.stdout).toContain('the agent is removed');
    expect(existsSync(socketPath(target.pid))).toBe(false);
    expect(await listeningPorts(target.pid)).toEqual(portsBefore);
    // the worker thread ends shortly after its socket goes
    const deadline = Date.now() + 5000;
    while ((await threads(target.pid)) !== threadsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await threads(target.pid)).toBe(threadsBefore);
  });
});

describe('the agent under hostile or vanishing clients', () => {
  /** The V8 CPU profiler runs a thread of its own while it records. */
  const profilerThreads = async (pid: number) => {
    const { readdir, readFile } = await import('node:fs/promises');
    const names = await Promise.all((await readdir(`/proc/${pid}/task`)).map((t) => readFile(`/proc/${pid}/task/${t}/comm`, 'utf8').catch(() => '')));
    return names.filter((n) => n.includes('ProfEvntProc')).length;
  };

  it.skipIf(process.platform !== 'linux')('stops the profiler in the target as soon as a killed CLI drops the connection', async () => {
    const target = await startTarget('hot.cjs', { nodeArgs: ['--require', agent] });
    let cli: import('node:child_process').ChildProcess | undefined;
    const done = probing([String(target.pid), 'profile', 'cpu', '--duration', '20000', '-o', '/dev/null/never'], { onSpawn: (child) => (cli = child) });
    const deadline = Date.now() + 10_000;
    while ((await profilerThreads(target.pid)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await profilerThreads(target.pid)).toBe(1);
    cli!.kill('SIGKILL');
    await done;
    const stopBy = Date.now() + 5000;
    while ((await profilerThreads(target.pid)) > 0 && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 20));
    expect(await profilerThreads(target.pid)).toBe(0);
    expect(target.alive()).toBe(true);
  });

  it('drops a client that sends garbage or an endless message, and keeps serving', async () => {
    const { connect } = await import('node:net');
    const target = await startTarget('data.cjs', { nodeArgs: ['--require', agent] });
    const path = socketPath(target.pid);
    const dropped = (payload: string | Buffer) =>
      new Promise<boolean>((resolve) => {
        const socket = connect(path, () => socket.write(payload));
        socket.on('close', () => resolve(true));
        socket.on('error', () => undefined);
        setTimeout(() => resolve(false), 10_000).unref();
      });
    expect(await dropped('this is not JSON\n')).toBe(true);
    expect(await dropped('{"no":"id or method"}\n')).toBe(true);
    expect(await dropped(Buffer.alloc(17 * 1024 * 1024, 'x'))).toBe(true);
    const after = await probing([String(target.pid), 'eval', 'app.sessions.length']);
    expect(after.stdout.trim()).toBe('4');
    expect(target.alive()).toBe(true);
  });
});
