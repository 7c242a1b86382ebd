// Builds the page of `probing ui` into dist/ui/: app.js and app.css (esbuild: one ES module,
// minified, for browsers of 2023 on) and a static index.html that loads them by relative
// paths (the page is served under /<token>/) with no inline script (the server's CSP allows
// none). The page is type-checked first (src/ui/web/tsconfig.json), in parallel with the
// bundling; a type error fails the build and nothing is written.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist/ui');
const started = performance.now();

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>probing ui</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="./app.css">
<script type="module" src="./app.js"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;

function typeCheck() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', 'src/ui/web/tsconfig.json', '--noEmit', '--pretty'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

const checking = typeCheck();
const bundle = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/web/main.tsx' },
  outdir,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  logLevel: 'warning',
});
const checked = await checking;
if (!checked.ok) {
  process.stderr.write(checked.output);
  process.stderr.write('build-ui: type errors in src/ui/web (above); dist/ui not written\n');
  process.exit(1);
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
for (const file of bundle.outputFiles) writeFileSync(file.path, file.contents);
writeFileSync(join(outdir, 'index.html'), INDEX_HTML);

for (const name of ['index.html', 'app.js', 'app.css']) {
  const size = statSync(join(outdir, name)).size;
  console.log(`dist/ui/${basename(name).padEnd(10)} ${(size / 1024).toFixed(1).padStart(7)} KiB`);
}
console.log(`built in ${Math.round(performance.now() - started)} ms`);
