/**
 * The oracle: SQLite (sql.js, SQLite compiled to WebAssembly) holding the same
 * tables, configured by normalise.ts to read the dialect the queries are written in.
 */
import type { Database as SqliteDatabase, SqlJsStatic } from 'sql.js';
import { ORACLE_SETUP } from './normalise.js';
import type { Database, TableData } from './tables.js';

export type Row = unknown[];

export type Answer = { ok: true; columns: string[]; rows: Row[] } | { ok: false; message: string };

const SQL_TYPE = { int: 'INTEGER', real: 'REAL', text: 'TEXT' } as const;

let loading: Promise<SqlJsStatic> | undefined;

function sqlJs(): Promise<SqlJsStatic> {
  loading ??= import('sql.js').then((m) => m.default());
  return loading;
}

export class Oracle {
  private constructor(
    private readonly db: SqliteDatabase,
    readonly version: string,
  ) {}

  static async open(database: Database): Promise<Oracle> {
    const SQL = await sqlJs();
    const db = new SQL.Database();
    for (const statement of ORACLE_SETUP) db.run(statement);
    for (const table of database.tables) load(db, table);
    const version = String(db.exec('SELECT sqlite_version()')[0]!.values[0]![0]);
    return new Oracle(db, version);
  }

  answer(sql: string): Answer {
    let statement;
    try {
      statement = this.db.prepare(sql);
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
    try {
      const columns = statement.getColumnNames();
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.get());
      return { ok: true, columns, rows };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    } finally {
      statement.free();
    }
  }

  close(): void {
    this.db.close();
  }
}

function load(db: SqliteDatabase, table: TableData): void {
  const quoted = (name: string) => `"${name}"`;
  db.run(`CREATE TABLE ${table.name} (${table.columns.map((c) => `${quoted(c.name)} ${SQL_TYPE[c.type]}`).join(', ')})`);
  const insert = db.prepare(`INSERT INTO ${table.name} VALUES (${table.columns.map(() => '?').join(', ')})`);
  try {
    for (const row of table.rows) insert.run(row);
  } finally {
    insert.free();
  }
}

/** How a table is named in the SQL each side runs: an empty table is its witness row filtered away (tables.ts). */
export function tableExpression(table: TableData, name: string): string {
  return table.empty ? `(SELECT * FROM ${name} WHERE FALSE)` : name;
}
