import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { eventually } from '../helpers/limits.js';
import { fixtureLine, listeningPorts, probing, profilerRunning, startTarget, type Target } from '../helpers/targets.js';

const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;

/** The line a command gives when the inspector it opened cannot be closed: a target that does not return to its event loop. */
const LEFT_OPEN = /^probing: note: the target did not return to its event loop within \d+ ms, so its inspector stays open on 127\.0\.0\.1:\d+; the next probing command against it closes it$/m;

describe('backtrace', () => {
  it("shows a tight loop's frames without waiting for the loop to yield", async () => {
    const target = await startTarget('spin.cjs');
    // The loop never yields: a backtrace that waited for it would answer, if at all, only
    // once --timeout ran out. Far sooner than that, the CLI's own start included.
    const timeoutMs = 60_000;
    const started = Date.now();
    // it spins until killed, a core's worth of CPU: killed as soon as the stack is printed
    // (before probing's wait for the close the loop cannot run; the next test shows that)
    let printed = '';
    const result = await probing([String(target.pid), 'backtrace', '--json', '--timeout', String(timeoutMs)], {
      onSpawn: (child) =>
        child.stdout!.on('data', (chunk: string) => {
          printed += chunk;
          if (printed.endsWith('}\n')) target.child.kill('SIGKILL');
        }),
    });
    expect(Date.now() - started).toBeLessThan(timeoutMs / 2);
    target.child.kill('SIGKILL');
    expect(result.code).toBe(0);
    const trace = JSON.parse(result.stdout) as { idle: boolean; frames: Array<{ function: string; file: string; line: number }> };
    expect(trace.idle).toBe(false);
    expect(trace.frames[0]).toMatchObject({ file: expect.stringContaining('spin.cjs'), line: 8 });
  });

  it('a main thread that never returns to its loop: the stack first, then the note that its inspector stays open', async () => {
    // blocked in Atomics.wait, spending nothing: the close probing schedules never runs
    const target = await startTarget('blocked.cjs');
    const order: string[] = [];
    let stackAt = 0;
    const result = await probing([String(target.pid), 'backtrace'], {
      onSpawn: (child) => {
        child.stdout!.on('data', () => {
          stackAt ||= Date.now();
          order.push('stack');
        });
        child.stderr!.on('data', (chunk: string) => chunk.includes('stays open') && order.push('note'));
      },
    });
    const endedAt = Date.now();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.startsWith(`pid ${target.pid}: running JavaScript on the main thread\n`)).toBe(true);
    expect(result.stdout).toMatch(/^#0 +Timeout\._onTimeout +\S*blocked\.cjs:6:\d+$/m);
    expect(result.stderr).toMatch(LEFT_OPEN);
    expect(order[0]).toBe('stack');
    expect(order.at(-1)).toBe('note');
    // the stack came before the wait for the close (2 s, which no load makes shorter), not after it
    expect(endedAt - stackAt).toBeGreaterThan(1000);
  });

  it('the other commands that attach say it too: profile cpu, tables and describe with a target', async () => {
    const target = await startTarget('blocked.cjs');
    const dir = mkdtempSync(join(tmpdir(), 'probing-profile-'));
    // each joins the inspector the last one had to leave open, and cannot close it either
    for (const args of [['profile', 'cpu', '--duration', '200', '-o', join(dir, 'p')], ['tables'], ['describe', 'process.info']]) {
      const result = await probing([String(target.pid), ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(LEFT_OPEN);
    }
  });

  it('answers at once that an idle target is idle, and what keeps it alive', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'backtrace']);
    expect(result.code).toBe(0);
    // (the PipeWraps are the fixture's stdout and stderr, piped to the test)
    expect(result.stdout).toMatch(new RegExp(`^pid ${target.pid}: idle — the main thread waits in the event loop, kept alive by 1 TCPServerWrap`));
    await expectLeftAsFound(target, before);
  });
});

describe('profile cpu', () => {
  // hot.cjs spends most of a core for as long as it runs: the tests that profile it share
  // one, started after the tests that need no busy target (an idle one spends nothing while
  // it waits) and ended as soon as they are done; each leaves it as found. Its profile is
  // mostly hotFunction however short: 300 ms had some 70 samples in it against 20 in the
  // next function of hot.cjs, so 500 ms (300 for the folded lines, which need one line of
  // it) keep a wide margin, where 1.5 s (1 s) added only CPU.
  let hot: Target | undefined;
  const hotTarget = async () => (hot?.alive() ? hot : (hot = await startTarget('hot.cjs', { keep: 'file' })));
  afterAll(() => void hot?.child.kill('SIGKILL'));

  it('refuses an output path it cannot write before attaching (exit 8), leaving nothing behind', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'profile', 'cpu', '--duration', '1m', '-o', '/nonexistent-dir/profile']);
    expect(result.code).toBe(8);
    expect(result.stderr).toBe('probing: cannot write /nonexistent-dir/profile.cpuprofile: the directory /nonexistent-dir does not exist\n  hint: create it (mkdir -p /nonexistent-dir), or choose another path with -o\n');
    expect(existsSync('/nonexistent-dir')).toBe(false);
    await expectLeftAsFound(target, before);
    // -o - is stdout, which a profile (two files) cannot be
    const dash = await probing([String(target.pid), 'profile', 'cpu', '-o', '-']);
    expect(dash.code).toBe(2);
    expect(dash.stderr).toContain('hint: give a path prefix: -o profile writes profile.cpuprofile and profile.svg');
  });

  it('says so when the target exits during the profile, and writes nothing', async () => {
    const target = await startTarget('server.cjs');
    const dir = mkdtempSync(join(tmpdir(), 'probing-profile-'));
    const cli = probing([String(target.pid), 'profile', 'cpu', '--duration', '60s', '-o', join(dir, 'p')]);
    // killed once the profile is under way in it (V8's profiler thread runs)
    expect(await eventually(() => profilerRunning(target.pid))).toBe(true);
    target.child.kill('SIGKILL');
    const result = await cli;
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/the target went away during the profile; nothing was written|connection to the target closed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the hot function dominates self time, in the table, the .cpuprofile and the flame graph', async () => {
    const target = await hotTarget();
    const before = await listeningPorts(target.pid);
    const dir = mkdtempSync(join(tmpdir(), 'probing-profile-'));
    const prefix = join(dir, 'p');
    const result = await probing([String(target.pid), 'profile', 'cpu', '--duration', '500', '-o', prefix, '-f', 'json', '--query', "SELECT \"function\", self_ms, samples FROM profile.functions WHERE url LIKE '%hot.cjs' ORDER BY self_ms DESC LIMIT 1"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`wrote ${prefix}.cpuprofile`);
    expect(rows(result.stdout)[0], result.stdout).toMatchObject({ function: 'hotFunction' });
    // a valid .cpuprofile: what Chrome DevTools reads
    const profile = JSON.parse(readFileSync(`${prefix}.cpuprofile`, 'utf8')) as { nodes: Array<{ id: number; callFrame: { functionName: string } }>; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    expect(profile.samples.length).toBe(profile.timeDeltas.length);
    expect(profile.endTime).toBeGreaterThan(profile.startTime);
    const counts = new Map<string, number>();
    const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
    for (const id of profile.samples) counts.set(names.get(id)!, (counts.get(names.get(id)!) ?? 0) + 1);
    const top = [...counts].filter(([name]) => !name.startsWith('(')).sort((a, b) => b[1] - a[1])[0];
    expect(top![0]).toBe('hotFunction');
    const svg = readFileSync(`${prefix}.svg`, 'utf8');
    expect(svg).toMatch(/^<\?xml/);
    expect(svg).toContain('<title>hotFunction — file://');
    expect(svg).toContain('</svg>');
    const widest = [...svg.matchAll(/<title>([^<]*?) — [^<]*?total [^<]*?\(([\d.]+)%\)/g)].filter((m) => m[1] !== 'all' && !m[1]!.startsWith('(') && !['listOnTimeout', 'processTimers'].includes(m[1]!)).sort((a, b) => Number(b[2]) - Number(a[2]));
    expect(['hotFunction', '(anonymous)', 'Timeout._onTimeout']).toContain(widest[0]![1]);
    await expectLeftAsFound(target, before);
  });

  it('-f collapsed: the stacks as folded lines, checked one by one against the .cpuprofile; -f speedscope: its JSON', async () => {
    const target = await hotTarget();
    const before = await listeningPorts(target.pid);
    const prefix = join(mkdtempSync(join(tmpdir(), 'probing-profile-')), 'p');
    const result = await probing([String(target.pid), 'profile', 'cpu', '--duration', '300', '-o', prefix, '-f', 'collapsed']);
    expect(result.code).toBe(0);
    type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
    const profile = JSON.parse(readFileSync(`${prefix}.cpuprofile`, 'utf8')) as { nodes: Node[]; samples: number[] };
    // from the profile itself: each node's samples, under its path from the root (the root not a
    // frame; idle, program and GC left out as in the flame graph)
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
    const own = new Map<number, number>();
    for (const id of profile.samples) own.set(id, (own.get(id) ?? 0) + 1);
    const frame = (n: Node) => {
      const name = n.callFrame.functionName || (n.callFrame.url ? '(anonymous)' : '(root)');
      return n.callFrame.url ? `${name} (${n.callFrame.url}:${n.callFrame.lineNumber + 1})` : name;
    };
    const expected: string[] = [];
    for (const [id, count] of own) {
      const path: string[] = [];
      for (let at: number | undefined = id; parentOf.has(at!); at = parentOf.get(at!)) path.unshift(frame(byId.get(at!)!));
      if (path.length === 0 || ['(idle)', '(program)', '(garbage collector)'].includes(path[0]!)) continue;
      expected.push(`${path.join(';')} ${count}`);
    }
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.sort()).toEqual(expected.sort());
    expect(lines.some((l) => /;hotFunction \(file:\/\/[^)]*hot\.cjs:\d+\) \d+$/.test(l))).toBe(true);

    // -f speedscope: speedscope's JSON (its own importer reads this format: flamegraph-browser.test.ts),
    // a sample per stack with its milliseconds; hotFunction a frame at its file and line
    const exported = await probing([String(target.pid), 'profile', 'cpu', '--duration', '300', '-o', `${prefix}-s`, '-f', 'speedscope']);
    expect(exported.code, exported.stderr).toBe(0);
    type File = { $schema: string; shared: { frames: Array<{ name: string; file?: string; line?: number }> }; profiles: Array<{ type: string; unit: string; startValue: number; endValue: number; samples: number[][]; weights: number[] }> };
    const file = JSON.parse(exported.stdout) as File;
    expect(file.$schema).toBe('https://www.speedscope.app/file-format-schema.json');
    const [sampled] = file.profiles;
    expect(sampled).toMatchObject({ type: 'sampled', unit: 'milliseconds' });
    expect(sampled!.samples.length).toBe(sampled!.weights.length);
    expect(sampled!.endValue - sampled!.startValue).toBeCloseTo(sampled!.weights.reduce((a, b) => a + b, 0), 6);
    for (const stack of sampled!.samples) for (const i of stack) expect(file.shared.frames[i]).toBeDefined();
    expect(file.shared.frames).toContainEqual({ name: 'hotFunction', file: expect.stringMatching(/^file:\/\/.*hot\.cjs$/), line: expect.any(Number) });
    await expectLeftAsFound(target, before);
  });

  it('Ctrl-C stops the profiler in the target and closes the inspector', async () => {
    const target = await hotTarget();
    const before = await listeningPorts(target.pid);
    expect(await profilerRunning(target.pid)).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'probing-profile-'));
    const result = await probing([String(target.pid), 'profile', 'cpu', '--duration', '30s', '-o', join(dir, 'p')], {
      // Ctrl-C once the profile is under way in the target (V8's profiler thread runs); never
      // sent if it does not start (the CLI then profiles on, and ends with 0, not 130)
      onSpawn: (child) => void eventually(() => profilerRunning(target.pid)).then((running) => running && child.kill('SIGINT')),
    });
    expect(result.code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    await expectLeftAsFound(target, before);
    // the profiler is free again: a new profile works
    const again = await probing([String(target.pid), 'profile', 'cpu', '--duration', '100', '-o', join(dir, 'q')]);
    expect(again.code).toBe(0);
  });
});

describe('heap sample', () => {
  it('attributes allocations to the allocating function', async () => {
    // allocateWidgets runs all along; hotFunction's bursts, which allocate nothing, are off
    const target = await startTarget('hot.cjs', { env: { BURSTS: 'off' } });
    const dir = mkdtempSync(join(tmpdir(), 'probing-heap-'));
    // allocateWidgets allocates some 8 MB a second, the rest of hot.cjs next to nothing:
    // 500 ms is about 4 MB of it, over a hundred samples 32 KiB apart, where the assertion
    // asks for 100 KB (1.5 s added only CPU)
    const result = await probing([String(target.pid), 'heap', 'sample', '--duration', '500', '-o', join(dir, 'h'), '-f', 'json']);
    expect(result.code).toBe(0);
    const sites = rows(result.stdout);
    const line = fixtureLine('hot.cjs', 'function allocateWidgets() {');
    expect(line).toBeGreaterThan(0);
    expect(sites[0]).toMatchObject({ function: 'allocateWidgets', line });
    expect(sites[0]!.self_bytes as number).toBeGreaterThan(100_000);
    const profile = JSON.parse(readFileSync(join(dir, 'h.heapprofile'), 'utf8')) as { head: { children: unknown[] } };
    expect(profile.head.children.length).toBeGreaterThan(0);

    // -f collapsed: the allocation stacks as folded lines, bytes each, checked one by one
    // against the .heapprofile written with them (every node with bytes of its own, under its
    // path from the root, the root not a frame)
    const folded = await probing([String(target.pid), 'heap', 'sample', '--duration', '300', '-o', join(dir, 'f'), '-f', 'collapsed']);
    expect(folded.code, folded.stderr).toBe(0);
    type Node = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] };
    const written = JSON.parse(readFileSync(join(dir, 'f.heapprofile'), 'utf8')) as { head: Node };
    const expected: string[] = [];
    const walk = (node: Node, path: string[]) => {
      const f = node.callFrame;
      const name = f.functionName || (f.url ? '(anonymous)' : '(root)');
      const here = [...path, f.url ? `${name} (${f.url}:${f.lineNumber + 1})` : name];
      if (node.selfSize > 0) expected.push(`${here.join(';')} ${node.selfSize}`);
      for (const child of node.children) walk(child, here);
    };
    for (const child of written.head.children) {
      if (!['(idle)', '(program)', '(garbage collector)'].includes(child.callFrame.functionName)) walk(child, []);
    }
    const lines = folded.stdout.trimEnd().split('\n');
    expect(lines.sort()).toEqual(expected.sort());
    // (a heap sample's frames name the file by its path, a CPU profile's by a file:// URL)
    expect(lines.some((l) => new RegExp(`;allocateWidgets \\([^)]*hot\\.cjs:${line}\\) \\d+$`).test(l))).toBe(true);
  });
});

describe('heap snapshot and diff', () => {
  it('shows the leaking class growing between two snapshots; the files are valid snapshots', async () => {
    const target = await startTarget('leak.cjs');
    const dir = mkdtempSync(join(tmpdir(), 'probing-snap-'));
    const a = join(dir, 'a.heapsnapshot');
    const b = join(dir, 'b.heapsnapshot');
    const first = await probing([String(target.pid), 'heap', 'snapshot', '-o', a, '--yes', '-f', 'json', '--top', '1000']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('a heap snapshot stops its JavaScript');
    const classes = rows(first.stdout);
    expect(classes.find((c) => c.class === 'LeakyThing')!.count as number).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await probing([String(target.pid), 'heap', 'snapshot', '-o', b, '--yes', '-f', 'json'])).code).toBe(0);
    // what DevTools and memlab read: the file parses as a heap snapshot
    const parsed = JSON.parse(readFileSync(b, 'utf8')) as { snapshot: { node_count: number; meta: { node_fields: string[] } }; nodes: number[] };
    expect(parsed.nodes.length).toBe(parsed.snapshot.node_count * parsed.snapshot.meta.node_fields.length);
    const diff = await probing(['heap', 'diff', a, b, '-f', 'json', '--top', '1000']);
    expect(diff.code).toBe(0);
    const leaky = rows(diff.stdout).find((r) => r.class === 'LeakyThing')!;
    expect(leaky.count_delta as number).toBeGreaterThanOrEqual(2000);
    expect(leaky.size_delta as number).toBeGreaterThan(0);
  });

  it('asks before stalling the target, and refuses without --yes when nobody can answer', async () => {
    const target = await startTarget('server.cjs');
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'heap', 'snapshot', '-o', join(tmpdir(), `never-${process.pid}.heapsnapshot`)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a heap snapshot stops its JavaScript until it is written');
    expect(result.stderr).toContain('add --yes');
    expect(existsSync(join(tmpdir(), `never-${process.pid}.heapsnapshot`))).toBe(false);
    await expectLeftAsFound(target, before);
  });

  it('refuses, before it begins, a snapshot that would stall the target for longer than --timeout, or need memory it may not have', async () => {
    const target = await startTarget('big-heap.cjs');
    const before = await listeningPorts(target.pid);
    const file = join(tmpdir(), `never-${process.pid}-big.heapsnapshot`);
    const result = await probing([String(target.pid), 'heap', 'snapshot', '--yes', '-o', file, '--timeout', '1s']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/would stop its JavaScript for about \d+ s, longer than --timeout \(1 s\); no snapshot was taken/);
    expect(result.stderr).toMatch(/hint: add --timeout \d+s/);
    expect(existsSync(file)).toBe(false);
    await expectLeftAsFound(target, before);
    // the figures: measured factors (heap-snapshot.ts), and the room the host or the cgroup leaves
    const { snapshotCost, memoryRoom } = await import('../../src/diagnostics/heap-snapshot.js');
    expect(snapshotCost(100 * 1048576)).toEqual({ peakBytes: 1300 * 1048576, keptBytes: 1000 * 1048576, seconds: 15 });
    if (process.platform === 'linux') expect((await memoryRoom(target.pid))!.bytes).toBeGreaterThan(0);
  });

  it('refuses a file that is not a heap snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probing-snap-'));
    const bogus = join(dir, 'bogus.heapsnapshot');
    writeFileSync(bogus, '{"hello": [1, 2, 3]}');
    const result = await probing(['heap', 'diff', bogus, bogus]);
    expect(result.code).toBe(8);
    expect(result.stderr).toContain('is not a V8 heap snapshot');
    const missing = await probing(['heap', 'diff', join(dir, 'missing.heapsnapshot'), bogus]);
    expect(missing.code).toBe(8);
    expect(missing.stderr).toContain(`cannot read ${join(dir, 'missing.heapsnapshot')}: no such file`);
  });
});

describe('backtrace --workers', () => {
  it("shows each worker thread's stack, with the main thread's", async () => {
    // (its worker blocked in workerSpin, not spinning: the same stack, no core spent)
    const target = await startTarget('workers.cjs', { env: { WORKER: 'blocked' } });
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'backtrace', '--workers', '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { main: { idle: boolean }; workers: Array<{ id: string; trace: { idle: boolean; frames: Array<{ function: string }> } }> };
    expect(parsed.main.idle).toBe(true);
    expect(parsed.workers).toHaveLength(1);
    expect(parsed.workers[0]!.trace.idle).toBe(false);
    expect(parsed.workers[0]!.trace.frames[0]!.function).toContain('workerSpin');
    const text = await probing([String(target.pid), 'backtrace', '--workers']);
    expect(text.stdout).toContain(`worker ${parsed.workers[0]!.id}`);
    await expectLeftAsFound(target, before);
  });
});
