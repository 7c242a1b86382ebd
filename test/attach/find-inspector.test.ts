import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findOpenInspector } from '../../src/attach/find-inspector.js';
import { forgetInspector, recordInspector, recordedInspector, sweepStaleRecords } from '../../src/attach/inspector-record.js';
import { inspectorConfig } from '../../src/attach/inspect-flags.js';

// a pid of no process: only the record's file name carries it
const PID = 2 ** 22 + 17;

describe('findOpenInspector, where probing left an inspector open', () => {
  let home: string;
  let saved: Record<string, string | undefined>;
  let server: Server;
  const sockets = new Set<Socket>();
  beforeEach(() => {
    // the records live in the user's own directory under TMPDIR (src/attach/agent-path.ts): one of this test's
    saved = { TMPDIR: process.env.TMPDIR, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR };
    home = mkdtempSync(join(tmpdir(), 'probing-find-'));
    process.env.TMPDIR = home;
    delete process.env.XDG_RUNTIME_DIR;
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    forgetInspector(PID);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });
  const listen = async (onConnection: (socket: Socket) => void): Promise<number> => {
    server = createServer((socket) => {
      sockets.add(socket);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  const config = inspectorConfig(['node', 'app.js'], undefined);

  it('a listener there that does not answer in time is an error, not a reason to signal; the record stays', async () => {
    const port = await listen(() => {});
    recordInspector(PID, '127.0.0.1', port);
    const started = Date.now();
    await expect(findOpenInspector(config, async () => [{ host: '127.0.0.1', port, inode: '1' }], PID, 300)).rejects.toMatchObject({ code: 'INSPECTOR_SILENT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(recordedInspector(PID)).toEqual({ host: '127.0.0.1', port });
  });

  it('a listener there that answers as something else is forgotten', async () => {
    const port = await listen((socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
    recordInspector(PID, '127.0.0.1', port);
    expect(await findOpenInspector(config, async () => [{ host: '127.0.0.1', port, inode: '1' }], PID, 2000)).toBeUndefined();
    expect(recordedInspector(PID)).toBeUndefined();
  });

  it('a record written while it looked (a new inspector another command opened) is not rubbed out with the one found closed', async () => {
    recordInspector(PID, '127.0.0.1', 1);
    // the sockets are read after the record: meanwhile another command closed port 1's
    // inspector, opened one on 2 and wrote that down
    const found = await findOpenInspector(
      config,
      async () => {
        recordInspector(PID, '127.0.0.1', 2);
        return [];
      },
      PID,
    );
    expect(found).toBeUndefined();
    expect(recordedInspector(PID)).toEqual({ host: '127.0.0.1', port: 2 });
  });
});

describe('forgetInspector', () => {
  let home: string;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = { TMPDIR: process.env.TMPDIR, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR };
    home = mkdtempSync(join(tmpdir(), 'probing-forget-'));
    process.env.TMPDIR = home;
    delete process.env.XDG_RUNTIME_DIR;
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('rubs out a record of the port it is given, and leaves one of another port in place', () => {
    recordInspector(PID, '127.0.0.1', 2);
    forgetInspector(PID, 1);
    expect(recordedInspector(PID)).toEqual({ host: '127.0.0.1', port: 2 });
    forgetInspector(PID, 2);
    expect(recordedInspector(PID)).toBeUndefined();
    // nothing of its own is left beside the records
    expect(readdirSync(join(home, `probing-${process.getuid?.() ?? 'user'}`))).toEqual([]);
    recordInspector(PID, '127.0.0.1', 3);
    forgetInspector(PID);
    expect(recordedInspector(PID)).toBeUndefined();
  });

  it('the sweep removes the records and leftovers of processes that have gone, and nothing of live ones', () => {
    const dir = join(home, `probing-${process.getuid?.() ?? 'user'}`);
    const live = PID + 1;
    recordInspector(PID, '127.0.0.1', 2);
    recordInspector(live, '127.0.0.1', 3);
    // a killed command's draft and a pending signal of a gone target; a live command's pending one
    writeFileSync(join(dir, `${live}.inspector.${PID}`), '127.0.0.1:4\n');
    writeFileSync(join(dir, `${PID}.${live}.pending`), '127.0.0.1:5\n');
    writeFileSync(join(dir, `${live}.${live}.pending`), '127.0.0.1:5\n');
    expect(sweepStaleRecords((pid) => pid === PID)).toBe(3);
    expect(recordedInspector(PID)).toBeUndefined();
    expect(recordedInspector(live)).toEqual({ host: '127.0.0.1', port: 3 });
    expect(readdirSync(dir).sort()).toEqual([`${live}.${live}.pending`, `${live}.inspector`]);
  });
});
