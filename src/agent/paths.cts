/**
 * Where a process's probing agent listens: a Unix domain socket named by pid in a
 * directory of the user's own (`$XDG_RUNTIME_DIR/probing`, else `<tmpdir>/probing-<uid>`),
 * created 0700; on Windows a named pipe. The CLI computes the same in
 * src/attach/agent-path.ts, from the target's environment (test/agent checks they agree).
 */
import { join } from 'node:path';

/**
 * The longest socket path every Unix takes: sun_path is 108 bytes on Linux and 104 on
 * macOS and the BSDs, with the terminating NUL.
 */
export const MAX_SOCKET_PATH = 103;

/** os.tmpdir() computed from an environment rather than this process's own. */
function tmpdirOf(env: Record<string, string | undefined>): string {
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/**
 * The socket of `pid`, for a process with environment `env` running as `uid`: the first
 * of `$XDG_RUNTIME_DIR/probing`, `<tmpdir>/probing-<uid>` and `/tmp/probing-<uid>` whose
 * socket path fits the Unix limit.
 */
export function socketPath(pid: number, env: Record<string, string | undefined> = process.env, uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\probing-${pid}`;
  const own = `probing-${uid ?? 'user'}`;
  const dirs = [env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'probing') : undefined, join(tmpdirOf(env), own), join('/tmp', own)];
  const name = `${pid}.sock`;
  for (const dir of dirs) if (dir !== undefined && Buffer.byteLength(join(dir, name)) <= MAX_SOCKET_PATH) return join(dir, name);
  return join('/tmp', own, name);
}

/**
 * Where the agent's thread binds its socket before renaming it to `socketPath` once it
 * listens (`<pid>.new` beside `<pid>.sock`: no longer, so it fits wherever that does).
 */
export function bindingPath(path: string): string {
  return path.replace(/\.sock$/, '.new');
}
