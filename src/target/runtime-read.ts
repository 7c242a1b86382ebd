/**
 * Runs inside the target: reads rows of a runtime table (probing/runtime) from the
 * shared registry on Symbol.for('probing.runtime'), oldest first, in chunks, so that
 * no single read blocks the event loop for long. `from` is a row sequence number;
 * rows the ring has already overwritten are skipped and counted.
 */
export function readRing(this: void, name: string, from: number, count: number, until: number | null) {
  const registry = (globalThis as unknown as Record<symbol, { protocol: number; tables: Map<string, any> } | undefined>)[Symbol.for('probing.runtime')];
  const ring = registry?.protocol === 1 ? registry.tables.get(name) : undefined;
  if (!ring) return { exists: false, runtime: registry !== undefined, tables: registry ? [...registry.tables.keys()] : [] };
  const end = Math.min(until ?? ring.next, ring.next);
  const oldest = Math.max(0, ring.next - ring.capacity);
  const start = Math.max(from, oldest);
  const rows = [];
  let seq = start;
  for (; seq < end && rows.length < count; seq++) {
    const row = ring.rows[seq % ring.capacity];
    if (row) rows.push({ ...row, ts: new Date(row.ts) });
  }
  return {
    exists: true,
    schema: ring.schema ?? [],
    rows,
    next: seq,
    end,
    skipped: start - from,
    done: seq >= end,
    stats: { capacity: ring.capacity, dropped: ring.dropped, rejected: ring.rejected, appended: ring.next },
  };
}

/** Runs inside the target: one row per runtime table. */
export function runtimeTables(this: void, _load: unknown) {
  const registry = (globalThis as unknown as Record<symbol, { protocol: number; version: string; tables: Map<string, any> } | undefined>)[Symbol.for('probing.runtime')];
  if (!registry) return [];
  return [...registry.tables.values()].map((ring) => ({
    table: ring.name,
    rows: Math.min(ring.next, ring.capacity),
    capacity: ring.capacity,
    appended: ring.next,
    dropped: ring.dropped,
    rejected: ring.rejected,
    last_rejection: ring.lastRejection,
    bytes: Math.round(ring.rowBytes * Math.min(ring.next, ring.capacity)),
    columns: ['ts', ...(ring.schema ?? []).map((c: [string, string]) => c[0])],
    created: new Date(ring.createdAt),
    runtime_version: registry.version,
  }));
}
