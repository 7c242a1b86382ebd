/** What stdout can show: the one place that decides colours and width. */

/** Colours only on a terminal, never with NO_COLOR set, and not when `allowed` is false (--no-color, -o). */
export function stdoutColors(allowed = true): boolean {
  return allowed && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** The terminal's width, or undefined when stdout is not a terminal. */
export function stdoutWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}
