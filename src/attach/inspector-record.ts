/**
 * Where probing left an inspector open, remembered on this host: `<pid>.inspector` in
 * the user's own probing directory (0700, the agent's; see agent-path.ts), holding
 * `host:port`. An inspector that SIGUSR1 opened on a random port (--inspect-port=0, or
 * one a fan-out moved off 9229) cannot be found by asking the configured port, and
 * probing never sends HTTP requests to an application's own ports to look for it; so
 * whoever opens one writes it down, whoever closes it rubs it out, and the next command
 * joins it — and closes it, when an earlier command could not. A record is rubbed out only
 * as long as it still names the port found closed (forgetInspector), or once its process
 * has exited.
 *
 * Before its SIGUSR1 a command also writes `<pid>.<its own pid>.pending`, holding the
 * sockets the target listened on then: killed between the signal and writing down the
 * port (SIGKILL, a crash), it leaves an inspector open that nothing else could tell from
 * the application's own ports; the next command finds it among the sockets that appeared
 * since (abandonedSignals). One file per command, so that none overwrites another's record.
 */
import { linkSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownDirectory as directory } from './agent-path.js';

const file = (dir: string, pid: number) => join(dir, `${pid}.inspector`);

/** Writes down that probing opened (or moved) pid's inspector to host:port. */
export function recordInspector(pid: number, host: string, port: number): void {
  const dir = directory();
  if (!dir) return;
  const path = file(dir, pid);
  const draft = `${path}.${process.pid}`;
  try {
    writeFileSync(draft, `${host}:${port}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(draft, path);
  } catch {
    try {
      unlinkSync(draft);
    } catch {}
  }
}

/** Where probing last left pid's inspector open, if it did. */
export function recordedInspector(pid: number): { host: string; port: number } | undefined {
  const dir = directory();
  if (!dir) return undefined;
  try {
    return parseRecord(readFileSync(file(dir, pid), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A record's text, `host:port`. */
function parseRecord(text: string): { host: string; port: number } | undefined {
  const match = /^(.+):(\d+)\s*$/.exec(text);
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
}

/**
 * Rubs it out: the inspector is closed (or the process gone). With `port`, only a record of
 * that port: another command may have opened a new inspector and written it down since this
 * one looked (a close seen late on a loaded machine, a `probing list` that read the process's
 * sockets before the record was written), and that record must stay. The record is taken
 * by a rename, so that none written meanwhile is lost: one of another port is put back,
 * unless a newer one has been written since. Not atomic: for that moment a reader sees no
 * record (a command then signals, finds no new socket and joins the record once it is
 * back), and a record put back may name an inspector closed meanwhile (the next command
 * that finds it closed rubs it out).
 */
export function forgetInspector(pid: number, port?: number): void {
  const dir = directory();
  if (!dir) return;
  const path = file(dir, pid);
  if (port === undefined) {
    try {
      unlinkSync(path);
    } catch {}
    return;
  }
  const taken = `${path}.${process.pid}.forget`;
  try {
    renameSync(path, taken);
  } catch {
    return;
  }
  try {
    const text = readFileSync(taken, 'utf8');
    if (parseRecord(text)?.port !== port) putBack(taken, path, text);
  } catch {}
  try {
    unlinkSync(taken);
  } catch {}
}

/** Puts a record back unless a newer one is there (EEXIST): a hard link, or a copy where links are refused. */
function putBack(taken: string, path: string, text: string): void {
  try {
    linkSync(taken, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    } catch {}
  }
}

const pendingFile = (dir: string, pid: number, by: number) => join(dir, `${pid}.${by}.pending`);
/** Our own pending files, removed however this process exits (but SIGKILL). */
const ownPending = new Set<string>();
let cleanupOnExit = false;

/** Writes down, before signalling pid, the sockets it listened on then (host:port). */
export function recordPending(pid: number, listening: string[]): void {
  const dir = directory();
  if (!dir) return;
  const path = pendingFile(dir, pid, process.pid);
  try {
    writeFileSync(path, `${listening.join('\n')}\n`, { mode: 0o600 });
    ownPending.add(path);
    if (!cleanupOnExit) {
      cleanupOnExit = true;
      process.on('exit', () => {
        for (const own of ownPending) {
          try {
            unlinkSync(own);
          } catch {}
        }
      });
    }
  } catch {}
}

/** Our signal's outcome is known (written down, joined, or failed): our pending file goes. */
export function clearPending(pid: number): void {
  const dir = directory();
  if (!dir) return;
  const path = pendingFile(dir, pid, process.pid);
  ownPending.delete(path);
  try {
    unlinkSync(path);
  } catch {}
}

/**
 * An older signal than this is not followed up: an application may have opened sockets of
 * its own since, and probing asks /json/version only where an inspector can be.
 */
const PENDING_FRESH_MS = 10 * 60_000;

/**
 * What pid listened on before each signal that a probing command sent it and then ended
 * without writing down where the inspector opened. Read once: the files are removed.
 */
export function abandonedSignals(pid: number, isGone: (by: number) => boolean): Array<Set<string>> {
  const dir = directory();
  if (!dir) return [];
  const found: Array<Set<string>> = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    const match = /^(\d+)\.(\d+)\.pending$/.exec(name);
    if (!match || Number(match[1]) !== pid || !isGone(Number(match[2]))) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs < PENDING_FRESH_MS) found.push(new Set(readFileSync(path, 'utf8').split('\n').filter(Boolean)));
      unlinkSync(path);
    } catch {}
  }
  return found;
}

/**
 * Removes the records of processes that have gone (an inspector left open, then the process
 * killed: nobody joins it to rub its record out), and files a killed probing command left
 * half-written. A process that later gets the same pid would otherwise come with a record
 * of a port that is not its inspector. Answers how many went.
 */
export function sweepStaleRecords(isGone: (pid: number) => boolean): number {
  const dir = directory();
  if (!dir) return 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const record = /^(\d+)\.inspector$/.exec(name);
    if (record) {
      const pid = Number(record[1]);
      if (!isGone(pid)) continue;
      const port = recordedInspector(pid)?.port;
      // (one that cannot be read names no port: it goes as it is)
      forgetInspector(pid, port);
      if (recordedInspector(pid) === undefined) removed++;
      continue;
    }
    // a draft (recordInspector) or a taken record (forgetInspector) of a command that was killed
    const leftover = /^\d+\.inspector\.(\d+)(?:\.forget)?$/.exec(name);
    const pending = /^(\d+)\.\d+\.pending$/.exec(name);
    if ((leftover && isGone(Number(leftover[1]))) || (pending && isGone(Number(pending[1])))) {
      try {
        unlinkSync(join(dir, name));
        removed++;
      } catch {}
    }
  }
  return removed;
}
