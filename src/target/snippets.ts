/**
 * Code that runs inside the target. Every function here is sent as source text
 * (Function.prototype.toString) and must be self-contained: no imports, no
 * closures over CLI state. Expressions are plain strings.
 */

/** The object group that every remote object probing creates belongs to; released on detach. */
export const OBJECT_GROUP = 'probing';

/** Marks snippets in the target's stack traces. */
export const SOURCE_URL = '//# sourceURL=probing://snippet';

/**
 * Marks a target whose inspector probing opened and has not yet closed, so that
 * whichever probing command comes next closes it. A symbol-keyed global: invisible
 * to Object.keys and JSON, removed when the inspector closes.
 */
export const OPENED_KEY = 'probing.openedInspector';

/**
 * Who are you? Evaluated right after connecting to confirm the pid. When this is
 * process `markIfPid`, records that probing opened its inspector; `probingOpened`
 * says whether an earlier (or concurrent) probing command opened it.
 *
 * `debugPort`: the port to put back as process.debugPort when the inspector closes. SIGUSR1
 * on a process started with --inspect-port=0 opens on a random port and leaves it as
 * process.debugPort, where the next SIGUSR1 opens again (and fails, with the target's own
 * "address already in use" message, when anything has taken that port since).
 *
 * With `cli` (a probing command's pid, over an inspector probing opened), the command is
 * counted among the inspector's users, and a close another command scheduled is taken
 * back: commands that share an inspector leave it open for each other, and the last one
 * out closes it (releaseInspector).
 */
export function identify(markIfPid: number | null, key: string, cli: number | null, debugPort: number | null = null) {
  const symbol = Symbol.for(key);
  const g = globalThis as Record<symbol, { since: number; pendingClose?: unknown; users?: Record<string, number>; debugPort?: number } | undefined>;
  const probingOpened = g[symbol] !== undefined;
  if (markIfPid === process.pid && !probingOpened) {
    g[symbol] = { since: Date.now(), pendingClose: undefined, users: {} };
    // the port to put back as process.debugPort once the inspector is closed (scheduleClose)
    if (debugPort !== null) g[symbol].debugPort = debugPort;
  }
  const state = g[symbol];
  if (cli !== null && state) {
    const users = (state.users ??= {});
    users[cli] = (users[cli] ?? 0) + 1;
    if (state.pendingClose) {
      clearImmediate(state.pendingClose as NodeJS.Immediate);
      state.pendingClose = undefined;
    }
  }
  return { pid: process.pid, nodeVersion: process.version, title: process.title, argv: process.argv.slice(0, 8), probingOpened };
}

/**
 * A command is done with an inspector probing opened. Users whose probing process has
 * gone (killed before it could say so) are dropped first. When others remain, this one
 * leaves them and the inspector stays open for them ('shared'). When it is the last:
 * if others left before it and `mayClose` is false, nothing changes and the answer is
 * 'wait' (their connections may still be closing, see closeInspector); else it leaves
 * and the close is scheduled, in the same evaluation, so no joiner can come between the
 * count and the close, and the answer is a promise that never settles.
 */
export function releaseInspector(load: (id: string) => unknown, key: string, cli: number, close: (load: (id: string) => unknown, key: string) => void, mayClose: boolean): 'shared' | 'wait' | Promise<never> {
  const symbol = Symbol.for(key);
  const g = globalThis as Record<symbol, { pendingClose?: unknown; users?: Record<string, number>; debugPort?: number; left?: number } | undefined>;
  const state = g[symbol];
  if (state && state.users) {
    const users = state.users;
    for (const other of Object.keys(users)) {
      if (Number(other) === cli) continue;
      try {
        process.kill(Number(other), 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException)?.code === 'ESRCH') delete users[other];
      }
    }
    // another user: another probing process, or another session of this one
    const others = Object.keys(users).some((other) => Number(other) !== cli) || (users[cli] ?? 0) > 1;
    if (!others && !mayClose && state.left) return 'wait';
    if (users[cli]) users[cli]--;
    if (!users[cli]) delete users[cli];
    if (others) {
      state.left = (state.left ?? 0) + 1;
      return 'shared';
    }
  }
  close(load, key);
  // Evaluated with awaitPromise, this answer never comes: the target sends nothing
  // between our request (which carried our ACK of all it sent before) and its close
  // frame. An answer first holds the close frame back — Nagle's algorithm in the
  // inspector's socket waits for our delayed ACK, ~40 ms — and inspector.close()
  // blocks the target's main thread that long (measured: 40–43 ms, against ~1 ms).
  // Made by an async function awaiting a thenable, not by the target's Promise.
  return (async (): Promise<never> => {
    await ({ then() {} } as unknown as PromiseLike<never>);
    throw new Error('unreachable');
  })();
}

/**
 * Closes the inspector from inside, on the next turn of the event loop. Calling
 * inspector.close() while one of our messages is being dispatched, or while our
 * connection is going away, crashed Node.js 20 targets (SIGSEGV) under load; called
 * from setImmediate with our connection still open, it closes the connection itself.
 * Returns the symbol's holder so that `cancelClose` can take it back.
 */
export function scheduleClose(load: (id: string) => unknown, key: string): void {
  const symbol = Symbol.for(key);
  const g = globalThis as Record<symbol, { pendingClose?: unknown } | undefined>;
  // Everything the deferred close needs is taken now: a failure here comes back to
  // probing as this evaluation's exception, and nothing is left to throw later in the target.
  const inspector = load('node:inspector') as { close(): void };
  const timers = load('node:timers') as { setImmediate: typeof setImmediate; clearImmediate: typeof clearImmediate };
  const close = inspector.close;
  if (typeof close !== 'function' || typeof timers.setImmediate !== 'function') throw new Error('node:inspector or node:timers is not usable in this process');
  const state = (g[symbol] ??= { pendingClose: undefined }) as { pendingClose?: unknown; debugPort?: number };
  if (state.pendingClose) timers.clearImmediate(state.pendingClose as NodeJS.Immediate);
  state.pendingClose = timers.setImmediate(() => {
    delete g[symbol];
    try {
      close.call(inspector);
      // the process's configured port put back: an inspector probing moved off the shared
      // port, or opened on a random one (process.debugPort then holds that port)
      if (typeof state.debugPort === 'number') process.debugPort = state.debugPort;
    } catch {
      // never throw into the target: the next probing command sees the inspector still open and closes it
    }
  });
}

/** Takes back a scheduled close (the target is too busy to run it while we wait). */
export function cancelClose(key: string): void {
  const state = (globalThis as Record<symbol, { pendingClose?: unknown } | undefined>)[Symbol.for(key)];
  if (state?.pendingClose) clearImmediate(state.pendingClose as NodeJS.Immediate);
  if (state) state.pendingClose = undefined;
}

/**
 * A loader for built-in modules in CommonJS and ESM targets alike (needs
 * includeCommandLineAPI for `require`). It does not trust process.getBuiltinModule: one
 * that throws, or answers something that is not a module, gives way to `require`, and a
 * `require` the target replaced gives way to its main module's own.
 */
export const LOAD_BUILTIN = `((id) => { const ok = (m) => m !== null && (typeof m === 'object' || typeof m === 'function'); let m; try { if (typeof process.getBuiltinModule === 'function') m = process.getBuiltinModule(id); } catch {} if (ok(m)) return m; try { m = require(id); } catch (error) { const main = process.mainModule; if (!main || typeof main.require !== 'function') throw error; m = main.require(id); } return m; })`;


export interface FormatOptions {
  json: boolean;
  colors: boolean;
  depth: number;
  columns: number;
  maxBytes: number;
}

export interface Formatted {
  text: string;
  /** Set when the text was cut at maxBytes; `total` is the full length when it is known. */
  truncated?: { total: number | null };
}

/**
 * Formats a value the way the REPL would (util.inspect) or as JSON, bounded in size.
 * Called with `this` = the util module. The JSON walk stops as soon as it has
 * produced maxBytes, so a huge object cannot block the target for long.
 */
export function formatValue(this: { inspect: (value: unknown, options: object) => string }, value: unknown, options: FormatOptions): Formatted {
  // compiled in a realm of probing's own (target/realm.ts): brand checks, not instanceof
  const brand = (getter: () => unknown, v: unknown): boolean => {
    try {
      getter.call(v);
      return true;
    } catch {
      return false;
    }
  };
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
  const getTime = Date.prototype.getTime;
  // the total is said only when it is known: a string's own length (inspect has already
  // shortened it, and strings inside objects, to maxStringLength)
  const cut = (text: string, total: number | null): Formatted =>
    text.length > options.maxBytes ? { text: text.slice(0, options.maxBytes), truncated: { total } } : { text };
  if (!options.json) {
    return cut(
      this.inspect(value, {
        colors: options.colors,
        depth: options.depth,
        breakLength: options.columns,
        maxArrayLength: 1000,
        maxStringLength: options.maxBytes,
      }),
      typeof value === 'string' ? value.length : null,
    );
  }
  const limit = options.maxBytes;
  let size = 0;
  let full = true;
  const seen = new Set<object>();
  const budget = (n: number): boolean => {
    size += n;
    if (size > limit) full = false;
    return full;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (!full) return undefined;
    if (v === null || typeof v === 'boolean') return budget(5) ? v : undefined;
    if (typeof v === 'number') return budget(12) ? (Number.isFinite(v) ? v : String(v)) : undefined;
    if (typeof v === 'string') return budget(v.length + 2) ? v : v.slice(0, Math.max(0, limit - size + v.length));
    if (typeof v === 'bigint') return budget(20) ? v.toString() : undefined;
    if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol') return undefined;
    const obj = v as object;
    if (seen.has(obj)) return '[Circular]';
    if (depth > 64) return '[Too deep]';
    seen.add(obj);
    try {
      if (brand(getTime, obj)) return Number.isNaN(getTime.call(obj)) ? null : Date.prototype.toISOString.call(obj);
      if (Object.prototype.toString.call(obj) === '[object Error]') {
        const error = obj as Error;
        return { name: error.name, message: error.message, stack: error.stack };
      }
      if (brand(mapSize, obj)) return walk(Object.fromEntries([...Map.prototype.entries.call(obj)].map(([k, val]) => [String(k), val])), depth + 1);
      if (brand(setSize, obj)) return walk([...Set.prototype.values.call(obj)], depth + 1);
      if (ArrayBuffer.isView(obj)) return walk(Array.prototype.slice.call(obj as unknown as ArrayLike<unknown>, 0, 10000), depth + 1);
      if (Array.isArray(obj)) {
        const out: unknown[] = [];
        for (let i = 0; i < obj.length && full; i++) {
          const item = walk(obj[i], depth + 1);
          out.push(item === undefined ? null : item);
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        if (!budget(key.length + 4)) break;
        let item: unknown;
        try {
          item = (obj as Record<string, unknown>)[key];
        } catch (error) {
          item = `[Getter threw: ${(error as Error)?.message ?? String(error)}]`;
        }
        const converted = walk(item, depth + 1);
        if (converted !== undefined) out[key] = converted;
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  const converted = walk(value, 0);
  const text = JSON.stringify(converted === undefined ? null : converted, null, 2);
  return full ? { text } : { text, truncated: { total: null } };
}

/**
 * Loads a script CommonJS-style, as Node's own loader would: compiled with
 * vm.compileFunction under the script's real filename (so stacks and syntax errors
 * point at its lines), with a require() that resolves relative to the script.
 * Returns module.exports.
 */
export function injectScript(source: string, filename: string, dirname: string): unknown {
  type Loader = (id: string) => any;
  const load: Loader =
    typeof (process as any).getBuiltinModule === 'function'
      ? (process as any).getBuiltinModule
      : require; // the inspector's command-line API require, also present in ESM targets
  const vm = load('node:vm');
  const Module = load('node:module');
  const resolveRequire = Module.createRequire(filename);
  // require('probing-node/runtime') — or 'probing/runtime', as scripts written before the
  // package's name said — gives the runtime already in the process (probing installs it first).
  const localRequire = Object.assign(
    (id: string) => {
      if (id === 'probing-node/runtime' || id === 'probing/runtime') {
        const runtime = (globalThis as any)[Symbol.for('probing.runtime')]?.state?.get('module');
        if (runtime) return runtime;
      }
      return resolveRequire(id);
    },
    { resolve: resolveRequire.resolve, cache: resolveRequire.cache, main: resolveRequire.main },
  );
  const module = { id: filename, filename, path: dirname, exports: {} as unknown, loaded: false, children: [], paths: [], require: localRequire };
  const options: Record<string, unknown> = { filename };
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const body = source.startsWith('#!') ? '//' + source : source;
  const fn = vm.compileFunction(body, ['exports', 'require', 'module', '__filename', '__dirname'], options);
  fn.call(module.exports, module.exports, localRequire, module, filename, dirname);
  module.loaded = true;
  return module.exports;
}
