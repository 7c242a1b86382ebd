/** What stdout can show: the one place that decides colours and width. */
import { WriteStream } from 'node:tty';

/**
 * Colours as Node itself decides them (tty.WriteStream#getColorDepth: FORCE_COLOR, NO_COLOR,
 * NODE_DISABLE_COLORS, TERM): FORCE_COLOR gives colours even through a pipe; otherwise only
 * a terminal that has them gets them. Never when `allowed` is false (--no-color, -o).
 */
export function stdoutColors(allowed = true): boolean {
  if (!allowed) return false;
  const forced = process.env.FORCE_COLOR;
  if (forced !== undefined && forced !== '') return WriteStream.prototype.getColorDepth.call(process.stdout, process.env) > 1;
  return process.stdout.isTTY === true && process.stdout.hasColors();
}

/** The width to fit: COLUMNS when set (as `ls` and psql honour it), else the terminal's; undefined for a pipe or a file. */
export function stdoutWidth(): number | undefined {
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 20) return columns;
  // a pseudo-terminal with no size set says 0 columns: treated as no width to fit
  return process.stdout.isTTY && process.stdout.columns >= 20 ? process.stdout.columns : undefined;
}
