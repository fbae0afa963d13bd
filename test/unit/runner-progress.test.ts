// The Runner stores the last progress a run reported, however many came and whenever its run ends.
import { describe, expect, it } from 'vitest';
import { thrown, useHarness } from './support/runner-harness';

const { started } = useHarness();

describe('Runner: progress', () => {
  it('a completed job keeps the last progress reported, also when it came after the last timed write', async () => {
    const h = await started();
    const [id] = await h.add({});
    h.runner.wake();
    await h.settle();
    const run = h.executor.runOf(id!);
    for (let i = 0; i <= 500; i++) run.onProgress(i);
    // The timed write stores what was last told by then.
    await h.clock.advance(250);
    expect((await h.job(id!)).progress).toBe(500);
    for (let i = 501; i <= 82_625; i++) run.onProgress(i);
    run.onProgress(99_999);
    run.succeed('done');
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'completed', result: 'done', progress: 99_999 });
    expect(h.callsOf('progress').at(-1)).toMatchObject({ id, progress: 99_999 });
  });

  it('a run that ends before any timed write stores its last progress with its outcome, in the same commit', async () => {
    const h = await started();
    const [id] = await h.add({ opts: { attempts: 2, backoff: 1_000 } });
    h.runner.wake();
    await h.settle();
    const run = h.executor.runOf(id!);
    run.onProgress(0.25);
    run.onProgress(0.75);
    const commits = h.store.commits;
    run.fail(thrown);
    await h.settle();
    expect(await h.job(id!)).toMatchObject({ state: 'delayed', progress: 0.75, error: thrown });
    expect(h.store.commits - commits).toBe(1);
  });
});
