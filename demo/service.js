// The bundled demo target: a small HTTP service with state worth looking at.
// `probing demo` starts it, probes it and stops it. Run it alone with `node demo/service.js`.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const app = {
  startedAt: new Date(),
  sessions: new Map(),
  cache: new Map(),
  stats: { requests: 0, errors: 0, byRoute: {} },
};
globalThis.app = app;

const products = ['book', 'lamp', 'chair', 'kettle', 'plant'];

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  app.stats.requests++;
  app.stats.byRoute[url.pathname] = (app.stats.byRoute[url.pathname] ?? 0) + 1;
  const send = (status, body) => {
    if (status >= 400) app.stats.errors++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/login') {
    const id = randomUUID();
    app.sessions.set(id, { id, user: url.searchParams.get('user') ?? 'anonymous', createdAt: new Date(), lastSeen: Date.now(), cart: [] });
    return send(200, { session: id });
  }
  if (url.pathname === '/cart') {
    const session = app.sessions.get(url.searchParams.get('session') ?? '');
    if (!session) return send(401, { error: 'no such session' });
    session.lastSeen = Date.now();
    const item = url.searchParams.get('add');
    if (item) session.cart.push({ item, at: new Date() });
    return send(200, { cart: session.cart });
  }
  if (url.pathname === '/product') {
    const name = url.searchParams.get('name') ?? '';
    if (!products.includes(name)) return send(404, { error: 'no such product' });
    const hit = app.cache.get(name);
    if (hit) return send(200, hit);
    const value = { name, price: 10 + products.indexOf(name) * 7.5, fetchedAt: new Date() };
    app.cache.set(name, value);
    return send(200, value);
  }
  if (url.pathname === '/health') return send(200, { ok: true, uptime: process.uptime() });
  send(404, { error: 'not found' });
}

const server = createServer(handle);
app.server = server;
// Expire sessions idle for more than ten minutes (long enough to try the README's examples on `probing demo --keep`).
setInterval(() => {
  for (const [id, s] of app.sessions) if (Date.now() - s.lastSeen > 600_000) app.sessions.delete(id);
}, 1000).unref();

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ pid: process.pid, port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
