/**
 * Where the probing agent of a process listens, as the CLI computes it. The agent
 * computes the same in src/agent/paths.cts: it is CommonJS loaded into targets and
 * this side is an ES module (test/agent/agent.test.ts checks that the two agree).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function agentSocketPath(pid: number, env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\probing-${pid}`;
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  return join(env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'probing') : join(tmpdir(), `probing-${uid ?? 'user'}`), `${pid}.sock`);
}
