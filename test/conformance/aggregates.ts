/** count(*), count(x), count(DISTINCT x), sum, avg, min and max, also over text. */
import { expr, type Expr, type ExprContext } from './expressions.js';
import type { ColumnType } from './tables.js';

const leaf = (sql: string, type: ColumnType, bound: number, exact = false): Expr => ({ sql, type, bound, exact });

/** An aggregate of this type over the rows of the group (its argument is a row expression without subqueries). */
export function aggregate(ctx: ExprContext, type: ColumnType): Expr {
  const { rng } = ctx;
  const row: ExprContext = { ...ctx, mode: 'row', subqueries: 0 };
  const arg = (t: ColumnType) => expr(row, t, rng.int(0, 1));
  const distinct = () => (rng.chance(0.25) ? 'DISTINCT ' : '');
  switch (type) {
    case 'int': {
      const which = rng.pick(['count*', 'count', 'count', 'sum', 'min', 'max']);
      if (which === 'count*') return leaf('count(*)', 'int', 40 * 40);
      if (which === 'count') return leaf(`count(${distinct()}${arg(rng.pick(['int', 'real', 'text'] as const)).sql})`, 'int', 40 * 40);
      const a = arg('int');
      return which === 'sum' ? leaf(`sum(${distinct()}${a.sql})`, 'int', 40 * a.bound) : leaf(`${which}(${a.sql})`, 'int', a.bound);
    }
    case 'real': {
      const which = rng.pick(['avg', 'avg', 'sum', 'min', 'max']);
      if (which === 'avg') return leaf(`avg(${distinct()}${arg(rng.pick(['int', 'real'] as const)).sql})`, 'real', 0);
      const a = arg('real');
      return { sql: which === 'sum' ? `sum(${distinct()}${a.sql})` : `${which}(${a.sql})`, type: 'real', bound: 0, exact: a.exact };
    }
    case 'text':
      return leaf(`${rng.pick(['min', 'max'])}(${arg('text').sql})`, 'text', 0);
  }
}
