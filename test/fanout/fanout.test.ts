import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet, listeningPorts, probing, startTarget, type Target } from '../helpers/targets.js';

const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;
let clusterWorkers: number[] = [];
afterEach(() => {
  for (const pid of clusterWorkers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  clusterWorkers = [];
});

/**
 * 5 single servers and a cluster of 3 workers: 8 targets, each with a known hit count.
 * With `sharedPort`, the servers share one inspector port, as processes started without
 * flags all share 9229 (the workers of a primary with a port get the ports after it).
 */
async function fleet(sharedPort = false): Promise<{ targets: number[]; servers: Target[] }> {
  const servers = await Promise.all(Array.from({ length: 5 }, () => startTarget('server.cjs', { sharedPort })));
  const cluster = await startTarget('cluster.cjs', { env: { WORKERS: '3' } });
  clusterWorkers = cluster.ready.workers as number[];
  for (const [i, s] of servers.entries()) for (let k = 0; k <= i; k++) await httpGet(s.port!);
  for (let k = 0; k < 6; k++) await httpGet(cluster.port!);
  return { targets: [...servers.map((s) => s.pid), ...clusterWorkers], servers };
}

describe('one query over many targets', () => {
  it('tags every row with its target, and aggregates across all of them correctly, five of them sharing one port', async () => {
    const { targets, servers } = await fleet(true);
    const before = await Promise.all(servers.map((s) => listeningPorts(s.pid)));
    const union = await probing([targets.join(','), 'query', 'SELECT _target, _pid, _host, pid FROM process.info ORDER BY _pid', '-f', 'json']);
    expect(union.stderr).toBe('');
    expect(union.code).toBe(0);
    const got = rows(union.stdout);
    expect(got).toHaveLength(8);
    expect(got.map((r) => r._pid)).toEqual([...targets].sort((a, b) => a - b));
    for (const r of got) {
      expect(r.pid).toBe(r._pid);
      expect(r._target).toBe(String(r._pid));
      expect(r._host).toBe(hostname());
    }
    // the aggregate over all targets equals the sum of the per-target answers
    const total = rows((await probing([targets.join(','), 'query', 'SELECT sum(hits) AS hits, count(*) AS n FROM js.`state`', '-f', 'json'])).stdout)[0]!;
    let sum = 0;
    for (const pid of targets) sum += Number((await probing([String(pid), 'eval', 'state.hits'])).stdout);
    expect(total).toEqual({ hits: sum, n: 8 });
    expect(sum).toBe(1 + 2 + 3 + 4 + 5 + 6);
    const grouped = rows((await probing([targets.join(','), 'query', 'SELECT _pid, count(*) AS n FROM process.versions GROUP BY _pid', '-f', 'json'])).stdout);
    expect(grouped).toHaveLength(8);
    // every target is left as it was: serving, inspector closed
    for (const [i, s] of servers.entries()) expect(await listeningPorts(s.pid)).toEqual(before[i]);
  });

  it('answers with the other targets when one is killed during the fan-out, naming it; --strict fails', async () => {
    const { targets, servers } = await fleet();
    const victim = servers[4]!;
    const result = await probing([targets.join(','), 'query', 'SELECT count(*) AS n FROM process.info', '-f', 'json', '--concurrency', '2'], {
      onSpawn: () => setTimeout(() => victim.child.kill('SIGKILL'), 50),
    });
    expect(result.code).toBe(7);
    expect(rows(result.stdout)).toEqual([{ n: 7 }]);
    expect(result.stderr).toMatch(new RegExp(`target ${victim.pid} failed: `));
    const strict = await probing([[...targets, 4194000].join(','), 'query', 'SELECT count(*) AS n FROM process.info', '--strict']);
    expect(strict.code).not.toBe(0);
    expect(strict.code).not.toBe(7);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toContain('target 4194000 failed: no process with pid 4194000');
    expect(strict.stderr).toContain('(--strict)');
  });

  it('reads targets from a file and from --all', async () => {
    // a word on this test's targets' command lines alone: other files' targets run meanwhile
    const mark = `fanout-${randomBytes(6).toString('hex')}`;
    const servers = await Promise.all([startTarget('server.cjs', { scriptArgs: [mark] }), startTarget('server.mjs', { scriptArgs: [mark] })]);
    const dir = mkdtempSync(join(tmpdir(), 'probing-targets-'));
    const file = join(dir, 'targets.txt');
    writeFileSync(file, `# the fleet\n${servers[0]!.pid}\n${servers[1]!.pid}  # esm\n`);
    const fromFile = await probing([`@${file}`, 'query', 'SELECT _pid FROM process.info ORDER BY _pid', '-f', 'json']);
    expect(rows(fromFile.stdout).map((r) => r._pid)).toEqual(servers.map((s) => s.pid).sort((a, b) => a - b));
    // --all, scoped to this test's targets: the test touches no process it did not start
    const all = await probing(['--all', 'query', 'SELECT _pid FROM process.info ORDER BY _pid', '-f', 'json', '--match', mark]);
    expect(all.stderr).toBe('');
    expect(rows(all.stdout).map((r) => r._pid)).toEqual(servers.map((s) => s.pid).sort((a, b) => a - b));
    const none = await probing(['--all', 'query', 'SELECT _pid FROM process.info', '--match', `${mark}-no-such-target`]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('there is no Node.js process whose command line contains');
    const misplaced = await probing([String(servers[0]!.pid), 'query', 'SELECT 1', '--match', 'x']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--match chooses among the processes of --all');
    const missing = await probing(['@/nonexistent/targets.txt', 'query', 'SELECT 1 FROM process.info']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the targets file');
  });
});

describe('worker threads', () => {
  it('lists them, and runs eval and query inside one that spins in a tight loop', async () => {
    const target = await startTarget('workers.cjs');
    const before = await listeningPorts(target.pid);
    const workers = rows((await probing([String(target.pid), 'query', 'SELECT worker, thread_id, type FROM process.workers', '-f', 'json'])).stdout);
    expect(workers).toEqual([{ worker: 'w1', thread_id: 1, type: 'worker' }]);
    const inWorker = await probing([`${target.pid}/w1`, 'eval', "require('node:worker_threads').threadId"]);
    expect(inWorker.stderr).toBe('');
    expect(inWorker.stdout.trim()).toBe('1');
    const stack = rows((await probing([`${target.pid}/w1`, 'query', 'SELECT "function" FROM process.stack WHERE depth = 0', '-f', 'json'])).stdout);
    expect(stack[0]!.function).toContain('workerSpin');
    const js = rows((await probing([`${target.pid}/w1`, 'query', 'SELECT * FROM js.`[{ arrow: "→", n: 1 }]`', '-f', 'json'])).stdout);
    expect(js).toEqual([{ arrow: '→', n: 1 }]);
    const missing = await probing([`${target.pid}/w7`, 'eval', '1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('the process has no worker thread w7');
    expect(missing.stderr).toContain('its workers: w1');
    expect(await listeningPorts(target.pid)).toEqual(before);
  });
});
