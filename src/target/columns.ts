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
 * It is compiled in a context of its own in the target (src/target/realm.ts), so the
 * built-ins it uses are pristine whatever the target did to its own: values of the
 * target's realm are told apart by brand checks (Map.prototype.size, Date.prototype.getTime),
 * never by instanceof, and iterated through this realm's methods, never their own.
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

/**
 * A column as columnSteps leaves it: its long parts in pieces, so that no step allocates or
 * encodes a million values at once, and a pull writes them piece by piece (target/pull.ts).
 * The base64 texts are cut at multiples of 3 bytes, so their pieces join into the whole.
 */
export interface ColumnParts extends Omit<ColumnPayload, 'data' | 'valid' | 'values' | 'indices'> {
  data?: string[];
  valid?: string[];
  values?: Array<Array<string | null>>;
  indices?: string[];
}

export interface TableParts extends Omit<TablePayload, 'columns'> {
  columns: ColumnParts[];
}

export interface TablePayload {
  rows: number;
  columns: ColumnPayload[];
  /** Set when rows were left out: why, and how many rows there were (null if unknown). */
  /** rows/bytes: cut by the limits; threw: reading the container threw after `rows` rows (message: what it threw). */
  truncated?: { reason: 'rows' | 'bytes' | 'threw'; total: number | null; message?: string };
  /** Columns the value has that the projection (`only`) left out. */
  skipped?: string[];
  /** Columns with values cut at maxString (ending in "…[+n chars]"), and how many. */
  clipped?: Record<string, number>;
}

export interface ColumnLimits {
  maxRows: number;
  maxBytes: number;
  maxString: number;
  maxColumns: number;
  /** Only these columns, matched without regard to case; null or absent: all of them. */
  only?: readonly string[] | null;
}

/** columnSteps run to the end, in one go. Self-contained with columnSteps passed in (see realm.ts columnsOf). */
export function toColumns(value: unknown, limits: ColumnLimits, native?: NativeHelpers): TablePayload {
  const steps = columnSteps(value, limits, native);
  for (;;) {
    const step = steps.next();
    if (step.done) return joinParts(step.value);
  }
}

/** columnSteps' pieces joined into one payload. Self-contained: sent as source. */
export function joinParts(table: TableParts): TablePayload {
  const columns = table.columns.map((column) => {
    const { data, valid, values, indices, ...rest } = column;
    const out: ColumnPayload = rest;
    if (data !== undefined) out.data = data.join('');
    if (valid !== undefined) out.valid = valid.join('');
    if (indices !== undefined) out.indices = indices.join('');
    if (values !== undefined) out.values = ([] as Array<string | null>).concat(...values);
    return out;
  });
  return { ...table, columns };
}

/** From the target's node:buffer and node:util (target/realm.ts); toColumns falls back to its own when absent. */
export interface NativeHelpers {
  encode: (view: ArrayBufferView) => string;
  types: { isMap(v: unknown): boolean; isSet(v: unknown): boolean; isDate(v: unknown): boolean; isRegExp(v: unknown): boolean; isNativeError(v: unknown): boolean };
}

/**
 * toColumns, in steps: it yields every few dozen rows (and values, when encoding), so that
 * a driver in the target (target/pull.ts) can stop after a time budget, let the event loop
 * run, and go on in a later evaluation. An array is read from a copy of its references
 * taken at the start (rows stay the ones that were there); a Map or Set is iterated live
 * across steps, as for…of would (an entry added meanwhile may appear, one deleted does not).
 * Self-contained: sent as source.
 */
export function* columnSteps(value: unknown, limits: ColumnLimits, native?: NativeHelpers): Generator<undefined, TableParts, undefined> {
  /** Every this many rows (or values, when encoding), a step may end. */
  const STEP = 64;
  const ENCODE_STEP = 2048;
  /**
   * Columns are kept in chunks of CHUNK rows: a million-row array allocated in one go, and
   * the scavenges that scan it, stalled the target for tens of ms. STEP and ENCODE_STEP divide
   * it, so that a piece of rows lies in one chunk.
   */
  const SHIFT = 13;
  const CHUNK = 1 << SHIFT;
  const MASK = CHUNK - 1;
  /** Bytes base64-encoded in one piece: a multiple of 3, so that the pieces join into the whole. */
  const BASE64_PIECE = 3 * 65536;
  /**
   * Runs `range(from, to)` over 0…n in pieces of `size`, yielding between them; stops when
   * it answers false. The loops live in plain functions: a generator's own loops run slower.
   */
  function* pieces(n: number, size: number, range: (from: number, to: number) => boolean | void): Generator<undefined, boolean, undefined> {
    for (let from = 0; from < n; from += size) {
      if (range(from, Math.min(n, from + size)) === false) return false;
      if (from + size < n) yield;
    }
    return true;
  }
  // Brand checks and methods of this realm: they work on the target's values too.
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const getTime = Date.prototype.getTime;
  const toISOString = Date.prototype.toISOString;
  const symbolText = Symbol.prototype.toString;
  const objectTag = Object.prototype.toString;
  // node:util's types answer from internal slots, across realms, without throwing; a
  // getter called on the wrong object throws, which costs microseconds a value
  const brand = (getter: () => unknown, v: unknown): boolean => {
    try {
      getter.call(v);
      return true;
    } catch {
      return false;
    }
  };
  const types = native?.types;
  const isMap = (v: unknown): v is Map<unknown, unknown> => typeof v === 'object' && v !== null && (types ? types.isMap(v) : brand(mapSize, v));
  const isSet = (v: unknown): v is Set<unknown> => typeof v === 'object' && v !== null && (types ? types.isSet(v) : brand(setSize, v));
  const isDate = (v: unknown): v is Date => typeof v === 'object' && v !== null && (types ? types.isDate(v) : brand(getTime, v));
  const sizeOf = (v: Map<unknown, unknown> | Set<unknown>): number => (isMap(v) ? mapSize.call(v) : setSize.call(v)) as number;
  const isObjectLike = (v: unknown): v is object => typeof v === 'object' && v !== null;
  const isRegExp = (v: unknown): v is RegExp => isObjectLike(v) && (types ? types.isRegExp(v) : objectTag.call(v) === '[object RegExp]');
  const isError = (v: unknown): v is Error => isObjectLike(v) && ((types ? types.isNativeError(v) : false) || objectTag.call(v) === '[object Error]');
  const isUrl = (v: unknown): v is URL => isObjectLike(v) && objectTag.call(v) === '[object URL]';
  /** Values that are one thing, shown as text, not rows of their properties (a RegExp has none of its own). */
  const isAtom = (v: unknown) => isRegExp(v) || isError(v) || isUrl(v);
  const isRowObject = (v: unknown) => isObjectLike(v) && !isDate(v) && !ArrayBuffer.isView(v) && !isMap(v) && !isSet(v) && !isAtom(v);
  const atomText = (v: object): string => {
    try {
      if (isRegExp(v)) return RegExp.prototype.toString.call(v);
      if (isUrl(v)) return String((v as URL).href);
      const e = v as Error;
      return `${e.name}: ${e.message}`;
    } catch (error) {
      return `[Threw: ${(error as Error)?.message ?? String(error)}]`;
    }
  };
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
  /** Per column, its chunks of CHUNK rows (target rows), allocated as rows reach them; a chunk never reached reads as NULL. */
  const cells: unknown[][][] = [];
  /** Rows the value will give, when known: each chunk is allocated at its length once. */
  let expected = 0;
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
      if (i === undefined) continue;
      const chunks = cells[i]!;
      const k = rows >>> SHIFT;
      let chunk = chunks[k];
      if (chunk === undefined) {
        // at its length once, where the rows are known; past them (a Map that grew while it
        // was read) or where they are not, a chunk grows as it goes
        const length = Math.min(CHUNK, expected - k * CHUNK);
        chunks[k] = chunk = length > 0 ? new Array(length) : [];
      }
      chunk[rows & MASK] = typeof v === 'object' && v !== null && isAtom(v) ? atomText(v) : v;
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
    } else if (noColumns && (Array.isArray(value) || ArrayBuffer.isView(value) || isMap(value) || isSet(value))) {
      // Only the count is wanted: a row per element (as below), without reading one.
      const total = isMap(value) || isSet(value) ? sizeOf(value) : (value as ArrayLike<unknown>).length;
      rows = Math.min(total, limits.maxRows);
      if (rows < total) stop('rows', total);
    } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      // the references as they are now: rows read in later steps are the ones that were there
      let list = value as ArrayLike<unknown>;
      try {
        if (Array.isArray(value)) {
          // a loop, not slice: slice of another realm's array takes V8's slow path (~60 ms a million, against ~10)
          const array = value as unknown[];
          const length = array.length;
          const copy = new Array<unknown>(length);
          for (let i = 0; i < length; i++) copy[i] = array[i];
          list = copy;
        }
      } catch {
        // a Proxy whose traps throw: read live, item by item, as far as it lets us
      }
      let objects: boolean | undefined;
      expected = Math.min(list.length, limits.maxRows);
      // the first row's columns, one allocation a step (each is `expected` long)
      if (expected > STEP && !noColumns) {
        // the first item's: the order stays first-seen (a leading null makes `value` first)
        const first = list[0];
        // the names only: no getter runs here
        let names: string[] = first === null || first === undefined ? [] : ['value'];
        if (isRowObject(first)) {
          try {
            names = Object.keys(first as object).filter(kept);
          } catch {
            names = [];
          }
        }
        for (const name of names) {
          column(name);
          yield;
        }
      }
      yield* pieces(list.length, STEP, (from, to) => {
        for (let i = from; i < to; i++) {
          const item = list[i];
          if (objects === undefined && item !== null && item !== undefined) objects = isRowObject(item);
          const record: Array<[string, unknown]> = objects && isRowObject(item) ? rowFields(item as object) : [['value', item]];
          if (!addRow(record)) {
            stop('bytes', list.length);
            return false;
          }
        }
        return true;
      });
    } else if (isMap(value) || isSet(value)) {
      // iterated live, STEP entries a piece
      const map = isMap(value);
      expected = Math.min(sizeOf(value as Map<unknown, unknown>), limits.maxRows);
      const entries = (map ? mapEntries.call(value) : setValues.call(value)) as Iterator<unknown>;
      const some = (): boolean | undefined => {
        for (let k = 0; k < STEP; k++) {
          const next = entries.next();
          if (next.done) return undefined;
          const entry = next.value as [unknown, unknown];
          if (!addRow(map ? [['key', entry[0]], ['value', entry[1]]] : [['value', next.value]])) {
            stop('bytes', sizeOf(value as Map<unknown, unknown>));
            return false;
          }
        }
        return true;
      };
      while (some()) yield;
    } else if (isRowObject(value)) {
      addRow(rowFields(value as object));
    } else {
      addRow([['value', value]]);
    }
  } catch (error) {
    // a Proxy or getter on the container itself: nothing read yet, the error is the one row;
    // past the first rows, those stand, and the table says it was cut there and why
    if (rows === 0) addRow([['value', threw(error)]]);
    else truncated = { reason: 'threw', total: null, message: threw(error) };
  }

  // 2. Each column: infer its kind and encode it compactly. Values cut at maxString are counted, per column.
  const clipped: Record<string, number> = {};
  let clippedHere = false;
  const clip = (s: string) => {
    if (s.length <= limits.maxString) return s;
    clippedHere = true;
    return `${s.slice(0, limits.maxString)}…[+${s.length - limits.maxString} chars]`;
  };
  const describe = (v: unknown): string | undefined => {
    if (typeof v === 'function') return `[Function: ${v.name || 'anonymous'}]`;
    if (typeof v === 'symbol') return symbolText.call(v);
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
      if (isDate(x)) return Number.isNaN(getTime.call(x)) ? null : toISOString.call(x);
      if (seen.includes(x)) return '[Circular]';
      if (depth > 20 || budget <= 0) return '[…]';
      seen.push(x);
      try {
        if (isError(x)) return { name: (x as Error).name, message: (x as Error).message };
        if (isRegExp(x)) return RegExp.prototype.toString.call(x);
        if (isUrl(x)) return clip(String((x as URL).href));
        if (isMap(x)) return walk(Object.fromEntries([...mapEntries.call(x)].map(([k, val]) => [String(k), val])), depth);
        if (isSet(x)) return walk([...setValues.call(x)], depth);
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
  const base64 = native?.encode ?? ((view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64'));

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

  /** A typed array's bytes as base64, in pieces of BASE64_PIECE bytes, one a step. */
  function* encoded(view: Uint8Array | Int32Array | Float64Array): Generator<undefined, string[], undefined> {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const parts: string[] = [];
    for (let at = 0; at < bytes.length; at += BASE64_PIECE) {
      if (at > 0) yield;
      parts.push(base64(bytes.subarray(at, Math.min(bytes.length, at + BASE64_PIECE))));
    }
    return parts;
  }

  const columns: ColumnParts[] = [];
  for (let c = 0; c < names.length; c++) {
    yield;
    const name = names[c]!;
    const chunks = cells[c]!;
    let cut = 0;
    // a cell counts once, however many of its strings were cut
    const counted = <T>(value: T): T => {
      if (clippedHere) cut++;
      clippedHere = false;
      return value;
    };
    // Each piece of rows lies in one chunk; a chunk never reached is all NULL.
    const none: unknown[] = [];
    const chunkOf = (from: number): unknown[] => chunks[from >>> SHIFT] ?? none;
    let kind: ColumnKind | undefined;
    let int32 = true;
    yield* pieces(rows, ENCODE_STEP, (from, to) => {
      const chunk = chunkOf(from);
      for (let r = from; r < to; r++) {
        const v = chunk[r & MASK];
        if (v === null || v === undefined) continue;
        const k: ColumnKind =
          typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int' : 'float')
          : typeof v === 'boolean' ? 'bool'
          : typeof v === 'bigint' ? 'bigint'
          : typeof v === 'string' ? 'string'
          : isDate(v) ? 'timestamp'
          : 'json';
        if (k === 'int' && (v as number) !== ((v as number) | 0)) int32 = false;
        if (kind === undefined) kind = k;
        else if (kind !== k) kind = widen(kind, k);
      }
    });
    const final: ColumnKind = kind ?? 'null';
    // integers beyond 32 bits (Date.now(), byte counts) stay integers, sent as exact doubles
    const wide = final === 'int' && !int32;
    const valid = new Uint8Array(rows);
    let nulls = 0;
    yield* pieces(rows, ENCODE_STEP, (from, to) => {
      const chunk = chunkOf(from);
      for (let r = from; r < to; r++) {
        const v = chunk[r & MASK];
        const isNull = v === null || v === undefined || (isDate(v) && Number.isNaN(getTime.call(v)));
        valid[r] = isNull ? 0 : 1;
        if (isNull) nulls++;
      }
    });
    const out: ColumnParts = { name, kind: final };
    if (nulls > 0 && final !== 'null') out.valid = yield* encoded(valid);
    if (final === 'int' || final === 'float' || final === 'timestamp' || final === 'bool') {
      const data = final === 'int' && !wide ? new Int32Array(rows) : final === 'bool' ? new Uint8Array(rows) : new Float64Array(rows);
      if (wide) out.wide = true;
      yield* pieces(rows, ENCODE_STEP, (from, to) => {
        const chunk = chunkOf(from);
        for (let r = from; r < to; r++) {
          if (!valid[r]) continue;
          const v = chunk[r & MASK];
          data[r] = final === 'timestamp' ? (getTime.call(v) as number) : final === 'bool' ? (v ? 1 : 0) : (v as number);
        }
      });
      yield;
      out.data = yield* encoded(data);
    } else if (final === 'string') {
      const distinct = new Map<string, number>();
      const indices = new Int32Array(rows);
      yield* pieces(rows, ENCODE_STEP, (from, to) => {
        const chunk = chunkOf(from);
        for (let r = from; r < to; r++) {
          if (!valid[r]) {
            indices[r] = -1;
            continue;
          }
          const text = counted(clip(chunk[r & MASK] as string));
          let i = distinct.get(text);
          if (i === undefined) distinct.set(text, (i = distinct.size));
          indices[r] = i;
          // too many distinct values for a dictionary to pay: stop counting them
          if (distinct.size > 65536) return false;
        }
        return true;
      });
      if (distinct.size <= 65536 && distinct.size * 2 <= rows) {
        out.dict = [...distinct.keys()];
        out.indices = yield* encoded(indices);
      } else {
        // the dictionary pass above stopped early or was given up: count again, here
        cut = 0;
        clippedHere = false;
        out.values = yield* textChunks((v) => counted(clip(v as string)));
      }
    } else if (final === 'bigint' || final === 'json') {
      out.values = yield* textChunks((v) => (final === 'bigint' ? decimal(v) : counted(toJson(v))), final === 'json' ? STEP : ENCODE_STEP);
    }
    if (cut > 0) clipped[name] = cut;
    columns.push(out);

    /** The column's values as text (null for NULL), in chunks of CHUNK like the cells. */
    function* textChunks(text: (v: unknown) => string, size = ENCODE_STEP): Generator<undefined, Array<Array<string | null>>, undefined> {
      const texts: Array<Array<string | null>> = [];
      yield* pieces(rows, size, (from, to) => {
        const chunk = chunkOf(from);
        const k = from >>> SHIFT;
        let part = texts[k];
        if (part === undefined) texts[k] = part = new Array<string | null>(Math.min(CHUNK, rows - k * CHUNK));
        for (let r = from; r < to; r++) part[r & MASK] = valid[r] ? text(chunk[r & MASK]) : null;
      });
      return texts;
    }
  }
  // the names a projection left out, so that an unknown column's hint can list the real ones
  const skipped: string[] = [];
  verdicts.forEach((keep, name) => {
    if (!keep && skipped.length < limits.maxColumns) skipped.push(name);
  });
  const out: TableParts = truncated ? { rows, columns, truncated } : { rows, columns };
  if (skipped.length > 0) out.skipped = skipped;
  if (Object.keys(clipped).length > 0) out.clipped = clipped;
  return out;
}
