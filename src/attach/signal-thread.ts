/**
 * Node.js answers one SIGUSR1 with up to three requests to start the inspector, posted one
 * after another by its signal thread (uv_async_send, an interrupt, uv_async_send: Agent::
 * RequestIoThreadStart). The first to run opens it; the others find it open and do nothing.
 * A signal thread descheduled between them — a loaded machine — posts the rest late, and if
 * probing has closed the inspector by then, it opens again: on a random port, with nobody
 * to close it and no record of where (measured: strace holding that thread's first write
 * 1.5 s; the inspector came back 1.5 s after `probing eval` had closed it, and the next
 * command waited out its --attach-timeout). So an inspector a signal opened is closed only
 * once that thread is back waiting for the next signal.
 *
 * Its loop has one place to sleep: waiting for the next signal (a lock it may wait on
 * between its requests is held for microseconds). So it is done when seen asleep twice,
 * STEADY_MS apart, without having woken in between. Linux only (/proc); elsewhere the close
 * goes ahead as before.
 */
import { readStatus, signalThreads, type ProcStatus } from './procfs.js';

/** The same state twice, this far apart, with no sleep in between: it is waiting for a signal, not for a lock. */
const STEADY_MS = 5;

export interface SignalThreadWatch {
  /** Whether the signal thread is waiting for the next signal, within `timeoutMs`; true where that cannot be told. */
  settled(timeoutMs: number): Promise<boolean>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UNKNOWN: SignalThreadWatch = { settled: async () => true };

/**
 * Starts watching pid's signal thread (and vm's SIGINT watchdog, where it is there: see
 * signalThreads). Taken when probing gets in, so that by the time it closes, the thread has
 * usually been seen waiting twice and the close costs no wait.
 */
export async function watchSignalThread(pid: number): Promise<SignalThreadWatch> {
  if (process.platform !== 'linux') return UNKNOWN;
  const tids = await signalThreads(pid);
  if (tids.length === 0) return UNKNOWN;
  type Look = { states: Array<ProcStatus | undefined>; at: number };
  const look = async (): Promise<Look> => ({ states: await Promise.all(tids.map((tid) => readStatus(`${pid}/task/${tid}`))), at: Date.now() });
  // every thread asleep (State S) in both looks, none woken in between (one gone: nothing to wait for)
  const slept = (a: Look, b: Look) =>
    tids.every((_, i) => {
      const [x, y] = [a.states[i], b.states[i]];
      return !x || !y || (x.state === 'S' && y.state === 'S' && x.sleeps === y.sleeps);
    });
  let last = await look();
  return {
    async settled(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await look();
        const steady = slept(last, now);
        if (steady && now.at - last.at >= STEADY_MS) return true;
        if (!steady) last = now;
        if (Date.now() >= deadline) return false;
        await sleep(Math.min(STEADY_MS, Math.max(1, last.at + STEADY_MS - Date.now())));
      }
    },
  };
}
