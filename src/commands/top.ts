/**
 * `probing <target> top`: a live view, refreshed every --interval, from one attachment.
 * CPU by function comes from V8's sampling profiler, handed over once a frame (stop,
 * then start again); the rest from a small probe run in the target once a frame
 * (target/top-probe.ts). On a terminal it takes the screen (the alternate buffer, as
 * top does) and reads keys; anywhere else it prints frame after frame as plain text.
 * --once prints one frame. Ending it any way detaches, with everything it started in
 * the target stopped and removed.
 */
import { emitKeypressEvents } from 'node:readline';
import type { Protocol } from 'devtools-protocol';
import type { Attachment } from '../attach/attach.js';
import { parseTarget } from '../attach/target-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import { sampler } from '../run/sampler.js';
import { cpuFrame, renderTop, SORT_KEYS, TopModel, type SortKey } from '../diagnostics/top-view.js';
import { sleepUntil } from './every.js';
import { stdoutWidth } from '../output/terminal.js';
import { noteLeftOpen } from '../run/left-open.js';

export interface TopOptions {
  timeout: number;
  attachTimeout: number;
  interval: number;
  rate: number;
  once?: boolean;
  count?: number;
  sort: SortKey;
  color?: boolean;
  /** false (--no-source-maps): functions as V8 ran them, not through source maps. */
  sourceMaps?: boolean;
}

export async function topCommand(target: string, options: TopOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (!SORT_KEYS.includes(options.sort)) {
    throw new UsageError('BAD_SORT', `--sort ${options.sort} is not one of ${SORT_KEYS.join(', ')}`, { hint: 'probing <pid> top --sort total' });
  }
  if (options.once && options.count !== undefined) {
    throw new UsageError('ONCE_AND_COUNT', '--once is one frame; --count is several', { hint: 'use one of them' });
  }
  const spec = parseTarget(target);
  const { withTarget } = await import('../run/with-target.js');
  const { leftOpen } = await withTarget(spec, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout }, (attachment, signal) => watch(attachment, spec.worker === undefined ? 'main thread' : `worker w${spec.worker}`, options, signal, out));
  noteLeftOpen(leftOpen, err);
  return ExitCode.ok;
}

async function watch(attachment: Attachment, thread: string, options: TopOptions, signal: AbortSignal, out: (text: string) => void): Promise<void> {
  const { session, target } = attachment;
  const probe = sampler(session, options.timeout);

  // whatever way this ends, what it started in the target stops, before the detach
  attachment.beforeDetach(async () => {
    await session.send('Profiler.stop', undefined, { timeoutMs: 2000 }).catch(() => {});
    await session.send('Profiler.disable', undefined, { timeoutMs: 2000 }).catch(() => {});
    await probe.stop().catch(() => {});
  });

  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true && !options.once && options.count === undefined;
  const colors = terminal && options.color !== false && !process.env.NO_COLOR;
  const model = new TopModel();
  let sort = options.sort;
  let paused = false;
  const title = () => `probing top · pid ${target.pid}${attachment.address ? ` (${attachment.address})` : ''} · Node.js ${target.nodeVersion} · every ${options.interval} ms · ${new Date().toTimeString().slice(0, 8)}`;
  const draw = () => {
    const text = renderTop(model, {
      title: title(),
      thread,
      // off a terminal: 120 columns, and the first 30 functions
      width: (terminal ? stdoutWidth() : undefined) ?? 120,
      height: terminal && process.stdout.rows >= 5 ? process.stdout.rows : 40,
      sort,
      paused,
      rateHz: options.rate,
      keys: terminal,
      colors,
    });
    out(terminal ? `\x1b[H\x1b[2J${text}` : `${model.frames > 1 ? '\n' : ''}${text}`);
  };

  // keys, on a terminal: read raw, put back as found on every way out
  const quit = new AbortController();
  let restoreTerminal = () => {};
  if (terminal) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.resume();
    out('\x1b[?1049h\x1b[?25l');
    const onKey = (_text: string, key: { name?: string; ctrl?: boolean; sequence?: string } | undefined) => {
      const name = key?.name ?? key?.sequence;
      if ((key?.ctrl && name === 'c') || name === 'q' || name === 'escape') return quit.abort();
      const chosen: Record<string, SortKey> = { o: 'own', '1': 'own', t: 'total', '2': 'total', '3': 'own_time', '4': 'total_time', n: 'name' };
      if (name && chosen[name]) sort = chosen[name]!;
      else if (name === 'p' || name === 'space') paused = !paused;
      else return;
      draw();
    };
    process.stdin.on('keypress', onKey);
    restoreTerminal = () => {
      process.stdin.off('keypress', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      out('\x1b[?25h\x1b[?1049l');
    };
  }
  const stopped = AbortSignal.any([signal, quit.signal]);

  // source maps, read again only when a frame names a script not seen before (a module
  // loaded since): once the application has warmed up, a frame costs no Debugger round
  const seen = new Set<string>();
  let maps: import('../diagnostics/source-maps.js').SourceMaps | undefined;
  const mapped = async (profile: Protocol.Profiler.Profile): Promise<Protocol.Profiler.Profile> => {
    if (options.sourceMaps === false) return profile;
    const { loadSourceMaps, mapCpuProfile, profileUrls } = await import('../diagnostics/source-maps.js');
    const urls = profileUrls(profile.nodes.map((n) => n.callFrame));
    if (maps === undefined || [...urls].some((url) => !seen.has(url))) {
      for (const url of urls) seen.add(url);
      maps = await loadSourceMaps(session, seen, options.timeout);
    }
    return mapCpuProfile(profile, maps);
  };
  try {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: Math.round(1_000_000 / options.rate) });
    await session.send('Profiler.start');
    await probe.start();
    if (terminal) draw();
    const frames = options.once ? 1 : options.count;
    const started = Date.now();
    let tick = 0;
    for (let n = 1; !stopped.aborted; n++) {
      // the next tick on the clock; a frame that took longer than the interval skips ticks, no burst
      tick = Math.max(tick + 1, Math.ceil((Date.now() - started) / options.interval));
      await sleepUntil(started + tick * options.interval, stopped);
      if (stopped.aborted) break;
      // one request at a time (an answer behind another waits for our delayed ACK)
      const handover = Date.now();
      const { profile } = (await session.send('Profiler.stop', undefined, { timeoutMs: options.timeout + 1000 })) as { profile: Protocol.Profiler.Profile };
      await session.send('Profiler.start');
      const handoverMs = Date.now() - handover;
      const sample = await probe.read();
      model.add(cpuFrame(await mapped(profile)), sample, handoverMs);
      if (!paused) draw();
      if (frames !== undefined && n >= frames) break;
    }
  } finally {
    // the profiler and the probe stop in the detach (beforeDetach above), however this ends
    restoreTerminal();
  }
}
