/**
 * Targets on other hosts, reached through a command the user already uses:
 * `ssh://[user@]host[:port]/<pid|@all|pid/wN>`, `docker://<container>/<pid>`,
 * `k8s://[namespace/]pod[/container]/<pid>`, or any target behind `--via "<command>"`.
 * Each names a transport (how a shell command line is run over there) and the target
 * as the probing on the other side reads it. Nothing here starts anything.
 */
import { UsageError } from '../errors.js';
import { parseTarget } from './target-spec.js';

export type RemoteScheme = 'ssh' | 'docker' | 'k8s' | 'via';

/** How a command line is run on the other side: the argv that runs it, for one host. */
export interface RemoteHost {
  scheme: RemoteScheme;
  /** How rows and messages name the host: ssh://deploy@app-3:2222, docker://web, k8s://prod/api-7f9/app; for --via, the command. */
  name: string;
  /** The local argv that runs `line` (a POSIX shell command line) over there. */
  argv(line: string, clients: RemoteClients): string[];
}

/** The local programs that reach other hosts, as command lines for the local shell (options included). */
export interface RemoteClients {
  ssh: string;
  docker: string;
  kubectl: string;
}

export interface RemoteTarget {
  host: RemoteHost;
  /** The target as the probing over there reads it: 4242, 4242/w1, or @all. */
  target: string;
  /** How the user named it (its rows' _target; with @all each process is named host/pid). */
  label: string;
}

export const REMOTE_FORMS = 'ssh://[user@]host[:port]/<pid>, docker://<container>/<pid> or k8s://[namespace/]pod[/container]/<pid>';

/** A string as one word of a POSIX shell command line. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs `client` (a command line the user gave, options and all) with `args` after it, through the local shell. */
function throughShell(client: string, args: string[]): string[] {
  return ['/bin/sh', '-c', `${client} "$@"`, 'probing-remote', ...args];
}

export function isRemoteTarget(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text.trim()) && !/^wss?:\/\//i.test(text.trim());
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The target part after the host: a pid, @all, or pid/wN — checked as a local target would be. */
function targetPart(text: string, whole: string): string {
  if (text === '@all') return text;
  const spec = (() => {
    try {
      return parseTarget(text);
    } catch {
      return undefined;
    }
  })();
  if (!spec || spec.kind !== 'pid') {
    throw new UsageError('BAD_TARGET', `"${whole}" does not end in a process: "${text || '(nothing)'}" is not a pid, pid/wN or @all`, { hint: `give ${REMOTE_FORMS} (or /@all for every Node.js process there)` });
  }
  return text;
}

function bad(whole: string, why: string): UsageError {
  return new UsageError('BAD_TARGET', `"${whole}" is not a remote target: ${why}`, { hint: `give ${REMOTE_FORMS}` });
}

/** Splits the path after a scheme into the host's segments and the target (pid, @all, pid/wN). */
function split(rest: string, whole: string): { segments: string[]; target: string } {
  const parts = rest.split('/');
  const worker = parts.length >= 2 && /^w\d+$/.test(parts.at(-1)!) ? parts.pop()! : undefined;
  const last = parts.pop() ?? '';
  if (parts.length === 0) throw bad(whole, 'it names no process after the host (…/<pid>)');
  if (parts.some((p) => !NAME.test(p))) throw bad(whole, `"${parts.find((p) => !NAME.test(p))}" is not a host, container, namespace or pod name`);
  return { segments: parts, target: targetPart(worker ? `${last}/${worker}` : last, whole) };
}

function sshHost(authority: string, whole: string): RemoteHost {
  const match = /^(?:([A-Za-z0-9_][A-Za-z0-9_.-]*)@)?(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$/.exec(authority);
  if (!match) throw bad(whole, `"${authority}" is not [user@]host[:port]`);
  const [, user, host, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw bad(whole, `port ${port} is out of range (1–65535)`);
  const destination = `${user ? `${user}@` : ''}${host!.replace(/^\[|\]$/g, '')}`;
  return {
    scheme: 'ssh',
    name: `ssh://${authority}`,
    // BatchMode: a password prompt could never be answered in the middle of a fan-out (it would wait for --timeout)
    argv: (line, clients) => throughShell(clients.ssh, [...(port ? ['-p', port] : []), '-o', 'BatchMode=yes', '--', destination, line]),
  };
}

/** Parses one remote target; `isRemoteTarget` said it has a scheme. */
export function parseRemoteTarget(text: string): RemoteTarget {
  const whole = text.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(whole)![1]!.toLowerCase();
  const rest = whole.slice(scheme.length + 3);
  switch (scheme) {
    case 'ssh': {
      const slash = rest.indexOf('/');
      if (slash <= 0) throw bad(whole, slash === 0 ? 'it names no host' : 'it names no process after the host (…/<pid>)');
      const host = sshHost(rest.slice(0, slash), whole);
      const target = targetPart(rest.slice(slash + 1), whole);
      return { host, target, label: `${host.name}/${target}` };
    }
    case 'docker': {
      const { segments, target } = split(rest, whole);
      if (segments.length !== 1) throw bad(whole, 'write docker://<container>/<pid>');
      const container = segments[0]!;
      const host: RemoteHost = { scheme: 'docker', name: `docker://${container}`, argv: (line, clients) => throughShell(clients.docker, ['exec', '-i', container, 'sh', '-c', line]) };
      return { host, target, label: `${host.name}/${target}` };
    }
    case 'k8s': {
      const { segments, target } = split(rest, whole);
      if (segments.length > 3) throw bad(whole, 'write k8s://[namespace/]pod[/container]/<pid>');
      // one segment: the pod; two: namespace/pod; three: namespace/pod/container
      const [namespace, pod, container] = segments.length === 1 ? [undefined, segments[0]!, undefined] : [segments[0]!, segments[1]!, segments[2]];
      const host: RemoteHost = {
        scheme: 'k8s',
        name: `k8s://${segments.join('/')}`,
        argv: (line, clients) => throughShell(clients.kubectl, ['exec', '-i', ...(namespace ? ['-n', namespace] : []), pod, ...(container ? ['-c', container] : []), '--', 'sh', '-c', line]),
      };
      return { host, target, label: `${host.name}/${target}` };
    }
    default:
      throw new UsageError('BAD_TARGET', `"${whole}": probing does not know the scheme ${scheme}://`, {
        hint: `remote targets are ${REMOTE_FORMS}; an inspector is ws://host:port/<id>; any other way in: --via "<command>" <pid>`,
      });
  }
}

/** Every target of the list reached through one command (`--via "ssh app-3"`): the targets as the probing over there reads them. */
export function viaHost(command: string): RemoteHost {
  if (command.trim() === '') {
    throw new UsageError('BAD_VIA', '--via names no command', { hint: 'give the command that runs a shell command line over there, e.g. --via "ssh app-3" or --via "kubectl exec -i api-0 -- sh -c"' });
  }
  return { scheme: 'via', name: command.trim(), argv: (line) => ['/bin/sh', '-c', `${command} "$1"`, 'probing-via', line] };
}
