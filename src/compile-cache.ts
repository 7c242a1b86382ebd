/**
 * A V8 code cache for the CLI's own bundle files (dist/*.cjs), so that a command does
 * not parse and compile the same megabyte of JavaScript on every run.
 *
 * Why hand-written: Node.js 20 caches compiled code for nothing it loads from disk — ES
 * modules never, CommonJS only from 22.1 (module.enableCompileCache, used instead where
 * it exists). v8-compile-cache, the library that did this before, hooks every require()
 * in the process and keeps its cache in a directory of the shared temporary folder; this
 * caches only the bundle's files, in a directory of the user's own (0700), each entry
 * named by the bundle's content hash (written by scripts/bundle.mjs), the file's size and
 * mtime, Node's version and architecture — V8 checks only the source's length, so a
 * stale entry must never be looked up. Compiled code depends on what ran: one entry per
 * command, so that `query` gets the query path compiled, not eval's.
 *
 * Code compiled from a cache cannot call import() on Node.js 20 (the host options are
 * lost: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle has none: built-ins and
 * libraries are require()d, and the one real import — a user's ES module extension — goes
 * through `__probingImport`, which this module passes in from code compiled as usual.
 *
 * Every failure here (no home directory, a read-only one, a full disk, a rejected entry)
 * only means compiling as before. PROBING_COMPILE_CACHE=0 turns it off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

interface Loaded {
  script: Script;
  /** The bundle file's name and content hash, and the path of its entry. */
  file: string;
  hash: string;
  entry: string;
  /** The entry was missing or V8 rejected it: write one when the command is done. */
  write: boolean;
}

export interface CompileCache {
  /** Writes the entries this run could not use (call once the command's work is done). */
  save(): void;
}

const NONE: CompileCache = { save() {} };

function cacheDirectory(): string | undefined {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'probing');
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'probing') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compiles the bundle's files under `bundleDir` through the cache from now on.
 * `hashes` is the bundle's manifest (file name → content hash); `command` names the run.
 */
export function installCompileCache(bundleDir: string, hashes: Record<string, string>, command: string, importModule: (specifier: string) => Promise<unknown>): CompileCache {
  if (process.env.PROBING_COMPILE_CACHE === '0') return NONE;
  const directory = cacheDirectory();
  if (!directory) return NONE;
  const builtIn = (Module as unknown as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  if (builtIn) {
    // Node.js 22.1+: its own cache, content-checked, whose code can import(); the bundle
    // falls back to import() where no __probingImport is given
    try {
      builtIn(join(directory, 'node'));
    } catch {
      // compiling as before
    }
    return NONE;
  }
  // compiled code is run as it is found: never from a directory someone else can write to
  try {
    const { uid, mode } = statSync(directory);
    // (POSIX owners and modes: Windows reports a directory as 0777 and has no uid; its
    // profile directory is the user's own)
    if (process.platform !== 'win32' && ((process.getuid && uid !== process.getuid()) || (mode & 0o022) !== 0)) return NONE;
  } catch {
    // not made yet: save() makes it, 0700
  }
  const loaded: Loaded[] = [];
  // the one real import() left to the bundle (see above), handed in as a parameter
  const wrapper = ['(function (exports, require, module, __filename, __dirname, __probingImport) { ', '\n});'];
  const proto = Module.prototype as unknown as { _compile(content: string, filename: string): unknown; exports: unknown };
  const compile = proto._compile;
  const prefix = bundleDir.endsWith('/') || bundleDir.endsWith('\\') ? bundleDir : `${bundleDir}${process.platform === 'win32' ? '\\' : '/'}`;
  proto._compile = function (this: { exports: unknown }, content: string, filename: string) {
    const file = basename(filename);
    const hash = hashes[file];
    if (!filename.startsWith(prefix) || !hash) return compile.call(this, content, filename);
    let entry: string | undefined;
    let cachedData: Buffer | undefined;
    try {
      const { size, mtimeMs } = statSync(filename);
      entry = join(directory, `${file}-${hash}-${size}-${Math.round(mtimeMs)}-${process.version}-${process.arch}-${command}.v8`);
      cachedData = readFileSync(entry);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(wrapper[0] + content + wrapper[1], { filename, ...(cachedData ? { cachedData } : {}) });
    if (entry) loaded.push({ script, file, hash, entry, write: !cachedData || script.cachedDataRejected === true });
    const fn = script.runInThisContext() as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename), importModule);
  };
  return {
    save() {
      const pending = loaded.filter((l) => l.write);
      if (pending.length === 0) return;
      try {
        mkdirSync(directory, { recursive: true, mode: 0o700 });
        // entries of an earlier build of the same file go (a rebuild would pile them up)
        for (const name of readdirSync(directory)) {
          if (pending.some(({ file, hash }) => name.startsWith(`${file}-`) && !name.startsWith(`${file}-${hash}-`))) rmSync(join(directory, name), { force: true });
        }
        for (const { script, entry } of pending) {
          // whole or not at all: two commands may write the same entry at once
          const partial = `${entry}.${process.pid}.tmp`;
          writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
          renameSync(partial, entry);
        }
      } catch {
        // no cache this time
      }
    },
  };
}
