/**
 * How a run that holds targets hears it must stop: Ctrl-C (SIGTERM, SIGHUP, through
 * exit-guard) or the caller's own cancellation (an MCP client's), whichever comes first.
 */
import { InterruptedError } from '../errors.js';
import { onInterrupt } from './exit-guard.js';

export interface Interruption {
  /** Aborts when the run is interrupted: given to the work, so that it stops too. */
  signal: AbortSignal;
  /** Rejects with InterruptedError when the run is interrupted: raced against what the run awaits. */
  interrupted: Promise<never>;
  /** What interrupted the run ("SIGINT", "the caller (cancelled)"), if anything did. */
  by(): string | undefined;
  /** Stops listening (the process's signals and the caller's signal). */
  dispose(): void;
}

export function listenForInterruption(callerSignal: AbortSignal | undefined): Interruption {
  const controller = new AbortController();
  let interruptedBy: string | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}`)));
  });
  interrupted.catch(() => {});
  const stop = (by: string) => {
    interruptedBy ??= by;
    controller.abort(by);
  };
  const stopListening = onInterrupt((signal) => stop(signal));
  const cancelled = () => stop('the caller (cancelled)');
  if (callerSignal?.aborted) cancelled();
  callerSignal?.addEventListener('abort', cancelled, { once: true });
  return {
    signal: controller.signal,
    interrupted,
    by: () => interruptedBy,
    dispose() {
      stopListening();
      callerSignal?.removeEventListener('abort', cancelled);
    },
  };
}
