/**
 * Where the package's own files are. The code runs from three layouts — the bundle
 * (dist/cli.cjs), tsc's output (build/**) and the sources under
 * test (src/**) — so paths are taken from the package root, found by walking up
 * from this module to the directory holding package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`probing: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file of the package, by its path from the package root ('dist/runtime/index.cjs'). */
export const packageFile = (path: string): string => join(PACKAGE_ROOT, path);
