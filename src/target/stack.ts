/**
 * Runs inside the target: the JavaScript stack of the main thread. Inspector
 * messages reach a busy target as V8 interrupts, so a stack captured in an
 * evaluation holds the frames of the code it interrupted; in an idle target it holds
 * only the evaluation itself. Error.stackTraceLimit is raised for the capture and put
 * back at once.
 */
export function captureStack(this: void, _load: unknown, limit: number) {
  const E = Error as unknown as { stackTraceLimit: number; prepareStackTrace?: unknown };
  const previousLimit = E.stackTraceLimit;
  const previousPrepare = E.prepareStackTrace;
  let frames: Array<{ function: string; file: string | null; line: number | null; column: number | null; async: boolean; native: boolean }> = [];
  try {
    E.stackTraceLimit = limit;
    // V8's own text of each frame, with the positions V8 ran: neither the application's
    // formatter nor Node's source-map rewriting (--enable-source-maps, tsx) applies, so that
    // probing maps every frame once, the same way for stacks and profiles
    E.prepareStackTrace = (_error: unknown, sites: unknown[]) => `Error\n${sites.map((site) => `    at ${String(site)}`).join('\n')}`;
    const stack = String(new Error().stack ?? '');
    frames = stack
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line.startsWith('at '))
      .map((line) => {
        const async = line.startsWith('at async ');
        const body = line.slice(async ? 9 : 3);
        const match = /^(.*?) \((.*)\)$/.exec(body);
        const fn = match ? match[1]! : '<anonymous>';
        const where = match ? match[2]! : body;
        const position = /^(.*):(\d+):(\d+)$/.exec(where);
        return {
          function: fn,
          file: position ? position[1]! : where === 'native' ? null : where,
          line: position ? Number(position[2]) : null,
          column: position ? Number(position[3]) : null,
          async,
          native: where === 'native' || where.startsWith('node:'),
        };
      })
      // our own frames: the snippet and the evaluation around it
      .filter((f) => !(f.file ?? '').startsWith('probing://') && f.file !== '<anonymous>' && f.function !== 'captureStack');
  } finally {
    E.stackTraceLimit = previousLimit;
    E.prepareStackTrace = previousPrepare;
  }
  return {
    frames,
    idle: frames.length === 0,
    resources: process.getActiveResourcesInfo().reduce<Record<string, number>>((counts, type) => ((counts[type] = (counts[type] ?? 0) + 1), counts), {}),
  };
}
