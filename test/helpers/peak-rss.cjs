// Preloaded into the CLI by tests (NODE_OPTIONS=--require): writes the process's peak
// resident memory (bytes) to $PROBING_TEST_PEAK when it exits. Other node processes
// that inherit the variable (an extension program) do nothing.
const out = process.env.PROBING_TEST_PEAK;
if (out && /probing(\.js)?$/.test(process.argv[1] ?? '')) {
  process.on('exit', () => require('node:fs').writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
}
