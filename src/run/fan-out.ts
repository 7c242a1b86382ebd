/**
 * Runs work against many targets, a bounded number at a time. A target that fails
 * is reported, not fatal; Ctrl-C detaches every attached target before probing exits.
 */
import { attach, type Attachment, type AttachOptions } from '../attach/attach.js';
import type { LabelledTarget } from '../attach/target-list.js';
import { InterruptedError } from '../errors.js';
import { onInterrupt } from './exit-guard.js';

export interface TargetOutcome<T> {
  target: LabelledTarget;
  value?: T;
  error?: Error;
  pid?: number;
  leftOpen?: string;
}

export async function forEachTarget<T>(
  targets: readonly LabelledTarget[],
  options: AttachOptions & { concurrency: number },
  work: (attachment: Attachment, target: LabelledTarget) => Promise<T>,
): Promise<Array<TargetOutcome<T>>> {
  let interruptedBy: NodeJS.Signals | undefined;
  const stopListening = onInterrupt((signal) => (interruptedBy = signal));
  const outcomes: Array<TargetOutcome<T>> = targets.map((target) => ({ target }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const outcome = outcomes[i]!;
      if (interruptedBy) {
        outcome.error = new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}`);
        continue;
      }
      let attachment: Attachment | undefined;
      try {
        // many probings at once: leave the shared port as soon as each target is reached
        attachment = await attach(outcome.target.spec, { ...options, moveOffSharedPort: true });
        outcome.pid = attachment.target.pid;
        if (interruptedBy) throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}`);
        outcome.value = await work(attachment, outcome.target);
      } catch (error) {
        outcome.error = error as Error;
      } finally {
        const detached = await attachment?.detach().catch(() => undefined);
        if (detached?.leftOpen) outcome.leftOpen = detached.leftOpen;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
  } finally {
    stopListening();
  }
  if (interruptedBy) {
    const left = outcomes.filter((o) => o.leftOpen).map((o) => `${o.target.label}: ${o.leftOpen}`);
    throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}; ${left.length === 0 ? 'every target was left as it was found' : left.join('; ')}`);
  }
  return outcomes;
}
