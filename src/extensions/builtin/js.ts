/**
 * The `js` namespace: js.`<expression>` evaluates a JavaScript expression in the
 * target (await allowed) and turns its value into a table, column-wise, inside the
 * target (target/columns.ts).
 */
import type { Namespace, TableSource } from '../contract.js';
import { runtimeTable } from './runtime.js';
import { pullColumns } from '../../run/pull.js';
import type { ColumnLimits } from '../../target/columns.js';

/** Longest string kept in a cell; longer ones are cut with a marker. */
const MAX_STRING = 64 * 1024;
const MAX_COLUMNS = 1000;

function expressionTable(expression: string): TableSource {
  return {
    name: `\`${expression}\``,
    description: 'the value of a JavaScript expression evaluated in the target',
    async generate({ attachment, constraints, limits }) {
      const maxRows = Math.min(limits.maxRows, constraints.limit ?? Infinity);
      const columnLimits: ColumnLimits = { maxRows, maxBytes: limits.maxBytes, maxString: MAX_STRING, maxColumns: MAX_COLUMNS, only: constraints.columns ?? null };
      const usesAwait = /\bawait\b/.test(expression);
      // in slices of the target's time: a big value never stalls its event loop for long
      const payload = await pullColumns(attachment, expression, { limits: columnLimits, timeoutMs: limits.timeoutMs, what: `js.\`${expression}\``, async: usesAwait });
      const { tableFromPayload } = await import('../../tables/from-payload.js');
      const table = tableFromPayload(payload);
      // Rows left out because the query's own LIMIT did not need them are not a truncation.
      const cutByQuery = payload.truncated?.reason === 'rows' && maxRows < limits.maxRows;
      const clipped = payload.clipped ? { clipped: { columns: payload.clipped, limit: MAX_STRING } } : {};
      return payload.truncated && !cutByQuery ? { table, truncated: payload.truncated, ...clipped } : { table, ...clipped };
    },
  };
}

export const jsNamespace: Namespace = {
  name: 'js',
  description: 'js.`<expression>`: a JavaScript expression evaluated in the target, as a table; js.<name>: a table the target writes with probing/runtime',
  resolve(name, quoted) {
    return quoted ? expressionTable(name) : runtimeTable(name, `js.${name}`, `runtime table "${name}", written inside the target with probing/runtime`);
  },
};
