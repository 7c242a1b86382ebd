import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/attach/target-spec.js';
import { UsageError } from '../../src/errors.js';

describe('parseTarget', () => {
  it.each([
    ['4242', { kind: 'pid', pid: 4242 }],
    ['127.0.0.1:9229', { kind: 'address', host: '127.0.0.1', port: 9229 }],
    ['localhost:9230', { kind: 'address', host: 'localhost', port: 9230 }],
    [':9229', { kind: 'address', host: '127.0.0.1', port: 9229 }],
    ['[::1]:9229', { kind: 'address', host: '::1', port: 9229 }],
    ['ws://127.0.0.1:9229/abc-def', { kind: 'url', url: 'ws://127.0.0.1:9229/abc-def' }],
  ])('reads %s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each(['', 'abc', '0', '-5', '12.5', 'host:0', 'host:70000', 'http://x', '99999999999'])('refuses %j with a hint', (text) => {
    try {
      parseTarget(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint).toBeTruthy();
    }
  });
});
