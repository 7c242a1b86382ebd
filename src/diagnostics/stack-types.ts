/** A thread's JavaScript stack as backtrace reads it: types only, no imports (the ui's page type-checks them too). */

export interface Frame {
  function: string;
  file: string | null;
  line: number | null;
  column: number | null;
  async: boolean;
  native: boolean;
  /** Where V8 ran it, when file, line and column are the original source's (through a source map). */
  generated?: { file: string; line: number; column: number };
}

export interface Backtrace {
  frames: Frame[];
  /** Nothing was running: the thread waits in the event loop. */
  idle: boolean;
  /** What keeps the event loop alive, by resource type. */
  resources: Record<string, number>;
}
