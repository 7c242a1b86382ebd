// A small load generator on loopback: CONCURRENCY keep-alive connections sending TOTAL requests.
const http = require('node:http');
const port = Number(process.argv[2]);
const total = Number(process.argv[3] ?? 30000);
const concurrency = Number(process.argv[4] ?? 16);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let sent = 0;
let done = 0;
const started = performance.now();
function one() {
  if (sent >= total) return;
  sent++;
  http.get({ host: '127.0.0.1', port, path: `/r/${sent % 10}`, agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (++done === total) {
        const ms = performance.now() - started;
        console.log(JSON.stringify({ requests: done, ms, perSecond: (done * 1000) / ms }));
        agent.destroy();
      } else one();
    });
  }).on('error', () => one());
}
for (let i = 0; i < concurrency; i++) one();
