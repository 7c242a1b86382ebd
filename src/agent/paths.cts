/**
 * Where a process's probing agent listens: a Unix domain socket named by pid in a
 * directory of the user's own (`$XDG_RUNTIME_DIR/probing`, else `<tmpdir>/probing-<uid>`),
 * created 0700; on Windows a named pipe. Shared by the agent and the CLI.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function socketDirectory(env: NodeJS.ProcessEnv = process.env, uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'probing');
  return join(tmpdir(), `probing-${uid ?? 'user'}`);
}

export function socketPath(pid: number, env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\probing-${pid}`;
  return join(socketDirectory(env), `${pid}.sock`);
}
