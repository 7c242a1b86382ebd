import { describe, expect, it } from 'vitest';
import { readStatus, signalThreads } from '../../src/attach/procfs.js';
import { watchSignalThread } from '../../src/attach/signal-thread.js';
import { eventually } from '../helpers/limits.js';
import { startTarget } from '../helpers/targets.js';

describe.skipIf(process.platform !== 'linux')("the wait for Node.js's SIGUSR1 thread", () => {
  it('finds the thread, sees it waiting in a quiet process, and not in a stopped one', async () => {
    const target = await startTarget('server.cjs');
    const tids = await signalThreads(target.pid);
    expect(tids).toHaveLength(1);
    expect(tids[0]).not.toBe(target.pid);
    const watch = await watchSignalThread(target.pid);
    expect(await watch.settled(5000)).toBe(true);
    // stopped (as a process is in a debugger or under SIGSTOP), it is waiting for nothing
    process.kill(target.pid, 'SIGSTOP');
    try {
      // a stop takes effect when the kernel gets to each thread (on a loaded machine, later
      // than the kill returns): waited for, as /proc shows it
      expect(await eventually(async () => (await readStatus(`${target.pid}/task/${tids[0]!}`))?.state === 'T'), 'the thread stopped').toBe(true);
      expect(await (await watchSignalThread(target.pid)).settled(100)).toBe(false);
    } finally {
      process.kill(target.pid, 'SIGCONT');
    }
    expect(await (await watchSignalThread(target.pid)).settled(5000)).toBe(true);
  });

  it('does not hold a close where no such thread is seen', async () => {
    // this test's own process is a Node.js one, but pid 0 has no /proc entry
    expect(await (await watchSignalThread(0)).settled(0)).toBe(true);
  });
});
