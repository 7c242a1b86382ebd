/**
 * `probing <target> inspect`: hands a live process to Chrome DevTools. Opens its
 * inspector (or joins the one open), prints where DevTools connects, and keeps it
 * open until Ctrl-C (or SIGTERM, SIGHUP); then closes it if probing opened it.
 *
 * Through the agent there is no TCP inspector to join: one is opened from inside on
 * 127.0.0.1 and a random port (no signal), marked, and closed at the end. Should this
 * command be killed before (SIGKILL), it stays open; the next `inspect` finds the mark,
 * takes it over and closes it when it ends.
 */
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode } from '../errors.js';
import { LOAD_BUILTIN } from '../target/snippets.js';
import type { TargetOptions } from './run.js';

const OPENED = "Symbol.for('probing.inspect.opened')";

export async function inspectCommand(target: string, options: Pick<TargetOptions, 'timeout' | 'attachTimeout'>, out: (text: string) => void): Promise<number> {
  const spec = parseTarget(target);
  const [{ withTarget }, { evaluateValue }] = await Promise.all([import('../run/with-target.js'), import('../run/remote-value.js')]);
  await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, async (attachment, signal) => {
    const viaAgent = attachment.address.startsWith('agent:');
    if (viaAgent) {
      // opened from inside, on loopback only; closed in the target's next turn at the end
      attachment.beforeDetach(() =>
        evaluateValue(
          attachment.session,
          `(() => { const load = ${LOAD_BUILTIN}; if (!globalThis[${OPENED}]) return false; delete globalThis[${OPENED}]; const i = load('node:inspector'); load('node:timers').setImmediate(() => { try { i.close(); } catch {} }); return true; })()`,
          'closing the inspector',
          options.timeout,
        ).then(() => {}),
      );
    }
    const found = await evaluateValue<{ url?: string; ours: boolean }>(
      attachment.session,
      viaAgent
        ? `(() => { const load = ${LOAD_BUILTIN}; const i = load('node:inspector'); if (i.url() === undefined) { i.open(0, '127.0.0.1'); globalThis[${OPENED}] = true; } return { url: i.url(), ours: globalThis[${OPENED}] === true }; })()`
        : `({ url: (${LOAD_BUILTIN})('node:inspector').url(), ours: false })`,
      'finding the inspector',
      options.timeout,
    );
    if (found.url === undefined) throw new Error('the inspector did not give its address');
    const where = new URL(found.url);
    const closes = found.ours || attachment.openedByUs;
    out(
      [
        `pid ${attachment.target.pid}: inspector open on ${where.host} until Ctrl-C${closes ? ' (probing opened it, and closes it then)' : ' (it was open before; it stays open)'}`,
        '',
        'In Chrome or Edge, open:',
        `  devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${where.host}${where.pathname}`,
        `or go to chrome://inspect, "Configure…", add ${where.host}, and click "inspect" under Remote Target.`,
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  });
  return ExitCode.ok;
}
