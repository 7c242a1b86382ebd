/**
 * Several targets at once: `101,102,103`, `@targets.txt` (one target per line, # for
 * comments), or every Node.js process the user may probe (--all).
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { isRemoteTarget, parseRemoteTarget, type RemoteTarget } from './remote-spec.js';
import { describeTarget, parseTarget, type TargetSpec } from './target-spec.js';

export interface LabelledTarget {
  label: string;
  spec: TargetSpec;
}

/** Several targets, or one on another host (read as a fan-out of one: its rows are tagged). */
export function isTargetList(text: string): boolean {
  return text.includes(',') || text.startsWith('@') || isRemoteTarget(text);
}

/** The targets on this host, and those reached through ssh, docker or kubectl (ssh://…, docker://…, k8s://…). */
export interface TargetList {
  local: LabelledTarget[];
  remote: RemoteTarget[];
}

export async function parseTargetList(text: string): Promise<TargetList> {
  let parts: string[];
  if (text.startsWith('@')) {
    const file = text.slice(1);
    const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError('NO_TARGETS_FILE', `cannot read the targets file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { hint: 'one target per line: a pid, host:port, a ws:// URL, or ssh://host/<pid>' });
    });
    parts = content.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  } else {
    parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  }
  if (parts.length === 0) throw new UsageError('NO_TARGETS', `"${text}" names no target`, { hint: 'e.g. probing 101,102 query …, or probing --all query …' });
  const seen = new Set<string>();
  const list: TargetList = { local: [], remote: [] };
  let lastRemote: string | undefined;
  for (const part of parts) {
    // ssh://app-3/101,102 reads as a local 102: that process would be probed, its rows
    // taken for app-3's. A comma list names each remote target in full.
    if (!text.startsWith('@') && lastRemote !== undefined && !isRemoteTarget(part) && /^\d+(\/w\d+)?$/.test(part)) {
      throw new UsageError('AMBIGUOUS_TARGET', `${part} follows ${lastRemote} in the list: a bare pid is a process of this host`, {
        hint: `write the remote one in full (${lastRemote.replace(/\/[^/]*$/, `/${part}`)}), or list this host's pids first`,
      });
    }
    if (isRemoteTarget(part)) {
      lastRemote = part;
      const remote = parseRemoteTarget(part);
      if (!seen.has(remote.label)) list.remote.push(remote);
      seen.add(remote.label);
      continue;
    }
    const spec = parseTarget(part);
    const label = describeTarget(spec).replace(/^pid /, '');
    if (seen.has(label)) continue;
    seen.add(label);
    list.local.push({ label, spec });
  }
  return list;
}

/**
 * Every Node.js process on this host that the user may probe (not probing itself), or
 * those whose command line contains `match` — chosen before any of them is touched.
 */
export async function allTargets(match?: string): Promise<LabelledTarget[]> {
  const { listNodeProcesses } = await import('./list.js');
  return (await listNodeProcesses())
    .filter((p) => match === undefined || p.command.includes(match))
    .map((p) => ({ label: String(p.pid), spec: { kind: 'pid' as const, pid: p.pid } }));
}
