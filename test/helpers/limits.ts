/**
 * How long the tests wait, and why. None of these is a guess at how fast a healthy run
 * is: each bounds something that a healthy run always reaches, however busy the machine,
 * and is there only to tell "slow" from "never" — with a message saying what never came.
 * What a test asserts about time is relative to something measured in the same test, or
 * to the alternative it rules out (a 60 s wait, a join that takes hours).
 */

/** A Node.js process starting and printing its ready line; a second or two on a loaded 2-core machine. */
export const START_LIMIT_MS = 30_000;

/**
 * Given to the CLI as --attach-timeout (its default is 3000 ms). A fixture opens its
 * inspector as soon as it is signalled; how soon that is depends on the machine's load,
 * not on probing. Tests about a target that never opens one pass their own, short value.
 */
export const ATTACH_TIMEOUT_MS = 30_000;

/** How long the CLI waits for another probing command to release a fixed port's lock (src/attach/open-inspector.ts, lockWaitMs). */
const lockWaitMs = (attachMs: number) => Math.max(15_000, 2 * attachMs);

/** The CLI's own --timeout when none is given (src/cli.ts). */
const CLI_TIMEOUT_MS = 5000;

/** A duration as the CLI reads it: 500, 500ms, 1.5s. */
function durationMs(text: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text?.trim() ?? '');
  return match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : undefined;
}

function optionMs(args: readonly string[], name: string): number | undefined {
  const i = args.lastIndexOf(name);
  return i < 0 ? undefined : durationMs(args[i + 1]);
}

/**
 * The longest a healthy `probing <args>` runs: its start, the port lock it may wait for,
 * the inspector it may wait for, a --duration it was asked to record for, and the waits
 * in the target and the SQL engine that --timeout bounds (a few in a row, in a query).
 * Past this the CLI is hung: every wait in it has a limit of its own below this sum.
 */
export function cliLimitMs(args: readonly string[]): number {
  const timeout = optionMs(args, '--timeout') ?? CLI_TIMEOUT_MS;
  const attach = optionMs(args, '--attach-timeout') ?? ATTACH_TIMEOUT_MS;
  return START_LIMIT_MS + lockWaitMs(attach) + attach + (optionMs(args, '--duration') ?? 0) + 4 * timeout;
}

/** Commands that attach to a target and take --attach-timeout (src/cli.ts, attachCommand). */
const ATTACHING = new Set(['eval', 'inject', 'query', 'tables', 'describe', 'config', 'call', 'repl', 'backtrace', 'profile', 'heap', 'agent', 'inspect', 'mcp']);

/** The arguments, with --attach-timeout ATTACH_TIMEOUT_MS added to a command that attaches, unless they set their own. */
export function withAttachTimeout(args: readonly string[]): string[] {
  const command = args.slice(0, 2).find((a) => ATTACHING.has(a));
  if (command === undefined || args.includes('--attach-timeout') || args.includes('--')) return [...args];
  return [...args, '--attach-timeout', String(ATTACH_TIMEOUT_MS)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether `check` comes to hold: for something a healthy run always reaches (a port
 * that closes, a thread that starts, a line a process prints), so the limit only tells
 * a slow machine from a thing that never happens. The caller's expectation says what.
 */
export async function eventually(check: () => Promise<boolean> | boolean, limitMs = START_LIMIT_MS): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const started = Date.now();
    if (await check()) return true;
    // a check that runs the CLI costs ~100 ms of CPU: asked again no sooner than it took,
    // polling spends at most half the time checking (a cheap check is asked every 20 ms)
    await sleep(Math.max(20, Date.now() - started));
  }
  return check();
}

/**
 * A bound for "it ended soon after `limitMs` ran out": the limit, plus ten times what a
 * comparable command took in the same test (`baselineMs`). It grows with the machine's
 * load, as the command does, and stays far below the wait without end it rules out.
 */
export function soonAfter(limitMs: number, baselineMs: number): number {
  return limitMs + 10 * baselineMs;
}
