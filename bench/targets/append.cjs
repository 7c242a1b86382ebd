// Append throughput: runtime table.append against Array.prototype.push of the same objects.
const { table } = require('probing-node/runtime');
const N = Number(process.env.N ?? 1_000_000);
const rows = Array.from({ length: N }, (_, i) => ({ route: i % 2 ? '/login' : '/cart', status: 200, ms: i * 0.01 }));
const result = { push: [], append: [] };
for (let round = 0; round < 5; round++) {
  let t = performance.now();
  const array = [];
  for (let i = 0; i < N; i++) array.push(rows[i]);
  result.push.push(performance.now() - t);
  const writer = table(`bench${round}`, { capacity: N });
  t = performance.now();
  for (let i = 0; i < N; i++) writer.append(rows[i]);
  result.append.push(performance.now() - t);
}
console.log(JSON.stringify(result));
