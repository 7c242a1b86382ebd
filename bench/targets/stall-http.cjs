// node:http for the watchdog's bench: answers at once, and /stall blocks for 300 ms in blockStall.
const http = require('node:http');
function blockStall() {
  const end = Date.now() + 300;
  while (Date.now() < end);
}
const server = http.createServer((req, res) => {
  if (req.url === '/stall') blockStall();
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ pid: process.pid, port: server.address().port })));
