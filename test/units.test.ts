import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../src/units.js';

describe('durations and sizes, parsed one way everywhere', () => {
  it('durations: ms, s, m, h; a bare number is milliseconds', () => {
    expect(['500ms', '10s', '1m', '1.5h', '5000', ' 2S ', '250 ms'].map(parseDuration)).toEqual([500, 10_000, 60_000, 5_400_000, 5000, 2000, 250]);
  });
  it('durations: anything else is refused, not read leniently', () => {
    for (const text of ['', 'ms', '1 minute', '1d', '-5s', '5x', '1m ago', '0x10']) expect(parseDuration(text), text).toBeUndefined();
  });
  it('sizes: binary units, with or without B or iB; a bare number is bytes', () => {
    expect(['65536', '64k', '64KiB', '64kb', '4m', '1g', '2GB', '1.5k', '100b', '1t'].map(parseSize)).toEqual([65536, 65536, 65536, 65536, 4 * 2 ** 20, 2 ** 30, 2 * 2 ** 30, 1536, 100, 2 ** 40]);
  });
  it('sizes: anything else is refused (bytes.parse alone would read 64q as 64)', () => {
    for (const text of ['', 'k', '64q', '-1m', '1 gigabyte', '1e6', '64 kk']) expect(parseSize(text), text).toBeUndefined();
  });
});
