/**
 * What a profile just taken becomes, the same for the CLI, probing ui and probing mcp: its
 * frames through source maps (unless switched off), its tables and its flame graph.
 */
import type { Protocol } from 'devtools-protocol';
import type { Attachment } from '../attach/attach.js';
import { profileTables } from './cpu-profile.js';
import { flameGraph } from './flamegraph.js';
import { heapSampleTables } from './heap-sample.js';
import { mapCpuProfileIn, mapHeapProfileIn } from './source-maps.js';

export interface FindingOptions {
  /** false: frames as V8 ran them (--no-source-maps). */
  sourceMaps: boolean;
  timeoutMs: number;
  /** How long was asked for, as the flame graph's title says it ("5.0"). */
  seconds: string;
  /** Keep idle, (program) and GC in the flame graph's width. */
  idle?: boolean;
}

export async function cpuFindings(attachment: Attachment, recorded: Protocol.Profiler.Profile, options: FindingOptions) {
  const { profile, note } = await mapCpuProfileIn(attachment, recorded, options.sourceMaps, options.timeoutMs);
  const tables = profileTables(profile);
  const samples = profile.samples?.length ?? 0;
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = durationMs / Math.max(1, samples);
  const svg = flameGraph(tables.root, {
    title: `CPU, pid ${attachment.target.pid}, ${options.seconds} s, ${samples} samples`,
    unit: (v) => `${(v * msPerSample).toFixed(1)} ms`,
    ...(options.idle ? { idle: true } : {}),
  });
  return { profile, note, tables, svg, samples, durationMs, msPerSample };
}

export async function heapFindings(attachment: Attachment, sampled: Protocol.HeapProfiler.SamplingHeapProfile, options: FindingOptions) {
  const { profile, note } = await mapHeapProfileIn(attachment, sampled, options.sourceMaps, options.timeoutMs);
  const tables = heapSampleTables(profile);
  const svg = flameGraph(tables.root, { title: `allocations sampled, pid ${attachment.target.pid}, ${options.seconds} s`, unit: (v) => `${(v / 1024).toFixed(1)} KiB` });
  return { profile, note, tables, svg };
}
