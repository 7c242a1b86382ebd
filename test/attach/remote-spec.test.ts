import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseRemoteTarget, shellQuote, viaHost } from '../../src/attach/remote-spec.js';
import { UsageError, type ProbingError } from '../../src/errors.js';
import { failureOf, type Finished } from '../../src/run/remote-fan-out.js';
import { WIRE_PROTOCOL } from '../../src/run/remote-wire.js';

const clients = { ssh: 'ssh', docker: 'docker', kubectl: 'kubectl' };

describe('remote targets', () => {
  it.each([
    ['ssh://app-3/4242', 'ssh://app-3', '4242', ['-o', 'BatchMode=yes', '--', 'app-3']],
    ['ssh://deploy@app-3:2222/@all', 'ssh://deploy@app-3:2222', '@all', ['-p', '2222', '-o', 'BatchMode=yes', '--', 'deploy@app-3']],
    ['ssh://[::1]:22/4242/w1', 'ssh://[::1]:22', '4242/w1', ['-p', '22', '-o', 'BatchMode=yes', '--', '::1']],
    ['docker://web/1', 'docker://web', '1', ['exec', '-i', 'web', 'sh', '-c']],
    ['k8s://api-0/1', 'k8s://api-0', '1', ['exec', '-i', 'api-0', '--', 'sh', '-c']],
    ['k8s://prod/api-0/1', 'k8s://prod/api-0', '1', ['exec', '-i', '-n', 'prod', 'api-0', '--', 'sh', '-c']],
    ['k8s://prod/api-0/app/1/w2', 'k8s://prod/api-0/app', '1/w2', ['exec', '-i', '-n', 'prod', 'api-0', '-c', 'app', '--', 'sh', '-c']],
  ])('reads %s', (text, host, target, args) => {
    const parsed = parseRemoteTarget(text);
    expect(parsed.host.name).toBe(host);
    expect(parsed.target).toBe(target);
    expect(parsed.label).toBe(`${host}/${target}`);
    // the client's own command line goes through the local shell; the line is the last argument
    expect(parsed.host.argv('LINE', clients)).toEqual(['/bin/sh', '-c', `${parsed.host.scheme === 'k8s' ? 'kubectl' : parsed.host.scheme} "$@"`, 'probing-remote', ...args, 'LINE']);
  });

  it.each(['ftp://a/1', 'ssh://a', 'ssh:///1', 'ssh://a b/1', 'ssh://-oProxyCommand=x/1', 'ssh://a:0/1', 'ssh://a/1.5', 'docker://a/b/1', 'k8s://a/b/c/d/1', 'k8s://a/', 'docker://../1'])('refuses %j with a hint', (text) => {
    try {
      parseRemoteTarget(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint).toBeTruthy();
    }
  });

  it('quotes a word so that a shell reads it back as it was', () => {
    for (const word of ['plain', "it's", 'a "b" $HOME `x` \\ \n end', '', 'js.`[...app.sessions.values()]`']) {
      expect(spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }).stdout).toBe(word);
    }
  });

  it('--via runs the line as its last argument, through the local shell', () => {
    const [command, ...args] = viaHost('sh -c').argv("echo 'hi there'", clients);
    expect(spawnSync(command!, args, { encoding: 'utf8' }).stdout).toBe('hi there\n');
    expect(() => viaHost('  ')).toThrow(UsageError);
  });
});

describe("what a host's finished command means", () => {
  const host = viaHost('sh -c');
  const options = { remoteProbing: 'probing', version: '1.0.0' };
  const finished = (over: Partial<Finished>): Finished => ({ code: 0, signal: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, overflowed: false, maxBytes: 1024, timeoutMs: 9000, ...over });
  const end = (error?: { code: string; message: string; exitCode: number }) => ({ parts: [], end: { protocol: WIRE_PROTOCOL, version: '1.0.0', host: 'h', failures: [], notes: [], ...(error ? { error } : {}) } });

  it('a timed-out host is a timeout, even when it answered "interrupted" on the way out', () => {
    const error = failureOf(host, finished({ timedOut: true, code: 130 }), end({ code: 'INTERRUPTED', message: 'interrupted by SIGHUP; every target was left as it was found', exitCode: 130 }), options) as ProbingError;
    expect(error.code).toBe('REMOTE_TIMEOUT');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe('sh -c: no complete answer within 9000 ms; the command was stopped (it said: interrupted by SIGHUP; every target was left as it was found)');
  });

  it('an answer that grew past its bound is named, and a host cannot choose a success status for its failure', () => {
    expect((failureOf(host, finished({ overflowed: true }), undefined, options) as ProbingError).code).toBe('REMOTE_TOO_BIG');
    expect((failureOf(host, finished({}), end({ code: 'X', message: 'no', exitCode: 0 }), options) as ProbingError).exitCode).toBe(5);
    expect((failureOf(host, finished({}), end({ code: 'X', message: 'no', exitCode: 3 }), options) as ProbingError).exitCode).toBe(3);
    expect(failureOf(host, finished({}), end(), options)).toBeUndefined();
  });
});
