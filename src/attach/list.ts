/** `probing list`: the Node.js processes on this host that the current user can probe. */
import { execFile } from 'node:child_process';
import { connectAgent, sweepStaleSockets } from './agent-socket.js';
import { secretMasker } from '../target/secrets.js';
import { promisify } from 'node:util';
import { inspectorConfig } from './inspect-flags.js';
import { findOpenInspector } from './find-inspector.js';
import { sweepStaleRecords } from './inspector-record.js';
import { allPids, commandLine, isNodeProcess, listeners, processExists, readProcess } from './processes.js';

const run = promisify(execFile);

export interface ListedProcess {
  pid: number;
  ppid: number | null;
  command: string;
  /** Node.js version, when known. */
  node: string | null;
  /** "open", "closed", or "unknown" where this platform cannot tell. */
  inspector: 'open' | 'closed' | 'unknown';
  /** host:port of the open inspector. */
  address: string | null;
  /** Why SIGUSR1 cannot open the inspector, if it cannot. */
  note: string | null;
  /** How probing gets in: the agent's socket, the open inspector, SIGUSR1, or not at all. */
  way: 'agent' | 'inspector' | 'signal' | 'none';
}

/**
 * True when the process's probing agent answers on its socket (src/agent). Connecting
 * and closing opens no session in the target; a socket nobody listens on is stale and
 * is removed.
 */
async function hasAgent(pid: number): Promise<boolean> {
  const agent = await connectAgent(pid).catch(() => undefined);
  if (!agent?.transport) return false;
  await agent.transport.close();
  return true;
}

async function versionOfBinary(exe: string, cache: Map<string, Promise<string | null>>): Promise<string | null> {
  if (exe === process.execPath) return process.version;
  let pending = cache.get(exe);
  if (!pending) {
    pending = run(exe, ['--version'], { timeout: 2000 })
      .then(({ stdout }) => (/^v\d+\.\d+\.\d+/.test(stdout.trim()) ? stdout.trim() : null))
      .catch(() => null);
    cache.set(exe, pending);
  }
  return pending;
}

/** This process and its parents up to init, read from /proc (elsewhere: itself and its parent). */
async function ancestorsOfSelf(): Promise<Set<number>> {
  const { readStatus } = await import('./procfs.js');
  const found = new Set([process.pid, process.ppid]);
  for (let pid: number | undefined = process.ppid; pid !== undefined && pid > 1 && found.size < 64; ) {
    pid = (await readStatus(pid))?.ppid;
    if (pid !== undefined) found.add(pid);
  }
  return found;
}

/** `showSecrets`: command lines as they are, without masking --password=…, --token …, URL passwords. */
export async function listNodeProcesses(options: { showSecrets?: boolean } = {}): Promise<ListedProcess[]> {
  const mask = options.showSecrets ? undefined : secretMasker();
  const versions = new Map<string, Promise<string | null>>();
  await sweepStaleSockets();
  sweepStaleRecords((pid) => processExists(pid) === 'missing');
  // never probing itself, nor the processes that started it (a shell, an ssh session, a probing that runs it over there)
  const ancestors = await ancestorsOfSelf();
  const pids = (await allPids()).filter((pid) => !ancestors.has(pid));
  const rows = await Promise.all(
    pids.map(async (pid): Promise<ListedProcess | undefined> => {
      if (processExists(pid) !== 'exists') return undefined;
      const facts = await readProcess(pid);
      if (!facts || facts.zombie || !isNodeProcess(facts)) return undefined;
      const ports = await listeners(pid);
      const config = inspectorConfig(facts.argv, facts.nodeOptions);
      // an inspector probing left open that does not answer in time is listed without its
      // address; the sockets it is looked for among are read again (once), after its record:
      // one another command wrote since `ports` was read would look closed, and be rubbed out
      let fresh: ReturnType<typeof listeners> | undefined;
      const open = await findOpenInspector(config, () => (fresh ??= listeners(pid)), pid).catch(() => undefined);
      const address = open ? `${open.host}:${open.port}` : null;
      const node = open?.version ?? null;
      const note =
        address !== null
          ? null
          : config.sigusr1Disabled || facts.sigusr1 === 'blocked'
            ? 'SIGUSR1 disabled'
            : facts.sigusr1 === 'ignored' || facts.sigusr1 === 'default'
              ? 'does not handle SIGUSR1'
              : null;
      const agent = await hasAgent(pid);
      return {
        pid,
        ppid: facts.ppid ?? null,
        command: mask && facts.argv.length > 0 ? mask.argv(facts.argv).join(' ') : commandLine(facts),
        node: node ?? (facts.exe ? await versionOfBinary(facts.exe.replace(/ \(deleted\)$/, ''), versions) : null),
        inspector: address !== null ? 'open' : ports === undefined ? 'unknown' : 'closed',
        address,
        note,
        way: agent ? 'agent' : address !== null ? 'inspector' : note === null ? 'signal' : 'none',
      };
    }),
  );
  return rows.filter((row): row is ListedProcess => row !== undefined).sort((a, b) => a.pid - b.pid);
}
