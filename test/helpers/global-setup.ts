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
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    compileCacheHome: string;
  }
}
