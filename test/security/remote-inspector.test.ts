import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ATTACH_TIMEOUT_MS, START_LIMIT_MS, cliLimitMs } from '../helpers/limits.js';
import { bin, httpGet, listeningPorts, probing, startTarget } from '../helpers/targets.js';

const server = fileURLToPath(new URL('../fixtures/targets/server.cjs', import.meta.url));

describe('an inspector on an address beyond loopback is opened only when asked', () => {
  it.skipIf(process.platform !== 'linux')('refuses to signal a target configured for 0.0.0.0, naming the address, and leaves it as it was', async () => {
    const target = await startTarget('server.cjs', { nodeArgs: ['--inspect-port=0.0.0.0:0'] });
    const before = await listeningPorts(target.pid);
    const result = await probing([String(target.pid), 'eval', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`pid ${target.pid} would open its inspector on 0.0.0.0:0, which is not a loopback address`);
    expect(result.stderr).toContain('--allow-remote-inspector');
    expect(target.stderr()).not.toContain('Debugger listening');
    expect(await listeningPorts(target.pid)).toEqual(before);
    expect((await httpGet(target.port!)).status).toBe(200);
  });

  // In a network namespace of its own (nothing else can reach it), the user's --allow-remote-inspector is honoured.
  const unshare = process.platform === 'linux' && spawnSync('unshare', ['-n', 'true']).status === 0 && spawnSync('sh', ['-c', 'command -v ip && command -v ss']).status === 0;
  if (!unshare) console.log('skipped: --allow-remote-inspector is tried in a private network namespace (unshare -n, with ip and ss), not available here');
  it.skipIf(!unshare)('with --allow-remote-inspector, in a private network namespace, it goes in and closes the inspector again', () => {
    const cli = ['eval', '40 + 2', '--allow-remote-inspector', '--attach-timeout', String(ATTACH_TIMEOUT_MS)];
    const script = [
      'ip link set lo up',
      `node --inspect-port=0.0.0.0:0 ${JSON.stringify(server)} > ready.txt 2> target.txt &`,
      'T=$!',
      `for i in $(seq ${START_LIMIT_MS / 50}); do [ -s ready.txt ] && break; sleep 0.05; done`,
      `node ${JSON.stringify(bin)} $T ${cli.map((a) => JSON.stringify(a)).join(' ')}`,
      'echo "rc=$?"',
      'sleep 0.3',
      // no inspector left listening on any address
      'ss -ltnp | grep "pid=$T," | wc -l',
      'kill $T',
    ].join('\n');
    const { mkdtempSync, rmSync } = require('node:fs') as typeof import('node:fs');
    const { tmpdir } = require('node:os') as typeof import('node:os');
    const { join } = require('node:path') as typeof import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'probing-netns-'));
    try {
      const result = spawnSync('unshare', ['-n', 'sh', '-c', script], { cwd: dir, encoding: 'utf8', timeout: START_LIMIT_MS + cliLimitMs(cli) });
      const lines = result.stdout.trim().split('\n');
      expect(lines).toEqual(['42', 'rc=0', '1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a remote target through an SSH-style tunnel', () => {
  // `ssh -L 9339:127.0.0.1:9229 app-host` forwards a local port to the remote inspector;
  // a TCP forward in this process stands in for ssh (ssh's own access control is ssh's).
  it('is reached at the tunnel\'s local address, joined and left open as the user opened it', async () => {
    const { createServer, connect } = await import('node:net');
    const target = await startTarget('server.cjs', { nodeArgs: ['--inspect=127.0.0.1:0'] });
    const port = Number(new URL(/ws:\/\/\S+/.exec(target.stderr())![0]).port);
    const sockets = new Set<import('node:net').Socket>();
    const tunnel = createServer((local) => {
      const remote = connect(port, '127.0.0.1');
      for (const s of [local, remote]) {
        sockets.add(s);
        s.on('error', () => {}).on('close', () => sockets.delete(s));
      }
      local.pipe(remote).pipe(local);
    });
    await new Promise<void>((resolve) => tunnel.listen(0, '127.0.0.1', resolve));
    try {
      const local = (tunnel.address() as import('node:net').AddressInfo).port;
      const before = await listeningPorts(target.pid);
      const result = await probing([`127.0.0.1:${local}`, 'eval', 'process.pid']);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(String(target.pid));
      expect(result.stderr).toBe('');
      // probing did not open it, so it does not close it: the inspector (and the tunnel) stay as they were
      expect(await listeningPorts(target.pid)).toEqual(before);
      expect(before).toContain(port);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => tunnel.close(resolve));
    }
  });
});
