/**
 * The inspector's small HTTP API (/json/version, /json/list). Uses node:http
 * rather than fetch: undici costs tens of milliseconds to load on first use.
 */
// node:http loads lazily: it is first needed after SIGUSR1 has been sent.
let http: Promise<typeof import('node:http')> | undefined;
const loadHttp = () => (http ??= import('node:http'));

/** Loads node:http ahead of the first request (before SIGUSR1: see open-inspector.ts). */
export async function preloadHttp(): Promise<void> {
  await loadHttp();
}

export interface InspectorVersion {
  Browser: string;
  'Protocol-Version': string;
}

export interface InspectorTargetInfo {
  id: string;
  title: string;
  type: string;
  url: string;
  webSocketDebuggerUrl: string;
}

/** What getJson gives when nothing answered within its time (a listener that is slow, not one that said no). */
export const NO_ANSWER = Symbol('no answer');

async function getJson<T>(host: string, port: number, path: string, timeoutMs: number): Promise<T | undefined | typeof NO_ANSWER> {
  const { request } = await loadHttp();
  return new Promise((resolve) => {
    const req = request({ host, port, path, timeout: timeoutMs, headers: { host: `${host.includes(':') ? `[${host}]` : host}:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 1 << 20) req.destroy();
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(undefined);
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => {
      resolve(NO_ANSWER);
      req.destroy();
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The Node.js version string when host:port is a Node.js inspector, else undefined. */
export async function inspectorVersion(host: string, port: number, timeoutMs = 500): Promise<string | undefined> {
  const version = await inspectorAnswer(host, port, timeoutMs);
  return version === NO_ANSWER ? undefined : version;
}

/** Like inspectorVersion, telling a listener that did not answer in time (NO_ANSWER) from one that is not an inspector. */
export async function inspectorAnswer(host: string, port: number, timeoutMs: number): Promise<string | undefined | typeof NO_ANSWER> {
  const version = await getJson<InspectorVersion>(host, port, '/json/version', timeoutMs);
  if (version === NO_ANSWER) return NO_ANSWER;
  const browser = version?.Browser;
  return typeof browser === 'string' && browser.startsWith('node.js/') ? browser.slice('node.js/'.length) : undefined;
}

export async function inspectorTargets(host: string, port: number, timeoutMs = 500): Promise<InspectorTargetInfo[] | undefined> {
  const list = await getJson<InspectorTargetInfo[]>(host, port, '/json/list', timeoutMs);
  return Array.isArray(list) ? list : undefined;
}

/** Connect-only check: does anything accept TCP connections on host:port? */
export { isListening } from './tcp-probe.js';
