/**
 * Runs work against many targets, a bounded number at a time. A target that fails
 * is reported, not fatal; Ctrl-C detaches every attached target before probing exits.
 */
import { attach, type Attachment, type AttachOptions } from '../attach/attach.js';
import type { LabelledTarget } from '../attach/target-list.js';
import { InterruptedError } from '../errors.js';
import { listenForInterruption } from './interruption.js';

export interface TargetOutcome<T> {
  target: LabelledTarget;
  value?: T;
  error?: Error;
  pid?: number;
  leftOpen?: string;
}

/**
 * `work` gets the attachment, the target and a signal that aborts when the run is
 * interrupted: by Ctrl-C (SIGTERM, SIGHUP) or by `options.signal`, the caller's own
 * cancellation (an MCP client's). Interrupted, every target's work is abandoned at once
 * (as withTarget abandons one): each target is detached — one still attaching once its
 * attach has settled, so that what it opened is closed — each work has settled (its calls
 * rejected by the detach, its own clean-up done), and only then InterruptedError says how
 * the targets were left.
 */
export async function forEachTarget<T>(
  targets: readonly LabelledTarget[],
  options: AttachOptions & { concurrency: number; /** The caller's own cancellation, handled as Ctrl-C is. */ signal?: AbortSignal },
  work: (attachment: Attachment, target: LabelledTarget, signal: AbortSignal) => Promise<T>,
): Promise<Array<TargetOutcome<T>>> {
  const interruption = listenForInterruption(options.signal);
  const { interrupted } = interruption;
  const interruptedError = () => new InterruptedError('INTERRUPTED', `interrupted by ${interruption.by()}`);
  const outcomes: Array<TargetOutcome<T>> = targets.map((target) => ({ target }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const outcome = outcomes[i]!;
      if (interruption.by()) {
        outcome.error = interruptedError();
        continue;
      }
      // many probings at once: leave the shared port as soon as each target is reached
      const attaching = attach(outcome.target.spec, { ...options, moveOffSharedPort: true });
      attaching.catch(() => {});
      let attachment: Attachment | undefined;
      let working: Promise<T> | undefined;
      try {
        attachment = await Promise.race([attaching, interrupted]);
        outcome.pid = attachment.target.pid;
        working = work(attachment, outcome.target, interruption.signal);
        working.catch(() => {});
        outcome.value = await Promise.race([working, interrupted]);
      } catch (error) {
        outcome.error = error as Error;
      } finally {
        // interrupted while attaching: let the attach finish so that what it opened gets closed
        attachment ??= await attaching.catch(() => undefined);
        if (attachment && outcome.pid === undefined) outcome.pid = attachment.target.pid;
        const detached = await attachment?.detach().catch(() => undefined);
        if (detached?.leftOpen) outcome.leftOpen = detached.leftOpen;
        // what the work does on its way out is done before anything is said
        await working?.catch(() => {});
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
  } finally {
    interruption.dispose();
  }
  const interruptedBy = interruption.by();
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
  const interruption = listenForInterruption(undefined);
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
      for (let i = next++; i < targets.length && !interruption.by(); i = next++) {
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
    if (!interruption.by()) {
      await work(held, async (h, error) => {
        if (!held.includes(h)) return;
        held.splice(held.indexOf(h), 1);
        failed.push({ target: h.target, pid: h.attachment.target.pid, error });
        options.onFailure?.(h.target, error);
        await detach(h);
      }, interruption.signal);
    }
  } finally {
    await Promise.all(held.map(detach));
    interruption.dispose();
  }
  const interruptedBy = interruption.by();
  if (interruptedBy) {
    const left = detached.map((o) => `${o.target.label}: ${o.leftOpen}`);
    throw new InterruptedError('INTERRUPTED', `interrupted by ${interruptedBy}; ${left.length === 0 ? 'every target was left as it was found' : left.join('; ')}`);
  }
  return [...failed, ...detached];
}
