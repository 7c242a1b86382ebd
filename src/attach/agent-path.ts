/**
 * Where the probing agent of a process listens, as the CLI computes it. The agent
 * computes the same in src/agent/paths.cts: it is CommonJS loaded into targets and
 * this side is an ES module (test/agent/agent.test.ts checks that the two agree).
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/**
 * The user's own probing directory (where the agent's sockets are), created 0700; undefined
 * when it is not safely ours (a link, another owner, open to others) or on Windows.
 */
export function ownDirectory(): string | undefined {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  const dir = dirname(agentSocketPath(0));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}
