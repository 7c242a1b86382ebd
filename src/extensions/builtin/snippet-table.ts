/**
 * A built-in table whose rows come from a snippet run in the target (target/tables.ts):
 * the snippet's rows are turned into columns there (target/columns.ts), bounded in
 * rows, bytes and time, and the Arrow table is shaped to the declared columns.
 */
import type { ColumnSpec, GenerateContext, TableSource } from '../contract.js';
import { pullColumns } from '../../run/pull.js';
import type { ColumnLimits } from '../../target/columns.js';
import { pristine } from '../../target/realm.js';
import { LOAD_BUILTIN } from '../../target/snippets.js';

export interface SnippetTableSpec {
  namespace: string;
  name: string;
  description: string;
  columns: readonly ColumnSpec[];
  /** Runs in the target; its first argument is a loader for node: built-ins. */
  snippet: (load: (id: string) => unknown, ...args: never[]) => unknown[];
  /** Arguments after the loader, from the query's context (sent as JSON; a function is sent as its source). */
  args?: (ctx: GenerateContext) => unknown[] | Promise<unknown[]>;
  /** The snippet stops at ctx.constraints.limit by itself (its last argument). */
  pushdown?: readonly string[];
  /**
   * Where the snippet is compiled: by default in a realm of probing's own with `process`
   * as its one global (target/realm.ts), so a target's tampered built-ins cannot change
   * the rows; 'target' for a snippet that needs the target's own globals or Error.
   */
  realm?: 'pristine' | 'target';
}

export function snippetTable(spec: SnippetTableSpec): TableSource {
  return {
    name: spec.name,
    description: spec.description,
    columns: spec.columns,
    ...(spec.pushdown ? { pushdown: spec.pushdown } : {}),
    async generate(ctx) {
      const args = spec.args ? await spec.args(ctx) : [];
      const snippet = spec.realm === 'target' ? spec.snippet.toString() : pristine(spec.snippet.toString());
      const fn = (a: { toString(): string }) => (spec.realm === 'target' ? `(${a.toString()})` : pristine(a.toString()));
      const call = `(${snippet})(${[LOAD_BUILTIN, ...args.map((a) => (typeof a === 'function' ? fn(a) : JSON.stringify(a)))].join(', ')})`;
      // Only the columns the query reads are built; conform() fills the others with NULL.
      const limits: ColumnLimits = { maxRows: ctx.limits.maxRows, maxBytes: ctx.limits.maxBytes, maxString: 64 * 1024, maxColumns: 1000, only: ctx.constraints.columns ?? null };
      // the rows are made in one go; turning them into columns and sending them, in slices of the target's time
      const payload = await pullColumns(ctx.attachment, call, { limits, timeoutMs: ctx.limits.timeoutMs, what: `${spec.namespace}.${spec.name}`, async: false });
      // Arrow loads only now, while or after the target opens its inspector.
      const { conform, tableFromPayload } = await import('../../tables/from-payload.js');
      const table = conform(tableFromPayload(payload), spec.columns);
      const clipped = payload.clipped ? { clipped: { columns: payload.clipped, limit: limits.maxString } } : {};
      return payload.truncated ? { table, truncated: payload.truncated, ...clipped } : { table, ...clipped };
    },
  };
}
