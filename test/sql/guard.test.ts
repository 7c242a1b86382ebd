import { describe, expect, it } from 'vitest';
import alasql from 'alasql';
import { guard } from '../../src/sql/guard.js';
import { SqlError } from '../../src/sql/errors.js';

const check = (sql: string) => guard(alasql, sql, sql);
const refusal = (sql: string): SqlError => {
  try {
    check(sql);
  } catch (error) {
    return error as SqlError;
  }
  throw new Error(`accepted: ${sql}`);
};

describe('guard', () => {
  it.each([
    'SELECT a, count(*) AS n FROM t0 WHERE b > 1 GROUP BY a HAVING count(*) > 1 ORDER BY n DESC LIMIT 5',
    'WITH x AS (SELECT a FROM t0) SELECT * FROM x',
    'SELECT * FROM t0 JOIN t1 ON t0.a = t1.a',
    'SELECT * FROM t0 WHERE a IN (SELECT a FROM t1)',
    'SELECT a FROM t0 UNION SELECT a FROM t1',
    'SELECT payload->user->id FROM t0',
  ])('accepts %s', (sql) => {
    expect(() => check(sql)).not.toThrow();
  });

  it.each([
    ['SELECT VALUE ``process.exit(1)``', 'INLINE_JAVASCRIPT'],
    ['SELECT * INTO CSV("/tmp/x.csv") FROM t0', 'SELECT_INTO'],
    ['SELECT * FROM TXT("/etc/hostname")', 'FILE_FUNCTION'],
    ['SELECT * FROM JSON("/etc/passwd")', 'FILE_FUNCTION'],
    ['SELECT * FROM db0.t', 'OTHER_DATABASE'],
    ['SELECT * FROM ?', 'PARAMETER'],
    ['SELECT 1; SELECT 2', 'MULTIPLE_STATEMENTS'],
    ['DROP TABLE t0', 'NOT_SELECT'],
    ['INSERT INTO t0 VALUES (1)', 'NOT_SELECT'],
    ['CREATE TABLE x (a INT)', 'NOT_SELECT'],
    ['DELETE FROM t0', 'NOT_SELECT'],
    ['UPDATE t0 SET a = 1', 'NOT_SELECT'],
    ['SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t0', 'WINDOW_FUNCTION'],
    ['SELECT SUM(a) OVER (PARTITION BY b) FROM t0', 'WINDOW_FUNCTION'],
  ])('refuses %s (%s), naming what it refused', (sql, code) => {
    const error = refusal(sql);
    expect(error).toBeInstanceOf(SqlError);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('reports a syntax error by line and column, without the list of expected tokens', () => {
    const error = refusal('SELECT a\nFROM t0 WHERE');
    expect(error.code).toBe('SQL_SYNTAX');
    expect(error.message).toContain('at the end of the query');
    expect(error.message).not.toContain('Expecting');
    const keyword = refusal('SELECT sum(o.total) FROM t0 o');
    expect(keyword.message).toContain('line 1, column 14');
    expect(keyword.hint).toContain('[total]');
  });
});
