/**
 * Runs inside the target: turns any value into compact columns, so that only
 * typed, column-wise data crosses the wire. Self-contained (sent as source text).
 *
 * Shapes: an array of objects → a row per element, columns = the union of keys in
 * first-seen order; an array of scalars → `value`; a Map → `key`, `value`; a Set →
 * `value`; a plain object → one row of its properties; a scalar → one `value` row;
 * null/undefined → no rows.
 *
 * Hostile values are rendered, never thrown: a getter or Proxy trap that throws →
 * "[Threw: message]", a cycle → "[Circular]", a function → "[Function: name]", a
 * symbol → "Symbol(desc)", a Buffer or typed array → "[Uint8Array(n): 01 02 …]", a
 * string longer than maxString → cut with "…[+n chars]", a hole in a sparse array → NULL.
 *
 * A projection (`only`) keeps just the named columns: the others are never read,
 * stored, encoded or counted toward maxBytes, and rows are still counted, so an
 * empty projection answers `count(*)` with `{ rows: N, columns: [] }`.
 */

export type ColumnKind = 'int' | 'float' | 'bool' | 'string' | 'bigint' | 'timestamp' | 'json' | 'null';

export interface ColumnPayload {
  name: string;
  kind: ColumnKind;
  /** base64 of Int32Array (int), Float64Array (float, timestamp, wide int) or Uint8Array (bool). */
  data?: string;
  /** An int column with values beyond 32 bits: its data is a Float64Array of integers (exact doubles). */
  wide?: boolean;
  /** base64 of a Uint8Array: 1 = value present, 0 = NULL. Absent when nothing is NULL. */
  valid?: string;
  /** string, bigint and json columns: the values (json as JSON text), null for NULL. */
  values?: Array<string | null>;
  /** string columns with few distinct values: the distinct values and base64 Int32 indices (-1 = NULL). */
  dict?: string[];
  indices?: string;
}

export interface TablePayload {
  rows: number;
  columns: ColumnPayload[];
  /** Set when rows were left out: why, and how many rows there were (null if unknown). */
  truncated?: { reason: 'rows' | 'bytes'; total: number | null };
  /** Columns the value has that the projection (`only`) left out. */
  skipped?: string[];
}

export interface ColumnLimits {
  maxRows: number;
  maxBytes: number;
  maxString: number;
  maxColumns: number;
  /** Only these columns, matched without regard to case; null or absent: all of them. */
  only?: readonly string[] | null;
}

export function toColumns(value: unknown, limits: ColumnLimits): TablePayload {
  const isObjectLike = (v: unknown): v is object => typeof v === 'object' && v !== null;
  const isRowObject = (v: unknown) =>
    isObjectLike(v) && !(v instanceof Date) && !ArrayBuffer.isView(v) && !(v instanceof Map) && !(v instanceof Set);
  const threw = (error: unknown) => `[Threw: ${(error as Error)?.message ?? String(error)}]`;

  // 0. The projection: lower-cased names, and a verdict per name seen, so each key is lower-cased once.
  let only: Set<string> | null = null;
  if (limits.only !== null && limits.only !== undefined) {
    only = new Set<string>();
    for (let i = 0; i < limits.only.length; i++) only.add(`${limits.only[i]}`.toLowerCase());
  }
  const noColumns = only !== null && only.size === 0;
  const verdicts = new Map<string, boolean>();
  const kept = (name: string): boolean => {
    if (only === null) return true;
    let keep = verdicts.get(name);
    if (keep === undefined) verdicts.set(name, (keep = only.has(name.toLowerCase())));
    return keep;
  };

  // 1. The rows, as [column → value] records, bounded in count and approximate bytes.
  const names: string[] = [];
  const index = new Map<string, number>();
  const cells: unknown[][] = [];
  let rows = 0;
  let bytes = 0;
  let truncated: TablePayload['truncated'];
  const cost = (v: unknown) => (typeof v === 'string' ? Math.min(v.length, limits.maxString) + 8 : 8);
  const column = (name: string): number | undefined => {
    let i = index.get(name);
    if (i === undefined) {
      if (names.length >= limits.maxColumns) return undefined;
      i = names.length;
      names.push(name);
      index.set(name, i);
      cells.push([]);
    }
    return i;
  };
  const addRow = (record: Array<[string, unknown]>): boolean => {
    if (rows >= limits.maxRows) return false;
    let size = 0;
    for (const [name, v] of record) if (kept(name)) size += cost(v);
    if (bytes + size > limits.maxBytes && rows > 0) return false;
    bytes += size;
    for (const [name, v] of record) {
      if (!kept(name)) continue;
      const i = column(name);
      if (i !== undefined) cells[i]![rows] = v;
    }
    rows++;
    return true;
  };
  // `keep` leaves a key out before its value is read: a getter of a column the query does not read never runs.
  const fields = (obj: object, keep: (name: string) => boolean = () => true): Array<[string, unknown]> => {
    let keys: string[];
    try {
      keys = Object.keys(obj);
    } catch (error) {
      return [['value', threw(error)]];
    }
    const out: Array<[string, unknown]> = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (!keep(k)) continue;
      try {
        out.push([k, (obj as Record<string, unknown>)[k]]);
      } catch (error) {
        out.push([k, threw(error)]);
      }
    }
    return out;
  };
  // A row's cells: none at all when no column is wanted (the row still counts).
  const rowFields = (obj: object): Array<[string, unknown]> => (noColumns ? [] : fields(obj, kept));
  const stop = (reason: 'rows' | 'bytes', total: number | null) => {
    truncated = { reason: rows >= limits.maxRows ? 'rows' : reason, total };
  };

  try {
    if (value === null || value === undefined) {
      // no rows
    } else if (noColumns && (Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Map || value instanceof Set)) {
      // Only the count is wanted: a row per element (as below), without reading one.
      const total = value instanceof Map || value instanceof Set ? value.size : (value as ArrayLike<unknown>).length;
      rows = Math.min(total, limits.maxRows);
      if (rows < total) stop('rows', total);
    } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      const list = value as ArrayLike<unknown>;
      let objects: boolean | undefined;
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (objects === undefined && item !== null && item !== undefined) objects = isRowObject(item);
        const record: Array<[string, unknown]> = objects && isRowObject(item) ? rowFields(item as object) : [['value', item]];
        if (!addRow(record)) {
          stop('bytes', list.length);
          break;
        }
      }
    } else if (value instanceof Map) {
      for (const [k, v] of value) {
        if (!addRow([['key', k], ['value', v]])) {
          stop('bytes', value.size);
          break;
        }
      }
    } else if (value instanceof Set) {
      for (const v of value) {
        if (!addRow([['value', v]])) {
          stop('bytes', value.size);
          break;
        }
      }
    } else if (isRowObject(value)) {
      addRow(rowFields(value as object));
    } else {
      addRow([['value', value]]);
    }
  } catch (error) {
    // a Proxy or getter on the container itself: what was read so far stands
    if (rows === 0) addRow([['value', threw(error)]]);
  }

  // 2. Each column: infer its kind and encode it compactly.
  const clip = (s: string) => (s.length > limits.maxString ? `${s.slice(0, limits.maxString)}…[+${s.length - limits.maxString} chars]` : s);
  const describe = (v: unknown): string | undefined => {
    if (typeof v === 'function') return `[Function: ${v.name || 'anonymous'}]`;
    if (typeof v === 'symbol') return v.toString();
    if (ArrayBuffer.isView(v)) {
      const bytesView = new Uint8Array(v.buffer, v.byteOffset, Math.min(v.byteLength, 16));
      const hex = Array.from(bytesView, (b) => b.toString(16).padStart(2, '0')).join(' ');
      const length = (v as unknown as { length?: number }).length ?? v.byteLength;
      return `[${v.constructor.name}(${length}): ${hex}${v.byteLength > 16 ? ' …' : ''}]`;
    }
    return undefined;
  };
  const toJson = (v: unknown): string => {
    const seen: object[] = [];
    let budget = limits.maxString;
    const walk = (x: unknown, depth: number): unknown => {
      const described = describe(x);
      if (described !== undefined) return described;
      if (typeof x === 'bigint') return x.toString();
      if (typeof x === 'string') return clip(x);
      if (!isObjectLike(x)) return x;
      if (x instanceof Date) return Number.isNaN(x.getTime()) ? null : x.toISOString();
      if (seen.includes(x)) return '[Circular]';
      if (depth > 20 || budget <= 0) return '[…]';
      seen.push(x);
      try {
        if (x instanceof Error) return { name: x.name, message: x.message };
        if (x instanceof Map) return walk(Object.fromEntries([...x].map(([k, val]) => [String(k), val])), depth);
        if (x instanceof Set) return walk([...x], depth);
        if (Array.isArray(x)) {
          const out: unknown[] = [];
          for (let i = 0; i < x.length && budget > 0; i++, budget -= 8) out.push(i in x ? walk(x[i], depth + 1) ?? null : null);
          return out;
        }
        const out: Record<string, unknown> = {};
        for (const [k, val] of fields(x)) {
          if ((budget -= k.length + 8) <= 0) break;
          const w = walk(val, depth + 1);
          if (w !== undefined) out[k] = w;
        }
        return out;
      } finally {
        seen.pop();
      }
    };
    try {
      return JSON.stringify(walk(v, 0)) ?? 'null';
    } catch (error) {
      return JSON.stringify(threw(error));
    }
  };
  const base64 = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');

  // The kind that holds both exactly: int+float → float, int+bigint → bigint; float+bigint has
  // none (a double loses a large bigint's digits, a bigint a float's fraction), so it is json.
  const widen = (a: ColumnKind, b: ColumnKind): ColumnKind => {
    const pair = (x: ColumnKind, y: ColumnKind) => (a === x && b === y) || (a === y && b === x);
    if (pair('int', 'float')) return 'float';
    if (pair('int', 'bigint')) return 'bigint';
    return 'json';
  };
  // Exact decimal text: a bigint's own, or an integer number's full digits (String(2 ** 70) would be 1.18e+21).
  const decimal = (v: unknown) => (typeof v === 'bigint' ? v.toString() : BigInt(v as number).toString());

  const columns: ColumnPayload[] = names.map((name, c) => {
    const values = cells[c]!;
    let kind: ColumnKind | undefined;
    let int32 = true;
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      if (v === null || v === undefined) continue;
      const k: ColumnKind =
        typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int' : 'float')
        : typeof v === 'boolean' ? 'bool'
        : typeof v === 'bigint' ? 'bigint'
        : typeof v === 'string' ? 'string'
        : v instanceof Date ? 'timestamp'
        : 'json';
      if (k === 'int' && (v as number) !== ((v as number) | 0)) int32 = false;
      if (kind === undefined) kind = k;
      else if (kind !== k) kind = widen(kind, k);
    }
    kind ??= 'null';
    // integers beyond 32 bits (Date.now(), byte counts) stay integers, sent as exact doubles
    const wide = kind === 'int' && !int32;
    const valid = new Uint8Array(rows);
    let nulls = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      const isNull = v === null || v === undefined || (v instanceof Date && Number.isNaN(v.getTime()));
      valid[r] = isNull ? 0 : 1;
      if (isNull) nulls++;
    }
    const out: ColumnPayload = { name, kind };
    if (nulls > 0 && kind !== 'null') out.valid = base64(valid);
    if (kind === 'int' || kind === 'float' || kind === 'timestamp' || kind === 'bool') {
      const data = kind === 'int' && !wide ? new Int32Array(rows) : kind === 'bool' ? new Uint8Array(rows) : new Float64Array(rows);
      if (wide) out.wide = true;
      for (let r = 0; r < rows; r++) {
        if (!valid[r]) continue;
        const v = values[r];
        data[r] = kind === 'timestamp' ? (v as Date).getTime() : kind === 'bool' ? (v ? 1 : 0) : (v as number);
      }
      out.data = base64(data);
    } else if (kind === 'string') {
      const distinct = new Map<string, number>();
      const indices = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        if (!valid[r]) {
          indices[r] = -1;
          continue;
        }
        const s = clip(values[r] as string);
        let i = distinct.get(s);
        if (i === undefined) distinct.set(s, (i = distinct.size));
        indices[r] = i;
        // too many distinct values for a dictionary to pay: stop counting them
        if (distinct.size > 65536) break;
      }
      if (distinct.size <= 65536 && distinct.size * 2 <= rows) {
        out.dict = [...distinct.keys()];
        out.indices = base64(indices);
      } else {
        out.values = Array.from({ length: rows }, (_, r) => (valid[r] ? clip(values[r] as string) : null));
      }
    } else if (kind === 'bigint') {
      out.values = Array.from({ length: rows }, (_, r) => (valid[r] ? decimal(values[r]) : null));
    } else if (kind === 'json') {
      out.values = Array.from({ length: rows }, (_, r) => (valid[r] ? toJson(values[r]) : null));
    }
    return out;
  });
  // the names a projection left out, so that an unknown column's hint can list the real ones
  const skipped: string[] = [];
  verdicts.forEach((keep, name) => {
    if (!keep && skipped.length < limits.maxColumns) skipped.push(name);
  });
  const out: TablePayload = truncated ? { rows, columns, truncated } : { rows, columns };
  if (skipped.length > 0) out.skipped = skipped;
  return out;
}
