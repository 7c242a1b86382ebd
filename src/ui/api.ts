/**
 * The contract between `probing ui`'s server (src/ui/server.ts) and its page
 * (src/ui/web/): types only, imported by both. Every path is under /<token>/ (the page
 * calls them relative to its own URL, so the token rides along); requests and answers
 * are JSON unless said otherwise. A failure answers with an HTTP status ≥ 400 and an
 * ApiError body, the same message and hint the CLI would print.
 *
 *   GET  api/config                      → UiConfig
 *   GET  api/processes                   → ProcessRow[]          (the Node processes this user may probe)
 *   GET  api/catalog                     → CatalogEntry[]        (every table a query can read)
 *   POST api/t/<target>/open             → Opened                (attach, or join the attachment already open)
 *   POST api/t/<target>/close            → {}                    (detach now; also after 15 s without a request)
 *   GET  api/t/<target>/samples?after=<ts> → Sample[]            (the live charts' readings newer than ts, the last 5 minutes; the
 *                                        page asks each second; the server reads the target when asked, at most once
 *                                        in 0.6 s whoever asks, so that every page gets the same, whole series)
 *   POST api/t/<target>/query            QueryRequest → QueryAnswer
 *   POST api/t/<target>/query?format=csv|json|arrow   QueryRequest → the file (Content-Disposition: attachment)
 *   GET  api/t/<target>/stacks           → Stacks
 *   POST api/t/<target>/profile          ProfileRequest → Profile
 *   POST api/t/<target>/heap-sample      ProfileRequest → HeapSample
 *   GET  api/t/<target>/snapshot-cost    → SnapshotCost          (what a snapshot would cost, to show before confirming)
 *   POST api/t/<target>/heap-snapshot    SnapshotRequest → Snapshot
 *   POST api/heap-diff                   DiffRequest → QueryAnswer
 *   POST api/t/<target>/eval             EvalRequest → EvalAnswer (only with --allow-eval: otherwise 404)
 *   POST api/t/<target>/inject           InjectRequest → EvalAnswer (only with --allow-eval: otherwise 404)
 *   GET  files/<id>.svg                  a flame graph as its own document (image/svg+xml), for an <iframe>:
 *                                        its script (zoom, search) runs there; the page's own CSP allows no inline script
 *
 * <target> is a pid, or pid/w<id> for a worker thread, URL-encoded (4242%2Fw1).
 */

import type { TopSample } from '../target/top-sample.js';

export interface ApiError {
  error: { code: string; message: string; hint?: string; /** For SQL: offset into the text. */ position?: number };
}

export interface UiConfig {
  version: string;
  /** eval and inject are offered (the server was started with --allow-eval). */
  allowEval: boolean;
  /** The targets named on the command line, opened first. */
  targets: string[];
  /** The page's refresh interval for samples, ms, and how much history the charts keep. */
  sampleMs: number;
  historyMs: number;
}

export interface ProcessRow {
  pid: number;
  ppid: number | null;
  command: string;
  node: string | null;
  /** How probing gets in: its agent, an inspector already open, SIGUSR1, or not at all (note says why). */
  way: 'agent' | 'inspector' | 'signal' | 'none';
  address: string | null;
  note: string | null;
  /** The ui holds an attachment to it now. */
  open: boolean;
}

export interface CatalogEntry {
  namespace: string;
  name: string;
  description: string;
  columns: Array<{ name: string; type: string; doc: string }>;
}

export interface Opened {
  target: string;
  pid: number;
  nodeVersion: string;
  title: string;
  argv: string[];
  /** The inspector address, or the agent's socket. */
  address: string;
  /** process.info's one row. */
  info: Record<string, unknown>;
}

/** One reading for the live charts: the sampler's (target/top-probe.ts), stamped with the CLI's clock (ms since the epoch). */
export type Sample = Omit<TopSample, 'http' | 'cost_ms' | 'stalls'> & {
  ts: number;
  /** The first reading since probing attached: its interval holds probing's own opening of the target (its snippets allocate, and may set off a collection). */
  first?: true;
};

export interface QueryRequest {
  sql: string;
  maxRows?: number;
}

export interface QueryColumn {
  name: string;
  /** int32, int64, float64, string, bool, timestamp, json, … */
  type: string;
}

export interface QueryAnswer {
  columns: QueryColumn[];
  /** Row-major; 64-bit integers beyond 2^53 and decimals arrive as strings, timestamps as ISO text, JSON as its value. */
  rows: unknown[][];
  /** What was cut on the way, one sentence each (as the CLI prints under a table). */
  cut: string[];
  ms: number;
}

export type { Frame, Backtrace as Trace } from '../diagnostics/stack-types.js';
import type { Backtrace as Trace } from '../diagnostics/stack-types.js';

export interface Stacks {
  main: Trace;
  workers: Array<{ id: string; title: string; url: string; trace?: Trace; error?: string }>;
}

export interface ProfileRequest {
  /** 1–60. */
  seconds: number;
}

export interface Profile {
  /** The flame graph, the same self-contained SVG the CLI writes. */
  svg: string;
  /** Where the server serves that SVG as a document (files/<id>.svg, relative to the page). */
  svgPath: string;
  functions: Array<{ function: string; url: string; line: number; self_ms: number; total_ms: number; samples: number }>;
  samples: number;
  duration_ms: number;
}

export interface HeapSample {
  svg: string;
  svgPath: string;
  sites: Array<{ function: string; url: string; line: number; self_bytes: number; total_bytes: number }>;
}

export interface SnapshotCost {
  /** The sentence the CLI asks its question with: how long the target stalls, the memory it takes. */
  warning: string;
  seconds: number;
  peakBytes: number;
  /** Refused before it starts (not enough memory, or a stall longer than the server's --timeout); the reason. */
  refused: string | null;
}

export interface SnapshotRequest {
  /** Must be true: the page showed SnapshotCost.warning and the user agreed. */
  confirm: boolean;
}

export interface Snapshot {
  /** Names it in api/heap-diff. */
  id: string;
  takenAt: number;
  target: string;
  nodeCount: number;
  totalSize: number;
  classes: Array<{ class: string; count: number; self_size: number; retained_size: number }>;
  objects: Array<Record<string, unknown>>;
}

export interface DiffRequest {
  before: string;
  after: string;
}

export interface EvalRequest {
  code: string;
}

export interface EvalAnswer {
  /** As `probing eval` (or `probing inject`) prints it. */
  text: string;
}

export interface InjectRequest {
  /** A script on this machine's disk, as `probing inject` takes it; a relative path is from the directory probing ui was started in. */
  file: string;
}
