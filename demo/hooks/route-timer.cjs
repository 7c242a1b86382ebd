// Injected into the demo service by `probing demo`: times every request by route.
// Runs inside the target, CommonJS-style; it keeps working after probing has left.
const { performance } = require('node:perf_hooks');

const timings = {};
const server = globalThis.app.server;
server.prependListener('request', (req, res) => {
  const started = performance.now();
  const route = new URL(req.url, 'http://localhost').pathname;
  res.once('finish', () => {
    const t = (timings[route] ??= { count: 0, totalMs: 0, maxMs: 0 });
    const ms = performance.now() - started;
    t.count++;
    t.totalMs += ms;
    t.maxMs = Math.max(t.maxMs, ms);
  });
});
globalThis.routeTimings = timings;

module.exports = { installed: 'route timer', routes: Object.keys(timings).length };
