#!/usr/bin/env node
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Never linger: if anything still holds the event loop, leave anyway.
setTimeout(() => process.exit(code), 2000).unref();
