/**
 * Every way out of probing closes what it opened in its targets: Ctrl-C, SIGTERM,
 * SIGHUP (the terminal was closed), a broken pipe or a vanished terminal on stdout or
 * stderr, an uncaught error. Node.js's own default for each of these is to end the
 * process on the spot, which left inspectors open.
 *
 * Commands that can stop gracefully (withTarget, fan-out, the repl) listen through
 * onInterrupt and unwind themselves; whatever is still attached when probing must leave
 * at once is detached here first.
 */
type Closer = () => Promise<unknown>;
type InterruptListener = (signal: NodeJS.Signals) => void;

const open = new Set<Closer>();
const listeners = new Set<InterruptListener>();
const stdoutListeners = new Set<() => void>();
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
/** How long closing may take when probing must leave (a stalled target cannot answer). */
const CLOSE_LIMIT_MS = 5000;

let installed = false;
let leaving: Promise<never> | undefined;
let interruptions = 0;

/** Keeps `close` to be called should probing have to leave; the returned function forgets it. */
export function holdOpen(close: Closer): () => void {
  install();
  open.add(close);
  return () => void open.delete(close);
}

/**
 * Hears SIGINT, SIGTERM and SIGHUP instead of Node.js's default (exit at once). With no
 * listener, or at a second signal, probing closes what it holds and leaves.
 */
export function onInterrupt(listener: InterruptListener): () => void {
  install();
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * Hears the reader of stdout leave (EPIPE from `| head`) instead of probing leaving at
 * once: for a command that must first finish what it began in the target (a heap snapshot
 * cannot be stopped once V8 has begun it) and then ends quietly on its own.
 */
export function onLostStdout(listener: () => void): () => void {
  install();
  stdoutListeners.add(listener);
  return () => void stdoutListeners.delete(listener);
}

/** Closes everything still held open, each at most once, in parallel, within a bound. */
export async function closeAll(): Promise<void> {
  const closers = [...open];
  open.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(closers.map((close) => close())),
    new Promise((resolve) => {
      timer = setTimeout(resolve, CLOSE_LIMIT_MS);
    }),
  ]);
  clearTimeout(timer);
}

/** Closes what is held and ends the process with `code`. */
export function leave(code: number): Promise<never> {
  leaving ??= closeAll().then(() => process.exit(code));
  return leaving;
}

function interrupt(signal: NodeJS.Signals): void {
  interruptions++;
  if (interruptions === 1 && listeners.size > 0 && !leaving) {
    for (const listener of [...listeners]) listener(signal);
    return;
  }
  void leave(128 + (SIGNAL_NUMBERS[signal as keyof typeof SIGNAL_NUMBERS] ?? 0));
}

/**
 * The other end hung up (the stdin of a probing run through ssh, docker or kubectl
 * ended): handled as SIGHUP — what is attached is detached, and probing leaves.
 */
export function hangUp(): void {
  install();
  interrupt('SIGHUP');
}

/** Writes that can no longer reach anyone (EPIPE from `| head`, EIO from a closed terminal). */
function lostOutput(error: NodeJS.ErrnoException, stream: 'stdout' | 'stderr'): void {
  if (error.code === 'EPIPE' || error.code === 'EIO' || error.code === 'ECONNRESET' || error.code === 'ERR_STREAM_DESTROYED') {
    if (stream === 'stdout' && stdoutListeners.size > 0) {
      for (const listener of [...stdoutListeners]) listener();
      return;
    }
    void leave(process.exitCode === undefined ? 0 : Number(process.exitCode));
    return;
  }
  void leave(5);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[]) process.on(signal, interrupt);
}

/**
 * For the CLI (not for a program that uses probing as a library): a lost stdout or stderr
 * and an uncaught error also close what is held before probing ends.
 */
export function guardProcess(): void {
  install();
  process.stdout.on('error', (error: NodeJS.ErrnoException) => lostOutput(error, 'stdout'));
  process.stderr.on('error', (error: NodeJS.ErrnoException) => lostOutput(error, 'stderr'));
  process.on('uncaughtException', (error) => {
    try {
      process.stderr.write(`probing: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n  hint: report it; what probing had opened in the target is being closed\n`);
    } catch {
      // stderr is gone too
    }
    void leave(5);
  });
}
