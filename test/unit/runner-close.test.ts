// The Runner's close() always ends: after abandon() (storage taken away under a commit), and while storage
// refuses the writes of the runs that end meanwhile.
import { describe, expect, it } from 'vitest';
import { useHarness } from './support/runner-harness';

const { started } = useHarness();

describe('Runner: close() ends whatever storage does', () => {
  it('while storage refuses every write: the writes of runs that end are given up, reported, and close() resolves', async () => {
    const h = await started();
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    const run = h.executor.runOf(id!);
    h.store.refuse = () => new Error('The database connection is closing');
    let closed = false;
    const closing = h.runner.close().then(() => (closed = true));
    run.succeed('done');
    await h.settle();
    // Before, the write was tried again every second, and close() waited for it for good.
    await h.clock.advance(10_000);
    expect(closed).toBe(true);
    await closing;
    expect(h.callsOf('error').map((call) => String(call.error))).toEqual(['Error: The database connection is closing']);
    // Left active under this runner's owner, whose lock goes with it: the next runner takes the job back.
    h.store.refuse = undefined;
    expect(await h.job(id!)).toMatchObject({ state: 'active', owner: h.runner.owner });
    expect(h.callsOf('settled')).toEqual([]);
  });

  it('after abandon() with a commit under way that never returns (the database taken away): close() resolves at once', async () => {
    const h = await started();
    await h.add({});
    // The next commit waits for good, as one on a connection a newer version took.
    h.store.gate = new Promise<void>(() => {});
    h.runner.wake();
    await h.settle();
    h.runner.abandon();
    let closed = false;
    void h.runner.close().then(() => (closed = true));
    await h.settle();
    expect(closed).toBe(true);
    h.store.gate = undefined;
  });
});
