// A bounded load on a local HTTP server (load.cjs: `requests` over 16 keep-alive
// connections), with what it cost the server: requests per second, and the server
// process's own CPU per request (all its threads, from /proc: Linux).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const loadScript = fileURLToPath(new URL('load.cjs', import.meta.url));

export function serverLoad(pid, port, requests) {
  const cpuMs = () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return NaN;
    }
  };
  return () => {
    const before = cpuMs();
    const { perSecond } = JSON.parse(spawnSync(process.execPath, [loadScript, String(port), String(requests), '16'], { encoding: 'utf8' }).stdout);
    return { perSecond, cpuUs: ((cpuMs() - before) * 1000) / requests };
  };
}
