#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // the version needs nothing of the CLI: answered before it loads
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { readFileSync } = require('node:fs');
  const { fileURLToPath } = require('node:url');
  // the bundle's compiled code comes from a cache of the user's (dist/compile-cache.cjs):
  // one entry per command, written after a command that succeeded
  const { installCompileCache } = require('../dist/compile-cache.cjs');
  const { files } = JSON.parse(readFileSync(new URL('../dist/bundle.json', import.meta.url), 'utf8'));
  const command = args.find((arg) => /^[a-z]{2,16}$/.test(arg)) ?? 'none';
  const cache = installCompileCache(fileURLToPath(new URL('../dist/', import.meta.url)), files, command, (specifier) => import(specifier));
  const { main } = require('../dist/cli.cjs');
  const code = await main(args);
  process.exitCode = code;
  if (code === 0) cache.save();
  // Never linger: if anything still holds the event loop, leave anyway.
  setTimeout(() => process.exit(code), 2000).unref();
}
