/**
 * Runs one command against an attached target and always detaches — on success,
 * on error, and on Ctrl-C or SIGTERM (after which the target's inspector is closed
 * again before probing exits).
 */
import { attach, type Attachment, type AttachOptions } from '../attach/attach.js';
import type { TargetSpec } from '../attach/target-spec.js';
import { InterruptedError } from '../errors.js';

export async function withTarget<T>(spec: TargetSpec, options: AttachOptions, work: (attachment: Attachment) => Promise<T>): Promise<T> {
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
  try {
    attachment = await Promise.race([attaching, interrupted]);
    return await Promise.race([work(attachment), interrupted]);
  } finally {
    // Interrupted while attaching: let the attach finish so that what it opened gets closed.
    attachment ??= await attaching.catch(() => undefined);
    await attachment?.detach();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
