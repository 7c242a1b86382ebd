/**
 * What a query lets providers narrow at the source. Only what cannot change the
 * answer: a LIMIT (plus OFFSET) on a single table that nothing filters, groups,
 * sorts, joins or de-duplicates first.
 */
import type { Constraints } from '../extensions/contract.js';

export function pushdown(ast: unknown, tableCount: number): Constraints {
  const select = ast as Record<string, unknown> & { limit?: { value?: unknown }; offset?: { value?: unknown } };
  if (tableCount !== 1 || select.constructor?.name !== 'Select') return {};
  if (select.where || select.group || select.order || select.joins || select.distinct || select.union || select.unionall || select.except || select.intersect) return {};
  if (contains(select.columns, 'AggrValue', 0)) return {};
  const limit = typeof select.limit?.value === 'number' ? select.limit.value : undefined;
  const offset = typeof select.offset?.value === 'number' ? select.offset.value : 0;
  return limit === undefined ? {} : { limit: limit + offset };
}

function contains(node: unknown, kind: string, depth: number): boolean {
  if (typeof node !== 'object' || node === null || depth > 50) return false;
  if ((node as object).constructor?.name === kind) return true;
  return Object.values(node).some((value) => contains(value, kind, depth + 1));
}
