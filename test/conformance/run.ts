/**
 * `npm run conformance [-- options]`: the full differential run, SQLite as the
 * oracle, and its report. Exits 1 on any silently wrong answer or hang.
 *
 *   --seed N          generator seed (default 1); the same seed, the same tables and queries
 *   --databases N     generated databases (default 10)
 *   --queries N       queries per database (default 400)
 *   --cli N           queries per engine also run through the real CLI (default 60)
 *   --engine E        duckdb or alasql (default both)
 *   --query D:I       only query I of database D (what the report prints to replay one)
 *   --timeout MS      probing's --timeout for each query (default 5000)
 *   --detail N        wrong answers, hangs and error kinds shown per section (default 5)
 *
 * Run through load-ts.mjs (Node 20 cannot run TypeScript itself).
 */
import type { EngineName } from '../../src/sql/engines/contract.js';
import { failures, formatReport } from './report.js';
import { runSuite, type SuiteOptions } from './suite.js';

function parse(args: readonly string[]): SuiteOptions & { detail: number } {
  const options: SuiteOptions & { detail: number } = {
    seed: 1,
    databases: 10,
    queriesPerDatabase: 400,
    cliQueries: 60,
    engines: ['duckdb', 'alasql'],
    timeoutMs: 5000,
    attachTimeoutMs: 5000,
    detail: 5,
  };
  const number = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (text === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, not ${text}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = args[i + 1];
    i++;
    switch (flag) {
      case '--seed':
        options.seed = number(flag, value);
        break;
      case '--databases':
        options.databases = Math.max(1, number(flag, value));
        break;
      case '--queries':
        options.queriesPerDatabase = number(flag, value);
        break;
      case '--cli':
        options.cliQueries = number(flag, value);
        break;
      case '--engine':
        if (value !== 'duckdb' && value !== 'alasql') throw new Error('--engine is duckdb or alasql');
        options.engines = [value as EngineName];
        break;
      case '--query': {
        const m = /^(\d+):(\d+)$/.exec(value ?? '');
        if (!m) throw new Error('--query is D:I (database:index), as the report prints it');
        options.only = { db: Number(m[1]), index: Number(m[2]) };
        options.databases = Math.max(options.databases, Number(m[1]) + 1);
        options.cliQueries = Math.min(options.cliQueries, 1);
        break;
      }
      case '--timeout':
        options.timeoutMs = number(flag, value);
        break;
      case '--detail':
        options.detail = number(flag, value);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

export async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parse(args);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const started = Date.now();
  const report = await runSuite({ ...options, progress: (line) => console.error(line) });
  console.log(formatReport(report, options.only ? 1 : options.detail));
  console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
  return failures(report).length === 0 ? 0 : 1;
}
