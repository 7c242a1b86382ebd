/**
 * probing launch -- <command…>: starts a program with the probing agent preloaded
 * (through NODE_OPTIONS, so every Node.js process it starts has one), with stdio
 * inherited, Ctrl-C and termination signals passed on, and its exit status passed
 * through. Its processes are then probed through the agent's socket: no signal, no port.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import { packageFile } from '../paths.js';

export const AGENT_PATH = packageFile('dist/agent/index.cjs');

/** NODE_OPTIONS with the agent preloaded (quoted: a path may hold spaces). */
export function withAgent(nodeOptions: string | undefined): string {
  return `${nodeOptions ? `${nodeOptions} ` : ''}--require ${JSON.stringify(AGENT_PATH)}`;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export async function launchCommand(command: string[], err: (text: string) => void): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new UsageError('NO_COMMAND', 'what should probing launch?', { hint: 'probing launch -- node app.js' });
  const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: withAgent(process.env.NODE_OPTIONS) } });
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', (error) => {
      err(`probing: could not start ${file}: ${error.message}\n`);
      resolve(false);
    });
  });
  if (!started) return 127;
  err(`probing: started pid ${child.pid} with the probing agent (no signal, no port needed): probing ${child.pid} query "SELECT * FROM process.memory"\n`);
  // the signal goes to the program, which decides; we wait for it to end
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  for (const s of FORWARDED) process.off(s, forward);
  return code ?? 128 + (signal ? ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0 : 0);
}
