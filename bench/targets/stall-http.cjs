// node:http for the watchdog's bench: answers at once, and /stall blocks for 300 ms in
// blockStall, noting when each block began (globalThis.stallStarts, Date.now()).
const http = require('node:http');
globalThis.stallStarts = [];
function blockStall() {
  const start = Date.now();
  globalThis.stallStarts.push(start);
  while (Date.now() < start + 300);
}
const server = http.createServer((req, res) => {
  if (req.url === '/stall') blockStall();
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ pid: process.pid, port: server.address().port })));
