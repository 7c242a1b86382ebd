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
  options: AttachOptions & { concurrency: number; /** The caller's own cancellation, handled as Ctrl-C is. */ signal?: AbortSignal },
  work: (attachment: Attachment, target: LabelledTarget) => Promise<T>,
): Promise<Array<TargetOutcome<T>>> {
  let interruptedBy: string | undefined;
  const stopListening = onInterrupt((signal) => (interruptedBy = signal));
  const cancelled = () => (interruptedBy ??= 'the caller (cancelled)');
  if (options.signal?.aborted) cancelled();
  options.signal?.addEventListener('abort', cancelled, { once: true });
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
    options.signal?.removeEventListener('abort', cancelled);
  }
  if (interruptedBy) {
    const left = outcomes.filter((o) => o.leftOpen).map((o) => `${o.target.label}: ${o.leftOpen}`);
    throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}; ${left.length === 0 ? 'every target was left as it was found' : left.join('; ')}`);
  }
  return outcomes;
}

export interface Held {
  target: LabelledTarget;
  attachment: Attachment;
}

/**
 * Attaches to every target (a bounded number at a time) and keeps them attached for
 * `work`, which gets those that could be reached and a signal that aborts on Ctrl-C
 * (SIGTERM, SIGHUP); `work` may drop one (it failed) by calling `drop`. Every
 * attachment is detached at the end, whatever happened. Returns the targets that
 * could not be reached or were dropped, with why.
 */
export async function holdEach(
  targets: readonly LabelledTarget[],
  options: AttachOptions & { concurrency: number; onFailure?: (target: LabelledTarget, error: Error) => void },
  work: (held: Held[], drop: (held: Held, error: Error) => Promise<void>, signal: AbortSignal) => Promise<void>,
): Promise<Array<TargetOutcome<never>>> {
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const stopListening = onInterrupt((signal) => {
    interruptedBy = signal;
    controller.abort(signal);
  });
  const failed: Array<TargetOutcome<never>> = [];
  const held: Held[] = [];
  const detached: Array<TargetOutcome<never>> = [];
  const detach = async (h: Held) => {
    const result = await h.attachment.detach().catch(() => undefined);
    if (result?.leftOpen) detached.push({ target: h.target, pid: h.attachment.target.pid, leftOpen: result.leftOpen });
  };
  try {
    let next = 0;
    const attacher = async () => {
      for (let i = next++; i < targets.length && !interruptedBy; i = next++) {
        const target = targets[i]!;
        try {
          const { onFailure: _, ...attachOptions } = options;
          held.push({ target, attachment: await attach(target.spec, { ...attachOptions, moveOffSharedPort: true }) });
        } catch (error) {
          failed.push({ target, error: error as Error });
          options.onFailure?.(target, error as Error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, attacher));
    if (!interruptedBy) {
      await work(held, async (h, error) => {
        if (!held.includes(h)) return;
        held.splice(held.indexOf(h), 1);
        failed.push({ target: h.target, pid: h.attachment.target.pid, error });
        options.onFailure?.(h.target, error);
        await detach(h);
      }, controller.signal);
    }
  } finally {
    await Promise.all(held.map(detach));
    stopListening();
  }
  if (interruptedBy) {
    const left = detached.map((o) => `${o.target.label}: ${o.leftOpen}`);
    throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}; ${left.length === 0 ? 'every target was left as it was found' : left.join('; ')}`);
  }
  return [...failed, ...detached];
}
