import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { httpGet, listeningPorts, probing, startTarget } from '../helpers/targets.js';

const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));
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
    const script = [
      'ip link set lo up',
      `node --inspect-port=0.0.0.0:0 ${JSON.stringify(server)} > ready.txt 2> target.txt &`,
      'T=$!',
      'for i in $(seq 100); do [ -s ready.txt ] && break; sleep 0.05; done',
      `node ${JSON.stringify(bin)} $T eval "40 + 2" --allow-remote-inspector`,
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
      const result = spawnSync('unshare', ['-n', 'sh', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      const lines = result.stdout.trim().split('\n');
      expect(lines).toEqual(['42', 'rc=0', '1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
