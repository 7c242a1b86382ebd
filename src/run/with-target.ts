/**
 * Runs one command against an attached target and always detaches — on success,
 * on error, and on Ctrl-C or SIGTERM (after which the target's inspector is closed
 * again before probing exits).
 */
import { attach, type Attachment, type AttachOptions } from '../attach/attach.js';
import type { TargetSpec } from '../attach/target-spec.js';
import { InterruptedError } from '../errors.js';

export interface Outcome<T> {
  value: T;
  /** Set when the inspector probing opened could not be closed, with the reason. */
  leftOpen?: string;
}

export async function withTarget<T>(spec: TargetSpec, options: AttachOptions, work: (attachment: Attachment) => Promise<T>): Promise<Outcome<T>> {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = (signal) =>
      reject(new InterruptedError('INTERRUPTED', `interrupted by ${signal}; the target was left as it was found`));
  });
  interrupted.catch(() => {});
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const attaching = attach(spec, options);
  let attachment: Attachment | undefined;
  let leftOpen: string | undefined;
  let value: T;
  try {
    attachment = await Promise.race([attaching, interrupted]);
    value = await Promise.race([work(attachment), interrupted]);
  } finally {
    // Interrupted while attaching: let the attach finish so that what it opened gets closed.
    attachment ??= await attaching.catch(() => undefined);
    leftOpen = (await attachment?.detach())?.leftOpen;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return leftOpen === undefined ? { value } : { value, leftOpen };
}
