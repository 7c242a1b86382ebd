import { beforeAll, describe, expect, it } from 'vitest';
import { findReferences, inTablePosition, loadParserFor } from '../../src/sql/references.js';
import { SqlError } from '../../src/sql/errors.js';

beforeAll(() => loadParserFor('`'));

const refs = (sql: string) => findReferences(sql).map((r) => [r.namespace, r.name, r.quoted]);

describe('findReferences', () => {
  it('finds namespace.table and namespace.`expression`', () => {
    expect(refs('SELECT * FROM process.memory')).toEqual([['process', 'memory', false]]);
    expect(refs('SELECT * FROM js.`app.sessions` WHERE idle_ms > 60000')).toEqual([['js', 'app.sessions', true]]);
  });

  it('keeps dots, quotes, brackets and parentheses inside an expression', () => {
    expect(refs("SELECT * FROM js.`app.byId.get('a.b')[0]`")).toEqual([['js', "app.byId.get('a.b')[0]", true]]);
    expect(refs('SELECT * FROM js.`[...a.values()].filter(x => x["k"] > 1)`')).toEqual([['js', '[...a.values()].filter(x => x["k"] > 1)', true]]);
  });

  it('lets an expression contain template literals, with backticks and ${}', () => {
    expect(refs('SELECT * FROM js.`[`a`, `b.${1 + 1}`]` AS t')).toEqual([['js', '[`a`, `b.${1 + 1}`]', true]]);
    expect(refs('SELECT * FROM js.`f(`x`)` JOIN js.`y` ON 1=1')).toEqual([
      ['js', 'f(`x`)', true],
      ['js', 'y', true],
    ]);
  });

  it('ignores look-alikes in strings, quoted names and comments', () => {
    expect(refs("SELECT 'js.`nope`', \"process.memory\" FROM js.`a` -- js.`comment`\n/* process.x */")).toEqual([['js', 'a', true]]);
    expect(refs('SELECT "a""process.memory" FROM js.`a`')).toEqual([['js', 'a', true]]);
    expect(refs("SELECT 'it''s js.`x`' FROM js.`a`")).toEqual([['js', 'a', true]]);
  });

  it('reports alias.column too (the planner keeps only namespaces and FROM positions), but not function calls', () => {
    expect(refs('SELECT s.user, m.fn() FROM js.`a` s')).toEqual([
      ['s', 'user', false],
      ['js', 'a', true],
    ]);
  });

  it('refuses unclosed quotes, backticks and comments, with the offset', () => {
    expect(() => findReferences('SELECT * FROM js.`a')).toThrow(SqlError);
    expect(() => findReferences("SELECT 'abc FROM js.`a`")).toThrow('never closed');
    expect(() => findReferences('SELECT 1 /* no end')).toThrow('comment at offset 9');
  });
});

describe('inTablePosition', () => {
  const positions = (sql: string) => findReferences(sql).map((r) => [r.text, inTablePosition(sql, r)]);
  it('takes a.b for a table after FROM, JOIN and in a FROM list only', () => {
    expect(positions('SELECT t.a FROM x.y t, u.v JOIN w.z ON t.a = w.b')).toEqual([
      ['t.a', false],
      ['x.y', true],
      ['u.v', true],
      ['w.z', true],
      ['t.a', false],
      ['w.b', false],
    ]);
  });
  it('is not fooled by IS DISTINCT FROM, GROUP BY lists or a later UNION branch', () => {
    expect(positions('SELECT a FROM x.y t WHERE a IS DISTINCT FROM t.b')).toEqual([
      ['x.y', true],
      ['t.b', false],
    ]);
    expect(positions('SELECT 1 FROM x.y t3 GROUP BY t3.s, t3.k ORDER BY t3.s, t3.k')).toEqual([
      ['x.y', true],
      ['t3.s', false],
      ['t3.k', false],
      ['t3.s', false],
      ['t3.k', false],
    ]);
    expect(positions('SELECT b, t2.b FROM x.y t2 UNION ALL SELECT id, t1.a FROM x.z t1')).toEqual([
      ['t2.b', false],
      ['x.y', true],
      ['t1.a', false],
      ['x.z', true],
    ]);
  });
});
