/**
 * apache-arrow, in one place. The CLI is bundled (scripts/bundle.mjs): Arrow is
 * compiled into the chunks that need it, and only commands that make tables load it.
 */
import * as ArrowModule from 'apache-arrow';

export const Arrow: typeof ArrowModule = ArrowModule;
