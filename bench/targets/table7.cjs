// Bench target (and row builder): 1,000,000 rows × 7 mixed columns in globalThis.rows —
// an int, a short string of 8 values, a longer string that is nearly unique, a float
// with 10% NULL, a boolean, a Date, an int with 20% NULL. Required, it only exports makeRows.
const KINDS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'];

function makeRows(n) {
  const base = Date.UTC(2025, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    kind: KINDS[i % 8],
    url: `/api/v1/users/${(i * 7919) % n}/orders?page=${i % 37}`,
    score: i % 10 === 0 ? null : ((i * 37) % 10007) / 7,
    active: i % 3 === 0,
    at: new Date(base + i * 1000),
    parent: i % 5 === 0 ? null : (i * 31) % 100_000,
  }));
}

module.exports = { makeRows };

if (require.main === module) {
  globalThis.rows = makeRows(Number(process.env.ROWS ?? 1_000_000));
  console.log(JSON.stringify({ pid: process.pid }));
  setInterval(() => {}, 1 << 30);
}
