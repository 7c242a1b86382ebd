/**
 * The wire to an inspector: one WebSocket, carried by chrome-remote-interface.
 * The session (session.ts) adds time limits and typed calls on top.
 */
import { ProtocolError } from '../errors.js';

export interface Transport {
  /** Sends one protocol command; resolves with its result, rejects with the protocol's error. */
  send(method: string, params?: object): Promise<unknown>;
  /** Called once when the connection ends, for whatever reason. */
  onClose(listener: () => void): void;
  /** Protocol events (Debugger.scriptParsed, …); returns a function that stops listening. */
  onEvent(method: string, listener: (params: unknown) => void): () => void;
  close(): Promise<void>;
}

let loading: Promise<typeof import('chrome-remote-interface')> | undefined;

/** Starts loading the WebSocket client early, so that it loads while we wait for the target. */
export function preloadTransport(): void {
  loading ??= import('chrome-remote-interface');
}

/** The WebSocket client, loaded: awaited before SIGUSR1, so that no module loading delays us once the port is open. */
export async function loadTransport(): Promise<void> {
  preloadTransport();
  await loading;
}

export async function connectWebSocket(url: string): Promise<Transport> {
  preloadTransport();
  const { default: CDP } = await loading!;
  let client;
  try {
    // An empty protocol descriptor: we only use client.send(), so skip loading the
    // bundled 1.2 MB protocol.json and generating thousands of wrapper methods
    // (and never fetch the protocol from the target).
    client = await CDP({ target: url, protocol: { domains: [] } });
  } catch (error) {
    throw new ProtocolError('CONNECT_FAILED', `could not connect to ${url}: ${(error as Error).message}`, {
      hint: 'is the inspector still open? another debugger may hold it (Node.js accepts several, but a proxy may not)',
      cause: error,
    });
  }
  const listeners: Array<() => void> = [];
  let closed = false;
  const fire = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener();
  };
  client.on('disconnect', fire);
  return {
    send: (method, params) => client.send(method, params),
    onClose: (listener) => void listeners.push(listener),
    onEvent: (method, listener) => {
      client.on(method, listener);
      return () => void client.removeListener(method, listener);
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        fire();
      }
    },
  };
}
