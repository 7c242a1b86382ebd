/**
 * Builds alasql's tree for one SELECT of a plan. Every expression becomes a node
 * whose JavaScript we write — a call into the helpers (alasql.fn.__probing) —
 * so alasql's own operators and functions never run; names are ours too
 * (tables __t0, aliases s0, columns as safe keys), so nothing the user wrote
 * reaches alasql's code generator as text.
 */
import type { Expr, Query, SelectPlan, Source } from './alasql-plan.js';
import { children, selectsOf } from './alasql-plan.js';
import type { Runtime } from './alasql-exec.js';
import type { Value } from './alasql-values.js';

export type Yy = Record<string, new (params: Record<string, unknown>) => object>;

let ids = 0;

/** A node of alasql's tree whose JavaScript we write; its name is unique, so alasql never merges two. */
class Js {
  private readonly id = `__n${ids++}`;
  constructor(
    private readonly js: (context: string, tableid: unknown, defcols: unknown) => string,
    private readonly kids: readonly unknown[] = [],
  ) {}
  toString(): string {
    return this.id;
  }
  toJS(context: string, tableid: unknown, defcols: unknown): string {
    return this.js(context, tableid, defcols);
  }
  toType(): string {
    return 'unknown';
  }
  findAggregator(query: unknown): void {
    for (const k of this.kids) (k as { findAggregator?: (q: unknown) => void }).findAggregator?.(query);
  }
}

type Node = { toJS(context: string, tableid: unknown, defcols: unknown): string };
const H = 'alasql.fn.__probing';

export function outerParam(e: Expr): string {
  const c = e as Expr & { k: 'col' };
  return `o_${c.source.alias}_${c.column!.key}`;
}

/** Column references of enclosing queries that `q` reads (it is correlated with them), once each. */
export function outerRefs(q: Query): Expr[] {
  const { selects: inner, exprs } = selectsOf(q);
  const found = new Map<string, Expr>();
  while (exprs.length > 0) {
    const e = exprs.pop()!;
    if (e.k === 'col' && !inner.has(e.scope)) found.set(outerParam(e), e);
    if (e.k === 'sub') for (const o of outerRefs(e.query)) if (!inner.has((o as Expr & { k: 'col' }).scope)) found.set(outerParam(o), o);
    exprs.push(...children(e));
  }
  return [...found.values()];
}

function conjuncts(e: Expr): Expr[] {
  const out: Expr[] = [];
  const split = (x: Expr) => (x.k === 'and' ? x.args.forEach(split) : out.push(x));
  split(e);
  return out;
}

export class Compiler {
  constructor(
    private readonly rt: Runtime,
    private readonly yy: Yy,
    private readonly select: SelectPlan,
  ) {}

  constant(v: Value): Node {
    if (v === null || v === undefined) return new Js(() => 'null');
    const name = `k${this.rt.constants++}`;
    this.rt.params[name] = v;
    return new this.yy.ParamValue!({ param: name }) as Node;
  }

  call(fn: string, pre: string, args: readonly Node[], post = ''): Js {
    return new Js((c, t, d) => `${H}.${fn}(${pre}${args.map((a) => a.toJS(c, t, d)).join(',')}${post})`, args);
  }

  list(args: readonly Node[]): Js {
    return new Js((c, t, d) => `[${args.map((a) => a.toJS(c, t, d)).join(',')}]`, args);
  }

  expr(e: Expr): Node {
    const s = JSON.stringify;
    const args = () => children(e).map((x) => this.expr(x));
    switch (e.k) {
      case 'lit':
        return this.constant(e.value);
      case 'col':
        if (e.scope !== this.select) return new this.yy.ParamValue!({ param: outerParam(e) }) as Node;
        return new this.yy.Column!({ tableid: e.source.alias, columnid: e.column!.key }) as Node;
      case 'gref':
        return new Js((c) => `${c}['__g${e.index}']`);
      case 'cmp':
        return this.call('cmp', `${s(e.op)},`, args());
      case 'arith':
        return this.call('arith', `${s(e.op)},${e.int},`, args());
      case 'neg':
        return this.call('neg', '', args());
      case 'not':
        return this.call('not', '', args());
      case 'concat':
        return this.call('concat', '', args(), `,${e.ints[0]},${e.ints[1]}`);
      case 'like':
        return this.call('like', `${e.negate},`, args());
      case 'is':
        return this.call('is', '', args(), `,${s(e.what)},${e.negate}`);
      case 'same':
        return this.call('same', `${e.negate},`, args());
      case 'and':
      case 'or': {
        const [a, b] = args() as [Node, Node];
        return new Js((c, t, d) => `${H}.${e.k}(${a.toJS(c, t, d)},function(){return ${b.toJS(c, t, d)}})`, [a, b]);
      }
      case 'in': {
        const [a, ...list] = args();
        return new Js((c, t, d) => `${H}.inList(${e.negate},${a!.toJS(c, t, d)},${this.list(list).toJS(c, t, d)})`, [a, ...list]);
      }
      case 'case': {
        const parts = args();
        return new Js((c, t, d) => {
          let js = '';
          const pairs = e.hasElse ? parts.length - 1 : parts.length;
          for (let i = 0; i < pairs; i += 2) js += `${H}.holds(${parts[i]!.toJS(c, t, d)},'CASE WHEN')?(${parts[i + 1]!.toJS(c, t, d)}):`;
          return `(${js}${e.hasElse ? `(${parts[parts.length - 1]!.toJS(c, t, d)})` : 'null'})`;
        }, parts);
      }
      case 'coalesce': {
        const parts = args();
        return new Js((c, t, d) => `${H}.coalesce(${parts.map((p) => `function(){return ${p.toJS(c, t, d)}}`).join(',')})`, parts);
      }
      case 'fn':
        return this.call('fn', `${s(e.name)},`, args());
      case 'cast':
        return this.call('cast', '', args(), `,${s(e.to)},${e.int}`);
      case 'ext':
        return this.call('ext', `${s(e.name)},`, [this.list(args())]);
      case 'agg': {
        const funcid = `__probing_${e.fn}_${e.mode}${e.distinct ? '_d' : ''}`;
        const expression = e.fn === 'countstar' ? this.constant(1) : this.expr(e.args[0]!);
        return new this.yy.AggrValue!({ aggregatorid: 'REDUCE', funcid, expression }) as Node;
      }
      case 'sub':
        return this.sub(e);
    }
  }

  sub(e: Expr & { k: 'sub' }): Node {
    let id = this.rt.subIds.get(e.query);
    if (id === undefined) {
      id = this.rt.subs.length;
      this.rt.subs.push({ query: e.query, outer: outerRefs(e.query), cache: new Map() });
      this.rt.subIds.set(e.query, id);
    }
    const owned = this.rt.subs[id]!.outer.filter((o) => (o as Expr & { k: 'col' }).scope === this.select);
    const values = owned.map((o) => this.expr(o));
    const left = e.mode === 'in' ? this.expr(e.args[0]!) : new Js(() => 'null');
    const subId = id;
    return new Js(
      (c, t, d) => `${H}.sub(${subId},${JSON.stringify(e.mode)},${e.negate},${left.toJS(c, t, d)},[${owned.map((o, i) => `[${JSON.stringify(outerParam(o))},${values[i]!.toJS(c, t, d)}]`).join(',')}])`,
      [left, ...values],
    );
  }

  /** The equalities among `conjuncts` that alasql's hash join can use: [this table's side, the earlier tables' side]. */
  joinKeys(source: Source, conjuncts: readonly Expr[]): { keys: Array<[Expr, Expr]>; rest: Expr[] } {
    const earlier = new Set(this.select.sources.slice(0, this.select.sources.indexOf(source)));
    const refs = (e: Expr): Set<Source> | undefined => {
      const out = new Set<Source>();
      const stack = [e];
      while (stack.length > 0) {
        const x = stack.pop()!;
        if (x.k === 'sub' || x.k === 'ext' || x.k === 'agg') return undefined;
        if (x.k === 'col') {
          if (x.scope !== this.select) return undefined;
          out.add(x.source);
        }
        stack.push(...children(x));
      }
      return out;
    };
    const keys: Array<[Expr, Expr]> = [];
    const rest: Expr[] = [];
    const sameKind = (a: Expr, b: Expr) => a.type !== 'any' && a.type !== 'json' && b.type !== 'any' && b.type !== 'json' && (a.type === b.type || (['int', 'float'].includes(a.type) && ['int', 'float'].includes(b.type)));
    for (const c of conjuncts) {
      if (c.k === 'cmp' && c.op === '=' && sameKind(c.args[0], c.args[1])) {
        const [l, r] = [refs(c.args[0]), refs(c.args[1])];
        const mine = (x: Set<Source> | undefined) => x !== undefined && x.size > 0 && [...x].every((s) => s === source);
        const theirs = (x: Set<Source> | undefined) => x !== undefined && x.size > 0 && [...x].every((s) => earlier.has(s));
        if (mine(l) && theirs(r)) {
          keys.push([c.args[0], c.args[1]]);
          continue;
        }
        if (mine(r) && theirs(l)) {
          keys.push([c.args[1], c.args[0]]);
          continue;
        }
      }
      rest.push(c);
    }
    return { keys, rest };
  }

  build(names: Map<Source, string>): object {
    const { yy, select } = this;
    const table = (name: string, alias: string) => new yy.Table!({ tableid: name, as: alias });
    const first = select.sources[0];
    const where: Expr[] = [];
    // WHERE's conjuncts not yet used as join keys
    let pool = select.where ? conjuncts(select.where) : [];
    const joins: object[] = [];
    for (const source of select.sources.slice(1)) {
      const join: Record<string, unknown> = { joinmode: source.join === 'left' ? 'LEFT' : source.join === 'cross' ? 'CROSS' : 'INNER', table: new yy.Table!({ tableid: names.get(source)! }), as: source.alias };
      const { keys, rest } = source.on ? this.joinKeys(source, conjuncts(source.on)) : { keys: [], rest: [] };
      if (source.join !== 'left') {
        // FROM a, b WHERE a.x = b.y: an inner join's rows are filtered by WHERE anyway, so its equalities
        // between plain columns of this table and earlier ones join it; only plain columns, which no row
        // makes fail, since the hash join reads them on rows WHERE might never have reached
        const plain = this.joinKeys(source, pool.filter((c) => c.k === 'cmp' && c.args[0].k === 'col' && c.args[1].k === 'col'));
        if (plain.keys.length > 0) {
          keys.push(...plain.keys);
          pool = pool.filter((c) => plain.rest.includes(c) || !(c.k === 'cmp' && c.args[0].k === 'col' && c.args[1].k === 'col'));
          join.joinmode = 'INNER';
        }
      }
      if (keys.length > 0 && (source.join !== 'left' || rest.length === 0)) {
        const mine = keys.map(([m]) => this.expr(m));
        const theirs = keys.map(([, t]) => this.expr(t));
        join.on = new yy.Op!({ op: '=', left: this.call('key', '', [this.list(theirs)]), right: this.call('key', '', [this.list(mine)]) });
        where.push(...rest);
      } else if (source.on) {
        join.on = this.call('on', '', [this.expr(source.on)]);
      }
      joins.push(new yy.Join!(join));
    }
    // WHERE's own conjuncts first, in the order written (AND stops at the first false one)
    where.unshift(...pool);
    const condition = where.reduce<Expr | undefined>((acc, w) => (acc ? { k: 'and', args: [acc, w], type: 'bool' } : w), undefined);
    const keep = !select.grouped;
    const whereNode = this.call('row', '', [condition ? this.expr(condition) : this.constant(true)], `,${keep}`);
    const columns = [...select.items.map((i) => i.expr), ...select.hidden].map((e, i) => {
      const inner = this.expr(e);
      const node = new Js((c, t, d) => inner.toJS(c, t, d), [inner]) as Js & { as?: string };
      node.as = `__c${i}`;
      return node;
    });
    const ast: Record<string, unknown> = {
      columns,
      from: [first ? table(names.get(first)!, first.alias) : table(this.oneRow(), 'one')],
      where: new yy.Expression!({ expression: whereNode }),
    };
    if (joins.length > 0) ast.joins = joins;
    if (select.group.length > 0) {
      const values = select.group.map((g) => this.expr(g));
      // the exact key first: alasql joins the values of group columns with "`", so NULL and 'null' would meet
      ast.group = [
        new Js((c, t, d) => `${H}.group(${this.list(values).toJS(c, t, d)})`, values),
        // undefined (a LEFT JOIN's missing row) and null are one NULL: alasql would make two groups of them
        ...values.map((v, i) => Object.assign(new Js((c, t, d) => `${H}.nn(${v.toJS(c, t, d)})`, [v]), { toString: () => `__g${i}` })),
      ];
    }
    if (select.having) ast.having = this.call('holds', '', [this.expr(select.having)], ",'HAVING'");
    return new yy.Select!(ast);
  }

  private oneRow(): string {
    const Table = (this.rt.alasql as unknown as { Table: new (init: { data: unknown[] }) => unknown }).Table;
    this.rt.db.tables.__one ??= new Table({ data: [{}] });
    return '__one';
  }
}

