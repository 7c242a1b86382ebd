import { UsageError } from '../errors.js';

/** What the user pointed probing at. */
export type TargetSpec = (
  | { kind: 'pid'; pid: number }
  | { kind: 'address'; host: string; port: number }
  | { kind: 'url'; url: string }
) & {
  /** A worker thread of the process (`4242/w2`): its inspector worker id. */
  worker?: string;
};

const EXAMPLES = 'a pid (4242), an inspector address (127.0.0.1:9229) or a ws:// URL';

/** Parses a target argument: `4242`, `127.0.0.1:9229`, `localhost:9229`, `:9229`, `ws://127.0.0.1:9229/<id>`. */
export function parseTarget(text: string): TargetSpec {
  // 4242/w2: worker thread 2 of the process
  const worker = /^(.*)\/w(\d+)$/.exec(text.trim());
  if (worker && !/^wss?:\/\/[^/]*$/.test(worker[1]!)) return { ...parseTarget(worker[1]!), worker: worker[2]! };
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const pid = Number(value);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 2 ** 22) {
      throw new UsageError('BAD_TARGET', `"${text}" is not a valid pid`, { hint: `give ${EXAMPLES}` });
    }
    return { kind: 'pid', pid };
  }
  if (/^(ssh|docker|k8s):\/\//i.test(value)) {
    throw new UsageError('REMOTE_TARGET', `${text}: only query reads a process on another host (the others run over there)`, {
      hint: `probing ${text} query "…", or run the command there yourself: ssh <host> probing <pid> eval "…"`,
    });
  }
  if (/^wss?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new UsageError('BAD_TARGET', `"${text}" is not a valid WebSocket URL`, { hint: `give ${EXAMPLES}` });
    }
    return { kind: 'url', url: value };
  }
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(value);
  if (match) {
    const port = Number(match[3]);
    const host = match[1] ?? (match[2] || '127.0.0.1');
    if (port < 1 || port > 65535) {
      throw new UsageError('BAD_TARGET', `port ${port} in "${text}" is out of range`, { hint: 'a port is 1–65535' });
    }
    return { kind: 'address', host, port };
  }
  throw new UsageError('BAD_TARGET', `"${text}" is not a target`, {
    hint: `give ${EXAMPLES}; \`probing list\` shows the Node.js processes you can probe`,
  });
}

export function describeTarget(spec: TargetSpec): string {
  const worker = spec.worker === undefined ? '' : `/w${spec.worker}`;
  switch (spec.kind) {
    case 'pid':
      return `pid ${spec.pid}${worker}`;
    case 'address':
      return `${spec.host}:${spec.port}${worker}`;
    case 'url':
      return `${spec.url}${worker}`;
  }
}
