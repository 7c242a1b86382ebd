import { describe, expect, it } from 'vitest';
import { reorder } from '../../src/cli.js';

describe('reorder', () => {
  it('moves the target behind its command', () => {
    expect(reorder(['4242', 'eval', '1+1'])).toEqual(['eval', '4242', '1+1']);
    expect(reorder(['--verbose', '4242', 'eval', '--json', 'x'])).toEqual(['eval', '4242', '--verbose', '--json', 'x']);
    expect(reorder(['--via', 'ssh app-3', '4242', 'query', 'SELECT 1'])).toEqual(['query', '4242', '--via', 'ssh app-3', 'SELECT 1']);
  });
  it('leaves host commands alone', () => {
    expect(reorder(['list', '--json'])).toEqual(['list', '--json']);
    expect(reorder(['--help'])).toEqual(['--help']);
  });
});
