/**
 * What `probing … query --emit-tables` writes on stdout, and reads back on the other
 * end: the tables a query reads, as the local fan-out collected them (only the
 * columns the query names, its pushdowns applied there, each row tagged _target,
 * _pid and _host), one Arrow IPC stream per table and target, back to back, and a
 * last stream with no columns whose metadata says how it ended (the targets that
 * failed, what was left open, or the error). A wire without that last stream was
 * cut short, and is never taken for a whole answer.
 */
import { RecordBatch, RecordBatchReader, Schema, Table, tableToIPC } from 'apache-arrow';
import type { Truncation } from '../extensions/contract.js';

/** Changes whenever what crosses the wire changes meaning; both ends must agree. */
export const WIRE_PROTOCOL = 1;

const TABLE_KEY = 'probing.wire.table';
const END_KEY = 'probing.wire.end';

export type WireTruncation = { table: string; rows: number; target?: string } & Truncation;

export interface WireTableMeta {
  /** The table reference as the SQL wrote it (process.memory, js.`…`). */
  table: string;
  /** The target's label over there (its rows' _target). */
  target: string;
  pid: number;
  /** What was cut of this table at this target. */
  truncated: WireTruncation[];
}

export interface WireFailure {
  target: string;
  message: string;
  code: string;
  exitCode: number;
  hint?: string;
}

export interface WireEnd {
  protocol: number;
  /** The version of the probing that wrote it. */
  version: string;
  /** Its host's name. */
  host: string;
  failures: WireFailure[];
  /** Targets whose inspector could not be closed, with why. */
  notes: string[];
  /** Set when the whole run failed (bad SQL there, every target failed, interrupted). */
  error?: Omit<WireFailure, 'target'>;
}

/** One table of one target as an IPC stream, with what the other end needs to place it. */
export function tableStream(table: Table, meta: WireTableMeta): Uint8Array {
  const schema = new Schema(table.schema.fields, new Map([...table.schema.metadata, [TABLE_KEY, JSON.stringify(meta)]]));
  const batches = table.batches.map((b) => new RecordBatch(schema, b.data));
  return tableToIPC(new Table(schema, batches), 'stream');
}

export function endStream(end: WireEnd): Uint8Array {
  return tableToIPC(new Table(new Schema([], new Map([[END_KEY, JSON.stringify(end)]]))), 'stream');
}

export interface WirePart {
  target: string;
  pid: number;
  /** By table reference (its text in the SQL). */
  tables: Map<string, Table>;
  truncated: WireTruncation[];
}

export interface WireAnswer {
  /** One per target that answered, in the order they came. */
  parts: WirePart[];
  /** Undefined when the wire was cut before its end. */
  end: WireEnd | undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isFailure = (v: unknown, withTarget: boolean): boolean => {
  const f = v as Partial<WireFailure> | null;
  return typeof f === 'object' && f !== null && isText(f.message) && isText(f.code) && Number.isInteger(f.exitCode) && (!withTarget || isText(f.target)) && (f.hint === undefined || isText(f.hint));
};

/** The end record, checked field by field: what another host wrote is not trusted to be whole. */
function checkedEnd(text: string): WireEnd {
  const end = JSON.parse(text) as Partial<WireEnd> | null;
  const whole =
    typeof end === 'object' && end !== null && Number.isInteger(end.protocol) && isText(end.version) && isText(end.host) &&
    Array.isArray(end.failures) && end.failures.every((f) => isFailure(f, true)) &&
    Array.isArray(end.notes) && end.notes.every(isText) &&
    (end.error === undefined || isFailure(end.error, false));
  if (!whole) throw new Error('an end record that is not probing\'s');
  return end as WireEnd;
}

/** Reads a whole wire. Throws when it is not one (garbage, or Arrow cut in the middle of a message). */
export function readWire(bytes: Uint8Array): WireAnswer {
  const parts = new Map<string, WirePart>();
  let end: WireEnd | undefined;
  if (bytes.byteLength === 0) return { parts: [], end };
  for (const reader of RecordBatchReader.readAll(bytes)) {
    const batches = [...reader];
    const metadata = reader.schema.metadata;
    const endText = metadata.get(END_KEY);
    if (endText !== undefined) {
      end = checkedEnd(endText);
      continue;
    }
    const metaText = metadata.get(TABLE_KEY);
    if (metaText === undefined) throw new Error('a stream without probing.wire metadata');
    const meta = JSON.parse(metaText) as WireTableMeta;
    if (!isText(meta?.target) || !isText(meta.table) || !Number.isInteger(meta.pid) || !Array.isArray(meta.truncated)) throw new Error('a table record that is not probing\'s');
    const rest = new Map([...metadata].filter(([key]) => key !== TABLE_KEY));
    const schema = new Schema(reader.schema.fields, rest);
    const part: WirePart = parts.get(meta.target) ?? { target: meta.target, pid: meta.pid, tables: new Map(), truncated: [] };
    parts.set(meta.target, part);
    part.tables.set(meta.table, new Table(schema, batches.map((b) => new RecordBatch(schema, b.data))));
    part.truncated.push(...meta.truncated);
  }
  return { parts: [...parts.values()], end };
}
