/**
 * Truth-valued expressions, with NULLs on purpose: comparisons, IS [NOT] NULL,
 * BETWEEN, IN lists (NULL among the items), LIKE, IS [NOT] DISTINCT FROM,
 * AND/OR/NOT, and the subquery forms EXISTS, IN, NOT IN and comparisons with a
 * scalar subquery.
 */
import { columnRef, expr, type ExprContext, type ScopeColumn } from './expressions.js';
import { literal, literalFor, q } from './literals.js';
import type { ColumnType } from './tables.js';

const COMPARE = ['=', '<>', '<', '<=', '>', '>='];
const SOME_TYPE: ReadonlyArray<readonly [ColumnType, number]> = [['int', 4], ['real', 2], ['text', 3]];

/** A bare column of this type that holds data (half the time), so that literals can be drawn from its values. */
function dataColumn(ctx: ExprContext, type: ColumnType): ScopeColumn | undefined {
  const cols = (ctx.mode === 'group' ? ctx.groupKeys : ctx.scope.columns).filter((c) => c.type === type && c.values);
  return cols.length > 0 && ctx.rng.chance(0.5) ? ctx.rng.pick(cols) : undefined;
}

/** The subject of a test: a bare column (whose values literals can match), or any expression. */
function subject(ctx: ExprContext, type: ColumnType, depth: number): { sql: string; col: ScopeColumn | undefined } {
  const col = dataColumn(ctx, type);
  return col ? { sql: columnRef(ctx, col), col } : { sql: expr(ctx, type, depth).sql, col: undefined };
}

/** Two operands that compare meaningfully in both dialects: numbers with numbers, texts with texts. */
function operands(ctx: ExprContext, depth: number): [string, string, ColumnType] {
  const type = ctx.rng.weighted(SOME_TYPE);
  const other: ColumnType = type === 'text' ? 'text' : ctx.rng.pick(['int', 'real'] as const);
  const a = subject(ctx, type, depth);
  const b = ctx.rng.chance(0.5) ? (a.col && ctx.rng.chance(0.7) ? literalFor(ctx.rng, a.col, type) : literal(ctx.rng, other)) : expr(ctx, other, depth).sql;
  return [a.sql, b, type];
}

/** A LIKE pattern built from the texts in the tables: prefixes, suffixes, infixes, `_`, exact, and case that differs. */
function likePattern(ctx: ExprContext, col: ScopeColumn | undefined): string {
  const { rng } = ctx;
  const texts = (col?.values ?? []).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const text = texts.length > 0 && rng.chance(0.7) ? rng.pick(texts) : rng.pick(['a', 'b', 'ab', 'Ab', 'ad', 'he', 'H', 'l', 'x', 'it', 'k']);
  const cut = rng.int(1, Math.max(1, text.length));
  const word = rng.chance(0.5) ? text.slice(0, cut) : text.slice(-cut);
  const blank = (w: string) => (w.length > 1 ? w.slice(0, 1) + '_' + w.slice(2) : '_');
  const pattern = rng.pick([`${word}%`, `%${word}`, `%${word}%`, `_${word.slice(1)}%`, word, text, blank(text), `%`, `_`, `__`, `%_%`, `${word}_`]);
  // the case of the data's own text changed: LIKE is case-sensitive (normalise.ts, rule 6)
  const swapped = [...pattern].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join('');
  return q(rng.chance(0.25) ? swapped : pattern);
}

/** Sorts BETWEEN bounds: texts by code unit, numbers by value, NULL anywhere. */
function boundValue(literalText: string): number {
  const n = Number(literalText.replace(/[()]/g, ''));
  if (!Number.isNaN(n)) return n;
  if (literalText === 'NULL') return 0;
  return literalText.charCodeAt(1) || 0;
}

export function predicate(ctx: ExprContext, depth: number): string {
  const { rng } = ctx;
  const sub = ctx.mode === 'row' && ctx.subqueries > 0;
  const choice = rng.weighted([
    ['compare', 6],
    ['null', 2],
    ['between', 1.5],
    ['in', 1.5],
    ['like', ctx.focus === 'string' ? 3 : 1],
    ['distinct', 0.5],
    ['logic', depth > 0 ? (ctx.focus === 'predicate' ? 6 : 3) : 0],
    ['not', depth > 0 ? 1 : 0],
    ['constant', 0.2],
    ['exists', sub ? (ctx.correlate ? 4 : 1) : 0],
    ['in-subquery', sub ? (ctx.correlate ? 2 : 1.5) : 0],
    ['scalar-subquery', sub ? 1 : 0],
  ] as const);
  const d = depth - 1;
  switch (choice) {
    case 'compare': {
      const [a, b] = operands(ctx, d);
      return `${a} ${rng.pick(COMPARE)} ${b}`;
    }
    case 'null': {
      const type = rng.weighted(SOME_TYPE);
      return `${expr(ctx, type, d).sql} IS ${rng.chance(0.5) ? 'NOT ' : ''}NULL`;
    }
    case 'between': {
      const type: ColumnType = rng.chance(0.8) ? rng.pick(['int', 'real'] as const) : 'text';
      const a = subject(ctx, type, d);
      const bounds = [0, 1].map(() => (rng.chance(0.1) ? 'NULL' : a.col ? literalFor(rng, a.col, type) : literal(rng, type === 'text' ? 'text' : rng.pick(['int', 'real'] as const))));
      // low to high mostly (an empty range now and then)
      if (rng.chance(0.7)) bounds.sort((x, y) => boundValue(x) - boundValue(y));
      return `${a.sql} ${rng.chance(0.3) ? 'NOT ' : ''}BETWEEN ${bounds[0]} AND ${bounds[1]}`;
    }
    case 'in': {
      const type = rng.weighted(SOME_TYPE);
      const a = subject(ctx, type, d);
      const items = Array.from({ length: rng.int(1, 4) }, () => (rng.chance(0.15) ? 'NULL' : literalFor(rng, a.col, type)));
      return `${a.sql} ${rng.chance(0.4) ? 'NOT ' : ''}IN (${items.join(', ')})`;
    }
    case 'like': {
      const a = subject(ctx, 'text', d);
      return `${a.sql} ${rng.chance(0.3) ? 'NOT ' : ''}LIKE ${likePattern(ctx, a.col)}`;
    }
    case 'distinct': {
      const [a, b] = operands(ctx, d);
      return `${a} IS ${rng.chance(0.5) ? 'NOT ' : ''}DISTINCT FROM ${b}`;
    }
    case 'logic':
      return `(${predicate(ctx, d)} ${rng.chance(0.45) ? 'AND' : 'OR'} ${predicate(ctx, d)})`;
    case 'not':
      return `NOT (${predicate(ctx, d)})`;
    case 'constant':
      return rng.pick(['TRUE', 'FALSE', 'NULL']);
    case 'exists':
    case 'in-subquery':
    case 'scalar-subquery':
      return subqueryPredicate(ctx, d, choice);
  }
}

/** EXISTS, [NOT] IN (SELECT …) — NULLs among its values — or a comparison with a scalar subquery. */
export function subqueryPredicate(ctx: ExprContext, depth: number, form = ctx.rng.weighted([['exists', ctx.correlate ? 4 : 1], ['in-subquery', 2], ['scalar-subquery', 1.5]] as const)): string {
  const { rng } = ctx;
  const type = rng.weighted(SOME_TYPE);
  switch (form) {
    case 'exists':
      return `${rng.chance(0.3) ? 'NOT ' : ''}EXISTS ${ctx.sub.exists(ctx)}`;
    case 'in-subquery':
      return `${expr({ ...ctx, subqueries: 0 }, type, depth).sql} ${rng.chance(0.5) ? 'NOT ' : ''}IN ${ctx.sub.column(ctx, type)}`;
    case 'scalar-subquery':
      return `${expr({ ...ctx, subqueries: 0 }, type, depth).sql} ${rng.pick(COMPARE)} ${ctx.sub.scalar(ctx, type)}`;
  }
}
