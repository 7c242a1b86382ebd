import { afterEach, beforeAll, expect } from 'vitest';
import { httpGet, listeningPorts, probing, recentCliRuns, startTarget, type StartOptions, type Target } from './targets.js';

/** The target lives, serves HTTP if it can, and listens on exactly the ports it had before. */
export async function expectLeftAsFound(target: Target, portsBefore: number[]): Promise<void> {
  expect(target.alive()).toBe(true);
  if (target.port !== undefined) {
    const res = await httpGet(target.port);
    expect(res.status).toBe(200);
  }
  // its stderr says what its inspector did (opened, clients attached, ended), should it stay
  // open; the last CLI runs' stderr, which of them left it so and what it said
  expect(await listeningPorts(target.pid), `pid ${target.pid}'s stderr:\n${target.stderr().slice(-4000)}\nthe last CLI runs:\n${recentCliRuns()}`).toEqual(portsBefore);
}

/**
 * One target for the tests of a file or describe block: started before them (killed when
 * the file is done), and checked after each test as left as found — so that none sees
 * another's traces. `use` is given it and the ports it listened on at the start.
 */
export function shareTarget(name: string, options: Omit<StartOptions, 'keep'>, use: (target: Target, before: number[]) => void): void {
  let target: Target;
  let before: number[];
  beforeAll(async () => {
    target = await startTarget(name, { ...options, keep: 'file' });
    before = await listeningPorts(target.pid);
    use(target, before);
  });
  afterEach(() => expectLeftAsFound(target, before));
}

/** `probing <pid> query …` against the target `current()` returns, and the same read as JSON rows after a clean exit. */
export function queryCli(current: () => Target) {
  const query = (sql: string, ...options: string[]) => probing([String(current().pid), 'query', sql, ...options]);
  const json = async (sql: string, ...options: string[]) => {
    const result = await query(sql, '-f', 'json', ...options);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
  };
  return { query, json };
}
