// Preloaded into the CLI by tests (node --import): appends every module URL the CLI
// loads to $PROBING_TEST_IMPORTS, one per line, through a resolve hook.
import { register } from 'node:module';

if (process.env.PROBING_TEST_IMPORTS) {
  register('data:text/javascript,' + encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(${JSON.stringify(process.env.PROBING_TEST_IMPORTS)}, resolved.url + '\\n');
      return resolved;
    }
  `));
}
