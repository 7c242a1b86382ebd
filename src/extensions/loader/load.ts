/**
 * The extension loader, a pipeline after Grafana's: discover → bootstrap (read the
 * manifest) → validate (name, API version, reserved names, duplicates, versions)
 * → initialize. Everything ends in one registry; what could not be loaded is kept
 * with the reason, for `probing ext list`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProbingError } from '../../errors.js';
import { defaultRegistry, RESERVED_NAMES } from '../builtin/index.js';
import { API_VERSION, type Extension } from '../contract.js';
import type { Registry } from '../registry.js';
import { probingHome, readSettings } from './home.js';
import { limitsOf, type ExtensionLimits } from './limits.js';
import type { FunctionManifest } from './http-functions.js';

export const MANIFEST = 'probing-extension.json';
const NAME = /^[a-z][a-z0-9_]*$/;

export type ExtensionKind = 'module' | 'process' | 'functions';
export type ExtensionState = 'loaded' | 'disabled' | 'failed' | 'shadowed';

export interface Manifest {
  name: string;
  version?: string;
  apiVersion?: number;
  description?: string;
  kind: ExtensionKind;
  /** module: the file to import. */
  main?: string;
  /** process: the program and its arguments, run in the manifest's directory. */
  command?: string[];
  /** process: the namespaces it provides (it is started only when a query uses one). */
  namespaces?: string[];
  /** functions: SQL functions that call an HTTP service. */
  functions?: FunctionManifest[];
  /** process and functions: how much it may send the CLI (limits.ts), e.g. { "message_bytes": "128m" }. */
  limits?: Record<string, unknown>;
}

export interface ExtensionRecord {
  name: string;
  version: string | null;
  kind: ExtensionKind | 'unknown';
  path: string;
  origin: 'flag' | 'home' | 'npm';
  state: ExtensionState;
  reason?: string;
  provides: string[];
  extension?: Extension;
  /** process and functions: how much it may send the CLI. */
  limits?: ExtensionLimits;
}

export interface Loaded {
  registry: Registry;
  records: ExtensionRecord[];
  /** Stops out-of-process extensions that were started. */
  dispose(): void;
}

interface Candidate {
  path: string;
  origin: ExtensionRecord['origin'];
}

class ManifestError extends ProbingError {}

/** Discover: --extension paths, the probing directory's extensions/, npm packages named probing-extension-*. */
function discover(paths: readonly string[], cwd: string): Candidate[] {
  const found: Candidate[] = paths.map((p) => ({ path: resolve(cwd, p), origin: 'flag' as const }));
  const home = join(probingHome(), 'extensions');
  if (existsSync(home)) {
    for (const entry of readdirSync(home).sort()) {
      if (entry.startsWith('.')) continue;
      found.push({ path: join(home, entry), origin: 'home' });
    }
  }
  const modules = join(cwd, 'node_modules');
  if (existsSync(modules)) {
    for (const entry of readdirSync(modules)) {
      const dirs = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((e) => join(entry, e)) : [entry];
      for (const dir of dirs) if (/(^|\/)probing-extension-[a-z0-9_-]+$/.test(dir)) found.push({ path: join(modules, dir), origin: 'npm' });
    }
  }
  return found;
}

/** name@1.2.0.mjs → { name, version } */
function fromFileName(file: string): { name: string; version?: string } {
  const stem = basename(file, extname(file));
  const at = stem.lastIndexOf('@');
  return at > 0 ? { name: stem.slice(0, at), version: stem.slice(at + 1) } : { name: stem };
}

/** Bootstrap: what the candidate says it is, without running anything. */
function bootstrap(candidate: Candidate): { manifest: Manifest; root: string } {
  const path = candidate.path;
  if (!existsSync(path)) throw new ManifestError('NOT_FOUND', `${path} does not exist`);
  if (statSync(path).isDirectory()) {
    let manifestPath = join(path, MANIFEST);
    let raw: unknown;
    if (existsSync(manifestPath)) {
      try {
        raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
      } catch (error) {
        throw new ManifestError('BAD_MANIFEST', `${manifestPath} is not valid JSON: ${(error as Error).message}`);
      }
    } else {
      manifestPath = join(path, 'package.json');
      const pkg = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { probing?: unknown; name?: string; version?: string }) : undefined;
      if (!pkg?.probing) throw new ManifestError('NO_MANIFEST', `${path} has no ${MANIFEST} (nor a "probing" field in package.json)`);
      raw = { version: pkg.version, ...(pkg.probing as object) };
    }
    return { manifest: checkManifest(raw, manifestPath), root: path };
  }
  if (basename(path) === MANIFEST) {
    try {
      return { manifest: checkManifest(JSON.parse(readFileSync(path, 'utf8')), path), root: dirname(path) };
    } catch (error) {
      if (error instanceof ManifestError) throw error;
      throw new ManifestError('BAD_MANIFEST', `${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!['.js', '.mjs', '.cjs'].includes(extname(path))) throw new ManifestError('UNKNOWN_FILE', `${path} is neither a JavaScript module nor a ${MANIFEST}`);
  const { name, version } = fromFileName(path);
  return { manifest: { name, ...(version ? { version } : {}), kind: 'module', main: basename(path) }, root: dirname(path) };
}

function checkManifest(raw: unknown, path: string): Manifest {
  const m = raw as Partial<Manifest> | null;
  const bad = (what: string) => new ManifestError('BAD_MANIFEST', `${path}: ${what}`);
  if (typeof m !== 'object' || m === null) throw bad('not a JSON object');
  if (typeof m.name !== 'string') throw bad('"name" is missing');
  if (m.kind !== 'module' && m.kind !== 'process' && m.kind !== 'functions') throw bad('"kind" must be "module", "process" or "functions"');
  if (m.kind === 'module' && typeof m.main !== 'string') throw bad('a module extension needs "main"');
  if (m.kind === 'process' && (!Array.isArray(m.command) || m.command.length === 0 || !Array.isArray(m.namespaces))) throw bad('a process extension needs "command" (an array) and "namespaces"');
  if (m.kind === 'functions' && !Array.isArray(m.functions)) throw bad('a functions extension needs "functions"');
  return m as Manifest;
}

function compareVersions(a: string | null, b: string | null): number {
  const parts = (v: string | null) => (v ?? '0').split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

export async function loadExtensions(options: { paths?: readonly string[]; cwd?: string; timeoutMs?: number } = {}): Promise<Loaded> {
  const registry = defaultRegistry();
  const settings = readSettings();
  const records: ExtensionRecord[] = [];
  const disposers: Array<() => void> = [];

  // Bootstrap every candidate; a bad one is recorded, not fatal.
  const booted: Array<{ record: ExtensionRecord; manifest: Manifest; root: string }> = [];
  for (const candidate of discover(options.paths ?? [], options.cwd ?? process.cwd())) {
    try {
      const { manifest, root } = bootstrap(candidate);
      booted.push({ record: { name: manifest.name, version: manifest.version ?? null, kind: manifest.kind, path: candidate.path, origin: candidate.origin, state: 'loaded', provides: [] }, manifest, root });
    } catch (error) {
      records.push({ name: basename(candidate.path), version: null, kind: 'unknown', path: candidate.path, origin: candidate.origin, state: 'failed', reason: (error as Error).message, provides: [] });
    }
  }

  // Validate: names, API versions, and the newest of several versions.
  const byName = new Map<string, typeof booted>();
  for (const b of booted) {
    const { record, manifest } = b;
    records.push(record);
    if (!NAME.test(manifest.name)) {
      record.state = 'failed';
      record.reason = `name "${manifest.name}" must match ${NAME}`;
    } else if (RESERVED_NAMES.has(manifest.name)) {
      record.state = 'failed';
      record.reason = `"${manifest.name}" is a built-in name`;
    } else if ((manifest.apiVersion ?? API_VERSION) !== API_VERSION) {
      record.state = 'failed';
      record.reason = `written for extension API ${manifest.apiVersion}; this probing speaks API ${API_VERSION}`;
    } else {
      byName.set(manifest.name, [...(byName.get(manifest.name) ?? []), b]);
    }
  }
  const chosen: typeof booted = [];
  for (const group of byName.values()) {
    group.sort((a, b) => compareVersions(b.record.version, a.record.version));
    const [newest, ...older] = group;
    for (const o of older) {
      o.record.state = 'failed';
      o.record.reason = compareVersions(o.record.version, newest!.record.version) === 0
        ? `another ${o.record.name}@${o.record.version ?? '(no version)'} was found first (${newest!.record.path})`
        : `shadowed by ${newest!.record.name}@${newest!.record.version} (${newest!.record.path})`;
      if (compareVersions(o.record.version, newest!.record.version) !== 0) o.record.state = 'shadowed';
    }
    chosen.push(newest!);
  }

  // Initialize, unless disabled; register, refusing namespaces already taken.
  for (const { record, manifest, root } of chosen) {
    if (settings.disabled.includes(record.name)) {
      record.state = 'disabled';
      continue;
    }
    try {
      const optionValues = settings.options[record.name] ?? {};
      if (manifest.kind !== 'module') record.limits = limitsOf(manifest, optionValues);
      // each kind's code loads only when an extension of that kind is found
      const extension =
        manifest.kind === 'module'
          ? await (await import('./module-extension.js')).moduleExtension(pathToFileURL(join(root, manifest.main!)).href, manifest, optionValues)
          : manifest.kind === 'process'
            ? (await import('./process-extension.js')).processExtension(manifest, root, optionValues, options.timeoutMs ?? 10_000, disposers, record.limits!)
            : (await import('./http-functions.js')).functionsExtension(manifest, record.limits!);
      if (extension.name !== manifest.name) throw new ManifestError('NAME_MISMATCH', `the module calls itself "${extension.name}", its file or manifest "${manifest.name}"`);
      for (const ns of extension.namespaces) if (RESERVED_NAMES.has(ns.name)) throw new ManifestError('RESERVED', `namespace "${ns.name}" is built in and cannot be taken`);
      registry.register(extension);
      record.extension = extension;
      record.version = extension.version ?? record.version;
      record.provides = [
        ...extension.namespaces.map((ns) => `${ns.name}.*`),
        ...(extension.calls ?? []).map((c) => `call ${record.name}.${c.name}`),
        ...(extension.functions ?? []).map((f) => `${f.name}()`),
      ];
    } catch (error) {
      record.state = 'failed';
      record.reason = (error as Error).message;
    }
  }
  return { registry, records, dispose: () => disposers.forEach((d) => d()) };
}
