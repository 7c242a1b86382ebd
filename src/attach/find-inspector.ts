/**
 * Which of a process's listening sockets is its inspector. An HTTP request reaches
 * the application when it hits one of the application's own ports, so we ask
 * /json/version only where an inspector can be: the port Node.js was configured
 * with (9229 unless --inspect-port says otherwise), a socket that appeared just
 * after our SIGUSR1, or — for --inspect=0 — the listener opened first, which is the
 * inspector because Node opens it before any application code runs — and where a
 * probing command wrote down that it left one open (inspector-record.ts).
 */
import type { InspectorConfig } from './inspect-flags.js';
import { AttachError } from '../errors.js';
import { inspectorAnswer, inspectorVersion, isListening, NO_ANSWER } from './inspector-http.js';
import type { Listener } from './procfs.js';
import { abandonedSignals, forgetInspector, recordedInspector } from './inspector-record.js';
import { processExists } from './processes.js';

export interface InspectorAddress {
  host: string;
  port: number;
  /** The Node.js version the inspector reports. */
  version: string;
  /**
   * Opened by a probing command that ended before it wrote down where (killed between its
   * SIGUSR1 and that): nobody else will close it, so whoever joins it does.
   */
  abandoned?: boolean;
}

/** A loopback address that reaches a listener bound to `host`. */
export function reachable(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

export async function askInspector(candidates: Array<{ host: string; port: number }>, timeoutMs = 500): Promise<InspectorAddress | undefined> {
  for (const candidate of candidates) {
    const host = reachable(candidate.host);
    const version = await inspectorVersion(host, candidate.port, timeoutMs);
    if (version) return { host, port: candidate.port, version };
  }
  return undefined;
}

/**
 * The process's inspector if it is already open, else undefined. `listPorts` gives
 * the process's listening sockets (undefined where the platform cannot tell); it is
 * called only when needed, because reading socket tables can be slow.
 */
export async function findOpenInspector(
  config: InspectorConfig,
  listPorts: () => Promise<Listener[] | undefined>,
  pid?: number,
  timeoutMs = 500,
): Promise<InspectorAddress | undefined> {
  // where a probing command left it open (a random port, or one a fan-out moved it to);
  // the sockets are read after the record, so that an inspector opened and written down
  // just now is among them
  const recorded = pid === undefined ? undefined : recordedInspector(pid);
  if (recorded) {
    const ports = await listPorts();
    if (ports?.some((l) => l.port === recorded.port)) {
      const host = reachable(recorded.host);
      const version = await inspectorAnswer(host, recorded.port, timeoutMs);
      if (typeof version === 'string') return { host, port: recorded.port, version };
      // Still listening there, and silent: the inspector of a busy, loaded target. Signalling
      // it would open nothing new (and the command would wait in vain for a new port).
      if (version === NO_ANSWER) {
        throw new AttachError('INSPECTOR_SILENT', `pid ${pid}'s inspector, left open by probing on ${host}:${recorded.port}, did not answer within ${timeoutMs} ms`, {
          hint: 'the process or the machine is very busy: retry with a longer --attach-timeout',
        });
      }
    }
    // not listening there any more (closed since, or the process is another one), or not an
    // inspector: that record goes, not one written since
    if (ports !== undefined) forgetInspector(pid!, recorded.port);
  }
  // a command signalled it and ended before writing down where its inspector opened: it is
  // among the sockets that appeared since (asked only there, as right after our own signal)
  for (const listening of pid === undefined ? [] : abandonedSignals(pid, (by) => processExists(by) === 'missing')) {
    const appeared = ((await listPorts()) ?? []).filter((l) => !listening.has(`${l.host}:${l.port}`));
    const found = appeared.length > 0 ? await askInspector(appeared, timeoutMs) : undefined;
    if (found) return { ...found, abandoned: true };
  }
  if (config.port !== 0) {
    if (!(await isListening(reachable(config.host), config.port))) return undefined;
    const ports = await listPorts();
    if (ports === undefined) return askInspector([config], timeoutMs);
    const configured = ports.filter((l) => l.port === config.port);
    return configured.length > 0 ? askInspector(configured, timeoutMs) : undefined;
  }
  if (!config.openAtStart) return undefined;
  const first = (await listPorts())?.[0];
  return first ? askInspector([first], timeoutMs) : undefined;
}
