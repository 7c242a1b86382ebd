/**
 * Source maps: a TypeScript application run with tsx (an inline map V8 is told about) and
 * the same application bundled by esbuild with its map in a file beside it, run by plain
 * node without --enable-source-maps. Profiles, flame graphs, heap samples, backtraces and
 * process.stack must name the functions at their lines in the .ts file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { eventually } from '../helpers/limits.js';
import { fixtures, listeningPorts, probing, startTarget } from '../helpers/targets.js';

const source = `${fixtures}targets/ts-app.ts`;
const sourceUrl = pathToFileURL(source).href;
const lines = readFileSync(source, 'utf8').split('\n');
/** The line (from 1) where the fixture declares `function <name>(`: read from the file, not written down twice. */
const lineOf = (name: string) => lines.findIndex((l) => l.startsWith(`function ${name}(`)) + 1;
/** The lines of the fixture's function or method `<name>`, from its declaration to its closing brace (0s where it has none). */
const bodyOf = (name: string) => {
  const first = lines.findIndex((l) => l.startsWith(`function ${name}(`) || new RegExp(`^ +${name}\\(`).test(l)) + 1;
  if (first === 0) return [0, 0];
  const indent = /^ */.exec(lines[first - 1]!)![0];
  return [first, first + lines.slice(first).findIndex((l) => l === `${indent}}`) + 1];
};

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'probing-maps-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Whether a stack frame of the fixture lies inside the lines of the function it names — any
 * of its functions or methods (`OrderBook.add`, met in a loaded run): a stack is a sample,
 * and lands where it lands. The arrow that makeOrder hands to Array.from is an <anonymous> frame inside makeOrder's.
 */
const inside = (frame: { function: string; line: number }) => {
  // `Immediate.tick [as _onImmediate]`: the name is the last part before V8's alias
  const name = frame.function.replace(/ \[as [^\]]*\]$/, '').split('.').pop()!;
  const [first, last] = bodyOf(name === '<anonymous>' ? 'makeOrder' : name);
  return first! > 0 && frame.line >= first! && frame.line <= last!;
};
type Frame = { function: string; file: string; line: number; generated?: { line: number } };

type Row = { function: string; url: string; line: number };
const json = (stdout: string) => JSON.parse(stdout) as Row[];
const TOP = 'SELECT "function", url, line FROM profile.functions WHERE url LIKE \'%ts-app%\' ORDER BY self_ms DESC';

/** The fixture's frames of pid's main-thread stack, read again until a read lands in its code (a stack is a sample). */
async function tsAppFrames(pid: number): Promise<Frame[]> {
  let frames: Frame[] = [];
  await eventually(async () => {
    const trace = await probing([String(pid), 'backtrace', '--json']);
    expect(trace.code, trace.stderr).toBe(0);
    frames = (JSON.parse(trace.stdout) as { frames: Frame[] }).frames.filter((f) => f.file?.includes('ts-app'));
    return frames.length > 0;
  });
  expect(frames.length).toBeGreaterThan(0);
  return frames;
}

describe('source maps', () => {
  it('tsx: the profile table, the flame graph, a heap sample, backtrace and process.stack name the TypeScript lines', async () => {
    const target = await startTarget('ts-app.ts', { nodeArgs: ['--import', 'tsx'] });
    const before = await listeningPorts(target.pid);
    const prefix = join(tempDir(), 'cpu');
    // the fixture is busy for as long as it runs: each step is as short as what it shows
    // allows (500 ms of a profile: some 400 samples of crunchNumbers). The table probing
    // prints by default (its top functions by self time), as a user reads it:
    const profile = await probing([String(target.pid), 'profile', 'cpu', '--duration', '500ms', '-o', prefix], { env: { COLUMNS: '300' } });
    expect(profile.code, profile.stderr).toBe(0);
    expect(profile.stderr).toContain('frames of 1 script shown at their original source');
    expect(profile.stdout).toMatch(/^│ function +│ url +│ +line │ /m);
    const crunchRow = profile.stdout.split('\n').find((l) => l.startsWith('│ crunchNumbers '));
    expect(crunchRow).toMatch(new RegExp(`^│ crunchNumbers +│ ${sourceUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +│ +${lineOf('crunchNumbers')} │`));
    const svg = readFileSync(`${prefix}.svg`, 'utf8');
    expect(svg).toContain(`<title>crunchNumbers — ${sourceUrl}:${lineOf('crunchNumbers')}`);
    // the .cpuprofile says the same (DevTools and speedscope read it without the maps), for
    // every function of the fixture: tsx writes the whole module on one line, so unmapped,
    // every one would be at line 1 (SQL over the mapped tables: the bundle's test below)
    const written = JSON.parse(readFileSync(`${prefix}.cpuprofile`, 'utf8')) as { nodes: Array<{ callFrame: { functionName: string; url: string; lineNumber: number }; positionTicks?: unknown }> };
    const ours = written.nodes.filter((n) => n.callFrame.url.includes('ts-app'));
    expect(ours.every((n) => n.callFrame.url === sourceUrl && n.callFrame.lineNumber > 0), JSON.stringify(ours.map((n) => n.callFrame))).toBe(true);
    for (const name of ['crunchNumbers', 'tick']) {
      const nodes = ours.filter((n) => n.callFrame.functionName === name);
      expect(nodes.length, name).toBeGreaterThan(0);
      for (const node of nodes) {
        expect(node.callFrame.lineNumber).toBe(lineOf(name) - 1);
        expect(node.positionTicks).toBeUndefined(); // lines of the generated code: left out
      }
    }

    const heap = await probing([String(target.pid), 'heap', 'sample', '--duration', '500ms', '--interval', '4096', '-o', join(tempDir(), 'heap'), '-f', 'json', '--query', 'SELECT "function", url, line FROM heap.sites WHERE url LIKE \'%ts-app%\' ORDER BY self_bytes DESC']);
    expect(heap.code, heap.stderr).toBe(0);
    // what allocates most is makeOrder's (its callback's, where V8 inlined makeOrder into tick)
    const [top] = json(heap.stdout);
    expect(top!.url).toBe(sourceUrl);
    expect(top!.line).toBeGreaterThanOrEqual(bodyOf('makeOrder')[0]!);
    expect(top!.line).toBeLessThanOrEqual(bodyOf('makeOrder')[1]!);

    // the main thread is nearly always in the fixture's code, but a stack is a sample: one
    // read in the moment between two turns of its loop is answered from the loop, empty (the
    // clean-clone runs met that twice). The reads are repeated until one lands in the code
    // (what is awaited); every frame of the fixture in it is then inside its function's lines
    // (the arrow that makeOrder hands to Array.from is an <anonymous> frame inside makeOrder's lines)
    const frames = await tsAppFrames(target.pid);
    for (const frame of frames) {
      expect(inside(frame), JSON.stringify(frame)).toBe(true);
      expect(frame.generated?.line).toBe(1);
    }
    let stackRows: Array<{ function: string; line: number; generated_line: number }> = [];
    await eventually(async () => {
      const stack = await probing([String(target.pid), 'query', '-f', 'json', "SELECT \"function\", line, generated_line FROM process.stack WHERE file LIKE '%ts-app%'"]);
      expect(stack.code, stack.stderr).toBe(0);
      stackRows = JSON.parse(stack.stdout) as typeof stackRows;
      return stackRows.length > 0;
    });
    expect(stackRows.length).toBeGreaterThan(0);
    for (const row of stackRows) {
      expect(inside(row), JSON.stringify(row)).toBe(true);
      expect(row.generated_line).toBe(1);
    }

    // --no-source-maps: what V8 ran, for whoever wants it
    const raw = await probing([String(target.pid), 'profile', 'cpu', '--duration', '500ms', '--no-source-maps', '-o', join(tempDir(), 'raw'), '-f', 'json', '--query', TOP]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stderr).not.toContain('source map');
    expect(json(raw.stdout).every((f) => f.line === 1)).toBe(true);
    await expectLeftAsFound(target, before);
  });

  it('a bundle with its map in a file, run without --enable-source-maps and with it (mapped once); a map that is gone is said, and its frames stay as V8 ran them', async () => {
    const dir = tempDir();
    const bundle = join(dir, 'app.cjs');
    await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, sourcemap: true, logLevel: 'silent' });
    // the bundle run with --enable-source-maps: Node maps its own stack traces then, and
    // probing reads V8's call sites as they ran, so a frame is mapped once, not twice (first,
    // and ended before the next: each of these targets is busy for as long as it runs)
    const mapping = await startTarget('run-file.cjs', { nodeArgs: ['--enable-source-maps'], scriptArgs: [bundle] });
    const before = await listeningPorts(mapping.pid);
    const frames = await tsAppFrames(mapping.pid);
    for (const frame of frames) {
      expect(inside(frame), JSON.stringify(frame)).toBe(true);
      // where it ran: a line of the bundle (esbuild's output of the fixture, the same each run)
      expect(frame.generated?.line, JSON.stringify(frame)).toBeGreaterThan(0);
      expect(frame.generated?.line, JSON.stringify(frame)).not.toBe(frame.line);
    }
    await expectLeftAsFound(mapping, before);
    mapping.child.kill('SIGKILL');

    // the same bundle without --enable-source-maps: probing reads the map beside it
    const target = await startTarget('run-file.cjs', { scriptArgs: [bundle] });
    const result = await probing([String(target.pid), 'profile', 'cpu', '--duration', '500ms', '-o', join(dir, 'p'), '-f', 'json', '--query', TOP]);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toContainEqual({ function: 'crunchNumbers', url: sourceUrl, line: lineOf('crunchNumbers') });

    rmSync(`${bundle}.map`);
    const gone = await probing([String(target.pid), 'profile', 'cpu', '--duration', '500ms', '-o', join(dir, 'q'), '-f', 'json', '--query', 'SELECT "function", url, line FROM profile.functions WHERE "function" = \'crunchNumbers\'']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stderr).toMatch(/a source map could not be read, its frames are the generated JavaScript: .*app\.cjs: .*ENOENT/);
    expect(json(gone.stdout)[0]).toMatchObject({ function: 'crunchNumbers', url: pathToFileURL(bundle).href });
  });
});
