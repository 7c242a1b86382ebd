// Stands in for probing ui's page while bench/live.js loads the target: opens the target
// and asks for the new samples each second, as the page does while it shows a target
// (the page's drawing happens in the browser, not in the target). Prints "ready" after
// the first sample. Usage: node ui-poller.cjs <page URL> <target>
const http = require('node:http');

const [page, target] = process.argv.slice(2);
const url = new URL(page);
const call = (method, path) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: `${url.pathname}${path}`, headers: { 'Content-Type': 'application/json' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${method} ${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });

(async () => {
  await call('POST', `api/t/${encodeURIComponent(target)}/open`);
  let after = 0;
  const samples = async () => {
    const fresh = JSON.parse(await call('GET', `api/t/${encodeURIComponent(target)}/samples?after=${after}`));
    if (fresh.length > 0) after = fresh[fresh.length - 1].ts;
  };
  await samples();
  process.stdout.write('ready\n');
  setInterval(() => samples().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }), 1000);
})().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
