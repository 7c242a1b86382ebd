/**
 * `probing ui [target…]`: a local web page over the same library as the CLI — processes,
 * live charts, a SQL console, stacks, flame graphs, heap — served on 127.0.0.1 with a token
 * in the URL until Ctrl-C (or any signal), which detaches every target it held.
 */
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode } from '../errors.js';
import type { UiConfig } from '../ui/api.js';

export interface UiOptions {
  port: number;
  open?: boolean;
  allowEval?: boolean;
  timeout: number;
  attachTimeout: number;
  extension?: string[];
}

const SAMPLE_MS = 1000;
const HISTORY_MS = 5 * 60_000;
/** A target no request has touched for this long (the page asks each second while it shows it) is let go. */
const IDLE_MS = 15_000;

export async function uiCommand(targets: string[], options: UiOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  // bad targets are refused before anything listens
  for (const target of targets) parseTarget(target);
  const [{ startServer }, { uiRoutes }, { TargetPool }, { loadFor }, { onInterrupt }, { packageFile }, { readFile }] = await Promise.all([
    import('../ui/server.js'),
    import('../ui/routes.js'),
    import('../ui/targets.js'),
    import('./ext.js'),
    import('../run/exit-guard.js'),
    import('../paths.js'),
    import('node:fs/promises'),
  ]);
  const { version } = JSON.parse(await readFile(packageFile('package.json'), 'utf8')) as { version: string };
  const loaded = await loadFor(options.extension, options.timeout);
  const notice = (text: string) => err(`probing: note: ${text}\n`);
  const pool = new TargetPool({ timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, idleMs: IDLE_MS, sampleMs: SAMPLE_MS, historyMs: HISTORY_MS, onNotice: notice });
  const config: UiConfig = { version, allowEval: options.allowEval === true, targets, sampleMs: SAMPLE_MS, historyMs: HISTORY_MS };
  const routes = uiRoutes({ pool, registry: loaded.registry, config, timeoutMs: options.timeout });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const stopListening = onInterrupt(() => stop());
  try {
    const server = await startServer({ port: options.port, route: routes.route });
    try {
      out(`${server.url}\n`);
      err(`probing ui: serving on 127.0.0.1:${server.port}; the URL holds its access token. Ctrl-C stops it and detaches every target.${options.allowEval ? ' eval is allowed from the page (--allow-eval).' : ''}\n`);
      if (options.open) {
        const { default: open } = await import('open');
        await open(server.url).catch((error: Error) => notice(`could not open a browser (${error.message}); open the URL above`));
      }
      await stopped;
    } finally {
      await server.close();
    }
  } finally {
    stopListening();
    const left = await pool.closeAll();
    await routes.dispose();
    loaded.dispose();
    if (left.length === 0) err('probing ui: stopped; every target it held was detached\n');
  }
  return ExitCode.ok;
}
