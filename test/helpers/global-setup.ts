// One compile cache for the CLI runs of a test run (src/compile-cache.ts): the CLI keeps
// it in $XDG_CACHE_HOME/probing, which the tests point into a directory of their own,
// shared by every file, removed when the run ends — not the user's ~/.cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'probing-test-cache-'));
  project.provide('compileCacheHome', dir);
  // and for the tests that spawn the CLI with the environment they were given
  process.env.XDG_CACHE_HOME = dir;
  // Node reads NODE_EXTRA_CA_CERTS's file as every process starts, TLS or not: with the
  // 200 KB system bundle some machines point it at, `node -e 0` took 60 ms of CPU instead
  // of 20. The ~1,000 CLI runs and targets a run starts make no TLS connection; they start
  // without it, as on a machine that does not set it.
  delete process.env.NODE_EXTRA_CA_CERTS;
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    compileCacheHome: string;
  }
}
