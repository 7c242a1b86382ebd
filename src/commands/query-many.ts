/**
 * One query over many targets: every table is read from every target (a bounded
 * number at a time), each row tagged _target, _pid and _host, and the SQL runs once
 * over the union, so that GROUP BY _pid and aggregates across processes are right.
 * Targets on other hosts (ssh://, docker://, k8s://, --via) are asked through the
 * command that reaches them: the probing there collects the tables and sends them
 * back as Arrow, and the SQL runs here over everything. Targets that fail are listed
 * on stderr; the others answer (exit status 7, partial), unless --strict.
 */
import { readFileSync } from 'node:fs';
import type { Table } from 'apache-arrow';
import type { RemoteTarget } from '../attach/remote-spec.js';
import type { LabelledTarget } from '../attach/target-list.js';
import { ExitCode, ProbingError, ProtocolError, RemoteHostError, UsageError } from '../errors.js';
import { packageFile } from '../paths.js';
import type { RemoteGroup, RemoteOutcome } from '../run/remote-fan-out.js';
import type { WirePart } from '../run/remote-wire.js';
import type { Collected, PreparedQuery } from '../sql/query.js';
import { ALL_TARGETS, prepareOptions, print, runOptions, type QueryOptions } from './query.js';

interface Failure {
  label: string;
  error: Error;
}

/** The local targets and the remote ones, as the target word and --via name them. */
async function targetsOf(target: string, options: QueryOptions): Promise<{ local: LabelledTarget[]; remote: RemoteTarget[] }> {
  const [{ parseTargetList, allTargets }, { viaHost }] = await Promise.all([import('../attach/target-list.js'), import('../attach/remote-spec.js')]);
  if (options.via !== undefined) {
    const host = viaHost(options.via);
    if (target === ALL_TARGETS || target === '@all') return { local: [], remote: [{ host, target: '@all', label: '@all' }] };
    const list = await parseTargetList(target);
    if (list.remote.length > 0) throw new UsageError('VIA_AND_REMOTE', `--via reaches every target through one command; ${list.remote[0]!.label} names its own way there`, { hint: 'give --via and pids, or ssh://, docker:// and k8s:// targets without --via' });
    return { local: [], remote: list.local.map((t) => ({ host, target: t.label, label: t.label })) };
  }
  if (target === ALL_TARGETS) return { local: await allTargets(options.match), remote: [] };
  return parseTargetList(target);
}

/** What starting over there may take before a target is asked: a connection, Node.js, the first `npx -y`. */
const REMOTE_START_MS = 30_000;

/** This probing's version: the probing of another host must be the same. */
function ownVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}

/** Whether a host is asked for @all (then alone: mixing it with named targets of the host is refused). */
const asksAll = (group: RemoteGroup) => group.targets.some((t) => t.target === '@all');

/** The command line run over there: that probing, asked for the tables (--emit-tables) with this query's limits. */
function remoteLine(group: RemoteGroup, sql: string, options: QueryOptions, remoteProbing: string, quote: (word: string) => string): string {
  const all = asksAll(group);
  const args = [
    ...(all ? ['--all'] : [group.targets.map((t) => t.target).join(',')]),
    'query',
    sql,
    '--emit-tables',
    '--timeout', String(options.timeout),
    '--attach-timeout', String(options.attachTimeout),
    '--max-rows', String(options.maxRows),
    '--max-bytes', String(options.maxBytes),
    '--concurrency', String(options.concurrency ?? 8),
    ...(options.showSecrets ? ['--show-secrets'] : []),
    ...(options.engine ? ['--engine', options.engine] : []),
    ...(all && options.match !== undefined ? ['--match', options.match] : []),
  ];
  return `${remoteProbing} ${args.map(quote).join(' ')}`;
}

/** A remote target's tables, placed as this query's tables; named as the user named its host. */
async function collectedOf(part: WirePart, prepared: PreparedQuery, label: string, relabel: boolean, host: string): Promise<Collected> {
  const { retagged } = await import('../sql/query.js');
  const collected: Collected = { tables: new Map(), truncated: part.truncated.map((t) => ({ ...t, target: label })) };
  for (const t of prepared.tables) {
    const table = part.tables.get(t.ref.text) as Table | undefined;
    if (!table) throw new ProtocolError('REMOTE_TABLE_MISSING', `${host} answered without ${t.ref.text} for ${part.target}`, { hint: 'both ends must run the same probing version' });
    collected.tables.set(t.name, relabel ? await retagged(table, label) : table);
  }
  return collected;
}

/** Asks the remote hosts; what each answered becomes parts of the query, what failed is named. */
async function askRemote(remote: readonly RemoteTarget[], sql: string, prepared: PreparedQuery, options: QueryOptions): Promise<{ outcomes: RemoteOutcome[]; parts: Collected[]; failures: Failure[]; notes: string[] }> {
  const [{ forEachRemote, groupByHost }, { shellQuote }] = await Promise.all([import('../run/remote-fan-out.js'), import('../attach/remote-spec.js')]);
  const remoteProbing = options.remoteProbing ?? process.env.PROBING_REMOTE_PROBING ?? 'probing';
  const groups = groupByHost(remote);
  // @all there is every process --match allows, and never a worker: beside named targets
  // of the same host, some of those would go unasked without a word
  for (const { host, targets } of groups) {
    if (targets.length > 1 && asksAll({ host, targets })) {
      throw new UsageError('REMOTE_ALL_AND_NAMED', `${host.name}: @all and named targets of the same host in one query (${targets.map((t) => t.label).join(', ')})`, { hint: 'ask @all alone, or name every target of that host' });
    }
  }
  // what one host's answer may be at most: each table of each target within --max-bytes, twice over for Arrow's framing
  const maxAnswerBytes = (group: RemoteGroup) => (asksAll(group) ? 256 : group.targets.length) * Math.max(1, prepared.tables.length) * (2 * options.maxBytes + 1024 * 1024) + 1024 * 1024;
  const concurrency = options.concurrency ?? 8;
  const outcomes = await forEachRemote(groups, {
    maxAnswerBytes,
    concurrency,
    // a backstop for a host that never answers (the probing there bounds each of its steps
    // itself): starting there (ssh, Node.js, npx the first time), then each round of its
    // targets' attach and collect, --concurrency at a time (@all: counted as 16)
    timeoutMs: (group) => REMOTE_START_MS + (options.attachTimeout + options.timeout) * Math.ceil((asksAll(group) ? 16 : group.targets.length) / concurrency),
    clients: { ssh: options.ssh ?? process.env.PROBING_SSH ?? 'ssh', docker: process.env.PROBING_DOCKER ?? 'docker', kubectl: process.env.PROBING_KUBECTL ?? 'kubectl' },
    line: (group) => remoteLine(group, sql, options, remoteProbing, shellQuote),
    remoteProbing,
    version: ownVersion(),
  });
  const parts: Collected[] = [];
  const failures: Failure[] = [];
  const notes: string[] = [];
  for (const { group, answer, error } of outcomes) {
    const { host } = group;
    const name = (label: string) => (host.scheme === 'via' ? label : `${host.name}/${label}`);
    if (error || !answer?.end) {
      failures.push({ label: group.targets.map((t) => t.label).join(', '), error: error ?? new ProtocolError('REMOTE_CUT', `${host.name}: no end record`) });
      continue;
    }
    for (const f of answer.end.failures) failures.push({ label: name(f.target), error: new RemoteHostError(f.code, f.message, f.exitCode, f.hint ? { hint: f.hint } : {}) });
    for (const note of answer.end.notes) notes.push(`${host.name}: ${note}`);
    try {
      // a host's parts are taken whole or not at all: its failure names every target of it
      const placed: Collected[] = [];
      for (const part of answer.parts) placed.push(await collectedOf(part, prepared, name(part.target), host.scheme !== 'via', host.name));
      parts.push(...placed);
    } catch (e) {
      failures.push({ label: group.targets.map((t) => t.label).join(', '), error: e as Error });
    }
  }
  return { outcomes, parts, failures, notes };
}

/** Writes bytes to stdout and waits until they are handed over. */
function writeOut(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/**
 * --emit-tables: the probing that asked is at the other end of stdin. When stdin ends
 * (its ssh was stopped, Ctrl-C there, --timeout there), this one is hung up on: it
 * detaches and leaves, as on SIGHUP. Only a pipe or a socket is watched (a terminal or
 * /dev/null is no one asking).
 */
async function watchAsker(): Promise<() => void> {
  const [{ fstatSync }, { hangUp }] = await Promise.all([import('node:fs'), import('../run/exit-guard.js')]);
  const stat = (() => {
    try {
      return fstatSync(0);
    } catch {
      return undefined;
    }
  })();
  if (!stat || !(stat.isFIFO() || stat.isSocket())) return () => {};
  const ended = () => hangUp();
  process.stdin.on('end', ended).on('error', ended).resume();
  return () => {
    process.stdin.off('end', ended).off('error', ended);
    process.stdin.pause();
    process.stdin.destroy();
  };
}

export async function queryManyCommand(target: string, sql: string, options: QueryOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (!options.emitTables) return queryMany(target, sql, options, out, err);
  const [{ endStream, WIRE_PROTOCOL }, { hostname }] = await Promise.all([import('../run/remote-wire.js'), import('node:os')]);
  const stopWatching = await watchAsker();
  try {
    return await queryMany(target, sql, options, out, err);
  } catch (error) {
    // the asking probing reads why from the end record (its stderr is for people)
    const e = error instanceof ProbingError ? error : new ProbingError('INTERNAL', (error as Error).message);
    await writeOut(endStream({ protocol: WIRE_PROTOCOL, version: ownVersion(), host: hostname(), failures: [], notes: [], error: { code: e.code, message: e.message, exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}) } }));
    throw error;
  } finally {
    stopWatching();
  }
}

async function queryMany(target: string, sql: string, options: QueryOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [{ forEachTarget }, { loadFor }, { prepareQuery, collectTables, answer }, { hostname }] = await Promise.all([
    import('../run/fan-out.js'),
    import('./ext.js'),
    import('../sql/query.js'),
    import('node:os'),
  ]);
  const { local: targets, remote } = await targetsOf(target, options);
  if (targets.length + remote.length === 0) {
    const which = options.match === undefined ? '' : ` whose command line contains ${JSON.stringify(options.match)}`;
    throw new UsageError('NO_TARGETS', `there is no Node.js process${which} to probe`, { hint: 'probing list shows them' });
  }
  if (remote.length > 0 && options.emitTables) throw new UsageError('REMOTE_CHAIN', '--emit-tables answers for the targets of its own host', { hint: 'ask each host from the probing that joins the answers' });
  if (remote.length > 0 && options.every !== undefined) {
    throw new UsageError('EVERY_REMOTE', '--every does not reach other hosts yet', { hint: 'run it over there (ssh app-3 probing 4242 query "…" --every 1s), or schedule one-shot queries (docs/fleet.md)' });
  }
  const loaded = await loadFor(options.extension, options.timeout);
  try {
    const prepared = await prepareQuery(sql, loaded.registry, prepareOptions(options, true));
    if (prepared.notice) err(`probing: ${prepared.notice}\n`);
    const limits = { maxRows: options.maxRows, maxBytes: options.maxBytes, timeoutMs: options.timeout };
    const flags = { showSecrets: options.showSecrets === true };
    const tags = (attachment: import('../attach/attach.js').Attachment, t: LabelledTarget) => ({
      _target: t.label,
      _pid: attachment.target.pid,
      _host: t.spec.kind === 'pid' ? hostname() : t.spec.kind === 'address' ? t.spec.host : new URL(t.spec.url).hostname,
    });
    if (options.every !== undefined) return await watchMany(targets, sql, prepared, { ...options, every: options.every }, { limits, flags, tags, collectTables, answer }, out, err);
    // the hosts and the local targets at once; either pool stops on Ctrl-C and says what it left
    const [here, there] = await Promise.allSettled([
      targets.length === 0 ? Promise.resolve([]) : forEachTarget(targets, { timeoutMs: options.timeout, attachTimeoutMs: options.attachTimeout, concurrency: options.concurrency ?? 8 }, (attachment, t) => collectTables(attachment, prepared, limits, flags, tags(attachment, t))),
      remote.length === 0 ? Promise.resolve(undefined) : askRemote(remote, sql, prepared, options),
    ]);
    if (here.status === 'rejected' || there.status === 'rejected') {
      const reasons = [here, there].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      if (reasons.length === 1) throw reasons[0]!;
      const { InterruptedError } = await import('../errors.js');
      throw new InterruptedError('INTERRUPTED', reasons.map((r) => r.message).join('; '));
    }
    const outcomes = here.value;
    const failed: Failure[] = [...outcomes.filter((o) => o.error).map((o) => ({ label: o.target.label, error: o.error! })), ...(there.value?.failures ?? [])];
    const parts = [...outcomes.filter((o) => o.value).map((o) => o.value!), ...(there.value?.parts ?? [])];
    const notes = [...outcomes.filter((o) => o.leftOpen).map((o) => `target ${o.target.label}: ${o.leftOpen}`), ...(there.value?.notes ?? [])];
    if (options.emitTables) return await emit(outcomes, prepared, failed, notes);
    for (const f of failed) err(`probing: target ${f.label} failed: ${f.error.message}\n`);
    for (const note of notes) err(`probing: note: ${note}\n`);
    if (failed.length > 0 && (options.strict || parts.length === 0)) {
      const first = failed[0]!.error;
      throw first instanceof ProbingError && failed.length === 1 && targets.length + remote.length === 1
        ? first
        : new ProbingError('TARGETS_FAILED', `${failed.length} of ${failed.length + parts.length} targets failed${options.strict ? ' (--strict)' : ''}`, { hint: 'the reasons are listed above' });
    }
    await print(await answer(prepared, parts, runOptions(options)), options, out, err);
    return failed.length > 0 ? ExitCode.partial : ExitCode.ok;
  } finally {
    loaded.dispose();
  }
}

/** --emit-tables: each target's tables as Arrow IPC streams on stdout, then the end record. */
async function emit(outcomes: ReadonlyArray<import('../run/fan-out.js').TargetOutcome<Collected>>, prepared: PreparedQuery, failed: Failure[], notes: string[]): Promise<number> {
  const [{ tableStream, endStream, WIRE_PROTOCOL }, { hostname }] = await Promise.all([import('../run/remote-wire.js'), import('node:os')]);
  for (const o of outcomes) {
    if (!o.value) continue;
    for (const t of prepared.tables) {
      const truncated = o.value.truncated.filter((x) => x.table === t.ref.text);
      await writeOut(tableStream(o.value.tables.get(t.name)!, { table: t.ref.text, target: o.target.label, pid: o.pid!, truncated }));
    }
  }
  const failures = failed.map(({ label, error }) => ({
    target: label,
    message: error.message,
    code: error instanceof ProbingError ? error.code : 'INTERNAL',
    exitCode: error instanceof ProbingError ? error.exitCode : ExitCode.protocol,
    ...(error instanceof ProbingError && error.hint ? { hint: error.hint } : {}),
  }));
  await writeOut(endStream({ protocol: WIRE_PROTOCOL, version: ownVersion(), host: hostname(), failures, notes }));
  return failed.length > 0 ? ExitCode.partial : ExitCode.ok;
}

/**
 * --every over many targets: each attached once, for all the frames; a frame is the
 * query over the union of what every target still attached gave. A target that fails
 * is named at once and dropped (the others go on; exit status 7 at the end), unless
 * --strict, which ends the watch.
 */
async function watchMany(
  targets: readonly import('../attach/target-list.js').LabelledTarget[],
  sql: string,
  prepared: import('../sql/query.js').PreparedQuery,
  options: QueryOptions & { every: number },
  deps: {
    limits: { maxRows: number; maxBytes: number; timeoutMs: number };
    flags: { showSecrets: boolean };
    tags: (attachment: import('../attach/attach.js').Attachment, t: import('../attach/target-list.js').LabelledTarget) => { _target: string; _pid: number; _host: string };
  } & Pick<typeof import('../sql/query.js'), 'collectTables' | 'answer'>,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const [{ holdEach }, { watchFrames }, { ProbingError }] = await Promise.all([import('../run/fan-out.js'), import('./every.js'), import('../errors.js')]);
  const failures = await holdEach(
    targets,
    {
      timeoutMs: options.timeout,
      attachTimeoutMs: options.attachTimeout,
      concurrency: options.concurrency ?? 8,
      onFailure: (t, error) => err(`probing: target ${t.label} failed: ${error.message}\n`),
    },
    async (held, drop, signal) => {
      const frame = async () => {
        const tables = await Promise.all(
          [...held].map(async (h) => {
            try {
              return await deps.collectTables(h.attachment, prepared, deps.limits, deps.flags, deps.tags(h.attachment, h.target));
            } catch (error) {
              await drop(h, error as Error);
              if (options.strict) throw new ProbingError('TARGETS_FAILED', `target ${h.target.label} failed (--strict)`, { hint: 'the reason is above' });
              return undefined;
            }
          }),
        );
        if (held.length === 0) throw new ProbingError('TARGETS_FAILED', `every target failed`, { hint: 'the reasons are listed above' });
        return deps.answer(prepared, tables.filter((t) => t !== undefined), runOptions(options));
      };
      if (held.length === 0) throw new ProbingError('TARGETS_FAILED', `none of the ${targets.length} targets could be reached`, { hint: 'the reasons are listed above' });
      if (options.strict && held.length < targets.length) throw new ProbingError('TARGETS_FAILED', `${targets.length - held.length} of ${targets.length} targets failed (--strict)`, { hint: 'the reasons are listed above' });
      await watchFrames(sql, options, frame, signal, out, err).finally(() => prepared.engine?.release?.());
    },
  );
  // (a target that failed was named already; what is left open in one that has gone does not matter)
  for (const o of failures) if (o.leftOpen && !failures.some((f) => f.error && f.target === o.target)) err(`probing: note: target ${o.target.label}: ${o.leftOpen}\n`);
  return failures.some((o) => o.error) ? ExitCode.partial : ExitCode.ok;
}

