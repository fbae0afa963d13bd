// The page's lifecycle: the network coming back, the page hiding or leaving, and the service worker's sync
// requests, on the queue's clock (a fake one here: the requests obey it, not the wall clock).
import { describe, expect, it } from 'vitest';
import { PageLifecycle, type PageEvents, type SyncLink } from '../../src/client/page-lifecycle';
import type { ScheduleInfo } from '../../src/schedule/schedule';
import { newRecord } from './support/job-record';
import { FakeClock, flushMicrotasks } from './support/fake-clock';

function setUp(options: { link?: boolean } = {}) {
  const clock = new FakeClock();
  const calls: unknown[][] = [];
  const link: SyncLink = {
    requestSync: async () => (calls.push(['sync']), 'sync'),
    registerPeriodic: async (ms) => (calls.push(['periodic', ms]), true),
    registration: Promise.resolve(undefined),
  };
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  let offline = false;
  const win = new EventTarget();
  const events: PageEvents = { window: win, document: doc, isOffline: () => offline };
  const lifecycle = new PageLifecycle({
    clock,
    runner: { networkBack: () => void calls.push(['networkBack']), leaving: (leaving) => void calls.push(['leaving', leaving]) },
    online: () => void calls.push(['online']),
    link: options.link === false ? undefined : Promise.resolve(link),
    onError: (error) => void calls.push(['error', error]),
    events,
  });
  const fire = async (target: EventTarget, type: string) => {
    target.dispatchEvent(new Event(type));
    await flushMicrotasks();
  };
  const syncs = () => calls.filter(([what]) => what === 'sync').length;
  return { clock, calls, lifecycle, win, doc, fire, syncs, goOffline: () => (offline = true) };
}

describe('PageLifecycle', () => {
  it('asks for a sync as jobs are added, at most once a second of the queue\'s clock', async () => {
    const { clock, lifecycle, syncs } = setUp();
    const job = newRecord();
    lifecycle.added([job]);
    lifecycle.added([job]);
    await flushMicrotasks();
    expect(syncs()).toBe(1);
    await clock.advance(999);
    lifecycle.added([job]);
    await flushMicrotasks();
    expect(syncs()).toBe(1);
    await clock.advance(1);
    lifecycle.added([job]);
    await flushMicrotasks();
    expect(syncs()).toBe(2);
    // No job made (all found by their jobId): nothing to ask.
    await clock.advance(5_000);
    lifecycle.added([]);
    await flushMicrotasks();
    expect(syncs()).toBe(2);
  });

  it('a network job added offline asks at once, whatever was asked a moment ago', async () => {
    const { lifecycle, syncs, goOffline } = setUp();
    lifecycle.added([newRecord()]);
    goOffline();
    lifecycle.added([newRecord()]);
    lifecycle.added([newRecord({ requiresNetwork: true })]);
    await flushMicrotasks();
    expect(syncs()).toBe(2);
  });

  it('the page hiding asks at once; the network coming back tells the runner, the queue, and asks at once', async () => {
    const { lifecycle, doc, win, fire, calls } = setUp();
    lifecycle.added([newRecord()]);
    doc.visibilityState = 'hidden';
    await fire(doc, 'visibilitychange');
    doc.visibilityState = 'visible';
    await fire(doc, 'visibilitychange');
    await fire(win, 'online');
    expect(calls).toEqual([['sync'], ['sync'], ['networkBack'], ['online'], ['sync']]);
  });

  it('the page going away stops the runner taking jobs, until it is shown again', async () => {
    const { win, fire, calls } = setUp();
    await fire(win, 'pagehide');
    await fire(win, 'pageshow');
    expect(calls).toEqual([['leaving', true], ['leaving', false]]);
  });

  it('registers Periodic Background Sync for a schedule, never more often than a minute', async () => {
    const { lifecycle, calls } = setUp();
    lifecycle.scheduled({ spec: { every: 5_000 } } as ScheduleInfo);
    lifecycle.scheduled({ spec: { every: 7_200_000 } } as ScheduleInfo);
    lifecycle.scheduled({ spec: { cron: '0 3 * * *' } } as ScheduleInfo);
    await flushMicrotasks();
    expect(calls).toEqual([['periodic', 60_000], ['periodic', 7_200_000], ['periodic', 3_600_000]]);
  });

  it('without a service worker asks nothing, and still tells the runner', async () => {
    const { lifecycle, doc, win, fire, calls } = setUp({ link: false });
    lifecycle.added([newRecord()]);
    doc.visibilityState = 'hidden';
    await fire(doc, 'visibilitychange');
    await fire(win, 'online');
    expect(calls).toEqual([['networkBack'], ['online']]);
    await expect(lifecycle.registration).resolves.toBeUndefined();
  });

  it('a request that fails is reported, not thrown', async () => {
    const clock = new FakeClock();
    const failure = new Error('sync refused');
    const errors: unknown[] = [];
    const lifecycle = new PageLifecycle({
      clock,
      runner: undefined,
      online: () => {},
      link: Promise.resolve({ requestSync: () => Promise.reject(failure), registerPeriodic: async () => false, registration: Promise.resolve(undefined) }),
      onError: (error) => void errors.push(error),
      events: { window: undefined, document: undefined, isOffline: () => false },
    });
    lifecycle.added([newRecord()]);
    await flushMicrotasks();
    expect(errors).toEqual([failure]);
  });

  it('hears nothing once closed', async () => {
    const { lifecycle, doc, win, fire, calls } = setUp();
    lifecycle.close();
    doc.visibilityState = 'hidden';
    await fire(doc, 'visibilitychange');
    await fire(win, 'online');
    await fire(win, 'pagehide');
    expect(calls).toEqual([]);
  });
});
