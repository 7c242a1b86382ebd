import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INSPECTOR_PORT, inspectorConfig, nodeOptionsOf } from '../../src/attach/inspect-flags.js';

describe('inspectorConfig', () => {
  it('defaults to 127.0.0.1:9229', () => {
    expect(inspectorConfig(['node', 'app.js'], undefined)).toEqual({ host: '127.0.0.1', port: 9229, openAtStart: false, sigusr1Disabled: false, preloadsAgent: false });
  });

  // The attach tests stand in a fixed port of their own for 9229 (test/helpers/targets.ts):
  // what the CLI assumes of a process started without flags is what Node.js does.
  it("is Node.js's own default for a process started without inspector flags", () => {
    const started = spawnSync(process.execPath, ['-p', 'process.debugPort'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(Number(started.stdout)).toBe(DEFAULT_INSPECTOR_PORT);
    expect(inspectorConfig([process.execPath, 'app.js'], '').port).toBe(Number(started.stdout));
  });

  it('reads --inspect-port in both spellings and with a host', () => {
    expect(inspectorConfig(['node', '--inspect-port=0', 'app.js'], undefined).port).toBe(0);
    expect(inspectorConfig(['node', '--inspect-port', '9333', 'app.js'], undefined).port).toBe(9333);
    expect(inspectorConfig(['node', '--inspect-port=0.0.0.0:9400', 'app.js'], undefined)).toMatchObject({ host: '0.0.0.0', port: 9400 });
  });

  it('reads --inspect, --inspect-brk and --inspect-wait as open at start', () => {
    expect(inspectorConfig(['node', '--inspect', 'app.js'], undefined)).toMatchObject({ openAtStart: true, port: 9229 });
    expect(inspectorConfig(['node', '--inspect=127.0.0.1:0', 'app.js'], undefined)).toMatchObject({ openAtStart: true, port: 0 });
    expect(inspectorConfig(['node', '--inspect-brk=9500', 'app.js'], undefined)).toMatchObject({ openAtStart: true, port: 9500 });
  });

  it('finds --disable-sigusr1 on the command line and in NODE_OPTIONS', () => {
    expect(inspectorConfig(['node', '--disable-sigusr1', 'app.js'], undefined).sigusr1Disabled).toBe(true);
    expect(inspectorConfig(['node', 'app.js'], '--max-old-space-size=100 --disable-sigusr1').sigusr1Disabled).toBe(true);
  });

  it('lets the command line override NODE_OPTIONS', () => {
    expect(inspectorConfig(['node', '--inspect-port=9300', 'app.js'], '--inspect-port=9400').port).toBe(9300);
  });

  it("ignores the program's own arguments", () => {
    expect(inspectorConfig(['node', 'app.js', '--inspect-port=1234', '--disable-sigusr1'], undefined)).toMatchObject({ port: 9229, sigusr1Disabled: false });
    expect(nodeOptionsOf(['node', '-r', 'dotenv/config', '--inspect-port=0', 'app.js', '--flag'])).toEqual(['-r', 'dotenv/config', '--inspect-port=0']);
    expect(nodeOptionsOf(['node', '-e', 'code', '--inspect'])).toEqual([]);
  });

  it('sees the agent preloaded as probing launch, the demo and the README preload it, and nothing else', () => {
    const agentFile = '/srv/app/node_modules/probing-node/dist/agent/index.cjs';
    expect(inspectorConfig(['node', 'app.js'], `--max-old-space-size=512 --require ${JSON.stringify('/home/me/my tools/probing/dist/agent/index.cjs')}`).preloadsAgent).toBe(true);
    expect(inspectorConfig(['node', '--require', agentFile, 'app.js'], undefined).preloadsAgent).toBe(true);
    expect(inspectorConfig(['node', '-r', 'probing-node/agent', 'app.js'], undefined).preloadsAgent).toBe(true);
    expect(inspectorConfig(['node', 'app.js'], '--import=probing-node/agent').preloadsAgent).toBe(true);
    expect(inspectorConfig(['node', '--import', 'file:///srv/app/node_modules/probing-node/dist/agent/index.mjs', 'app.js'], undefined).preloadsAgent).toBe(true);
    for (const other of ['./agent.js', 'probing-node/runtime', 'some-agent', '/srv/app/dist/agent.js', 'probing/agent']) {
      expect(inspectorConfig(['node', '--require', other, 'app.js'], undefined).preloadsAgent).toBe(false);
    }
    // an argument of the program's, not a Node.js option
    expect(inspectorConfig(['node', 'app.js', '--require', agentFile], undefined).preloadsAgent).toBe(false);
  });
});
