// The slice of chrome-remote-interface that probing uses. Its own API is generated
// at run time; the protocol's types come from devtools-protocol instead.
declare module 'chrome-remote-interface' {
  import type { EventEmitter } from 'node:events';

  interface CDPClient extends EventEmitter {
    send(method: string, params?: object): Promise<unknown>;
    close(): Promise<void>;
  }

  interface CDPOptions {
    target: string;
    local?: boolean;
    protocol?: { domains: unknown[] };
  }

  function CDP(options: CDPOptions): Promise<CDPClient>;
  export default CDP;
  export type { CDPClient };
}
