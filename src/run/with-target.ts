/**
 * Runs one command against an attached target and always detaches — on success,
 * on error, and on Ctrl-C, SIGTERM or SIGHUP (after which the target's inspector is
 * closed again, and the work has cleaned up after itself, before probing says so).
 */
import { attach, type Attachment, type AttachOptions } from '../attach/attach.js';
import type { TargetSpec } from '../attach/target-spec.js';
import { InterruptedError } from '../errors.js';
import { listenForInterruption } from './interruption.js';

export interface Outcome<T> {
  value: T;
  /** Set when the inspector probing opened could not be closed, with the reason. */
  leftOpen?: string;
}

/**
 * `options.signal`: the caller's own cancellation (an MCP client's, say), handled as Ctrl-C
 * is: the work is abandoned, the target detached, and InterruptedError says so.
 */
export async function withTarget<T>(spec: TargetSpec, options: AttachOptions & { signal?: AbortSignal }, work: (attachment: Attachment, signal: AbortSignal) => Promise<T>): Promise<Outcome<T>> {
  const interruption = listenForInterruption(options.signal);
  const { interrupted } = interruption;

  const attaching = attach(spec, options);
  let attachment: Attachment | undefined;
  let working: Promise<T> | undefined;
  let leftOpen: string | undefined;
  let value: T;
  try {
    attachment = await Promise.race([attaching, interrupted]);
    working = work(attachment, interruption.signal);
    working.catch(() => {});
    value = await Promise.race([working, interrupted]);
  } catch (error) {
    if (!interruption.by()) throw error;
  } finally {
    // Interrupted while attaching: let the attach finish so that what it opened gets closed.
    attachment ??= await attaching.catch(() => undefined);
    leftOpen = (await attachment?.detach())?.leftOpen;
    interruption.dispose();
  }
  const interruptedBy = interruption.by();
  if (interruptedBy) {
    // what the work does on its way out (a snapshot removes its file) is done before anything is said
    await working?.catch(() => {});
    throw new InterruptedError(
      'INTERRUPTED',
      leftOpen === undefined ? `interrupted by ${interruptedBy}; the target was left as it was found` : `interrupted by ${interruptedBy}; ${leftOpen}`,
    );
  }
  return leftOpen === undefined ? { value: value! } : { value: value!, leftOpen };
}
