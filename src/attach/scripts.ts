/** The scripts V8 has parsed in a thread, as its inspector reports them. */
import type { Session } from './session.js';

export interface ParsedScript {
  url: string;
  /** The script's sourceMappingURL comment (a data: URL or one relative to `url`), '' if none. */
  sourceMapURL: string;
}

/**
 * Every script V8 has parsed in the session's thread. Debugger.enable replays one
 * scriptParsed event per script before it answers; setSkipAllPauses goes out with it, so
 * that no `debugger;` statement can stop the target while our Debugger domain is on, and
 * Debugger.disable turns it off again at once (also when the enable fails or times out).
 */
export async function parsedScripts(session: Session, timeoutMs?: number): Promise<ParsedScript[]> {
  const scripts: ParsedScript[] = [];
  const stop = session.on('Debugger.scriptParsed', (event) => {
    if (event.url) scripts.push({ url: event.url, sourceMapURL: event.sourceMapURL ?? '' });
  });
  const options = timeoutMs === undefined ? {} : { timeoutMs };
  try {
    await Promise.all([session.send('Debugger.enable', {}, options), session.send('Debugger.setSkipAllPauses', { skip: true }, options)]);
  } finally {
    await session.send('Debugger.disable').catch(() => {});
    stop();
  }
  return scripts;
}
