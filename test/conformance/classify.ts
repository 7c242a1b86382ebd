/**
 * An engine's outcome against the oracle's: correct, silently wrong, error,
 * refused (the engine said it will not answer this), hang (no answer, not even the
 * engine's own --timeout error, in time: its process had to be killed),
 * or invalid (SQLite itself refused a query that was meant to be valid: a
 * generator bug, not counted for or against an engine).
 */
import { sameRows, type Rows } from './compare.js';
import type { Query } from './generate.js';
import type { EngineAnswer } from './host.js';
import type { HostOutcome } from './engine-host.js';
import { canonical, type Cell } from './normalise.js';
import type { Answer } from './oracle.js';
import type { CliRun } from './target.js';

export const VERDICTS = ['correct', 'wrong', 'error', 'refused', 'hang', 'invalid'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What an engine answered, in one form for the library path and the CLI. */
export type Outcome = { kind: 'rows'; columns: number | undefined; rows: Rows } | { kind: 'error'; refused: boolean; message: string } | { kind: 'hang'; message: string };

/** The oracle's answer, canonical. */
export type Expected = { kind: 'rows'; columns: number; rows: Rows } | { kind: 'error'; message: string };

/** A refusal says so, or names the way out: "… is not supported by the alasql engine", "run with --engine duckdb". */
const REFUSAL = /refuse|not supported by the \w+ engine|--engine duckdb/i;

export function expectedOf(answer: Answer): Expected {
  if (!answer.ok) return { kind: 'error', message: answer.message };
  return { kind: 'rows', columns: answer.columns.length, rows: answer.rows.map((r) => r.map((v) => canonical(v))) };
}

function rowsOf(answer: Extract<EngineAnswer, { ok: true }>): Rows {
  const count = answer.columns[0]?.values.length ?? 0;
  return Array.from({ length: count }, (_, r) => answer.columns.map((c): Cell => canonical(c.values[r], c.type)));
}

export function fromHost(outcome: HostOutcome): Outcome {
  if (outcome.ok) return { kind: 'rows', columns: outcome.columns.length, rows: rowsOf(outcome) };
  if ('hang' in outcome) return { kind: 'hang', message: `no answer within ${outcome.afterMs} ms: the engine's process was killed` };
  if ('crashed' in outcome) return { kind: 'error', refused: false, message: outcome.crashed };
  const { error } = outcome;
  // the engine stopped itself at --timeout: a clean error (slow, not hung); a hang is a process that had to be killed
  if (error.name === 'TimeoutError') return { kind: 'error', refused: false, message: `stopped at the time limit: ${`${error.code ?? ''} ${error.message}`.trim()}` };
  const text = `${error.message}\n${error.hint ?? ''}`;
  const refused = error.name === 'SqlError' && (error.code === 'SQL_UNSUPPORTED' || REFUSAL.test(text));
  return { kind: 'error', refused, message: `${error.name}${error.code ? ` ${error.code}` : ''}: ${error.message.split('\n')[0]}` };
}

/** Exit 4 is "stopped at --timeout" (an error, not a hang); exit 2 a refused or bad query; the JSON rows otherwise. */
export function fromCli(run: CliRun): Outcome {
  if (run.killed) return { kind: 'hang', message: 'the CLI did not exit in time and was killed' };
  if (run.code === 4) return { kind: 'error', refused: false, message: `stopped at the time limit: ${run.stderr.trim().split('\n')[0] ?? ''}` };
  if (run.code !== 0) return { kind: 'error', refused: run.code === 2 && REFUSAL.test(run.stderr), message: `exit ${run.code}: ${run.stderr.trim().split('\n')[0] ?? ''}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    return { kind: 'error', refused: false, message: `not JSON on stdout: ${run.stdout.slice(0, 200)}` };
  }
  const list = (Array.isArray(parsed) ? parsed : (parsed as { rows: unknown[] }).rows) as Array<Record<string, unknown>>;
  // JSON keeps a row's keys in column order (no column is named like an array index here)
  const rows = list.map((row) => Object.values(row).map((v) => canonical(v)));
  return { kind: 'rows', columns: list.length > 0 ? Object.keys(list[0]!).length : undefined, rows };
}

export function classify(query: Query, expected: Expected, outcome: Outcome): Verdict {
  if (outcome.kind === 'hang') return 'hang';
  if (expected.kind === 'error') {
    if (!query.expectError) return 'invalid';
    // both refuse an ambiguous name; an answer to it is made up
    return outcome.kind === 'error' ? 'correct' : 'wrong';
  }
  if (outcome.kind === 'error') return outcome.refused ? 'refused' : 'error';
  if (outcome.columns !== undefined && outcome.columns !== expected.columns) return 'wrong';
  return sameRows(expected.rows, outcome.rows, query.ordered) ? 'correct' : 'wrong';
}
