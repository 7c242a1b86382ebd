/**
 * Where a command writes its result, checked before anything is attached, profiled or
 * snapshotted: a path that cannot be written is refused at once (exit 8), not after a
 * 6-second profile or a snapshot that stalled the target. `-o -` is stdout.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileError } from '../errors.js';

/** `-o -` means stdout: the output option as a file path, or undefined for stdout. */
export function outputFile(option: string | undefined): string | undefined {
  return option === undefined || option === '-' ? undefined : option;
}

/** Whether this process may write `path` (a file, or a directory to create one in). */
const writable = (path: string): Promise<boolean> => access(path, constants.W_OK).then(() => true, () => false);

/** Refuses, with the fix, a path this process could not create or overwrite. */
export async function checkWritable(path: string): Promise<void> {
  const full = resolve(path);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory()) throw new FileError('OUTPUT_IS_DIRECTORY', `cannot write ${path}: it is a directory`, { hint: `name a file in it, such as ${path.replace(/\/$/, '')}/result` });
  if (existing) {
    if (!(await writable(full))) throw new FileError('OUTPUT_NOT_WRITABLE', `cannot write ${path}: permission denied`, { hint: 'choose a path you can write to with -o' });
    return;
  }
  await checkDirectory(dirname(path), path);
}

/** Refuses a directory in which this process could not create `path` (by default, a file of its own name). */
export async function checkDirectory(directory: string, path = `a file in ${directory === '.' ? 'the current directory' : directory}`): Promise<void> {
  const found = await stat(resolve(directory)).catch(() => undefined);
  const what = `cannot write ${path}`;
  if (!found) throw new FileError('OUTPUT_NO_DIRECTORY', `${what}: the directory ${directory} does not exist`, { hint: `create it (mkdir -p ${directory}), or choose another path with -o` });
  if (!found.isDirectory()) throw new FileError('OUTPUT_NO_DIRECTORY', `${what}: ${directory} is not a directory`, { hint: 'choose another path with -o' });
  if (!(await writable(resolve(directory)))) throw new FileError('OUTPUT_NOT_WRITABLE', `${what}: ${directory} is not writable`, { hint: 'choose a directory you can write to with -o' });
}
