/**
 * One live chart (uPlot) over time. The container carries data-testid="chart-<name>" and
 * data-points, the number of samples drawn, for tests. Re-created when the system's
 * colour scheme changes (a canvas does not follow CSS).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { colorScheme, cssColor } from './color-scheme.js';
import { useStore } from './store.js';

export interface Line {
  label: string;
  /** A CSS variable that holds the colour: --chart-1 … */
  color: string;
  fill?: boolean;
  bars?: boolean;
}

interface Props {
  name: string;
  title: string;
  lines: Line[];
  /** x (seconds since the epoch) then one array per line. */
  data: uPlot.AlignedData;
  format: (value: number) => string;
  /** The y axis starts at 0 and reaches at least this. */
  yMax?: number;
  /** Shown after the title: the latest reading, in words. */
  now?: string;
  /** The steps the y axis may tick at (uPlot's decimal ones by default). */
  steps?: number[];
  /** A caution under the chart, in words. */
  note?: string;
}

const HEIGHT = 140;
const MIN_WINDOW_S = 60;

// The y axis as wide as its longest label (uPlot asks again when the labels change).
function labelWidth(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(0, ...(values ?? []).map((v) => v.length));
  return Math.max(36, Math.ceil(longest * 7) + 18);
}

export function Chart({ name, title, lines, data, format, yMax, now, steps, note }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useStore(colorScheme);
  const points = data[0].length;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const axis = {
      stroke: cssColor('--fg-dim'),
      grid: { stroke: cssColor('--grid'), width: 1 },
      ticks: { stroke: cssColor('--grid'), width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const bars = uPlot.paths.bars?.({ size: [0.6, 8] });
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 100),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true, live: true },
      scales: {
        // at least the last minute, so that the first seconds are not stretched over the width
        x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_WINDOW_S), max] },
        y: { range: (_u, _min, max) => [0, Math.max(max, yMax ?? 0) * 1.05 || 1] },
      },
      axes: [
        { ...axis, size: 28 },
        { ...axis, size: labelWidth, incrs: steps, values: (_u, splits) => splits.map((v) => format(v)) },
      ],
      series: [
        { value: (_u, v) => (v === null ? '' : new Date(v * 1000).toLocaleTimeString('en-GB', { hour12: false })) },
        ...lines.map((line) => {
          const color = cssColor(line.color);
          return {
            label: line.label,
            stroke: color,
            width: 1.5,
            fill: line.fill || line.bars ? `${color}33` : undefined,
            paths: line.bars ? bars : undefined,
            points: { show: false },
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          };
        }),
      ],
    };
    const u = new uPlot(options, data, element);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      if (element.clientWidth > 0) u.setSize({ width: element.clientWidth, height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // data goes in through setData below; lines, format, yMax and steps are fixed per chart
  }, [scheme]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <section class="chart-panel">
      <header class="chart-title">
        {title}
        {now ? <span class="chart-now">{now}</span> : null}
      </header>
      <div class="chart" ref={box} data-testid={`chart-${name}`} data-points={points} />
      {note ? (
        <div class="chart-note" data-testid={`chart-note-${name}`}>
          {note}
        </div>
      ) : null}
    </section>
  );
}
