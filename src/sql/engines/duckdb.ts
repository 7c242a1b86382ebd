/**
 * The DuckDB engine: a query runs in an in-memory database that holds only its own
 * tables (emptied afterwards, one is kept for the process's next query), cannot reach
 * files, the network or extensions, has its settings locked, and is bounded in
 * memory (--memory-limit) and time (--timeout interrupts it). DuckDB's own parser
 * decides that the text is exactly one SELECT; its binder names unknown columns,
 * tables and functions.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FunctionSpec } from '../../extensions/contract.js';
import { TimeoutError } from '../../errors.js';
import { SqlError } from '../errors.js';
import type { ResultTable } from '../result.js';
import { DEFAULT_MEMORY_LIMIT, type CheckedQuery, type Engine, type EngineInput, type TableDeclaration } from './contract.js';
import { changesSession, constraintsOf, refuse, refuseSpecialNames, type AstNode, type Position } from './duckdb-ast.js';
import { engineError, parseErrorInfo, type ErrorContext } from './duckdb-errors.js';
import { createDeclaredTables, loadTable, quoteIdentifier } from './duckdb-load.js';
import { loadDuckDB, type DuckDB } from './duckdb-module.js';
import { readResult } from './duckdb-read.js';
import { debug } from '../../debug.js';

const log = debug('duckdb');

interface Database {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

async function openDatabase(duck: DuckDB, memoryLimit: string): Promise<Database> {
  let instance: DuckDBInstance;
  try {
    instance = await duck.api.DuckDBInstance.create(':memory:', {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      // SQL's `/` on two integers is integer division (SQLite, PostgreSQL); DuckDB's default is not
      integer_division: 'true',
      errors_as_json: 'true',
      memory_limit: memoryLimit,
      max_temp_directory_size: '0KiB',
    });
  } catch (error) {
    const info = parseErrorInfo((error as Error).message);
    throw new SqlError('BAD_MEMORY_LIMIT', `DuckDB refused --memory-limit ${memoryLimit}: ${info.exception_message ?? (error as Error).message}`, {
      hint: 'write a size such as 512MB or 2GB',
      cause: error,
    });
  }
  const connection = await instance.connect();
  // The same answers on every machine: timestamps in UTC, whatever TZ says (set here: the
  // time zone needs the ICU extension, loaded only once the database runs). Then nothing
  // may change a setting any more.
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run('SET lock_configuration = true');
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** DuckDB's parse of the SQL; parse errors (and anything but SELECTs) are refused here. */
async function parse(db: Database, position: Position, labels: ErrorContext['labels']): Promise<AstNode> {
  const reader = await db.connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [position.sql]);
  const parsed = JSON.parse(String(reader.getRows()[0]![0])) as { error: boolean; error_type?: string; error_message?: string; position?: string; statements?: AstNode[] };
  if (parsed.error) {
    if (parsed.error_type === 'not implemented') {
      throw new SqlError('NOT_SELECT', 'only SELECT queries are allowed', {
        hint: 'probing reads live data; it never creates, changes or deletes anything, nor changes settings, through SQL (no SET, PRAGMA, COPY, ATTACH, INSTALL, LOAD, CALL, EXPLAIN)',
      });
    }
    const error = engineError({ exception_type: 'Parser', exception_message: parsed.error_message ?? 'syntax error', ...(parsed.position ? { position: parsed.position } : {}) }, { ...position, labels, columns: new Map() });
    throw await withKeywordHint(db, error, position.sql, Number(parsed.position ?? -1));
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) {
    throw new SqlError('MULTIPLE_STATEMENTS', `one statement at a time: this text has ${statements.length}`, { hint: 'remove the semicolon-separated statements after the first' });
  }
  return statements[0]!;
}

/**
 * A syntax error next to a reserved word is most often that word used as a name
 * (SELECT order, …): say so, naming it.
 */
async function withKeywordHint(db: Database, error: SqlError, sql: string, at: number): Promise<SqlError> {
  // an unfinished query is not a misused word
  if (at < 0 || /end of input/.test(error.message)) return error;
  const before = /([A-Za-z_]+)\s*$/.exec(sql.slice(0, at))?.[1];
  const here = /^([A-Za-z_]+)/.exec(sql.slice(at))?.[1];
  const words = [before, here].filter((w): w is string => w !== undefined).map((w) => w.toLowerCase());
  if (words.length === 0) return error;
  const reader = await db.connection.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'");
  const reserved = new Set(reader.getRows().map((r) => String(r[0])));
  const word = words.find((w) => reserved.has(w) && !['select', 'from', 'where', 'group', 'order', 'by', 'having', 'limit', 'on', 'and', 'or', 'not', 'as'].includes(w)) ?? words.find((w) => reserved.has(w));
  if (!word) return error;
  return new SqlError(error.code, error.message, {
    hint: `${word} is a reserved word of SQL: as a name, write it in double quotes, "${word}"; otherwise check the SQL near the ^`,
    ...(error.position === undefined ? {} : { position: error.position }),
  });
}

function labelsOf(tables: readonly TableDeclaration[]): Map<string, string> {
  return new Map(tables.map((t) => [t.name, t.label]));
}

/** Runs the SQL; --timeout interrupts it. */
async function execute(db: Database, sql: string, timeoutMs: number, ctx: ErrorContext, duck: DuckDB): Promise<ResultTable> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    db.connection.interrupt();
  }, timeoutMs);
  try {
    const result = await db.connection.run(sql);
    return await readResult(duck, result);
  } catch (error) {
    if (timedOut) {
      throw new TimeoutError('QUERY_TIMEOUT', `the query ran longer than ${timeoutMs} ms in the SQL engine and was stopped`, {
        hint: 'raise --timeout, or narrow the query (a join without a condition multiplies the rows of its tables)',
      });
    }
    throw engineError(parseErrorInfo((error as Error).message), ctx);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Extension functions are asynchronous (an HTTP call, say) and DuckDB calls
 * functions synchronously: a first run records the arguments each is called with
 * (answering NULL), the calls are made, and the query runs again in a fresh
 * database with the answers, typed by what they are — until a run asks nothing new.
 */
async function runWithFunctions(duck: DuckDB, input: EngineInput, ctx: ErrorContext): Promise<ResultTable> {
  const answers = new Map<string, Map<string, unknown>>([...input.functions.keys()].map((name) => [name, new Map()]));
  for (let round = 0; round < 5; round++) {
    const asked = new Map<string, Map<string, unknown[]>>();
    // (fresh: the functions stay registered in its database with this round's answers)
    const result = await withDatabase(duck, input, ctx, async (db) => {
      for (const [name, spec] of input.functions) registerFunction(duck, db, spec, answers.get(name)!, (key, args) => {
        if (!asked.has(name)) asked.set(name, new Map());
        asked.get(name)!.set(key, args);
      });
      return execute(db, input.sql, input.timeoutMs, ctx, duck);
    }, true);
    const pending = [...asked].flatMap(([name, calls]) => [...calls].map(([key, args]) => ({ name, key, args })));
    if (pending.length === 0) return result;
    // at most 8 calls in flight
    for (let i = 0; i < pending.length; i += 8) {
      await Promise.all(pending.slice(i, i + 8).map(async ({ name, key, args }) => answers.get(name)!.set(key, await input.functions.get(name)!.call(args))));
    }
  }
  throw new SqlError('FUNCTION_ROUNDS', 'the query kept asking its functions new questions after 5 rounds', { hint: 'simplify how function results feed the WHERE clause' });
}

function argumentKey(args: unknown[]): string {
  return JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function registerFunction(duck: DuckDB, db: Database, spec: FunctionSpec, answers: Map<string, unknown>, ask: (key: string, args: unknown[]) => void): void {
  const { api } = duck;
  const known = [...answers.values()].filter((v) => v !== null && v !== undefined);
  const returnType =
    known.length === 0 ? api.VARCHAR
    : known.every((v) => typeof v === 'boolean') ? api.BOOLEAN
    : known.every((v) => typeof v === 'number' && Number.isSafeInteger(v)) ? api.BIGINT
    : known.every((v) => typeof v === 'number') ? api.DOUBLE
    : api.VARCHAR;
  const toDuck = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (returnType === api.BIGINT) return BigInt(v as number);
    if (returnType === api.VARCHAR) return typeof v === 'string' ? v : JSON.stringify(v);
    return v;
  };
  db.connection.registerScalarFunction(
    api.DuckDBScalarFunction.create({
      name: spec.name,
      returnType,
      varArgsType: api.ANY,
      specialHandling: true,
      volatile: true,
      mainFunction: (_info, inputChunk, output) => {
        for (let row = 0; row < inputChunk.rowCount; row++) {
          const args = inputChunk.getRowValues(row).map((v) => (v !== null && typeof v === 'object' ? String(v) : v));
          const key = argumentKey(args);
          if (answers.has(key)) output.setItem(row, toDuck(answers.get(key)) as never);
          else {
            ask(key, args);
            output.setItem(row, null);
          }
        }
        output.flush();
      },
    }),
  );
}

/**
 * An emptied database, kept for this process's next query: opening one is most of what a
 * small query costs (~16 of ~21 ms of CPU), and the repl, mcp, ui, --every and the fan-out's
 * frames run many. A SELECT changes nothing in a database but the tables loaded for it
 * (settings are locked; nothing else can be created), which are dropped before it is kept,
 * and the seed of random() (setseed: that one is not kept); a query that failed closes its
 * own. Any SQL may take it; the memory limit is the database's own, so it must match.
 */
let spare: { db: Database; memoryLimit: string } | undefined;
let warming: Promise<void> | undefined;

/**
 * Loads DuckDB and opens the database the query's check will use, started as soon as the
 * CLI knows it needs an engine: opening it runs on libuv's threads while the CLI loads
 * its other modules and extensions. A failure is left for loadEngine to report.
 */
export function warmUp(): void {
  warming ??= (async () => {
    const duck = await loadDuckDB();
    log('loaded');
    const db = await openDatabase(duck, DEFAULT_MEMORY_LIMIT);
    log('database open');
    if (spare) db.close();
    else spare = { db, memoryLimit: DEFAULT_MEMORY_LIMIT };
  })().catch(() => {});
}

async function takeDatabase(duck: DuckDB, memoryLimit: string): Promise<Database> {
  const kept = spare;
  spare = undefined;
  if (kept && kept.memoryLimit === memoryLimit) return kept.db;
  kept?.db.close();
  return openDatabase(duck, memoryLimit);
}

/** Keeps an emptied database for the next query (the one kept before it is closed). */
function keepDatabase(db: Database, memoryLimit: string): void {
  spare?.db.close();
  spare = { db, memoryLimit };
}

/**
 * Loads the tables into a database, then checks what needs the data's own columns
 * (names DuckDB would answer itself), and runs `work`. The database is then emptied and
 * kept for the next query (spare), unless `work` registered something in it (`fresh`).
 */
async function withDatabase<T>(duck: DuckDB, input: EngineInput, ctx: ErrorContext, work: (db: Database) => Promise<T>, fresh = false): Promise<T> {
  const db = await takeDatabase(duck, input.memoryLimit);
  let keep = false;
  try {
    const columns: string[] = [];
    for (const table of input.tables) {
      const loaded = await loadTable(duck, db.connection, table.name, table.label, table.parts, table.columns);
      columns.push(...loaded.columns);
      ctx.columns.set(table.name, [...loaded.columns, ...loaded.skipped]);
    }
    const statement = await parse(db, ctx, ctx.labels);
    refuseSpecialNames(statement, columns, [...ctx.labels.values()], ctx);
    const result = await work(db);
    if (!fresh && !changesSession(statement)) {
      for (const table of input.tables) await db.connection.run(`DROP TABLE ${quoteIdentifier(table.name)}`);
      keep = true;
    }
    return result;
  } finally {
    if (keep) keepDatabase(db, input.memoryLimit);
    else db.close();
  }
}

export const duckdbEngine: Engine = {
  name: 'duckdb',

  async check(sql, original, text, tables): Promise<CheckedQuery> {
    await warming;
    const duck = await loadDuckDB();
    const db = await takeDatabase(duck, DEFAULT_MEMORY_LIMIT);
    const position: Position = { sql, text, original };
    const labels = labelsOf(tables);
    let keep = false;
    try {
      const statement = await parse(db, position, labels);
      refuse(statement, position);
      const constraints = constraintsOf(statement, tables);
      const declared = tables.filter((t): t is TableDeclaration & { columns: NonNullable<TableDeclaration['columns']> } => t.columns !== undefined);
      // Bound against empty tables of the declared schemas: unknown names are refused before attaching.
      const bound = declared.length === tables.length;
      if (bound) {
        refuseSpecialNames(statement, declared.flatMap((t) => t.columns.map((c) => c.name)), [...labels.values()], position);
        await createDeclaredTables(db.connection, declared);
        try {
          (await db.connection.prepare(sql)).destroySync();
        } catch (error) {
          const info = parseErrorInfo((error as Error).message);
          // an extension function is unknown here: it is registered only when the query runs
          if (!(info.error_subtype === 'MISSING_ENTRY' && /Function/.test(info.type ?? ''))) throw engineError(info, { ...position, labels, columns: new Map(declared.map((t) => [t.name, t.columns.map((c) => c.name)])) });
        }
      }
      if (bound) for (const t of declared) await db.connection.run(`DROP TABLE ${quoteIdentifier(t.name)}`);
      keep = true;
      return { constraints, bound };
    } finally {
      if (keep) keepDatabase(db, DEFAULT_MEMORY_LIMIT);
      else db.close();
    }
  },

  async run(input): Promise<ResultTable> {
    const duck = await loadDuckDB();
    const ctx: ErrorContext = { sql: input.sql, text: input.text, original: input.original, labels: labelsOf(input.tables), columns: new Map() };
    if (input.functions.size > 0) return runWithFunctions(duck, input, ctx);
    return withDatabase(duck, input, ctx, (db) => execute(db, input.sql, input.timeoutMs, ctx, duck));
  },

  release(): void {
    spare?.db.close();
    spare = undefined;
  },
};
