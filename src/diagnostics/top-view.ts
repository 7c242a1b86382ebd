/**
 * `probing top`'s picture: what one frame's CPU profile and target sample say, the
 * totals since the start, and the text of a frame. Pure: no I/O, so that it is tested
 * without a target.
 */
import type { Protocol } from 'devtools-protocol';
import type { TopSample } from '../target/top-probe.js';
import { profileTables } from './cpu-profile.js';

export type SortKey = 'own' | 'total' | 'own_time' | 'total_time' | 'name';
export const SORT_KEYS: readonly SortKey[] = ['own', 'total', 'own_time', 'total_time', 'name'];

export interface FunctionLine {
  key: string;
  function: string;
  location: string;
  /** Share of this frame's samples, 0–1. */
  own: number;
  total: number;
  /** Since top started, ms. */
  own_ms: number;
  total_ms: number;
}

export interface CpuFrame {
  duration_ms: number;
  samples: number;
  /** Shares of the frame's samples, 0–1. */
  idle: number;
  gc: number;
  /** V8's own work that is not JavaScript: compiling, the inspector, … */
  program: number;
  functions: Array<{ key: string; function: string; location: string; own: number; total: number; own_ms: number; total_ms: number }>;
}

/** V8's pseudo-frames: shown as shares in the header, not as functions. */
const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export function cpuFrame(profile: Protocol.Profiler.Profile): CpuFrame {
  const duration = (profile.endTime - profile.startTime) / 1000;
  const samples = profile.samples?.length ?? 0;
  const { functions } = profileTables(profile);
  const share = (name: string) => (samples === 0 ? 0 : (functions.find((f) => f.function === name && !f.url)?.samples ?? 0) / samples);
  return {
    duration_ms: duration,
    samples,
    idle: share('(idle)'),
    gc: share('(garbage collector)'),
    program: share('(program)'),
    functions: functions
      .filter((f) => !(PSEUDO.has(f.function) && !f.url))
      .map((f) => ({
        key: `${f.function}\u0000${f.url}\u0000${f.line}`,
        function: f.function,
        location: f.url ? `${shortUrl(f.url)}:${f.line}` : '',
        own: duration > 0 ? f.self_ms / duration : 0,
        total: duration > 0 ? f.total_ms / duration : 0,
        own_ms: f.self_ms,
        total_ms: f.total_ms,
      })),
  };
}

function shortUrl(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(url).pathname);
    } catch {
      return url;
    }
  }
  return url;
}

/** Totals since the start, and the last frame's shares. */
export class TopModel {
  readonly #totals = new Map<string, FunctionLine>();
  frames = 0;
  cpu: CpuFrame | undefined;
  sample: TopSample | undefined;
  /** Round trips of the profiler's hand-over (stop, start) in the last frame, ms. */
  handoverMs = 0;

  add(cpu: CpuFrame, sample: TopSample, handoverMs: number): void {
    this.frames++;
    this.cpu = cpu;
    this.sample = sample;
    this.handoverMs = handoverMs;
    for (const line of this.#totals.values()) {
      line.own = 0;
      line.total = 0;
    }
    for (const f of cpu.functions) {
      const line = this.#totals.get(f.key) ?? { key: f.key, function: f.function, location: f.location, own: 0, total: 0, own_ms: 0, total_ms: 0 };
      line.own = f.own;
      line.total = f.total;
      line.own_ms += f.own_ms;
      line.total_ms += f.total_ms;
      this.#totals.set(f.key, line);
    }
  }

  /** Functions seen so far, sorted; those of the last frame first when sorting by share. */
  lines(sort: SortKey): FunctionLine[] {
    const all = [...this.#totals.values()];
    const by: Record<SortKey, (a: FunctionLine, b: FunctionLine) => number> = {
      own: (a, b) => b.own - a.own || b.own_ms - a.own_ms,
      total: (a, b) => b.total - a.total || b.total_ms - a.total_ms,
      own_time: (a, b) => b.own_ms - a.own_ms,
      total_time: (a, b) => b.total_ms - a.total_ms,
      name: (a, b) => a.function.localeCompare(b.function) || a.location.localeCompare(b.location),
    };
    return all.sort(by[sort]);
  }
}

export interface ViewOptions {
  title: string;
  /** Whose CPU: "main thread", "worker w1". */
  thread: string;
  width: number;
  /** Lines the frame may take (the terminal's height); all functions when undefined. */
  height?: number;
  sort: SortKey;
  paused: boolean;
  rateHz: number;
  /** The key help line (a terminal only). */
  keys: boolean;
  colors: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const msText = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const secs = (ms: number) => (ms / 1000).toFixed(2);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** A location cut at its start: the file's name and line are what tell it apart. */
function fitEnd(text: string, width: number): string {
  return text.length <= width ? text : width <= 1 ? text.slice(-width) : `…${text.slice(text.length - width + 1)}`;
}

/** One frame as text. */
export function renderTop(model: TopModel, options: ViewOptions): string {
  const { cpu, sample } = model;
  const width = Math.max(60, options.width);
  const bold = (s: string) => (options.colors ? `\x1b[1m${s}\x1b[22m` : s);
  const dim = (s: string) => (options.colors ? `\x1b[2m${s}\x1b[22m` : s);
  const lines: string[] = [];
  lines.push(fit(`${options.title}${options.paused ? '   [paused]' : ''}`, width).trimEnd());
  if (!cpu || !sample) return `${lines.join('\n')}\n(collecting the first frame…)\n`;

  const busy = 1 - cpu.idle;
  lines.push(`CPU (${options.thread}) ${bold(pct(busy))} busy: JavaScript ${pct(Math.max(0, busy - cpu.gc - cpu.program))}, GC ${pct(cpu.gc)}, V8 other ${pct(cpu.program)} · ${cpu.samples} samples at ${options.rateHz} Hz`);
  const d = sample.delay;
  lines.push(`event loop: utilization ${bold(pct(sample.utilization))} · delay ${d ? `p50 ${msText(d.p50)} ms, p99 ${msText(d.p99)} ms, max ${msText(d.max)} ms` : 'none recorded'}`);
  lines.push(`heap ${mib(sample.heap.used)} of ${mib(sample.heap.total)} · rss ${mib(sample.heap.rss)} · external ${mib(sample.heap.external)} · GC ${sample.gc.count} run${sample.gc.count === 1 ? '' : 's'}, ${msText(sample.gc.ms)} ms`);
  const resources = Object.entries(sample.resources).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  lines.push(fit(`active: ${resources.length === 0 ? 'nothing' : resources.map(([type, n]) => `${type} ${n}`).join(' · ')}`, width).trimEnd());
  if (sample.http) {
    const sorted = [...sample.http.durations].sort((a, b) => a - b);
    const rate = sample.interval_ms > 0 ? (sample.http.count * 1000) / sample.interval_ms : 0;
    lines.push(`http: ${rate.toFixed(rate >= 10 ? 0 : 1)} req/s${sorted.length > 0 ? ` · p50 ${msText(percentile(sorted, 50))} ms, p99 ${msText(percentile(sorted, 99))} ms, max ${msText(sorted[sorted.length - 1]!)} ms` : ''}`);
  } else {
    lines.push(dim('http: the HTTP sampler is off (probing <pid> config set sampler.http true turns it on)'));
  }
  if (sample.stalls) {
    const last = sample.stalls.map((s) => `${new Date(s.ts).toTimeString().slice(0, 8)} ${msText(s.duration_ms)} ms ${s.top_function ? `in ${s.top_function}` : 'with no JavaScript on its stack'}${s.file ? ` (${s.file.replace(/^.*[\\/]/, '')}:${s.line})` : ''}`);
    lines.push(fit(`stalls: ${last.length === 0 ? 'none recorded' : last.join(' · ')}`, width).trimEnd());
  }
  lines.push('');

  const fn = Math.max(16, Math.floor((width - 36) * 0.45));
  const loc = Math.max(10, width - 36 - fn - 2);
  const marker = (key: SortKey, text: string) => (options.sort === key ? `${text}▼` : text);
  lines.push(bold(`${marker('own', 'OWN%').padStart(7)} ${marker('total', 'TOTAL%').padStart(7)} ${marker('own_time', 'OWN s').padStart(9)} ${marker('total_time', 'TOTAL s').padStart(9)}  ${fit(marker('name', 'FUNCTION'), fn)}  ${'LOCATION'}`));
  const footer: string[] = [];
  footer.push(dim(`cost in the target: ${msText(sample.cost_ms)} ms for this frame's probes, ${msText(model.handoverMs)} ms round trip to hand over the samples; sampling at ${options.rateHz} Hz`));
  if (options.keys) footer.push(dim('keys: o own% · t total% · 3 own time · 4 total time · n name · p pause · q quit'));
  const room = options.height === undefined ? Infinity : Math.max(1, options.height - lines.length - footer.length - 1);
  const shown = model.lines(options.sort).slice(0, room);
  for (const line of shown) {
    lines.push(`${pct(line.own).padStart(7)} ${pct(line.total).padStart(7)} ${secs(line.own_ms).padStart(9)} ${secs(line.total_ms).padStart(9)}  ${fit(line.function, fn)}  ${fitEnd(line.location, loc)}`);
  }
  if (shown.length === 0) lines.push(dim('   (no JavaScript ran in this frame)'));
  lines.push('', ...footer);
  return `${lines.join('\n')}\n`;
}
