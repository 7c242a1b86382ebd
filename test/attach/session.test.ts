import { describe, expect, it } from 'vitest';
import { Session } from '../../src/attach/session.js';
import type { Transport } from '../../src/attach/transport.js';
import { ProtocolError, TargetClosedError, TimeoutError } from '../../src/errors.js';

/** A transport whose answers the test controls. */
function fakeTransport() {
  const calls: Array<{ method: string; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  let onClose: () => void = () => {};
  const transport: Transport = {
    send: (method) => new Promise((resolve, reject) => calls.push({ method, resolve, reject })),
    onClose: (listener) => void (onClose = listener),
    onEvent: () => () => {},
    close: async () => onClose(),
  };
  return { transport, calls, drop: () => onClose() };
}

describe('Session', () => {
  it('resolves a call with its answer', async () => {
    const { transport, calls } = fakeTransport();
    const session = new Session(transport, 1000);
    const pending = session.send('Runtime.evaluate', { expression: '1' });
    calls[0]!.resolve({ result: { type: 'number', value: 1 } });
    await expect(pending).resolves.toEqual({ result: { type: 'number', value: 1 } });
  });

  it('rejects every pending call at once when the connection closes', async () => {
    const { transport, drop } = fakeTransport();
    const session = new Session(transport, 60_000);
    const a = session.send('Runtime.evaluate', { expression: '1' });
    const b = session.send('Runtime.awaitPromise', { promiseObjectId: 'x' });
    drop();
    await expect(a).rejects.toBeInstanceOf(TargetClosedError);
    await expect(b).rejects.toBeInstanceOf(TargetClosedError);
    await expect(session.send('Runtime.evaluate', { expression: '2' })).rejects.toThrow('connection to the target is closed');
  });

  it('times out a call that gets no answer, naming the method and the fix', async () => {
    const { transport } = fakeTransport();
    const session = new Session(transport, 1000);
    const error = await session.send('Runtime.evaluate', { expression: '1' }, { timeoutMs: 20, timeoutHint: 'raise --timeout' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('Runtime.evaluate did not answer within 20 ms');
    expect((error as TimeoutError).hint).toBe('raise --timeout');
  });

  it('wraps protocol errors with the method name', async () => {
    const { transport, calls } = fakeTransport();
    const session = new Session(transport, 1000);
    const pending = session.send('Runtime.callFunctionOn', { functionDeclaration: 'x' });
    calls[0]!.reject(Object.assign(new Error('x'), { response: { code: -32000, message: 'Cannot find context with specified id' } }));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe('Protocol error (Runtime.callFunctionOn): Cannot find context with specified id');
  });
});
