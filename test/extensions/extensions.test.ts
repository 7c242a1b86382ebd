import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { shareTarget } from '../helpers/assertions.js';
import { soonAfter } from '../helpers/limits.js';
import { pipedRepl, probing, startTarget, type Target } from '../helpers/targets.js';

const examples = fileURLToPath(new URL('../../examples/extensions/', import.meta.url));
const faults = fileURLToPath(new URL('../fixtures/extensions/', import.meta.url));
const ext = (...paths: string[]) => paths.flatMap((p) => ['--extension', p]);
const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;

let home: string;
const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) => probing(args, { env: { PROBING_HOME: home, ...env }, ...(cwd ? { cwd } : {}) });


beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'probing-home-'));
});

// The tests share one target: each leaves it as found (checked after each, whether or
// not it queried it), so none sees another's traces; the file kills it at the end.
let target: Target;
shareTarget('server.cjs', {}, (t) => (target = t));

describe('the three kinds of extension, against a real target', () => {
  it('an in-process module reads data from the target, with options and persistent state', async () => {
    const args = (...a: string[]) => [...a, ...ext(`${examples}appinfo.mjs`)];
    const result = await run(args(String(target.pid), 'query', 'SELECT name, type FROM app.globals', '-f', 'json'));
    expect(result.stderr).toBe('');
    expect(rows(result.stdout)).toEqual([{ name: 'state', type: 'object' }]);
    await run(args(String(target.pid), 'query', 'SELECT * FROM app.globals'));
    expect((await run(args(String(target.pid), 'call', 'appinfo.queries', '--json'))).stdout.trim()).toBe('{\n  "queries": 2\n}');
    expect(JSON.parse(readFileSync(join(home, 'state', 'appinfo.json'), 'utf8'))).toEqual({ queries: 2 });
    expect((await run(args('ext', 'set', 'appinfo.include_builtins', 'true'))).stdout).toBe('appinfo.include_builtins = true\n');
    const all = rows((await run(args(String(target.pid), 'query', 'SELECT name FROM app.globals', '-f', 'json'))).stdout);
    expect(all.map((r) => r.name)).toContain('setTimeout');
  });

  it.each([
    ['JavaScript', 'js-queue', 'jsqueue'],
    ['Python', 'python-queue', 'pyqueue'],
  ])('the %s out-of-process example provides tables and calls, and asks the CLI to evaluate in the target', async (_lang, dir, name) => {
    const args = (...a: string[]) => [...a, ...ext(`${examples}${dir}`)];
    // both tables in one repl run (one start of the extension): what followed each prompt is the banner, ".format json", the two answers, the goodbye
    const tables = await pipedRepl(target.pid, ext(`${examples}${dir}`), ['.format json', `SELECT state, count(*) AS n FROM ${name}.jobs GROUP BY state ORDER BY state;`, `SELECT pid FROM ${name}.target;`], { PROBING_HOME: home });
    expect(tables.stderr).toBe('');
    expect(tables.code).toBe(0);
    const [, format, jobs, self, ...rest] = tables.stdout.split(/^sql> /m);
    expect(format).toBe('format: json\n');
    expect(rest).toHaveLength(1);
    expect(rows(jobs!)).toEqual([{ state: 'failed', n: 1 }, { state: 'running', n: 2 }, { state: 'waiting', n: 2 }]);
    expect(rows(self!)).toEqual([{ pid: target.pid }]);
    const stats = await run(args(String(target.pid), 'call', `${name}.stats`, '--json'));
    expect(JSON.parse(stats.stdout)).toEqual({ waiting: 2, running: 2, failed: 1 });
    const retry = await run(args(String(target.pid), 'call', `${name}.retry`, 'id=17', '--json'));
    expect(JSON.parse(retry.stdout)).toEqual({ retried: 17, target: target.pid });
    await run(args('ext', 'set', `${name}.jobs`, '9'));
    const more = await run(args(String(target.pid), 'query', `SELECT count(*) AS n FROM ${name}.jobs`, '-f', 'json'));
    expect(rows(more.stdout)).toEqual([{ n: 9 }]);
  });

  it('an external function calls an HTTP service; a 500 and a hang become clear errors', async () => {
    const geo = await startTarget('geo-service.cjs');
    const env = { GEO_PORT: String(geo.port) };
    const sql = (ips: string[]) => `SELECT ip, country_of(ip) AS country FROM js.\`${JSON.stringify(ips.map((ip) => ({ ip })))}\` ORDER BY ip`;
    let started = Date.now();
    const ok = await run([String(target.pid), 'query', sql(['1.2.3.4', '8.8.8.8']), '-f', 'json', ...ext(`${examples}geo`)], env);
    const answered = Date.now() - started;
    expect(ok.stderr).toBe('');
    expect(rows(ok.stdout)).toEqual([{ ip: '1.2.3.4', country: 'NL' }, { ip: '8.8.8.8', country: 'US' }]);
    const failing = await run([String(target.pid), 'query', sql(['6.6.6.6']), ...ext(`${examples}geo`)], env);
    expect(failing.code).toBe(6);
    expect(failing.stderr).toContain('country_of(): http://127.0.0.1:');
    expect(failing.stderr).toContain('answered 500');
    started = Date.now();
    const hanging = await run([String(target.pid), 'query', sql(['7.7.7.7']), ...ext(`${examples}geo`)], env);
    expect(hanging.code).toBe(6);
    expect(hanging.stderr).toContain('did not answer within 1000 ms');
    expect(Date.now() - started).toBeLessThan(soonAfter(1000, answered));
    const where = await run([String(target.pid), 'query', `SELECT ip FROM js.\`[{ip:'1.1.1.1'},{ip:'9.9.9.9'}]\` WHERE country_of(ip) = 'NL'`, '-f', 'json', ...ext(`${examples}geo`)], env);
    expect(rows(where.stdout)).toEqual([{ ip: '1.1.1.1' }]);
  });
});

describe('faults', () => {
  it.each([
    ['crashes mid-query', 'crash', 'crashy', 'extension crashy exited (status 3): Error: kaboom while producing rows'],
    ['prints garbage', 'garbage', 'garbage', 'extension garbage wrote something that is not JSON: "hello, world"'],
    ['never answers', 'silent', 'silent', 'extension silent did not answer describe within 1500 ms and was stopped'],
  ])('an out-of-process extension that %s gives a clear error; the CLI survives', async (_what, dir, name, message) => {
    let started = Date.now();
    const result = await run([String(target.pid), 'query', `SELECT * FROM ${name}.anything`, '--timeout', '1500', ...ext(`${faults}${dir}`)]);
    const failed = Date.now() - started;
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('hint:');
    // the same extension loaded, a query that does not need it works
    started = Date.now();
    const other = await run([String(target.pid), 'query', 'SELECT pid FROM process.info', '-f', 'json', ...ext(`${faults}${dir}`)]);
    expect(rows(other.stdout)).toEqual([{ pid: target.pid }]);
    // and the failing one ended soon after its limit, as long as a good one takes
    expect(failed).toBeLessThan(soonAfter(1500, Date.now() - started));
  });

  it('an in-process extension that throws is named in the error', async () => {
    const result = await run([String(target.pid), 'query', 'SELECT * FROM throws.t', ...ext(`${faults}throws.mjs`)]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('extension throws: throws.t threw bug in the extension');
  });

  it('lists malformed, duplicate, reserved, incompatible and shadowed extensions with the reason', async () => {
    const result = await run(['ext', 'list', '--json', ...ext(`${faults}badmanifest`, `${faults}dup-a`, `${faults}dup-b`, `${faults}steal/thief.mjs`, `${faults}newer-api`, `${faults}ver@1.0.0.mjs`, `${faults}ver@2.0.0.mjs`)]);
    expect(result.code).toBe(0);
    const list = rows(result.stdout);
    const find = (name: string, version?: string) => list.find((r) => r.name === name && (version === undefined || r.version === version));
    expect(find('badmanifest')).toMatchObject({ state: 'failed' });
    expect(find('badmanifest')!.reason).toContain('is not valid JSON');
    expect(list.filter((r) => r.name === 'dupe').map((r) => r.state).sort()).toEqual(['failed', 'loaded']);
    expect(list.find((r) => r.name === 'dupe' && r.state === 'failed')!.reason).toContain('another dupe@1.0.0 was found first');
    expect(find('thief')).toMatchObject({ state: 'failed', reason: 'namespace "process" is built in and cannot be taken' });
    expect(find('future')).toMatchObject({ state: 'failed', reason: 'written for extension API 2; this probing speaks API 1' });
    expect(find('ver', '2.0.0')).toMatchObject({ state: 'loaded' });
    expect(find('ver', '1.0.0')).toMatchObject({ state: 'shadowed' });
    expect(find('ver', '1.0.0')!.reason).toContain('shadowed by ver@2.0.0');
  });

  it('finds extensions in the probing directory and npm packages named probing-extension-*', async () => {
    const project = mkdtempSync(join(tmpdir(), 'probing-project-'));
    const pkg = join(project, 'node_modules', '@acme', 'probing-extension-routes');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/probing-extension-routes', version: '3.1.0', probing: { name: 'routes', kind: 'functions', functions: [{ name: 'route_owner', url: 'http://127.0.0.1:9/{0}' }] } }));
    mkdirSync(join(home, 'extensions'), { recursive: true });
    copyFileSync(`${examples}appinfo.mjs`, join(home, 'extensions', 'appinfo.mjs'));
    const result = await run(['ext', 'list', '--json'], {}, project);
    const list = rows(result.stdout);
    expect(list.find((r) => r.name === 'routes')).toMatchObject({ version: '3.1.0', kind: 'functions', state: 'loaded', origin: 'npm', provides: ['route_owner()'] });
    expect(list.find((r) => r.name === 'appinfo')).toMatchObject({ kind: 'module', state: 'loaded', origin: 'home' });
  });

  it('the newest version answers queries', async () => {
    const result = await run([String(target.pid), 'query', 'SELECT version FROM ver.which', '-f', 'json', ...ext(`${faults}ver@1.0.0.mjs`, `${faults}ver@2.0.0.mjs`)]);
    expect(rows(result.stdout)).toEqual([{ version: '2.0.0' }]);
  });

  it('disable and enable persist, and a disabled extension provides nothing', async () => {
    const args = (...a: string[]) => [...a, ...ext(`${examples}js-queue`)];
    expect((await run(args('ext', 'disable', 'jsqueue'))).stdout).toBe('jsqueue disabled\n');
    expect(rows((await run(args('ext', 'list', '--json'))).stdout)[0]).toMatchObject({ name: 'jsqueue', state: 'disabled' });
    const refused = await run(args(String(target.pid), 'query', 'SELECT * FROM jsqueue.jobs'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('there is no namespace "jsqueue"');
    await run(args('ext', 'enable', 'jsqueue'));
    expect((await run(args(String(target.pid), 'query', 'SELECT count(*) AS n FROM jsqueue.jobs', '-f', 'json'))).stdout).toContain('"n": 5');
  });

  it('refuses unknown extensions, calls and options with hints', async () => {
    const unknown = await run(['ext', 'info', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no extension named "nope"');
    const call = await run([String(target.pid), 'call', 'jsqueue.nope', ...ext(`${examples}js-queue`)]);
    expect(call.code).toBe(2);
    expect(call.stderr).toContain('extension jsqueue has no call "nope"');
    const option = await run(['ext', 'set', 'jsqueue.nope', '1', ...ext(`${examples}js-queue`)]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('extension jsqueue has no option "nope"');
  });
});
