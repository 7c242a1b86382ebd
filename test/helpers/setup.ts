/**
 * Run before each test file (vitest.config.ts setupFiles), whichever worker runs it: the
 * targets and CLI runs a test started are killed after it, even when it fails; those a
 * file's tests share, and the file's PROBING_HOME, once the file is done.
 */
import { afterAll, afterEach } from 'vitest';
import { endFile, killAll } from './targets.js';

afterEach(killAll);
afterAll(endFile);
