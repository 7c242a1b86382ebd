/** The target at a glance: what it is (process.info) and live charts of its samples. */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Opened, Sample } from '../api.js';
import { Chart } from './chart.js';
import { ErrorBox } from './error-box.js';
import { cellText, formatBytes, formatMs } from './format.js';
import type { SamplePoller } from './sample-poller.js';
import { useStore } from './store.js';

export function Overview({ opened, poller }: { opened: Opened; poller: SamplePoller }) {
  const { samples, error, ended } = useStore(poller.history);
  return (
    <div class="overview" data-testid="overview">
      <Info opened={opened} />
      <ErrorBox error={error} extra={ended ? 'the process has exited: the charts stop here' : error ? 'the charts resume when the target answers again' : undefined} />
      <Charts samples={samples} />
    </div>
  );
}

function Info({ opened }: { opened: Opened }) {
  const entries = Object.entries(opened.info);
  return (
    <section class="info" data-testid="info">
      <div class="info-head">
        <span class="info-title">{opened.title || `pid ${opened.pid}`}</span>
        <span class="dim">
          pid {opened.pid} · Node.js {opened.nodeVersion} · {opened.address}
        </span>
      </div>
      <div class="argv" title="argv">
        {opened.argv.join(' ')}
      </div>
      <dl class="info-grid">
        {entries.map(([name, value]) => (
          <div key={name} class="info-item">
            <dt>{name}</dt>
            <dd class={value === null || value === undefined ? 'null' : undefined} title={value === null || value === undefined ? undefined : cellText(value)}>
              {value === null || value === undefined ? 'NULL' : infoText(name, value)}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function infoText(name: string, value: unknown): string {
  if (name === 'uptime_s' && typeof value === 'number') return uptime(value);
  if (Array.isArray(value)) return value.map(cellText).join(' ');
  return cellText(value);
}

function uptime(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d ? `${d}d ` : ''}${d || h ? `${h}h ` : ''}${m}m ${s % 60}s`;
}

/** Byte ticks at powers of two: 16 MiB, 32 MiB, 64 MiB rather than 47.7 MiB. */
const BYTE_STEPS = Array.from({ length: 41 }, (_, i) => 2 ** i);

const percent = (v: number) => `${Math.round(v)} %`;
const count = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

function Charts({ samples }: { samples: Sample[] }) {
  const series = useMemo(() => columns(samples), [samples]);
  const last = samples[samples.length - 1];
  const t = series.t;
  return (
    <div class="charts">
      <Chart
        name="memory"
        title="Memory"
        lines={[
          { label: 'heap used', color: '--chart-1', fill: true },
          { label: 'heap total', color: '--chart-2' },
          { label: 'rss', color: '--chart-3' },
          { label: 'external', color: '--chart-4' },
        ]}
        data={[t, series.used, series.total, series.rss, series.external] as uPlot.AlignedData}
        format={formatBytes}
        steps={BYTE_STEPS}
        now={last ? `heap ${formatBytes(last.heap.used)} of ${formatBytes(last.heap.total)} · rss ${formatBytes(last.heap.rss)}` : undefined}
      />
      <Chart
        name="delay"
        title="Event-loop delay"
        lines={[
          { label: 'p50', color: '--chart-1' },
          { label: 'p99', color: '--chart-2' },
          { label: 'max', color: '--chart-5' },
        ]}
        data={[t, series.p50, series.p99, series.max] as uPlot.AlignedData}
        format={formatMs}
        now={last?.delay ? `p99 ${formatMs(last.delay.p99)} · max ${formatMs(last.delay.max)}` : undefined}
      />
      <Chart
        name="utilization"
        title="Event-loop utilization"
        lines={[{ label: 'busy', color: '--chart-1', fill: true }]}
        data={[t, series.utilization] as uPlot.AlignedData}
        format={percent}
        yMax={100}
        now={last ? percent(last.utilization * 100) : undefined}
      />
      <Chart
        name="gc"
        title="GC time per second"
        lines={[{ label: 'gc', color: '--chart-4', bars: true }]}
        data={[t, series.gc] as uPlot.AlignedData}
        format={formatMs}
        now={last ? `${formatMs(last.gc.ms)} in ${last.gc.count} collection${last.gc.count === 1 ? '' : 's'} over the last ${(last.interval_ms / 1000).toFixed(1)} s` : undefined}
        note={samples[0]?.first ? firstGcNote(samples[0]) : undefined}
      />
      <Chart
        name="handles"
        title="Active handles and requests"
        lines={[{ label: 'active', color: '--chart-3', fill: true }]}
        data={[t, series.handles] as uPlot.AlignedData}
        format={count}
        now={last ? resourceText(last.resources) : undefined}
      />
    </div>
  );
}

function firstGcNote(first: Sample): string {
  const { ms, count } = first.gc;
  return `not drawn: the first reading, ${Math.round(first.interval_ms)} ms right after probing attached, with ${count} collection${count === 1 ? '' : 's'} (${formatMs(ms)}) — probing's own work in the target allocates`;
}

function resourceText(resources: Record<string, number>): string {
  return Object.entries(resources)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${n}`)
    .join(' · ');
}

function columns(samples: Sample[]) {
  const pick = (f: (s: Sample) => number | null) => samples.map(f);
  return {
    t: pick((s) => s.ts / 1000),
    used: pick((s) => s.heap.used),
    total: pick((s) => s.heap.total),
    rss: pick((s) => s.heap.rss),
    external: pick((s) => s.heap.external),
    p50: pick((s) => s.delay?.p50 ?? null),
    p99: pick((s) => s.delay?.p99 ?? null),
    max: pick((s) => s.delay?.max ?? null),
    utilization: pick((s) => s.utilization * 100),
    // per second of the reading's own interval (one after a failed request covers the seconds
    // since the last that answered); the first, a few ms right after probing attached, is not
    // drawn: a collection its own work set off made it ten times the app's rate (said in words)
    gc: pick((s) => (s.first || s.interval_ms <= 0 ? null : (s.gc.ms * 1000) / s.interval_ms)),
    handles: pick((s) => Object.values(s.resources).reduce((a, b) => a + b, 0)),
  };
}
