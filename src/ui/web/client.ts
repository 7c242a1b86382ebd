/**
 * The page's calls to its server (src/ui/api.ts is the contract). Every path is relative
 * to the page's own URL, /<token>/, so the token rides along; a failure is thrown as an
 * ApiFailure carrying the server's message and hint.
 */
import type { ApiError } from '../api.js';

export type ErrorBody = ApiError['error'];

export class ApiFailure extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
}

/** Any thrown value as an error body the page can show. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof ApiFailure) return error.body;
  if (error instanceof Error) return { code: 'page', message: error.message };
  return { code: 'page', message: String(error) };
}

/** api/t/<target>/<rest>, the target URL-encoded (4242/w1 → 4242%2Fw1). */
export function targetPath(target: string, rest: string): string {
  return `api/t/${encodeURIComponent(target)}/${rest}`;
}

async function send(path: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiFailure({
      code: 'unreachable',
      message: `The probing ui server did not answer ${path} (${error instanceof Error ? error.message : String(error)})`,
      hint: 'it may have stopped: start it again with probing ui, then reload this page',
    });
  }
  if (response.ok) return response;
  const text = await response.text();
  let body: ErrorBody | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ApiError>;
    if (parsed.error && typeof parsed.error.message === 'string') body = parsed.error;
  } catch {
    // not JSON: said below with the status
  }
  throw new ApiFailure(body ?? { code: `http-${response.status}`, message: `${path}: HTTP ${response.status} ${response.statusText}${text ? ` — ${text.slice(0, 200)}` : ''}` });
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await send(path, { signal })).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return response.json() as Promise<T>;
}

/** POSTs and saves the answer as a file, named as the server's Content-Disposition says. */
export async function postDownload(path: string, body: unknown, fallbackName: string): Promise<void> {
  const response = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name ? decodeURIComponent(name) : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
