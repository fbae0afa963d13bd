// The relay: each kind of change is told here (events, waits, the runner side) and to the other tabs, which
// hear it through the same function. Two relays of one queue stand for two tabs (Node has BroadcastChannel).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobCancelledError, StorageError } from '../../src/errors';
import type { JobRecord } from '../../src/job/job';
import { QueueRelay, type RelayedRunner } from '../../src/client/queue-relay';
import { apply, claimed, newRecord } from './support/job-record';

/** A runner side that writes down what it is told. */
function fakeRunner() {
  const told: unknown[][] = [];
  const runner: RelayedRunner = {
    wake: (added) => void told.push(['wake', added?.map((job) => job.id) ?? []]),
    cancelled: (id, reason) => void told.push(['cancelled', id, reason]),
    pause: () => void told.push(['pause']),
    resume: () => void told.push(['resume']),
    schedulesChanged: () => void told.push(['schedules']),
  };
  return { runner, told };
}

let queue = 0;
const open: Array<QueueRelay<never>> = [];

/** Two tabs of one queue (and a third that only listens), sharing one store (`stored`); each with its runner side, its events written down. */
function twoTabs() {
  const name = `relay-${++queue}`;
  const stored = new Map<string, JobRecord>();
  const lookup = async (id: string) => stored.get(id);
  const tab = () => {
    let closed = false;
    const relay = new QueueRelay<never>(name, lookup, true, () => closed);
    open.push(relay);
    const { runner, told } = fakeRunner();
    relay.connect(runner);
    const heard: Array<[string, unknown]> = [];
    for (const event of ['added', 'active', 'completed', 'failed', 'cancelled', 'progress', 'error'] as const) {
      relay.events.on(event, (payload) => void heard.push([event, payload]));
    }
    return { relay, told, heard, close: () => (closed = true) };
  };
  return { stored, here: tab(), there: tab(), witness: tab() };
}

afterEach(() => {
  for (const relay of open.splice(0)) relay.close(() => new Error('closed'));
});

describe('QueueRelay', () => {
  it("a run's end settles the waits and tells the listeners, here and in the other tab", async () => {
    const { stored, here, there } = twoTabs();
    const job = apply(claimed(newRecord({ jobId: 'a' })), { type: 'complete', token: 'run-1', result: 42 });
    stored.set(job.id, job);
    const waitHere = here.relay.events.watchers.wait('a');
    const waitThere = there.relay.events.watchers.wait('a');
    here.relay.job('completed', job, 42);
    await expect(waitHere).resolves.toBe(42);
    await expect(waitThere).resolves.toBe(42);
    expect(here.heard).toEqual([['completed', expect.objectContaining({ result: 42 })]]);
    await vi.waitFor(() => expect(there.heard).toEqual([['completed', expect.objectContaining({ result: 42 })]]));
  });

  it('jobs stored here are offered to this runner, told as added here and there, and wake the other runner', async () => {
    const { stored, here, there } = twoTabs();
    const jobs = [newRecord({ jobId: 'a' }), newRecord({ jobId: 'b' })];
    for (const job of jobs) stored.set(job.id, job);
    here.relay.queued(jobs);
    expect(here.told).toEqual([['wake', ['a', 'b']]]);
    expect(here.heard.map(([event, payload]) => [event, (payload as { job: { id: string } }).job.id])).toEqual([['added', 'a'], ['added', 'b']]);
    await vi.waitFor(() => expect(there.told).toEqual([['wake', []]]));
    await vi.waitFor(() => expect(there.heard.map(([event]) => event)).toEqual(['added', 'added']));
  });

  it('a schedule\'s jobs (told by the runner side) are announced, not offered again; a retry wakes every runner', async () => {
    const { here, there } = twoTabs();
    here.relay.added([newRecord({ jobId: 's' })]);
    here.relay.queued();
    expect(here.told).toEqual([['wake', []]]);
    expect(here.heard.map(([event]) => event)).toEqual(['added']);
    await vi.waitFor(() => expect(there.told).toEqual([['wake', []], ['wake', []]]));
  });

  it('more than 500 new jobs go to the other tabs as a bare wake-up', async () => {
    const { here, there } = twoTabs();
    here.relay.queued(Array.from({ length: 501 }, (_, i) => newRecord({ jobId: `j${i}` })));
    expect(here.heard).toHaveLength(501);
    await vi.waitFor(() => expect(there.told).toEqual([['wake', []]]));
    expect(there.heard).toEqual([]);
  });

  it('a cancel stops the run wherever it runs and rejects the waits in every tab with JobCancelledError', async () => {
    const { here, there } = twoTabs();
    const job = apply(newRecord({ jobId: 'c' }), { type: 'cancel', error: { name: 'JobCancelledError', message: 'Job c was cancelled' } });
    const waitHere = here.relay.events.watchers.wait('c');
    const waitThere = there.relay.events.watchers.wait('c');
    here.relay.cancelled(job);
    await expect(waitHere).rejects.toThrow(new JobCancelledError('Job c was cancelled'));
    await expect(waitThere).rejects.toThrow(new JobCancelledError('Job c was cancelled'));
    expect(here.told).toEqual([['cancelled', 'c', new JobCancelledError('Job c was cancelled')]]);
    await vi.waitFor(() => expect(there.told).toEqual([['cancelled', 'c', new JobCancelledError('Job c was cancelled')]]));
    expect(here.heard.map(([event]) => event)).toEqual(['cancelled']);
  });

  it('a removal stops the run wherever it runs and rejects the waits in every tab, saying removed', async () => {
    const { here, there } = twoTabs();
    const waitHere = here.relay.events.watchers.wait('r');
    const waitThere = there.relay.events.watchers.wait('r');
    here.relay.removed('r');
    await expect(waitHere).rejects.toThrow(new JobCancelledError('Job r was removed'));
    await expect(waitThere).rejects.toThrow(new JobCancelledError('Job r was removed'));
    expect(there.told).toEqual([['cancelled', 'r', new JobCancelledError('Job r was removed')]]);
  });

  it('a pause and a resume reach every runner, in order; a change of schedules too', async () => {
    const { here, there } = twoTabs();
    here.relay.paused(true);
    here.relay.schedulesChanged();
    here.relay.paused(false);
    expect(here.told).toEqual([['pause'], ['schedules'], ['resume']]);
    await vi.waitFor(() => expect(there.told).toEqual([['pause'], ['schedules'], ['resume']]));
  });

  it('a record put aside is told once through `error`, here; what waits for it rejects in every tab', async () => {
    const { here, there } = twoTabs();
    const waitThere = there.relay.events.watchers.wait('bad');
    here.relay.quarantined([{ kind: 'job', id: 'bad', message: 'state is not a job state' }]);
    const corrupt = { name: 'StorageError', code: 'ERR_STORAGE_CORRUPT', recordId: 'bad', message: 'state is not a job state' };
    await expect(waitThere).rejects.toMatchObject(corrupt);
    await expect(waitThere).rejects.toBeInstanceOf(StorageError);
    expect(here.heard).toEqual([['error', { error: expect.objectContaining(corrupt) }]]);
    expect(there.heard).toEqual([]);
  });

  it('a new runner makes every tab read again what it waits for: a job that ended unheard of settles', async () => {
    const { stored, here, there } = twoTabs();
    const job = apply(claimed(newRecord({ jobId: 'x' })), { type: 'complete', token: 'run-1', result: 'done' });
    const waitThere = there.relay.events.watchers.wait('x');
    stored.set(job.id, job);
    here.relay.leading();
    await expect(waitThere).resolves.toBe('done');
  });

  it('a tab whose queue closed hears nothing more', async () => {
    const { here, there, witness } = twoTabs();
    there.close();
    here.relay.paused(true);
    here.relay.queued();
    // Posted together: once a tab still open has heard both, the closed one has been told too.
    await vi.waitFor(() => expect(witness.told).toEqual([['pause'], ['wake', []]]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(there.told).toEqual([]);
  });
});
