#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // the version needs nothing of the CLI: answered before it loads
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  const code = await main(args);
  process.exitCode = code;
  // Never linger: if anything still holds the event loop, leave anyway.
  setTimeout(() => process.exit(code), 2000).unref();
}
