// Preloaded (node --require) into a benchmarked child: on exit, writes the process's
// peak resident set size in bytes (getrusage's ru_maxrss, through process.resourceUsage(),
// which works on Linux, macOS and Windows) to the file named by BENCH_PEAK_RSS.
const file = process.env.BENCH_PEAK_RSS;
if (file) process.on('exit', () => require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
