/** Debug logging behind DEBUG=probing:* (or DEBUG=probing:attach, …). Off by default. */
const patterns = (process.env.DEBUG ?? '')
  .split(',')
  .map((p) => p.trim())
  .filter((p) => p.startsWith('probing'))
  .map((p) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'));

export function debug(namespace: string): (...args: unknown[]) => void {
  const name = `probing:${namespace}`;
  if (!patterns.some((p) => p.test(name))) return () => {};
  return (...args) => {
    process.stderr.write(`${(performance.now() | 0).toString().padStart(5)} ${name} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
  };
}
