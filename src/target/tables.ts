/**
 * Runs inside the target: the snippets behind the built-in tables. Each is sent
 * as source text, takes `load` (a loader for node: built-ins that works in CommonJS
 * and ESM targets) and returns plain rows; target/columns.ts turns them into columns.
 * Every one reads; none changes the process (process.handles restores the one
 * setting it touches).
 *
 * They run in a realm of probing's own (target/realm.ts), with `process` as its one
 * global: arrays the target's functions return are copied with this realm's
 * Array.prototype.slice before they are iterated or mapped, never walked with their own
 * (possibly replaced) methods or iterators.
 */
type Load = (id: string) => any;

type Masker = () => { name(name: string): boolean; value(value: string): string; argv(argv: readonly string[]): string[] };

export function processInfo(this: void, _load: Load, showSecrets: boolean, masker: Masker) {
  const p = process as NodeJS.Process & { mainModule?: unknown };
  const mask = masker();
  const args = (list: readonly string[]) => (showSecrets ? Array.prototype.slice.call(list) : mask.argv(Array.prototype.slice.call(list) as string[]));
  return [
    {
      pid: p.pid,
      ppid: p.ppid,
      title: p.title,
      argv: args(p.argv),
      exec_argv: args(p.execArgv),
      cwd: p.cwd(),
      node_version: p.version,
      v8_version: p.versions.v8,
      platform: p.platform,
      arch: p.arch,
      uptime_s: p.uptime(),
      uid: typeof p.getuid === 'function' ? p.getuid() : null,
      gid: typeof p.getgid === 'function' ? p.getgid() : null,
      module_system: p.mainModule ? 'commonjs' : p.argv[1] ? 'esm' : 'none',
      entry: p.argv[1] ?? null,
    },
  ];
}

export function processEnv(this: void, _load: Load, showSecrets: boolean, masker: Masker) {
  const mask = masker();
  return Object.keys(process.env)
    .sort()
    .map((name) => {
      const raw = process.env[name];
      if (showSecrets || raw === undefined) return { name, value: raw ?? null, masked: false };
      // a secret's name hides the whole value; any value hides the credentials in it
      const value = mask.name(name) ? '********' : mask.value(raw);
      return { name, value, masked: value !== raw };
    });
}

export function processMemory(this: void, _load: Load) {
  const m = process.memoryUsage();
  return [{ rss: m.rss, heap_total: m.heapTotal, heap_used: m.heapUsed, external: m.external, array_buffers: m.arrayBuffers }];
}

export function processResourceUsage(this: void, _load: Load) {
  const r = process.resourceUsage();
  return [
    {
      user_cpu_us: r.userCPUTime,
      system_cpu_us: r.systemCPUTime,
      max_rss_kb: r.maxRSS,
      minor_page_faults: r.minorPageFault,
      major_page_faults: r.majorPageFault,
      voluntary_context_switches: r.voluntaryContextSwitches,
      involuntary_context_switches: r.involuntaryContextSwitches,
      fs_reads: r.fsRead,
      fs_writes: r.fsWrite,
      signals: r.signalsCount,
    },
  ];
}

export function processResources(this: void, _load: Load) {
  const counts = new Map<string, number>();
  for (const type of Array.prototype.slice.call(process.getActiveResourcesInfo()) as string[]) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

export function processHandles(this: void, _load: Load) {
  const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
  // The network interface lookup in a report can take minutes: leave it out, then put the setting back.
  const previous = report.excludeNetwork;
  let data: { libuv?: Array<Record<string, unknown>> };
  try {
    report.excludeNetwork = true;
    data = report.getReport() as typeof data;
  } finally {
    report.excludeNetwork = previous;
  }
  const endpoint = (e: unknown, key: 'host' | 'port') => {
    const value = (e as Record<string, unknown> | undefined)?.[key === 'host' ? 'ip4' : 'port'] ?? (e as Record<string, unknown> | undefined)?.[key === 'host' ? 'ip6' : 'port'] ?? (e as Record<string, unknown> | undefined)?.[key];
    return value === undefined ? null : value;
  };
  return (Array.prototype.slice.call(data.libuv ?? []) as Array<Record<string, unknown>>).map((h) => {
    const { type, is_active, is_referenced, fd, localEndpoint, remoteEndpoint, address, ...rest } = h;
    return {
      type,
      active: is_active ?? null,
      referenced: is_referenced ?? null,
      fd: typeof fd === 'number' ? fd : null,
      local_address: endpoint(localEndpoint, 'host'),
      local_port: endpoint(localEndpoint, 'port'),
      remote_address: endpoint(remoteEndpoint, 'host'),
      remote_port: endpoint(remoteEndpoint, 'port'),
      handle: address ?? null,
      details: Object.keys(rest).length > 0 ? rest : null,
    };
  });
}

export function processVersions(this: void, _load: Load) {
  return Object.entries(process.versions).map(([component, version]) => ({ component, version: version ?? null }));
}

export function v8HeapSpaces(this: void, load: Load) {
  return (Array.prototype.slice.call(load('node:v8').getHeapSpaceStatistics()) as Array<Record<string, number | string>>).map((s) => ({
    space: s.space_name,
    size: s.space_size,
    used: s.space_used_size,
    available: s.space_available_size,
    physical: s.physical_space_size,
  }));
}

export function v8HeapStatistics(this: void, load: Load) {
  return [load('node:v8').getHeapStatistics() as Record<string, number>];
}

export function v8HeapCodeStatistics(this: void, load: Load) {
  return [load('node:v8').getHeapCodeStatistics() as Record<string, number>];
}

export function osInfo(this: void, load: Load) {
  const os = load('node:os');
  const [l1, l5, l15] = Array.prototype.slice.call(os.loadavg()) as number[];
  return [
    {
      hostname: os.hostname(),
      type: os.type(),
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      uptime_s: os.uptime(),
      load_1m: l1,
      load_5m: l5,
      load_15m: l15,
      total_memory: os.totalmem(),
      free_memory: os.freemem(),
      cpu_count: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    },
  ];
}

export function osCpus(this: void, load: Load) {
  return (Array.prototype.slice.call(load('node:os').cpus()) as Array<{ model: string; speed: number; times: Record<string, number> }>).map((c, i) => ({
    cpu: i,
    model: c.model,
    speed_mhz: c.speed,
    user_ms: c.times.user,
    nice_ms: c.times.nice,
    sys_ms: c.times.sys,
    idle_ms: c.times.idle,
    irq_ms: c.times.irq,
  }));
}

/**
 * Loaded modules: CommonJS from the require cache, ES modules from the file URLs the
 * CLI collected from the inspector (Debugger.scriptParsed) — Node 20 has no public
 * list of loaded ES modules. Package name and version come from the nearest
 * package.json. `equals` filters before any file is read; `limit` stops early.
 */
export function nodeModules(this: void, load: Load, esmUrls: string[], equals: Record<string, unknown>, limit: number) {
  const fs = load('node:fs');
  const path = load('node:path');
  const url = load('node:url');
  const cache = load('node:module')._cache as Record<string, unknown>;
  const packages = new Map<string, { name: string | null; version: string | null; dir: string } | null>();
  const packageOf = (file: string) => {
    const seen: string[] = [];
    let dir = path.dirname(file);
    let found: { name: string | null; version: string | null; dir: string } | null = null;
    for (;;) {
      if (packages.has(dir)) {
        found = packages.get(dir)!;
        break;
      }
      seen.push(dir);
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
        if (pkg && (pkg.name || pkg.version)) {
          found = { name: pkg.name ?? null, version: pkg.version ?? null, dir };
          break;
        }
      } catch {
        // no package.json here
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (const d of seen) packages.set(d, found);
    return found;
  };
  const candidates: Array<{ path: string; kind: string }> = Object.keys(cache).map((p) => ({ path: p, kind: 'commonjs' }));
  const cjs = new Set(Object.keys(cache));
  for (const u of esmUrls) {
    try {
      const p = url.fileURLToPath(u);
      if (!cjs.has(p)) candidates.push({ path: p, kind: 'esm' });
    } catch {
      // not a file URL
    }
  }
  const rows = [];
  for (const c of candidates) {
    if (equals.path !== undefined && c.path !== equals.path) continue;
    if (equals.kind !== undefined && c.kind !== equals.kind) continue;
    const pkg = packageOf(c.path);
    if (equals.package !== undefined && (pkg?.name ?? null) !== equals.package) continue;
    let size: number | null = null;
    try {
      size = fs.statSync(c.path).size;
    } catch {
      // gone from disk
    }
    rows.push({ path: c.path, kind: c.kind, package: pkg?.name ?? null, version: pkg?.version ?? null, package_dir: pkg?.dir ?? null, size_bytes: size });
    if (rows.length >= limit) break;
  }
  return rows;
}
