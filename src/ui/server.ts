/**
 * `probing ui`'s HTTP server: the page (dist/ui, built by scripts/build-ui.mjs) and its
 * API (src/ui/api.ts), on 127.0.0.1 only, every path under an unguessable token.
 *
 * What it refuses, before anything else runs (403):
 * - a path without the token (the token is a path segment: relative URLs in the page
 *   carry it, and no cookie is needed — cookies on 127.0.0.1 go to every port);
 * - a Host header that is not the address and port it listens on (DNS rebinding: a
 *   hostile name resolving to 127.0.0.1 still says its own name in Host);
 * - an Origin header that is not this server's (another site's page posting here);
 * - a POST that is not application/json (a cross-site form cannot send it without CORS).
 * Answers carry a strict Content-Security-Policy, no-store, nosniff, and no Referer is
 * sent from the page (the token is in its URL).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { ProbingError } from '../errors.js';
import { packageFile } from '../paths.js';
import type { ApiError } from './api.js';

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** A flame graph is its own document (in the page's iframe): its inline script runs, nothing else loads. */
const SVG_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'self'";
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };
/** A request body larger than this is refused (SQL and code are small). */
const MAX_BODY = 1 << 20;

/** What a route answers: JSON, or a file with its type and name. */
export type Reply = { json: unknown; status?: number } | { body: string | Uint8Array; type: string; filename?: string; csp?: string };

export interface Request {
  method: string;
  /** The path after /<token>/, split at '/', each part decoded. */
  parts: string[];
  query: URLSearchParams;
  /** The JSON body of a POST ({} when empty). */
  body: unknown;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export type Router = (request: Request) => Promise<Reply | undefined>;

/** An error the API answers with its status: 400 for a usage or SQL error, 404 for what is not there, 502 for the target's failures. */
export class HttpError extends ProbingError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    options: { hint?: string } = {},
  ) {
    super(code, message, options);
  }
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof ProbingError) return error.exitCode === 2 ? 400 : 502;
  return 500;
}

function errorBody(error: unknown): ApiError {
  if (error instanceof ProbingError) {
    const position = (error as { position?: number }).position;
    return { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(position !== undefined ? { position } : {}) } };
  }
  return { error: { code: 'INTERNAL', message: (error as Error)?.message ?? String(error), hint: 'this is a bug in probing: please report it' } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'BODY_TOO_LARGE', `a request body of more than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the request body is not JSON');
  }
}

export interface UiServer {
  /** http://127.0.0.1:<port>/<token>/ */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startServer(options: { port: number; route: Router }): Promise<UiServer> {
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const send = (res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string>) => {
    res.writeHead(status, {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Content-Length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  };
  const refuse = (res: ServerResponse, status: number, message: string) => send(res, status, `${message}\n`, { 'Content-Type': 'text/plain; charset=utf-8' });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host)) return refuse(res, 403, 'this server answers only to its own address (127.0.0.1)');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) return refuse(res, 403, 'requests from other origins are refused');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const [, first, ...rest] = url.pathname.split('/');
    const given = Buffer.from(first ?? '');
    if (given.length !== tokenBytes.length || !timingSafeEqual(given, tokenBytes)) return refuse(res, 403, 'a valid token is needed: open the URL probing ui printed');
    if (rest.length === 0) {
      // /<token> → /<token>/, so that the page's relative URLs keep the token
      res.writeHead(308, { Location: `/${token}/`, 'Cache-Control': 'no-store' });
      return res.end();
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') return refuse(res, 405, 'GET and POST only');
    if (method === 'POST' && !/^application\/json\b/.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'POST bodies are application/json');
    const parts = rest.map((p) => decodeURIComponent(p));
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    try {
      if (parts[0] === 'api' || parts[0] === 'files') {
        const body = method === 'POST' ? await readBody(req) : {};
        const reply = await options.route({ method, parts, query: url.searchParams, body, signal: abort.signal });
        if (!reply) throw new HttpError(404, 'NOT_FOUND', `no ${method} ${parts.join('/')}`);
        if ('json' in reply) return send(res, reply.status ?? 200, JSON.stringify(reply.json), { 'Content-Type': 'application/json; charset=utf-8' });
        return send(res, 200, reply.body, {
          'Content-Type': reply.type,
          ...(reply.filename ? { 'Content-Disposition': `attachment; filename="${reply.filename}"` } : {}),
          'Content-Security-Policy': reply.csp ?? SVG_CSP,
        });
      }
      return await serveStatic(res, parts, send);
    } catch (error) {
      if (res.headersSent || res.destroyed) return undefined;
      return send(res, statusOf(error), JSON.stringify(errorBody(error)), { 'Content-Type': 'application/json; charset=utf-8' });
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ProbingError('PORT_IN_USE', `127.0.0.1:${options.port} is in use`, { hint: 'choose another --port, or leave it out for a free one' })
          : error,
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The page's files, from dist/ui; only files there, nothing above it. */
async function serveStatic(res: ServerResponse, parts: string[], send: (res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string>) => void): Promise<void> {
  const root = packageFile('dist/ui');
  const relative = parts.join('/') || 'index.html';
  const path = normalize(join(root, relative));
  if (!path.startsWith(root + sep)) throw new HttpError(404, 'NOT_FOUND', 'no such file');
  const body = await readFile(path).catch(() => {
    throw relative === 'index.html'
      ? new HttpError(500, 'UI_NOT_BUILT', 'the page is not built (dist/ui/index.html is missing)', { hint: 'run npm run build in the probing checkout' })
      : new HttpError(404, 'NOT_FOUND', `no file ${relative}`);
  });
  send(res, 200, body, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Security-Policy': PAGE_CSP });
}
