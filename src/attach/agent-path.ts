/**
 * Where the probing agent of a process listens, as the CLI computes it. The agent
 * computes the same in src/agent/paths.cts: it is CommonJS loaded into targets and
 * this side is an ES module (test/agent/agent.test.ts checks that the two agree).
 */
import { join } from 'node:path';

const MAX_SOCKET_PATH = 103;

function tmpdirOf(env: NodeJS.ProcessEnv): string {
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** The socket of `pid` for a process with environment `env` running as `uid` (see src/agent/paths.cts). */
export function agentSocketPath(pid: number, env: NodeJS.ProcessEnv = process.env, uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\probing-${pid}`;
  const own = `probing-${uid ?? 'user'}`;
  const dirs = [env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'probing') : undefined, join(tmpdirOf(env), own), join('/tmp', own)];
  const name = `${pid}.sock`;
  for (const dir of dirs) if (dir !== undefined && Buffer.byteLength(join(dir, name)) <= MAX_SOCKET_PATH) return join(dir, name);
  return join('/tmp', own, name);
}
