// Bench target: a heap whose snapshot is well over 100 MB.
const N = Number(process.env.OBJECTS ?? 900_000);
globalThis.big = Array.from({ length: N }, (_, i) => ({ id: i, name: `item-${i % 5000}`, tags: [i % 7, i % 11], owner: { n: i } }));
console.log(JSON.stringify({ pid: process.pid }));
setInterval(() => {}, 1000);
