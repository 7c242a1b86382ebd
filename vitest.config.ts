import { createServer } from 'node:net';
import { defineConfig } from 'vitest/config';

/**
 * Test files run side by side. They can: no target depends on the host's port 9229
 * (test/helpers/targets.ts), the tests about a shared inspector port each get a fixed
 * port of their own worker's, and every file writes only in directories it made.
 * Most of a test is waiting for the processes it started, so there are more workers
 * than the 2 cores this suite must hold on.
 */
const WORKERS = 3;

/** Whether nothing listens on 127.0.0.1:port now. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The base of the shared ports (base + VITEST_POOL_ID, one for each worker): picked at
 * random for this run, so that two runs on one host do not meet, from 20000–29999, below
 * the ephemeral range (32768–60999 on Linux) that random ports are drawn from.
 */
async function sharedPortBase(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 999);
    const ports = Array.from({ length: WORKERS }, (_, i) => base + 1 + i);
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error('no free run of ports in 20000–29999 for the tests about a shared inspector port');
}

export default defineConfig(async () => ({
  test: {
    include: ['test/**/*.test.ts'],
    maxWorkers: WORKERS,
    provide: { sharedPortBase: await sharedPortBase() },
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // A worker runs many files (it is not restarted for each): the files' own cleanup is
    // in setupFiles, and no file relies on another's module state.
    isolate: false,
    // Not a guess at how long a test takes: what a test waits for has limits of its own
    // (test/helpers/limits.ts), each far below this, which fail it with a message saying
    // what never came. This only ends a test stuck in its own code.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    experimental: { fsModuleCache: true },
  },
}));
