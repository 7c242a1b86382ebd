import { expect } from 'vitest';
import { httpGet, listeningPorts, type Target } from './targets.js';

/** The target lives, serves HTTP if it can, and listens on exactly the ports it had before. */
export async function expectLeftAsFound(target: Target, portsBefore: number[]): Promise<void> {
  expect(target.alive()).toBe(true);
  if (target.port !== undefined) {
    const res = await httpGet(target.port);
    expect(res.status).toBe(200);
  }
  expect(await listeningPorts(target.pid)).toEqual(portsBefore);
}
