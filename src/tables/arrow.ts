/**
 * apache-arrow, loaded from its single-file build: the package's regular entry
 * point is ~100 files and took 50–117 ms to import here, the minified esnext bundle
 * 16 ms. Same API; types come from the package as usual.
 */
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';

const require = createRequire(import.meta.url);

export const Arrow = require('apache-arrow/Arrow.esnext.min') as typeof ArrowModule;
