// Runs a TypeScript module of the conformance suite on Node 20, which cannot run
// .ts itself: Vite's module runner (installed with vitest) transforms it and the
// src/ files it imports on the fly, as vitest does. Calls the module's
// `main(args)` and exits with the status it returns.
//   node test/conformance/load-ts.mjs test/conformance/run.ts [args…]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, createServerModuleRunner } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/conformance/load-ts.mjs <module.ts> [args…]');
  process.exit(2);
}

const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
let code = 1;
try {
  const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
  const module = await runner.import(`/${resolve(root, file).slice(root.length)}`);
  code = await module.main(args);
} catch (error) {
  console.error(error);
} finally {
  await server.close();
}
process.exitCode = code;
