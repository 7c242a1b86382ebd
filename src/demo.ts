/**
 * `probing demo`: starts the bundled demo service, runs real probing commands
 * against it (each one a separate `probing` process, exactly as a user would type
 * it), prints what they print, and stops the service.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AGENT_PATH } from './commands/launch.js';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { relative } from 'node:path';
import { ProbingError, ExitCode } from './errors.js';
import { PACKAGE_ROOT, packageFile } from './paths.js';

interface DemoOptions {
  keep: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

interface Step {
  title: string;
  args: string[];
  /** Exit status the step is meant to end with (to show a refusal). */
  expect?: number;
}

const root = PACKAGE_ROOT;
const bin = packageFile('bin/probing.js');
const service = packageFile('demo/service.js');
const hook = packageFile('demo/hooks/route-timer.cjs');

function steps(pid: number): Step[] {
  const p = String(pid);
  return [
    { title: 'Node.js processes on this host that probing can attach to', args: ['list'] },
    { title: 'How many sessions does the service hold?', args: [p, 'eval', 'app.sessions.size'] },
    { title: 'Live objects, printed as util.inspect would', args: [p, 'eval', '[...app.sessions.values()].map(s => ({ user: s.user, items: s.cart.length }))'] },
    { title: 'The same state as JSON, for scripts', args: [p, 'eval', '--json', 'app.stats'] },
    { title: 'Ask it in SQL: live objects become tables', args: [p, 'query', 'SELECT user, count(*) AS sessions FROM js.`[...app.sessions.values()]` GROUP BY user ORDER BY sessions DESC, user'] },
    { title: 'Maps work too; nested values are JSON, and ->> reads a field by its path', args: [p, 'query', "SELECT key AS product, (value->>'$.price')::DOUBLE AS price FROM js.`app.cache` ORDER BY price DESC"] },
    { title: 'Arrays inside objects: one row per cart item', args: [p, 'query', "SELECT s.user, c.value->>'$.item' AS item FROM js.`[...app.sessions.values()]` s, json_each(s.cart) AS c ORDER BY s.user, item"] },
    { title: 'A misspelt column is refused before attaching, with a suggestion', args: [p, 'query', 'SELECT heap_usd FROM process.memory'], expect: ExitCode.usage },
    { title: 'require() and top-level await work, even in this ES module target', args: [p, 'eval', "await new Promise(r => setTimeout(r, 10)); require('node:os').loadavg().length"] },
    { title: 'Load a script into the service: it times every request by route', args: [p, 'inject', relative(process.cwd(), hook) || hook] },
    { title: 'The hook keeps running after probing has left', args: [p, 'eval', 'routeTimings'] },
    { title: 'Runaway code is stopped by --timeout; the service keeps serving', args: [p, 'eval', '--timeout', '300', 'while (true) {}'], expect: ExitCode.timeout },
    { title: 'Still serving', args: [p, 'eval', 'app.stats.requests'] },
  ];
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function traffic(port: number, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const user = ['ada', 'grace', 'linus', 'barbara'][i % 4]!;
    const product = ['book', 'lamp', 'chair'][i % 3]!;
    const { session } = JSON.parse(await get(port, `/login?user=${user}`)) as { session: string };
    // some carts hold items, for the nested-value examples
    if (i % 3 === 1) await get(port, `/cart?session=${session}&add=${['kettle', 'plant'][i % 2]}`);
    await get(port, `/product?name=${product}`);
    await get(port, '/health');
  }
  await get(port, '/nope');
}

function startService(): Promise<{ child: ChildProcess; pid: number; port: number }> {
  // Started the way `probing launch` starts programs: with the agent, so no step needs a signal or a port.
  const child = spawn(process.execPath, ['--require', AGENT_PATH, service], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Should a step get in another way, the target's stderr carries "Debugger listening…" lines; keep the demo readable.
  child.stderr!.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProbingError('DEMO_START', 'the demo service did not start within 10 s')), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new ProbingError('DEMO_START', `the demo service exited with status ${code} while starting`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        const { pid, port } = JSON.parse(line) as { pid: number; port: number };
        resolve({ child, pid, port });
      } catch {
        reject(new ProbingError('DEMO_START', `the demo service said something unexpected: ${line}`));
      }
    });
  });
}

function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function quote(arg: string): string {
  return /^[\w./:=-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}

function runStep(step: Step, options: DemoOptions): Promise<number> {
  options.out(`\n# ${step.title}\n$ probing ${step.args.map(quote).join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...step.args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
    child.stdout!.on('data', (chunk: Buffer) => options.out(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => options.out(chunk.toString()));
    child.on('exit', (code) => resolve(code ?? ExitCode.protocol));
  });
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { child, pid, port } = await startService();
  const stop = () => void stopService(child);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    options.out(`Started the demo service (${relative(root, service)}): pid ${pid}, http://127.0.0.1:${port}\n`);
    await traffic(port, 6);
    if (options.keep) {
      options.out(`\nIt keeps running until you press Ctrl-C. Try:\n  npx probing ${pid} eval "app.sessions"\n  npx probing ${pid} eval "app.stats" --json\n`);
      await new Promise((resolve) => child.once('exit', resolve));
      return ExitCode.ok;
    }
    let failed = 0;
    for (const step of steps(pid)) {
      const code = await runStep(step, options);
      if (code !== (step.expect ?? ExitCode.ok)) failed++;
      if (step.args[1] === 'inject') await traffic(port, 2);
    }
    options.out(`\nStopping the demo service (pid ${pid}).\n`);
    if (failed > 0) {
      options.err(`probing: ${failed} demo step(s) did not end as expected\n`);
      return ExitCode.protocol;
    }
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await stopService(child);
  }
}
