/**
 * Durations and sizes as people type them, parsed one way everywhere: options, config
 * values, extension limits. Durations through `ms` (500ms, 10s, 1m, 1h; a bare number is
 * milliseconds), sizes through `bytes` (binary units: 64k = 64 KiB, 1g = 1 GiB; a bare
 * number is bytes). Both libraries are lenient where a diagnostic tool must not be
 * (`bytes.parse('64q')` is 64, `ms('1 minute ago')`…): the text is checked first against
 * the forms we accept, then handed to them.
 */
import parseBytes from 'bytes';
import parseMs from 'ms';

const DURATION = /^\d+(?:\.\d+)?\s*(?:ms|s|m|h)?$/i;
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt])?(?:i?b)?$/i;

/** "500ms", "10s", "1m", "1.5h", "5000" → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  const value = parseMs(trimmed.toLowerCase() as parseMs.StringValue);
  return Number.isFinite(value) ? value : undefined;
}

/** "65536", "64k", "64KiB", "4m", "1g", "2GB" → bytes (binary units); undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const value = parseBytes.parse(`${match[1]}${match[2] ? `${match[2]}b` : 'b'}`);
  return value === null || !Number.isFinite(value) ? undefined : Math.round(value);
}
