/**
 * The note every command that attached gives when the inspector probing opened could not
 * be closed (a target that does not return to its event loop): said, never left silent.
 */
export function noteLeftOpen(leftOpen: string | undefined, err: (text: string) => void = (text) => void process.stderr.write(text)): void {
  if (leftOpen) err(`probing: note: ${leftOpen}\n`);
}
