// Bundles the CLI with esbuild: src/cli.ts and everything it imports, its JavaScript
// dependencies included, into dist/cli.cjs, and the big libraries that only some commands
// use (Arrow, alasql, DuckDB's API, acorn, the source-map reader, the MCP SDK) each into
// a file of its own under dist/libs/, loaded when a command first needs it: --help,
// --version and eval load no SQL engine and no Arrow. DuckDB's native module stays
// outside (an optional dependency of the package). The runtime and agent entry points
// are tsc's (tsconfig.entries.json): they have no dependencies to bundle.
//
// CommonJS, not ES modules, because Node.js 20 can cache the compiled code of a script it
// is handed (src/compile-cache.ts) but of no ES module: compiling the same ~1 MB on every
// run was the largest part of a command's own start-up. dist/bundle.json names each
// file's content hash, the key of its cache entries.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const old of ['dist/chunks', 'dist/libs', 'dist/cli.js', 'dist/cli.cjs', 'dist/compile-cache.cjs']) rmSync(`${root}${old}`, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [
    // native, installed as an optional dependency (@duckdb/node-api, the JavaScript
    // over it, is bundled: see src/sql/engines/duckdb-module.ts)
    '@duckdb/node-bindings',
    // alasql's: React Native and browser paths, and a fetch polyfill Node 20 does not need
    'react-native',
    'react-native-fs',
    'react-native-fetch-blob',
    'cross-fetch',
    '../modules/xlsx/xlsx',
    // ws's optional native speed-ups
    'bufferutil',
    'utf-8-validate',
  ],
};

/**
 * Our own modules that load a big library (Arrow, alasql, DuckDB's API, acorn) — or the
 * source-map reader (@jridgewell/trace-mapping, 30 KB), which only stacks and profiles need — when they
 * load, found from a first build's import graph: a dynamic import of one of them stays a
 * split point; every other dynamic import of our own code becomes a static one, so that a
 * query loads 26 files instead of 60 (each ES module costs ~0.45 ms to find, read, compile
 * and link). Measured (15 alternated runs): eval, a query and a DuckDB query 4-5% faster
 * end to end, --help 12% slower (it now loads all of our own code: ~14 ms).
 */
const HEAVY = /node_modules\/(apache-arrow|alasql|@duckdb|acorn|flatbuffers|@jridgewell|@modelcontextprotocol|zod)\//;
const graph = (await build({ ...common, outdir: 'dist', write: false, metafile: true, logLevel: 'silent' })).metafile.inputs;
// every module from which a big library is reached through static imports (to a fixed point:
// a cycle of imports is no trouble)
const heavySet = new Set(Object.keys(graph).filter((file) => HEAVY.test(file)));
for (let grew = true; grew; ) {
  grew = false;
  for (const [file, { imports }] of Object.entries(graph)) {
    if (!heavySet.has(file) && imports.some((i) => i.kind === 'import-statement' && !i.external && heavySet.has(i.path))) {
      heavySet.add(file);
      grew = true;
    }
  }
}
const heavy = (file) => heavySet.has(file);
const staticLight = {
  name: 'static-light-imports',
  setup(b) {
    const ours = new RegExp(`^${join(root, 'src').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\\\/].*\\.ts$`);
    b.onLoad({ filter: ours }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const added = [];
      // (a type position, typeof import('…') or import('…').Name, is left as it is)
      source = source.replace(/(?<!typeof\s*)\bimport\((['"])(\.{1,2}\/[^'"]+)\.js\1\)(?!\s*\.)/g, (whole, _q, spec) => {
        const target = relative(root, join(dirname(args.path), `${spec}.ts`)).split('\\').join('/');
        if (!graph[target] || heavy(target)) return whole;
        const name = `__static${added.length}`;
        added.push(`import * as ${name} from '${spec}.js';`);
        return `Promise.resolve(${name})`;
      });
      // Node's built-ins are require()d: the bundle has no import() (see src/compile-cache.ts)
      source = source.replace(/(?<!typeof\s*)\bimport\((['"])(node:[^'"]+)\1\)/g, (_whole, _q, spec) => `Promise.resolve().then(() => require('${spec}'))`);
      return { contents: added.length > 0 ? `${added.join('\n')}\n${source}` : source, loader: 'ts' };
    });
  },
};

/**
 * The libraries that get a file of their own: the module each is built from, and the
 * package specifiers our code imports, each mapped to the part of that file it means.
 */
const LIBS = {
  arrow: { entry: "export * from 'apache-arrow';", specifiers: { 'apache-arrow': '' } },
  // (CommonJS: its exports are the function itself, which our default import takes)
  alasql: { entry: "module.exports = require('alasql');", specifiers: { alasql: '' } },
  duckdb: { entry: "export * from '@duckdb/node-api';", specifiers: { '@duckdb/node-api': '' } },
  acorn: { entry: "export * from 'acorn';", specifiers: { acorn: '' } },
  tracemapping: { entry: "export * from '@jridgewell/trace-mapping';", specifiers: { '@jridgewell/trace-mapping': '' } },
  mcp: {
    entry: "export * as server from '@modelcontextprotocol/sdk/server/mcp.js'; export * as stdio from '@modelcontextprotocol/sdk/server/stdio.js'; export * as zod from 'zod';",
    specifiers: { '@modelcontextprotocol/sdk/server/mcp.js': '.server', '@modelcontextprotocol/sdk/server/stdio.js': '.stdio', zod: '.zod' },
  },
};
const minify = {
  // Whitespace and syntax only: identifiers keep their names, so stack traces in bug
  // reports stay readable, and functions sent to the target as source (snippets.ts,
  // realm.ts) reach it as written.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
};
const outputs = {};
for (const [name, lib] of Object.entries(LIBS)) {
  const built = await build({
    absWorkingDir: root,
    stdin: { contents: lib.entry, resolveDir: root, loader: 'js', sourcefile: `libs/${name}.js` },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: common.external,
    outfile: `dist/libs/${name}.cjs`,
    ...minify,
    metafile: true,
    logLevel: 'warning',
  });
  Object.assign(outputs, built.metafile.outputs);
}
const bySpecifier = new Map(Object.entries(LIBS).flatMap(([name, lib]) => Object.entries(lib.specifiers).map(([spec, part]) => [spec, { name, part }])));
const libraries = {
  // an import of a library is a one-line module that require()s its file
  name: 'libraries',
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, (args) => (bySpecifier.has(args.path) ? { path: args.path, namespace: 'library' } : undefined));
    b.onResolve({ filter: /^\.\/libs\// }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'library' }, (args) => {
      const { name, part } = bySpecifier.get(args.path);
      return { contents: `module.exports = require('./libs/${name}.cjs')${part};`, loader: 'js' };
    });
    // the native bindings stay a package of their own, found in node_modules
    b.onResolve({ filter: /^@duckdb\/node-bindings$/ }, (args) => (args.namespace === 'native' ? { path: args.path, external: true } : { path: args.path, namespace: 'native' }));
    b.onLoad({ filter: /.*/, namespace: 'native' }, () => ({ contents: "module.exports = require('@duckdb/node-bindings');", loader: 'js' }));
  },
};

// the loader of the cache, compiled as usual (bin/probing.js requires it first)
await build({ absWorkingDir: root, entryPoints: { 'compile-cache': 'src/compile-cache.ts' }, bundle: true, format: 'cjs', platform: 'node', target: 'node20', outdir: 'dist', outExtension: { '.js': '.cjs' }, ...minify, logLevel: 'warning' });

const result = await build({
  ...common,
  format: 'cjs',
  splitting: false,
  outfile: 'dist/cli.cjs',
  ...minify,
  metafile: true,
  logLevel: 'warning',
  plugins: [
    staticLight,
    libraries,
    {
      // chrome-remote-interface reads its 1.2 MB protocol.json only when asked for the
      // local protocol; probing passes its own (empty) descriptor and never does
      name: 'no-local-protocol',
      setup(b) {
        b.onLoad({ filter: /chrome-remote-interface[\\/]lib[\\/]protocol\.json$/ }, () => ({ contents: '{"domains":[]}', loader: 'json' }));
      },
    },
    {
      // string-width makes an Intl.Segmenter as it loads: the first one in a process loads
      // ICU's break-iterator data, 11–15 ms here, paid by every command that prints a table
      // even when every cell is ASCII (which output/width.ts measures without it). Made on
      // first use instead; the build fails if string-width makes one some other way.
      name: 'lazy-segmenter',
      setup(b) {
        b.onLoad({ filter: /node_modules[\\/]string-width[\\/]index\.js$/ }, (args) => {
          const source = readFileSync(args.path, 'utf8');
          // (cli-table3's own older copy segments nothing)
          if (!source.includes('Intl.Segmenter')) return undefined;
          const eager = 'const segmenter = new Intl.Segmenter();';
          if (!source.includes(eager)) throw new Error(`${args.path} no longer makes its Segmenter with "${eager}": review the lazy-segmenter step of scripts/bundle.mjs`);
          return { contents: source.replace(eager, 'let made; const segmenter = { segment: (text) => (made ??= new Intl.Segmenter()).segment(text) };'), loader: 'js' };
        });
      },
    },
  ],
  // our modules find the package's files from their own URL (src/paths.ts)
  define: { 'import.meta.url': '__probingImportMetaUrl' },
  banner: { js: "var __probingImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
Object.assign(outputs, result.metafile.outputs);

// the bundle must not import(): code compiled from the cache could not (src/compile-cache.ts)
const cli = readFileSync(`${root}dist/cli.cjs`, 'utf8');
// (but src/import-module.ts's, where code is compiled without the cache)
const imports = cli.match(/[^.\w$`'"]import\((?!s[,)]|specifier\))[^)]{0,40}\)?/g);
if (imports?.length) throw new Error(`dist/cli.cjs calls import(): ${imports.join(', ')}; require() it, or use src/import-module.ts for a user's module`);

// the content hash of each file: what names its code-cache entries
const manifest = {};
for (const file of Object.keys(outputs).filter((f) => f.endsWith('.cjs'))) {
  manifest[file.replace(/.*\//, '')] = createHash('sha256').update(readFileSync(`${root}${file}`)).digest('hex').slice(0, 16);
}
writeFileSync(`${root}dist/bundle.json`, `${JSON.stringify({ files: manifest }, null, 2)}\n`);

if (process.argv.includes('--sizes')) {
  for (const [file, out] of Object.entries(result.metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)) {
    if (file.endsWith('.cjs')) console.log(`${(out.bytes / 1024).toFixed(0).padStart(6)} KiB  ${file}`);
  }
}

if (process.argv.includes('--inputs')) {
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    if (out.bytes < 50_000) continue;
    const byPackage = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'src';
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
    }
    console.log(file, [...byPackage].sort((a, b) => b[1] - a[1]).map(([p, b]) => `${p} ${(b / 1024).toFixed(0)}K`).join(', '));
  }
}
