/**
 * Source maps: frames of transpiled code (tsx, ts-node, tsc with --sourceMap, bundles)
 * reported at their original file and line. The maps are the ones V8 itself was told
 * about — each script's sourceMappingURL, from the inspector (Debugger.scriptParsed) — so
 * what is found does not depend on how the target was started (--enable-source-maps or
 * not). An inline map (a data: URL, as tsx writes) comes with the event; a map in a file is
 * read from the disk probing runs on, next to the script; maps behind http(s) are not
 * fetched. Parsing and lookups are @jridgewell/trace-mapping's (the library Babel, Jest and
 * c8 use), which also reads index maps with sections.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FlattenMap, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';
import type { Protocol } from 'devtools-protocol';
import type { Attachment } from '../attach/attach.js';
import { parsedScripts } from '../attach/scripts.js';
import type { Session } from '../attach/session.js';

/** A map file larger than this is not read (a bundle's map of 100 MB would be one). */
const MAX_MAP_BYTES = 64 * 1024 * 1024;

/** A place in a source: the URL (or path, as it was asked for), line and column from 1. */
export interface Place {
  url: string;
  line: number;
  column: number;
}

export interface SourceMaps {
  /** The original place of a generated one, or undefined where no map covers it. */
  original(url: string, line: number, column: number): Place | undefined;
  /** How many scripts' maps were read. */
  readonly read: number;
  /** The maps that could not be read, with why: frames in those scripts stay as V8 gave them. */
  readonly failed: string[];
}

export const NO_SOURCE_MAPS: SourceMaps = { original: () => undefined, read: 0, failed: [] };

/** A frame's file as a URL: stacks name CommonJS files by path, the inspector by file: URL. */
function asUrl(file: string): string {
  return isAbsolute(file) ? pathToFileURL(file).href : file;
}

/** data:[<type>][;base64],<data> (RFC 2397): what an inline map is. */
function dataUrlText(url: string): string {
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error('a data: URL without a comma');
  const body = url.slice(comma + 1);
  return /;base64$/i.test(url.slice(0, comma)) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
}

async function mapText(sourceMapURL: string, scriptUrl: string): Promise<{ text: string; mapUrl: string }> {
  if (sourceMapURL.startsWith('data:')) return { text: dataUrlText(sourceMapURL), mapUrl: scriptUrl };
  const url = new URL(sourceMapURL, scriptUrl);
  if (url.protocol !== 'file:') throw new Error(`${url.href} is not fetched (only maps inline or in files are read)`);
  const path = fileURLToPath(url);
  const { size } = await stat(path);
  if (size > MAX_MAP_BYTES) throw new Error(`${path} is ${Math.round(size / 1024 / 1024)} MiB, more than the ${MAX_MAP_BYTES / 1024 / 1024} MiB read`);
  return { text: await readFile(path, 'utf8'), mapUrl: url.href };
}

/**
 * The source maps of the scripts named in `urls` (file paths or URLs, as frames give
 * them), read through the session's thread. Scripts without a map cost nothing more than
 * the list of scripts (one event each).
 */
export async function loadSourceMaps(session: Session, urls: Iterable<string>, timeoutMs?: number): Promise<SourceMaps> {
  const wanted = new Set([...urls].filter(Boolean).map(asUrl));
  if (wanted.size === 0) return NO_SOURCE_MAPS;
  const scripts = (await parsedScripts(session, timeoutMs)).filter((s) => s.sourceMapURL && wanted.has(s.url));
  const maps = new Map<string, TraceMap>();
  const failed: string[] = [];
  await Promise.all(
    scripts.map(async ({ url, sourceMapURL }) => {
      try {
        const { text, mapUrl } = await mapText(sourceMapURL, url);
        maps.set(url, new FlattenMap(JSON.parse(text) as ConstructorParameters<typeof FlattenMap>[0], mapUrl));
      } catch (error) {
        failed.push(`${url}: ${(error as Error).message}`);
      }
    }),
  );
  return {
    read: maps.size,
    failed,
    original(file, line, column) {
      const map = maps.get(asUrl(file));
      if (!map || line < 1) return undefined;
      // a function's position is where V8 starts it, which a map may not name exactly:
      // the nearest mapping before it on its line, else the first after it
      const needle = { line, column: Math.max(0, column - 1) };
      let found = originalPositionFor(map, { ...needle, bias: GREATEST_LOWER_BOUND });
      if (found.source === null) found = originalPositionFor(map, { ...needle, bias: LEAST_UPPER_BOUND });
      if (found.source === null) return undefined;
      const url = isAbsolute(file) && found.source.startsWith('file:') ? fileURLToPath(found.source) : found.source;
      return { url, line: found.line, column: found.column + 1 };
    },
  };
}

/** What a user reads about the maps, on stderr: how many were used, and which could not be read. */
export function sourceMapNote(maps: SourceMaps): string {
  let note = '';
  if (maps.read > 0) note += `probing: frames of ${maps.read} script${maps.read === 1 ? '' : 's'} shown at their original source through ${maps.read === 1 ? 'its source map' : 'their source maps'} (--no-source-maps for the generated JavaScript)\n`;
  for (const failure of maps.failed) note += `probing: note: a source map could not be read, its frames are the generated JavaScript: ${failure}\n`;
  return note;
}

type CallFrame = Protocol.Runtime.CallFrame;

/** A frame moved to its original place; the same frame where no map covers it. */
function mapCallFrame(maps: SourceMaps, frame: CallFrame): CallFrame {
  if (!frame.url || frame.lineNumber < 0) return frame;
  const place = maps.original(frame.url, frame.lineNumber + 1, frame.columnNumber + 1);
  return place ? { ...frame, url: place.url, lineNumber: place.line - 1, columnNumber: place.column - 1 } : frame;
}

/**
 * A CPU profile with its frames at their original places. Per-line ticks of a mapped
 * frame count lines of the generated code, which no longer match: they are left out.
 */
export function mapCpuProfile(profile: Protocol.Profiler.Profile, maps: SourceMaps): Protocol.Profiler.Profile {
  if (maps.read === 0) return profile;
  return {
    ...profile,
    nodes: profile.nodes.map((node) => {
      const callFrame = mapCallFrame(maps, node.callFrame);
      if (callFrame === node.callFrame) return node;
      const { positionTicks: _generatedLines, ...rest } = node;
      return { ...rest, callFrame };
    }),
  };
}

/** A sampling heap profile with its frames at their original places. */
export function mapHeapProfile(profile: Protocol.HeapProfiler.SamplingHeapProfile, maps: SourceMaps): Protocol.HeapProfiler.SamplingHeapProfile {
  if (maps.read === 0) return profile;
  const walk = (node: Protocol.HeapProfiler.SamplingHeapProfileNode): Protocol.HeapProfiler.SamplingHeapProfileNode => ({
    ...node,
    callFrame: mapCallFrame(maps, node.callFrame),
    children: node.children.map(walk),
  });
  return { ...profile, head: walk(profile.head) };
}

/** Every script URL a profile's frames name. */
export function profileUrls(frames: Iterable<CallFrame>): Set<string> {
  const urls = new Set<string>();
  for (const frame of frames) if (frame.url) urls.add(frame.url);
  return urls;
}

/** The call frames of a heap profile's tree. */
export function* heapFrames(node: Protocol.HeapProfiler.SamplingHeapProfileNode): Generator<CallFrame> {
  yield node.callFrame;
  for (const child of node.children) yield* heapFrames(child);
}

/**
 * A CPU profile just taken, with its frames at their original places (unless `enabled` is
 * false), and the note for stderr. The maps are read while the target is still attached,
 * after the profile: reading them costs the profile nothing. A target already exiting is
 * not asked.
 */
export async function mapCpuProfileIn(attachment: Attachment, profile: Protocol.Profiler.Profile, enabled: boolean, timeoutMs: number): Promise<{ profile: Protocol.Profiler.Profile; note: string }> {
  if (!enabled || attachment.exiting) return { profile, note: '' };
  const maps = await loadSourceMaps(attachment.session, profileUrls(profile.nodes.map((n) => n.callFrame)), timeoutMs);
  return { profile: mapCpuProfile(profile, maps), note: sourceMapNote(maps) };
}

/** A heap sample just taken, likewise. */
export async function mapHeapProfileIn(attachment: Attachment, profile: Protocol.HeapProfiler.SamplingHeapProfile, enabled: boolean, timeoutMs: number): Promise<{ profile: Protocol.HeapProfiler.SamplingHeapProfile; note: string }> {
  if (!enabled || attachment.exiting) return { profile, note: '' };
  const maps = await loadSourceMaps(attachment.session, profileUrls(heapFrames(profile.head)), timeoutMs);
  return { profile: mapHeapProfile(profile, maps), note: sourceMapNote(maps) };
}
