/** Tallies per engine, path and kind, and the report `npm run conformance` prints. */
import type { EngineName } from '../../src/sql/engines/contract.js';
import { VERDICTS, type Expected, type Outcome, type Verdict } from './classify.js';
import { KINDS, type Kind, type Query } from './generate.js';

export type Tally = Record<Verdict, number> & { total: number };

export const emptyTally = (): Tally => ({ total: 0, correct: 0, wrong: 0, error: 0, refused: 0, hang: 0, invalid: 0 });

export interface Case {
  query: Query;
  /** The SQL as probing ran it. */
  sql: string;
  expected: Expected;
  outcome: Outcome;
  verdict: Verdict;
}

export interface Section {
  engine: EngineName;
  path: 'library' | 'cli';
  /** The engine could not load here: why. */
  unavailable?: string;
  byKind: Map<Kind, Tally>;
  /** Every case that is not correct, in the order met. */
  cases: Case[];
}

export interface SuiteReport {
  seed: number;
  databases: number;
  oracle: string;
  sections: Section[];
}

export function record(section: Section, c: Case): void {
  const tally = section.byKind.get(c.query.kind) ?? emptyTally();
  tally.total++;
  tally[c.verdict]++;
  section.byKind.set(c.query.kind, tally);
  if (c.verdict !== 'correct') section.cases.push(c);
}

export function total(section: Section): Tally {
  const sum = emptyTally();
  for (const t of section.byKind.values()) for (const k of ['total', ...VERDICTS] as const) sum[k] += t[k];
  return sum;
}

/** Share of correct answers among the queries that count (invalid ones do not). */
export function correctShare(t: Tally): number {
  const counted = t.total - t.invalid;
  return counted === 0 ? 1 : t.correct / counted;
}

/** Why the run fails: any silently wrong answer, any hang, any query the oracle itself refused. */
export function failures(report: SuiteReport): string[] {
  const out: string[] = [];
  for (const s of report.sections) {
    const t = total(s);
    const where = `${s.engine} (${s.path})`;
    if (t.wrong > 0) out.push(`${where}: ${t.wrong} silently wrong`);
    if (t.hang > 0) out.push(`${where}: ${t.hang} hang${t.hang === 1 ? '' : 's'}`);
    if (t.invalid > 0) out.push(`${where}: ${t.invalid} generated quer${t.invalid === 1 ? 'y' : 'ies'} SQLite refused (a generator bug)`);
  }
  return out;
}

const COLUMNS = ['total', 'correct', 'wrong', 'error', 'refused', 'hang', 'invalid'] as const;
const HEAD = ['kind', 'total', 'correct', 'silently wrong', 'error', 'refused', 'hang', 'invalid'];

function table(rows: string[][]): string {
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

function showRows(answer: Expected | Outcome, limit = 8): string {
  if (answer.kind !== 'rows') return `${answer.kind}: ${answer.message}`;
  const shown = answer.rows.slice(0, limit).map((r) => JSON.stringify(r));
  const more = answer.rows.length > limit ? `\n        … ${answer.rows.length - limit} more rows` : '';
  return `${answer.rows.length} row${answer.rows.length === 1 ? '' : 's'}${shown.length > 0 ? ':\n        ' + shown.join('\n        ') : ''}${more}`;
}

function reproduce(report: SuiteReport, c: Case, s: Section): string {
  return `npm run conformance -- --seed ${report.seed} --query ${c.query.db}:${c.query.index} --engine ${s.engine}`;
}

/** Groups messages by their first line, most frequent first. */
function grouped(cases: readonly Case[]): Array<[string, number, Case]> {
  const groups = new Map<string, [number, Case]>();
  for (const c of cases) {
    if (c.outcome.kind === 'rows') continue;
    const key = c.outcome.message.replace(/"_t\d+"/g, '"_t?"').replace(/\d+/g, 'N').slice(0, 160);
    const g = groups.get(key);
    if (g) g[0]++;
    else groups.set(key, [1, c]);
  }
  return [...groups].map(([k, [n, c]]) => [k, n, c] as [string, number, Case]).sort((a, b) => b[1] - a[1]);
}

export function formatReport(report: SuiteReport, detail = 5): string {
  const lines: string[] = [];
  lines.push(`conformance · seed ${report.seed} · ${report.databases} generated databases · oracle: ${report.oracle}`);
  for (const s of report.sections) {
    lines.push('');
    if (s.unavailable !== undefined) {
      lines.push(`${s.engine} (${s.path}): the engine cannot load here — ${s.unavailable}`);
      continue;
    }
    const t = total(s);
    const share = (100 * correctShare(t)).toFixed(2);
    const goal = s.engine === 'duckdb' ? ` · goal ≥ 97% correct, 0 wrong, 0 hangs: ${correctShare(t) >= 0.97 && t.wrong === 0 && t.hang === 0 ? 'met' : 'NOT MET'}` : ` · goal 0 wrong among answered: ${t.wrong === 0 ? 'met' : 'NOT MET'}`;
    lines.push(`${s.engine} (${s.path === 'library' ? 'library path: prepareQuery + runQuery' : 'real CLI: probing <pid> query … -f json'}) · ${share}% correct${goal}`);
    const rows = [HEAD];
    for (const kind of KINDS) {
      const k = s.byKind.get(kind);
      if (k) rows.push([kind, ...COLUMNS.map((c) => String(k[c]))]);
    }
    rows.push(['all', ...COLUMNS.map((c) => String(t[c]))]);
    lines.push(table(rows));
    for (const verdict of ['wrong', 'hang', 'invalid'] as const) {
      const cases = s.cases.filter((c) => c.verdict === verdict);
      if (cases.length === 0) continue;
      lines.push(`  ${verdict === 'wrong' ? 'silently wrong' : verdict} (first ${Math.min(detail, cases.length)} of ${cases.length}):`);
      for (const c of cases.slice(0, detail)) {
        lines.push(`    [${c.query.kind}] ${c.sql}`);
        lines.push(`      SQLite:  ${showRows(c.expected)}`);
        lines.push(`      ${s.engine}: ${showRows(c.outcome)}`);
        lines.push(`      again:   ${reproduce(report, c, s)}`);
      }
    }
    for (const verdict of ['error', 'refused'] as const) {
      const groups = grouped(s.cases.filter((c) => c.verdict === verdict));
      if (groups.length === 0) continue;
      lines.push(`  ${verdict}s, by message (${groups.length} kinds):`);
      for (const [, n, c] of groups.slice(0, detail)) {
        lines.push(`    ${String(n).padStart(5)} × ${c.outcome.kind === 'rows' ? '' : c.outcome.message.split('\n')[0]!.slice(0, 240)}`);
        lines.push(`            e.g. [${c.query.kind}] ${c.sql.slice(0, 400)}`);
      }
    }
  }
  const failed = failures(report);
  lines.push('');
  lines.push(failed.length === 0 ? 'PASS: no silently wrong answer, no hang.' : `FAIL: ${failed.join('; ')}`);
  return lines.join('\n');
}
