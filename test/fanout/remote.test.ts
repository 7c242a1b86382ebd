/**
 * Targets on other hosts: the probing there is run through a command (here `sh -c`, a
 * local command runner, and a real sshd on a loopback port), sends the tables back as
 * Arrow, and the SQL runs in the probing that asked.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/extensions/builtin/index.js';
import { withTarget } from '../../src/run/with-target.js';
import { readWire } from '../../src/run/remote-wire.js';
import { collectTables, prepareQuery } from '../../src/sql/query.js';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { ATTACH_TIMEOUT_MS, START_LIMIT_MS, eventually } from '../helpers/limits.js';
import { bin, fixtures, listeningPorts, probing, startTarget, type Target } from '../helpers/targets.js';

const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;
const home = mkdtempSync(join(tmpdir(), 'probing-remote-home-'));
/** The probing "over there": this checkout's, with a PROBING_HOME of the test's own (a user would write `probing` or `npx -y probing-node`). */
const remoteProbing = `PROBING_HOME=${home} ${process.execPath} ${bin}`;
const via = ['--via', 'sh -c', '--remote-probing', remoteProbing];
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A TCP port on 127.0.0.1 that nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('remote targets through a command', () => {
  let targets: Target[];
  beforeAll(async () => {
    targets = await Promise.all([startTarget('data.cjs', { keep: 'file' }), startTarget('server.cjs', { keep: 'file' }), startTarget('server.cjs', { keep: 'file' })]);
  });

  it('--via "sh -c" over several targets gives the same rows as the local fan-out, cuts marked alike', async () => {
    const list = targets.map((t) => t.pid).join(',');
    const before = await Promise.all(targets.map((t) => listeningPorts(t.pid)));
    for (const sql of [
      'SELECT _target, _pid, _host, pid, node_version FROM process.info ORDER BY _pid',
      'SELECT _pid, count(*) AS n, min(component) AS first FROM process.versions GROUP BY _pid ORDER BY _pid',
      'SELECT s._pid, s.id, s.user, s.seen, s.payload, s.admin FROM js.`globalThis.app ? app.sessions : []` s ORDER BY s.id',
    ]) {
      const local = await probing([list, 'query', sql, '-f', 'json']);
      const remote = await probing([...via, list, 'query', sql, '-f', 'json']);
      expect(remote.stderr).toBe('');
      expect(remote.code).toBe(0);
      expect(local.code).toBe(0);
      expect(rows(remote.stdout)).toEqual(rows(local.stdout));
      expect(rows(remote.stdout).length).toBeGreaterThan(0);
    }
    // each target on a "host" of its own (docker:// through a stand-in that runs the line here): one command each, rows named by host
    const hosts = targets.map((t, i) => `docker://box${i}/${t.pid}`).join(',');
    const sql = 'SELECT _target, _pid, _host, pid FROM process.info ORDER BY _pid';
    const byHost = await probing(['--remote-probing', remoteProbing, hosts, 'query', sql, '-f', 'json'], { env: { PROBING_DOCKER: `sh ${fixtures}remote/local-docker.sh` } });
    expect(byHost.stderr).toBe('');
    const named = new Map(targets.map((t, i) => [t.pid, `docker://box${i}/${t.pid}`]));
    expect(rows(byHost.stdout)).toEqual(rows((await probing([list, 'query', sql, '-f', 'json'])).stdout).map((r) => ({ ...r, _target: named.get(r._pid as number) })));
    // a table cut over there is said here, as it is for a local target
    const cut = 'SELECT count(*) AS n FROM process.versions';
    const [localCut, remoteCut] = [await probing([list, 'query', cut, '-f', 'json', '--max-rows', '2']), await probing([...via, list, 'query', cut, '-f', 'json', '--max-rows', '2'])];
    expect(rows(remoteCut.stdout)).toEqual(rows(localCut.stdout));
    expect(remoteCut.stderr).toBe(localCut.stderr);
    expect(remoteCut.stderr).toMatch(new RegExp(`process\\.versions \\(target ${targets[0]!.pid}\\): cut at 2 of \\d+ rows by --max-rows`));
    for (const [i, t] of targets.entries()) await expectLeftAsFound(t, before[i]!);
  });

  it('sends tables whose Arrow types are those collected here, and answers -f arrow with the same schema', async () => {
    const target = targets[0]!;
    const sql = 'SELECT id, user, idle_ms, admin, seen, payload FROM js.`app.sessions` WHERE id > 0';
    const emitted = spawnSync(process.execPath, [bin, String(target.pid), 'query', sql, '--emit-tables', '--attach-timeout', String(ATTACH_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PROBING_HOME: home }, timeout: START_LIMIT_MS + ATTACH_TIMEOUT_MS });
    expect(emitted.stderr.toString()).toBe('');
    const wire = readWire(emitted.stdout);
    expect(wire.end?.failures).toEqual([]);
    const sent = wire.parts[0]!.tables.get('js.`app.sessions`')!;
    // the same table, collected in this process through the library, as a local fan-out does
    const prepared = await prepareQuery(sql, defaultRegistry(), { tagged: true });
    const { value: collected } = await withTarget({ kind: 'pid', pid: target.pid }, { timeoutMs: 5000, attachTimeoutMs: ATTACH_TIMEOUT_MS }, (a) =>
      collectTables(a, prepared, { maxRows: 100_000, maxBytes: 64 * 1024 * 1024, timeoutMs: 5000 }, { showSecrets: false }, { _target: String(target.pid), _pid: target.pid, _host: hostname() }),
    );
    const local = collected.tables.get(prepared.tables[0]!.name)!;
    const shape = (t: typeof local) => t.schema.fields.map((f) => ({ name: f.name, type: String(f.type), kind: f.metadata.get('probing.kind') }));
    expect(shape(sent)).toEqual(shape(local));
    expect(shape(sent).map((f) => f.name)).toEqual(['_target', '_pid', '_host', 'id', 'user', 'idle_ms', 'admin', 'seen', 'payload']);
    expect(sent.toArray().map((r) => JSON.stringify(r))).toEqual(local.toArray().map((r) => JSON.stringify(r)));
    // and the answers, as Arrow files: the same schema, field for field
    const dir = mkdtempSync(join(tmpdir(), 'probing-remote-arrow-'));
    const { tableFromIPC } = await import('apache-arrow');
    const schemaOf = async (args: string[], file: string) => {
      const result = await probing([...args, `${target.pid},`, 'query', sql, '-f', 'arrow', '-o', join(dir, file)]);
      expect(result.code).toBe(0);
      return tableFromIPC(readFileSync(join(dir, file))).schema.fields.map((f) => `${f.name}: ${String(f.type)}`);
    };
    expect(await schemaOf(via, 'remote.arrow')).toEqual(await schemaOf([], 'local.arrow'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes -f parquet through DuckDB: read back with the same types and rows', async () => {
    const target = targets[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'probing-parquet-'));
    const file = join(dir, 'sessions.parquet');
    const sql = "SELECT id::INTEGER AS id, user, idle_ms, admin, seen, payload, idle_ms / 1000.0 AS idle_s, DATE '2026-01-02' AS day, 2.50::DECIMAL(6,2) AS price FROM js.`app.sessions` ORDER BY id";
    const written = await probing([String(target.pid), 'query', sql, '-f', 'parquet', '-o', file]);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    const json = rows((await probing([String(target.pid), 'query', sql, '-f', 'json'])).stdout);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`)).getRowObjectsJson().map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
    expect(types).toEqual(['id INTEGER', 'user VARCHAR', 'idle_ms BIGINT', 'admin BOOLEAN', 'seen TIMESTAMP WITH TIME ZONE', 'payload JSON', 'idle_s DOUBLE', 'day DATE', 'price DECIMAL(6,2)']);
    const back = (await connection.runAndReadAll(`SELECT id, user, idle_ms::DOUBLE AS idle_ms, admin, strftime(seen, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS seen, payload, idle_s::DOUBLE AS idle_s, day::VARCHAR AS day, price::DOUBLE AS price FROM '${file}' ORDER BY id`)).getRowObjectsJson();
    expect(back.map((r) => ({ ...r, payload: r.payload === null ? null : JSON.parse(String(r.payload)) }))).toEqual(json.map((r) => ({ ...r, seen: r.seen === null ? null : r.seen })));
    connection.closeSync();
    instance.closeSync();
    // only that one file was written in the directory (the temporary one was renamed into it)
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.trim()).toBe('sessions.parquet');
    // over several targets through --via too, and refused where it cannot go
    const remote = await probing([...via, targets.map((t) => t.pid).join(','), 'query', 'SELECT _pid, pid FROM process.info', '-f', 'parquet', '-o', join(dir, 'fleet.parquet')]);
    expect(remote.code).toBe(0);
    expect(existsSync(join(dir, 'fleet.parquet'))).toBe(true);
    const toStdout = await probing([String(target.pid), 'query', 'SELECT 1', '-f', 'parquet']);
    expect(toStdout.code).toBe(2);
    expect(toStdout.stderr).toContain('the parquet format is written to a file: name it with -o');
    // a timestamp without a time zone stays one; an integer past 38 digits is text, not a decimal that cannot hold it
    const wide = join(dir, 'wide.parquet');
    const typed = await probing([String(target.pid), 'query', "SELECT TIMESTAMP '2026-01-02 03:04:05' AS local_ts, 150000000000000000000000000000000000000::HUGEINT AS huge, 12::HUGEINT AS small FROM process.info", '-f', 'parquet', '-o', wide]);
    expect(typed.stderr).toBe('');
    const { DuckDBInstance: Again } = await import('@duckdb/node-api');
    const db = await Again.create(':memory:');
    const read = await db.connect();
    expect((await read.runAndReadAll(`DESCRIBE SELECT * FROM '${wide}'`)).getRowObjectsJson().map((r) => `${String(r.column_name)} ${String(r.column_type)}`)).toEqual(['local_ts TIMESTAMP', 'huge VARCHAR', 'small DECIMAL(38,0)']);
    expect((await read.runAndReadAll(`SELECT local_ts::VARCHAR AS t, huge, small::VARCHAR AS small FROM '${wide}'`)).getRowObjectsJson()).toEqual([{ t: '2026-01-02 03:04:05', huge: '150000000000000000000000000000000000000', small: '12' }]);
    read.closeSync();
    db.closeSync();
    // where DuckDB cannot load, parquet is refused before any target is touched
    const ports = await listeningPorts(target.pid);
    const noDuck = await probing([String(target.pid), 'query', 'SELECT 1 AS one FROM process.info', '-f', 'parquet', '-o', join(dir, 'none.parquet')], { env: { PROBING_TEST_DUCKDB_MODULE: '@duckdb/node-bindings-linux-x64/duckdb.node' } });
    expect(noDuck.code).toBe(2);
    expect(noDuck.stderr).toContain('-f parquet is written by DuckDB, which cannot load here');
    expect(noDuck.stderr).toContain('hint: use -f arrow');
    expect(await listeningPorts(target.pid)).toEqual(ports);
    expect(existsSync(join(dir, 'none.parquet'))).toBe(false);
    // -o must name a file: a symbolic link is not replaced by one, and is left as it was
    symlinkSync(file, join(dir, 'link.parquet'));
    const linked = await probing([String(target.pid), 'query', 'SELECT 1 AS one FROM process.info', '-f', 'parquet', '-o', join(dir, 'link.parquet')]);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('is a symbolic link; -f parquet writes a new file and renames it into place');
    expect(linked.stderr).toContain('hint: name a regular file');
    expect(lstatSync(join(dir, 'link.parquet')).isSymbolicLink()).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Ctrl-C during a remote fan-out tells the probing over there, which leaves every target as found', async () => {
    const before = await Promise.all(targets.map((t) => listeningPorts(t.pid)));
    // each target is held for a few seconds by a read that awaits
    const slow = 'SELECT count(*) FROM js.`await new Promise((r) => setTimeout(() => r([{ x: 1 }]), 3000))`';
    const run = probing([...via, targets.map((t) => t.pid).join(','), 'query', slow, '--timeout', '30s'], {
      onSpawn: (child) => {
        // interrupted once the probing over there has attached to a target (its inspector is open)
        void eventually(async () => (await Promise.all(targets.map(async (t, i) => (await listeningPorts(t.pid)).length > before[i]!.length))).some(Boolean)).then(() => child.kill('SIGINT'));
      },
    });
    const result = await run;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted by SIGINT');
    expect(result.stderr).toContain('interrupted by SIGHUP; every target was left as it was found');
    for (const [i, t] of targets.entries()) await expectLeftAsFound(t, before[i]!);
  });

  it('refuses bad input with a clear error, a non-zero exit and a hint', async () => {
    const pid = String(targets[1]!.pid);
    const cases: Array<[string[], number, string, string]> = [
      [['nfs://host/1', 'query', 'SELECT 1'], 2, 'probing does not know the scheme nfs://', 'ssh://[user@]host[:port]/<pid>'],
      [['ssh://app-3', 'query', 'SELECT 1'], 2, 'it names no process after the host', 'give ssh://'],
      [['ssh://app 3/1', 'query', 'SELECT 1'], 2, 'is not [user@]host[:port]', 'give ssh://'],
      [['ssh://app-3:99999/1', 'query', 'SELECT 1'], 2, 'port 99999 is out of range', 'give ssh://'],
      [['ssh://app-3/abc', 'query', 'SELECT 1'], 2, '"abc" is not a pid, pid/wN or @all', '/@all'],
      [['ssh://app-3/1', 'eval', '1'], 2, 'only query reads a process on another host', 'run the command there yourself'],
      [['--via', '', pid, 'query', 'SELECT 1 FROM process.info'], 2, '--via names no command', '--via "ssh app-3"'],
      [['--via', 'sh -c', '--remote-probing', 'no-such-probing', pid, 'query', 'SELECT 1 FROM process.info'], 3, 'sh -c: no-such-probing was not found there', 'npm i -g probing-node@'],
      // a bare pid after a remote target would be a process of this host
      [['ssh://app-3/101,102', 'query', 'SELECT 1 FROM process.info'], 2, '102 follows ssh://app-3/101 in the list: a bare pid is a process of this host', 'ssh://app-3/102'],
      // @all beside a named target of the same host would leave some unasked
      [['docker://box/@all,docker://box/7/w1', 'query', 'SELECT 1 FROM process.info'], 2, 'docker://box: @all and named targets of the same host', 'ask @all alone'],
      [['query', 'SELECT 1', '--via', 'sh -c'], 2, '--via reaches targets on another host: name them', 'probing --via "sh -c" <pid|@all>'],
      // a "probing" over there that writes without end is stopped, not kept in memory
      [['--via', 'sh -c', '--remote-probing', 'yes #', pid, 'query', 'SELECT 1 FROM process.info', '--max-bytes', '1k'], 5, 'sh -c: the answer grew past', 'lower --max-rows or --max-bytes'],
    ];
    for (const [args, code, message, hint] of cases) {
      const result = await probing(args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toMatch(new RegExp(`hint: .*${hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(result.stdout).toBe('');
    }
  });

  it('names a probing of another version over there, and one too old to send tables, with the fix', async () => {
    const pid = String(targets[1]!.pid);
    const other = await probing(['--via', 'sh -c', '--remote-probing', `${process.execPath} ${fixtures}remote/other-version.mjs`, pid, 'query', 'SELECT 1 FROM process.info']);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('sh -c runs probing 0.0.1-other, and this is probing');
    expect(other.stderr).toMatch(/hint: install probing-node@\S+ there .* --remote-probing "npx -y probing-node@/);
    const old = await probing(['--via', 'sh -c', '--remote-probing', `${process.execPath} ${fixtures}remote/too-old.mjs`, pid, 'query', 'SELECT 1 FROM process.info']);
    expect(old.code).toBe(3);
    expect(old.stderr).toContain('runs a probing older than remote queries');
    expect(old.stderr).toContain('hint: install probing-node@');
  });
});

/** Debian's openssh-server, started by the test: its own config, keys and port, in a directory of its own. */
async function startSshd(): Promise<{ port: number; ssh: string; user: string; child: ChildProcess; dir: string } | string> {
  const sshd = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));
  if (!sshd) return 'no sshd here (apt-get install openssh-server; .ci/run installs it)';
  if (spawnSync('ssh-keygen', ['-?']).error) return 'no ssh-keygen here';
  // sshd refuses to start without its privilege separation directory (the package's service makes it)
  if (!existsSync('/run/sshd')) {
    if (process.getuid?.() !== 0) return 'sshd needs /run/sshd, which only root can create';
    mkdirSync('/run/sshd', { mode: 0o755 });
  }
  const dir = mkdtempSync(join(tmpdir(), 'probing-sshd-'));
  for (const key of ['host_key', 'client_key']) spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  const port = await freePort();
  const user = userInfo().username;
  writeFileSync(
    join(dir, 'sshd_config'),
    [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', `PidFile ${join(dir, 'sshd.pid')}`, 'PermitRootLogin prohibit-password', `AllowUsers ${user}`, 'LogLevel ERROR'].join('\n') + '\n',
  );
  const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const ssh = `ssh -i ${join(dir, 'client_key')} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
  // ready when a login runs a command
  const up = await eventually(() => spawnSync('sh', ['-c', `${ssh} -o BatchMode=yes -p ${port} ${user}@127.0.0.1 true`]).status === 0);
  if (!up) {
    child.kill('SIGKILL');
    return `sshd did not accept a login: ${stderr}`;
  }
  return { port, ssh, user, child, dir };
}

describe('remote targets over a real sshd', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
    if (typeof server === 'string') console.log(`skipping the sshd tests: ${server}`);
  });
  afterAll(() => {
    if (typeof server === 'object') {
      server.child.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true });
    }
  });

  it('reaches two targets through ssh://, and names the host it could not reach (exit 7)', async (context) => {
    if (typeof server === 'string') return context.skip();
    const { port, ssh, user } = server;
    const [a, b] = await Promise.all([startTarget('server.cjs'), startTarget('server.cjs')]);
    const before = await Promise.all([a, b].map((t) => listeningPorts(t.pid)));
    const unreachable = await freePort();
    const host = `ssh://${user}@127.0.0.1:${port}`;
    const list = [`${host}/${a.pid}`, `${host}/${b.pid}`, `ssh://127.0.0.1:${unreachable}/${a.pid}`].join(',');
    const result = await probing([list, 'query', 'SELECT _target, _pid, _host, pid FROM process.info ORDER BY _pid', '-f', 'json', '--ssh', ssh, '--remote-probing', remoteProbing]);
    expect(result.code).toBe(7);
    const got = rows(result.stdout);
    const sorted = [a, b].sort((x, y) => x.pid - y.pid);
    expect(got).toEqual(sorted.map((t) => ({ _target: `${host}/${t.pid}`, _pid: t.pid, _host: hostname(), pid: t.pid })));
    expect(result.stderr).toContain(`target ssh://127.0.0.1:${unreachable}/${a.pid} failed: ssh://127.0.0.1:${unreachable}: ssh could not connect`);
    expect(result.stderr).not.toContain(`${host}/${a.pid} failed`);
    // --strict makes the unreachable host an error; the same query without it over ssh alone answers whole
    const strict = await probing([list, 'query', 'SELECT count(*) FROM process.info', '--strict', '--ssh', ssh, '--remote-probing', remoteProbing]);
    expect(strict.code).not.toBe(0);
    expect(strict.code).not.toBe(7);
    expect(strict.stderr).toContain('(--strict)');
    const viaSsh = await probing(['--via', `${ssh} -p ${port} ${user}@127.0.0.1`, '--remote-probing', remoteProbing, `${a.pid},${b.pid}`, 'query', 'SELECT sum(pid) AS s FROM process.info', '-f', 'json']);
    expect(viaSsh.stderr).toBe('');
    expect(rows(viaSsh.stdout)).toEqual([{ s: a.pid + b.pid }]);
    await expectLeftAsFound(a, before[0]!);
    await expectLeftAsFound(b, before[1]!);
  });
});
