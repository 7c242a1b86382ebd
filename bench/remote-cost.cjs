// Preloaded into the probing that runs "over there" in bench/fanout.js: on exit, appends
// one line of JSON to $BENCH_REMOTE_COST — its wall time from start, CPU time (user +
// system) and peak resident memory — what one host pays for one query.
const file = process.env.BENCH_REMOTE_COST;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const line = JSON.stringify({ wallMs: process.uptime() * 1000, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssBytes: u.maxRSS * 1024 });
    require('node:fs').appendFileSync(file, line + '\n');
  });
}
