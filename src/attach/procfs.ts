/**
 * Facts about local processes read from Linux's /proc. Nothing here signals or
 * changes a process. Other platforms go through ps/lsof (see processes.ts).
 */
import { readFile, readdir, readlink } from 'node:fs/promises';

export interface Listener {
  host: string;
  port: number;
  inode: string;
  /** File descriptor number in the owning process (lower = opened earlier), when known. */
  fd?: number;
}

export interface ProcStatus {
  name: string;
  ppid: number | undefined;
  state: string;
  uid: number | undefined;
  nsPid: number | undefined;
  sigBlk: bigint;
  sigIgn: bigint;
  sigCgt: bigint;
  /** How many times it has gone to sleep (voluntary_ctxt_switches), where /proc counts it. */
  sleeps: number | undefined;
}

/** A process's status, or one thread's (`<pid>/task/<tid>`). */
export async function readStatus(pid: number | `${number}/task/${number}`): Promise<ProcStatus | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const mask = (name: string): bigint => BigInt('0x' + (field(name) ?? '0'));
  const nsPids = field('NSpid')?.split(/\s+/).map(Number);
  const sleeps = field('voluntary_ctxt_switches');
  return {
    name: field('Name') ?? '?',
    ppid: field('PPid') === undefined ? undefined : Number(field('PPid')),
    state: field('State')?.charAt(0) ?? '?',
    uid: field('Uid') === undefined ? undefined : Number(field('Uid')!.split(/\s+/)[0]),
    nsPid: nsPids?.[nsPids.length - 1],
    sigBlk: mask('SigBlk'),
    sigIgn: mask('SigIgn'),
    sigCgt: mask('SigCgt'),
    sleeps: sleeps === undefined ? undefined : Number(sleeps),
  };
}

export async function readCmdline(pid: number): Promise<string[] | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (raw === undefined) return undefined;
  return raw.split('\0').filter((part, i, all) => part !== '' || i < all.length - 1);
}

export async function readExe(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/exe`).catch(() => undefined);
}

/** The process's initial environment, when we may read it. */
export async function readEnviron(pid: number): Promise<Record<string, string> | undefined> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => undefined);
  if (raw === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** One variable of the process's initial environment, when we may read it. */
export async function readEnvironVariable(pid: number, name: string): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => undefined);
  if (raw === undefined) return undefined;
  const prefix = `${name}=`;
  return raw.split('\0').find((entry) => entry.startsWith(prefix))?.slice(prefix.length);
}

/**
 * The cluster workers of `pid`: its children that Node.js's cluster module forked (they
 * carry NODE_UNIQUE_ID in their environment). Undefined where we cannot read them.
 */
export async function clusterWorkers(pid: number): Promise<number[] | undefined> {
  const children = (await childrenOf(pid)) ?? (await childrenByScan(pid));
  if (children === undefined) return undefined;
  const workers: number[] = [];
  await Promise.all(
    children.map(async (child) => {
      if ((await readEnvironVariable(child, 'NODE_UNIQUE_ID')) !== undefined) workers.push(child);
    }),
  );
  return workers.sort((a, b) => a - b);
}

/** The process's children from /proc/<pid>/task/<tid>/children (a few files); undefined where the kernel has none. */
async function childrenOf(pid: number): Promise<number[] | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tasks) return undefined;
  const lists = await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => undefined)));
  if (lists.some((l) => l === undefined)) return undefined;
  return lists.flatMap((l) => l!.split(' ').filter(Boolean).map(Number));
}

/** The same by reading every process's parent: one file per process on the host. */
async function childrenByScan(pid: number): Promise<number[] | undefined> {
  const pids = await listPids();
  if (pids.length === 0) return undefined;
  const children: number[] = [];
  await Promise.all(
    pids.map(async (child) => {
      const stat = await readFile(`/proc/${child}/stat`, 'utf8').catch(() => '');
      if (Number(statField(stat, 4)) === pid) children.push(child);
    }),
  );
  return children;
}

export async function listPids(): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  return entries.filter((e) => /^\d+$/.test(e)).map(Number);
}

/** TCP sockets in LISTEN state visible from `pid`'s network namespace, by inode. */
async function listeningTable(pid: number | 'self'): Promise<Map<string, Listener>> {
  const table = new Map<string, Listener>();
  // Generating these tables is slow in some kernels (~6 ms each): read both at once.
  const texts = await Promise.all(['tcp', 'tcp6'].map((file) => readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '')));
  for (const text of texts) {
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const [hexHost, hexPort] = (cols[1] ?? '').split(':');
      const inode = cols[9];
      if (!hexHost || !hexPort || !inode) continue;
      table.set(inode, { host: decodeHost(hexHost), port: parseInt(hexPort, 16), inode });
    }
  }
  return table;
}

/**
 * How many TCP connections to `port` the process `pid` still holds open as their server:
 * ESTABLISHED, SYN_RECV or CLOSE_WAIT (the peer has hung up, the server has not closed yet).
 * Undefined where the socket tables cannot be read (not Linux).
 */
export async function serverConnections(pid: number, port: number): Promise<number | undefined> {
  const texts = await Promise.all(['tcp', 'tcp6'].map((file) => readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => undefined)));
  if (texts.every((t) => t === undefined)) return undefined;
  let open = 0;
  for (const text of texts) {
    for (const line of (text ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || !['01', '03', '08'].includes(cols[3]!)) continue;
      const hexPort = (cols[1] ?? '').split(':')[1];
      if (hexPort && parseInt(hexPort, 16) === port) open++;
    }
  }
  return open;
}

function decodeHost(hex: string): string {
  if (hex.length === 8) {
    // IPv4, stored as a little-endian 32-bit word
    const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16)).reverse();
    return bytes.join('.');
  }
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) {
    return decodeHost(hex.slice(24));
  }
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  return words.join('').match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, '')).join(':').toLowerCase();
}

/**
 * Field `n` (from 1, as proc(5) numbers them: ppid 4, starttime 22) of a /proc/<pid>/stat
 * line. Counted after the command (field 2), which is in parentheses and may hold spaces.
 */
function statField(stat: string, n: number): string | undefined {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
}

/** A process's start time in /proc/<pid>/stat: clock ticks since boot. */
async function startTicks(pid: number | 'self'): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const ticks = Number(statField(stat, 22));
  return Number.isFinite(ticks) ? ticks : undefined;
}

/**
 * How long ago the process started: its start time against this process's own (both in
 * /proc/<pid>/stat, 100 ticks a second: USER_HZ on every architecture Linux runs Node.js
 * on) and this process's uptime. Not against /proc/uptime, which container file systems
 * (lxcfs) make the container's while start times stay the host's. Undefined where it
 * cannot be read.
 */
export async function processAgeMs(pid: number): Promise<number | undefined> {
  const [target, self] = await Promise.all([startTicks(pid), startTicks('self')]);
  if (target === undefined || self === undefined) return undefined;
  return Math.max(0, process.uptime() * 1000 + (self - target) * 10);
}

/** Socket inodes of a process, mapped to their fd numbers. Cheap: no socket tables are read. */
export async function socketInodes(pid: number): Promise<Map<string, number> | undefined> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => undefined);
  if (fds === undefined) return undefined;
  const inodes = new Map<string, number>();
  await Promise.all(
    fds.map(async (fd) => {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match?.[1]) inodes.set(match[1], Number(fd));
    }),
  );
  return inodes;
}

/** The TCP ports `pid` listens on (among `only`, if given); undefined when its file descriptors cannot be read. */
export async function listeners(pid: number, only?: Map<string, number>): Promise<Listener[] | undefined> {
  const [table, inodes] = await Promise.all([listeningTable(pid), only ?? socketInodes(pid)]);
  if (inodes === undefined) return undefined;
  return [...inodes]
    .flatMap(([inode, fd]) => {
      const listener = table.get(inode);
      return listener ? [{ ...listener, fd }] : [];
    })
    .sort((a, b) => a.fd - b.fd);
}

/** Which process (that we can see) listens on `port`, from our network namespace. */
export async function listenerOwner(port: number): Promise<number | undefined> {
  const table = await listeningTable('self');
  const wanted = new Set([...table.values()].filter((l) => l.port === port).map((l) => l.inode));
  if (wanted.size === 0) return undefined;
  for (const pid of await listPids()) {
    const inodes = await socketInodes(pid);
    if (inodes && [...wanted].some((inode) => inodes.has(inode))) return pid;
  }
  return undefined;
}

/** SIGHUP, SIGINT, SIGUSR1 and SIGTERM: a thread that blocks all four blocks every signal. */
const EVERY_SIGNAL = (1n << 0n) | (1n << 1n) | (1n << 9n) | (1n << 14n);

/**
 * The thread through which Node.js answers SIGUSR1: named SignalInspector since Node.js 22;
 * unnamed before, where it is a thread that blocks every signal (the main thread blocks
 * none, V8's workers only SIGUSR1, libuv's pool none). The one other such thread, vm's
 * SIGINT watchdog (there while code runs with breakOnSigint, as a REPL's does), cannot be
 * told from it: both are answered, and both watched.
 */
export async function signalThreads(pid: number): Promise<number[]> {
  const tids = (await readdir(`/proc/${pid}/task`).catch(() => [] as string[])).map(Number).filter((tid) => tid !== pid);
  const threads = await Promise.all(tids.map(async (tid) => ({ tid, status: await readStatus(`${pid}/task/${tid}`) })));
  const named = threads.filter((t) => t.status?.name === 'SignalInspector');
  return (named.length > 0 ? named : threads.filter((t) => t.status !== undefined && (t.status.sigBlk & EVERY_SIGNAL) === EVERY_SIGNAL)).map((t) => t.tid);
}
