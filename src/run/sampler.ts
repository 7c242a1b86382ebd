/**
 * The readings `probing top` and `probing ui` take in a target each interval — event-loop
 * delay and utilization, heap, GC, active resources — through target/top-probe.ts. Each
 * sampler has an id of its own in the target (several can watch one process); stop()
 * removes what start() set up there (a delay histogram, a GC observer).
 */
import type { Session } from '../attach/session.js';
import { ProtocolError } from '../errors.js';
import { LOAD_BUILTIN, SOURCE_URL } from '../target/snippets.js';
import { topProbe, type TopSample } from '../target/top-probe.js';

/** The key of the samplers' state in the target (a global symbol). */
const KEY = 'probing.top';

export interface Sampler {
  start(): Promise<void>;
  read(): Promise<TopSample>;
  stop(): Promise<void>;
}

export function sampler(session: Session, timeoutMs: number): Sampler {
  const id = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const probe = async (action: 'start' | 'read' | 'stop'): Promise<TopSample | null> => {
    const { result, exceptionDetails } = await session.send(
      'Runtime.evaluate',
      {
        expression: `(${topProbe.toString()})(${LOAD_BUILTIN}, ${JSON.stringify(KEY)}, ${JSON.stringify(id)}, ${JSON.stringify(action)})\n${SOURCE_URL}`,
        includeCommandLineAPI: true,
        returnByValue: true,
        silent: true,
        timeout: timeoutMs,
      },
      { timeoutMs: timeoutMs + 1000 },
    );
    if (exceptionDetails) throw new ProtocolError('TOP_PROBE', `the sampler failed in the target: ${exceptionDetails.exception?.description?.split('\n')[0] ?? exceptionDetails.text}`);
    return result.value as TopSample | null;
  };
  return {
    start: async () => void (await probe('start')),
    read: async () => (await probe('read'))!,
    stop: async () => void (await probe('stop')),
  };
}
