// The close gate: every call of a queue settles around close(), with QueueClosedError where close() cut it off.
import { describe, expect, it } from 'vitest';
import { QueueClosedError, StorageError } from '../../src/errors';
import { CloseGate } from '../../src/client/close-gate';
import type { JobStore } from '../../src/store/job-store';

const store = {} as JobStore;
const closed = new QueueClosedError('Queue "q" is closed');

describe('CloseGate', () => {
  it('runs calls on the store while open, and refuses them once close() has begun', async () => {
    const gate = new CloseGate('q', Promise.resolve(store));
    await expect(gate.use(async (s) => s === store)).resolves.toBe(true);
    gate.close();
    expect(gate.closed).toBe(true);
    await expect(gate.use(async () => 'ran')).rejects.toThrow(closed);
    await expect(gate.open()).rejects.toThrow(closed);
  });

  it("a StorageError is the queue's closing only once close() has closed the store under the call", async () => {
    const gate = new CloseGate('q', Promise.resolve(store));
    const failure = new StorageError('The database connection is closing');
    await expect(gate.use(() => Promise.reject(failure))).rejects.toBe(failure);
    gate.storeClosed();
    await expect(gate.use(() => Promise.reject(failure))).rejects.toThrow(closed);
    const other = new TypeError('not a storage error');
    await expect(gate.use(() => Promise.reject(other))).rejects.toBe(other);
  });

  it('a wait that nothing else would end rejects when close() begins', async () => {
    const gate = new CloseGate('q', Promise.resolve(store));
    const never = gate.untilClosed(new Promise(() => {}));
    await expect(gate.untilClosed(Promise.resolve(7))).resolves.toBe(7);
    gate.close();
    await expect(never).rejects.toThrow(closed);
  });
});
