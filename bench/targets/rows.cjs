// Bench target: 1,000,000 rows × 4 columns (COLUMNS=7: the 7 mixed columns of table7.cjs),
// and a monitor of its own event loop: globalThis.maxBlockMs is the longest stretch its
// event loop could not run a 1 ms timer.
const N = Number(process.env.ROWS ?? 1_000_000);
globalThis.rows =
  process.env.COLUMNS === '7'
    ? require('./table7.cjs').makeRows(N)
    : Array.from({ length: N }, (_, i) => ({ id: i, name: `user${i % 1000}`, score: (i % 997) / 7, active: i % 3 === 0 }));
globalThis.maxBlockMs = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  globalThis.maxBlockMs = Math.max(globalThis.maxBlockMs, now - last - 1);
  last = now;
}, 1);
console.log(JSON.stringify({ pid: process.pid }));
