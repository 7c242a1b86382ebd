/**
 * A pull of a table out of the target in slices of its time: the driver runs
 * columnSteps (target/columns.ts), then writes the payload's JSON in parts, each
 * evaluation stopping once its time budget is spent, so that the target's event loop
 * runs between slices. Compiled in probing's realm (target/realm.ts); its state lives
 * on the target's global (passed in as `g`) under one symbol, by pull id, until the
 * pull ends, the command detaches, or — a probing killed mid-pull — the next pull
 * finds it idle for a minute.
 *
 * Self-contained: sent as source, with columnSteps passed in.
 */
import type { ColumnLimits, NativeHelpers, TableParts } from './columns.js';

export type PullAnswer =
  /** More to do: ask again. */
  | { done: false; longestMs: number }
  /** All of it, in this answer. */
  | { done: true; json: string; longestMs: number }
  /** Ready in `pages` parts: ask for each. */
  | { done: true; pages: number; longestMs: number };

export function pullDriver(steps: (value: unknown, limits: ColumnLimits, native?: NativeHelpers) => Generator<undefined, TableParts, undefined>) {
  type State = { work: Generator<undefined, undefined, undefined>; parts: string[]; pages: Array<[number, number]> | null; at: number; longestMs: number };
  /** Characters in a page: handing a string to the inspector costs the main thread ~30-40 ms per MB. */
  const PAGE = 512 * 1024;
  /** Dictionary entries in a chunk, and items written as JSON in one step (a value is at most maxString characters). */
  const CHUNK = 8192;
  const ITEMS = 1024;
  const IDLE_MS = 60_000;

  /**
   * The payload's JSON as parts: {"rest": {...}, "columns": [...]}. columnSteps left the
   * long fields in pieces (base64 of 196,608 bytes, values in chunks of 8,192), so no part,
   * and so no page, is much bigger than PAGE, whatever one column holds.
   */
  function* json(payload: TableParts, out: string[]): Generator<undefined, undefined, undefined> {
    const { columns, ...rest } = payload;
    out.push(`{"rest":${JSON.stringify(rest)},"columns":[`);
    for (let c = 0; c < columns.length; c++) {
      yield;
      const { values, dict, data, valid, indices, ...meta } = columns[c]!;
      out.push(`${c > 0 ? ',' : ''}${JSON.stringify(meta).slice(0, -1)}`);
      const texts: Array<[string, string[] | undefined]> = [['data', data], ['valid', valid], ['indices', indices]];
      for (const [name, pieces] of texts) {
        if (pieces === undefined) continue;
        out.push(`,"${name}":"`);
        for (const piece of pieces) out.push(piece);
        out.push('"');
      }
      // the dictionary in chunks of CHUNK items, the values in their own chunks (as many rows)
      const lists: Array<[string, Array<Array<string | null>> | undefined]> = [['values', values], ['dict', dict && chunked(dict)]];
      for (const [name, list] of lists) {
        if (list === undefined) continue;
        out.push(`,"${name}":[`);
        let first = true;
        for (const chunk of list) {
          for (let at = 0; at < chunk.length; at += ITEMS) {
            yield;
            const text = JSON.stringify(chunk.slice(at, at + ITEMS));
            out.push(`${first ? '' : ','}${text.slice(1, -1)}`);
            first = false;
          }
        }
        out.push(']');
      }
      out.push('}');
    }
    out.push(']}');
    return undefined;
  }

  function chunked(list: string[]): string[][] {
    const chunks: string[][] = [];
    for (let at = 0; at < list.length; at += CHUNK) chunks.push(list.slice(at, at + CHUNK));
    return chunks;
  }

  function* all(value: unknown, limits: ColumnLimits, native: NativeHelpers | undefined, out: string[]): Generator<undefined, undefined, undefined> {
    const payload = yield* steps(value, limits, native);
    yield* json(payload, out);
    return undefined;
  }

  /**
   * Each answer is given at once (a target that spins in a loop still answers, through V8's
   * interrupts); the CLI waits a moment before its next request, so that the target's event
   * loop turns between slices (run/pull.ts).
   */
  const driver = (
    g: Record<symbol, unknown>,
    action: 'start' | 'step' | 'page' | 'end',
    id: string,
    budgetMs: number,
    value?: unknown,
    limits?: ColumnLimits,
    native?: NativeHelpers,
  ): PullAnswer | string | null => {
    const key = Symbol.for('probing.pulls');
    let pulls = g[key] as (Map<string, State> & { driver?: typeof driver }) | undefined;
    const now = Date.now();
    if (action === 'start') {
      // the later steps call the driver from here, without sending its source again
      if (!pulls) g[key] = pulls = Object.assign(new Map<string, State>(), { driver });
      // a pull whose probing went away without a word (killed) is dropped after a minute
      for (const [other, state] of pulls) if (now - state.at > IDLE_MS) pulls.delete(other);
      const parts: string[] = [];
      pulls.set(id, { work: all(value, limits!, native, parts), parts, pages: null, at: now, longestMs: 0 });
      action = 'step';
    }
    const state = pulls?.get(id);
    if (action === 'end') {
      pulls?.delete(id);
      if (pulls && pulls.size === 0) delete g[key];
      return null;
    }
    if (!state) throw new Error(`probing: pull ${id} is gone from the target`);
    state.at = now;
    // a page is joined when asked for: a few MB at a time, never all of it in one stretch
    if (action === 'page') {
      const [from, to] = state.pages![budgetMs]!;
      return state.parts.slice(from, to).join('');
    }
    const deadline = now + budgetMs;
    for (;;) {
      if (state.work.next().done) break;
      const at = Date.now();
      if (at >= deadline) {
        state.longestMs = Math.max(state.longestMs, at - now);
        return { done: false, longestMs: state.longestMs };
      }
    }
    state.longestMs = Math.max(state.longestMs, Date.now() - now);
    const text = state.parts;
    let size = 0;
    for (const part of text) size += part.length;
    if (size <= PAGE) {
      const whole = text.join('');
      pulls!.delete(id);
      if (pulls!.size === 0) delete g[key];
      return { done: true, json: whole, longestMs: state.longestMs };
    }
    // pages of about PAGE characters, as ranges of parts (no part is split)
    const pages: Array<[number, number]> = [];
    let from = 0;
    let length = 0;
    for (let i = 0; i < text.length; i++) {
      length += text[i]!.length;
      if (length >= PAGE) {
        pages.push([from, i + 1]);
        from = i + 1;
        length = 0;
      }
    }
    if (from < text.length) pages.push([from, text.length]);
    state.pages = pages;
    return { done: true, pages: pages.length, longestMs: state.longestMs };
  };
  return driver;
}
