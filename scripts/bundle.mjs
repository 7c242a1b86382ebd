// Bundles the CLI with esbuild: src/cli.ts and everything it imports, its JavaScript
// dependencies included, into dist/cli.js and chunks beside it (dist/chunks/),
// split along the CLI's dynamic imports so that a command loads only what it uses:
// --help, --version and eval load no SQL engine and no Arrow. DuckDB's native module
// stays outside (an optional dependency of the package). The runtime and agent entry
// points are tsc's (tsconfig.entries.json): they have no dependencies to bundle.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/chunks`, { recursive: true, force: true });

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
const HEAVY = /node_modules\/(apache-arrow|alasql|@duckdb|acorn|flatbuffers|@jridgewell)\//;
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
      return { contents: added.length > 0 ? `${added.join('\n')}\n${source}` : source, loader: 'ts' };
    });
  },
};

const result = await build({
  ...common,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax only: identifiers keep their names, so stack traces in bug
  // reports stay readable, and functions sent to the target as source (snippets.ts,
  // realm.ts) reach it as written.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [
    staticLight,
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
  // CommonJS dependencies (alasql, ws, commander) call require() for Node's built-ins,
  // and alasql reads __dirname
  banner: {
    js: "import { createRequire as __probingCreateRequire } from 'node:module'; import { fileURLToPath as __probingFileURLToPath } from 'node:url'; const require = __probingCreateRequire(import.meta.url); const __probingDirname = __probingFileURLToPath(new URL('.', import.meta.url));",
  },
  define: { __dirname: '__probingDirname' },
});

if (process.argv.includes('--sizes')) {
  for (const [file, out] of Object.entries(result.metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)) {
    if (file.endsWith('.js')) console.log(`${(out.bytes / 1024).toFixed(0).padStart(6)} KiB  ${file}`);
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
