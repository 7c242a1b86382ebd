/**
 * What a query lets providers narrow at the source, without changing the answer
 * (the query still applies its WHERE and LIMIT afterwards):
 * - `column = literal` conditions joined by AND at the top of the WHERE of a
 *   single-table query: every row of the answer meets them;
 * - a LIMIT (plus OFFSET) on a single table that nothing filters, groups, sorts,
 *   joins or de-duplicates first.
 */
import type { Constraints } from '../extensions/contract.js';

type Node = Record<string, unknown> & { constructor?: { name?: string } };
const kind = (node: unknown) => (node as Node | undefined)?.constructor?.name;

function equalities(node: unknown, out: Record<string, string | number | boolean>): void {
  const n = node as Node;
  if (kind(n) !== 'Op') return;
  if (n.op === 'AND') {
    equalities(n.left, out);
    equalities(n.right, out);
    return;
  }
  if (n.op !== '=') return;
  const [column, literal] = kind(n.left) === 'Column' ? [n.left, n.right] : [n.right, n.left];
  const c = column as Node;
  const v = literal as Node;
  if (kind(c) !== 'Column' || c.tableid !== undefined || typeof c.columnid !== 'string') return;
  if (!['StringValue', 'NumValue', 'LogicValue'].includes(kind(v) ?? '')) return;
  out[c.columnid] = v.value as string | number | boolean;
}

function contains(node: unknown, name: string, depth: number): boolean {
  if (typeof node !== 'object' || node === null || depth > 50) return false;
  if (kind(node) === name) return true;
  return Object.values(node).some((value) => contains(value, name, depth + 1));
}

export function pushdown(ast: unknown, tableCount: number): Constraints {
  const select = ast as Node & { limit?: { value?: unknown }; offset?: { value?: unknown }; where?: { expression?: unknown } };
  if (tableCount !== 1 || kind(select) !== 'Select' || select.joins || select.union || select.unionall || select.except || select.intersect) return {};
  const constraints: Constraints = {};
  const equals: Record<string, string | number | boolean> = {};
  if (select.where) equalities(select.where.expression, equals);
  if (Object.keys(equals).length > 0) constraints.equals = equals;
  if (select.where || select.group || select.order || select.distinct || contains(select.columns, 'AggrValue', 0)) return constraints;
  const limit = typeof select.limit?.value === 'number' ? select.limit.value : undefined;
  const offset = typeof select.offset?.value === 'number' ? select.offset.value : 0;
  if (limit !== undefined) constraints.limit = limit + offset;
  return constraints;
}
