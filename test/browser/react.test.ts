// offthread/react in real Chromium, with the real queue (IndexedDB, Web Locks, module workers), rendered by
// react-dom/client.
import { createElement as h, StrictMode, useEffect, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueClosedError, type JobHandle, type Queue, type QueueOptions } from '../../src/index';
import { QueueProvider, useCounts, useJob, useJobs, useQueue } from '../../src/react';
import type { Tasks } from '../fixtures/tasks';
import { failureOf } from '../support/failure-of';
import { fixtureWorker } from './support/test-queues';

const roots: Root[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) root.unmount();
  document.body.replaceChildren();
});

function mount(node: ReactNode): { root: Root; el: HTMLElement } {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  root.render(node);
  roots.push(root);
  return { root, el };
}

/** Queue options with a fresh name, and a worker factory that counts the workers it makes. */
function options(extra: Partial<QueueOptions> = {}): { options: QueueOptions; workers: () => number } {
  let made = 0;
  const worker = () => {
    made++;
    return fixtureWorker();
  };
  return { options: { name: `react-${crypto.randomUUID()}`, worker, concurrency: 1, ...extra }, workers: () => made };
}

/** The Web Locks held and waited for under the queue's runner lock: one runner holds it, no other waits. */
async function runnerLocks(name: string): Promise<{ held: number; pending: number }> {
  const { held = [], pending = [] } = await navigator.locks.query();
  const runner = `offthread:${name}:runner`;
  return { held: held.filter((lock) => lock.name === runner).length, pending: pending.filter((lock) => lock.name === runner).length };
}

/** A component that makes (or finds) the queue, tells the test which one it got, and renders `children` with it. */
function QueueUser({ options: o, seen, children }: { options: QueueOptions; seen: Set<Queue<Tasks>>; children?: ReactNode }) {
  const queue = useQueue<Tasks>(o);
  seen.add(queue);
  return h(QueueProvider<Tasks>, { queue }, children);
}

describe('offthread/react', () => {
  it('useQueue under StrictMode (mounted, unmounted, mounted again): one queue, one runner, one worker pool', async () => {
    const { options: o, workers } = options();
    const seen = new Set<Queue<Tasks>>();
    mount(h(StrictMode, null, h(QueueUser, { options: o, seen }), h(QueueUser, { options: o, seen })));
    await expect.poll(() => seen.size).toBe(1);
    const [queue] = [...seen];
    expect(await queue!.run('add', { a: 2, b: 3 })).toBe(5);
    expect(await queue!.run('add', { a: 1, b: 1 })).toBe(2);
    expect(await runnerLocks(o.name)).toEqual({ held: 1, pending: 0 });
    expect(workers()).toBe(1);
  });

  it('closes the queue when the last component using it unmounts, not before', async () => {
    const { options: o } = options();
    const seen = new Set<Queue<Tasks>>();
    const first = mount(h(StrictMode, null, h(QueueUser, { options: o, seen })));
    const second = mount(h(QueueUser, { options: o, seen }));
    await expect.poll(() => seen.size).toBe(1);
    const [queue] = [...seen];
    expect(await queue!.run('echo', 'open')).toBe('open');
    first.root.unmount();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await queue!.run('echo', 'still open')).toBe('still open');
    second.root.unmount();
    await expect.poll(async () => (await failureOf(queue!.add('echo', 'closed'))) instanceof QueueClosedError).toBe(true);
    await expect.poll(() => runnerLocks(o.name)).toEqual({ held: 0, pending: 0 });
  });

  it("useJob: a job's progress re-renders the component of that job only", async () => {
    const { options: o } = options({ concurrency: 2 });
    const seen = new Set<Queue<Tasks>>();
    const renders = { moving: 0, still: 0 };
    function Row({ label, job }: { label: 'moving' | 'still'; job: JobHandle }) {
      renders[label]++;
      const { state, progress, result } = useJob(job);
      return h('p', { id: label }, `${state ?? '…'} ${String(progress ?? '-')} ${String(result ?? '-')}`);
    }
    const { root, el } = mount(h(QueueUser, { options: o, seen }));
    await expect.poll(() => seen.size).toBe(1);
    const [queue] = [...seen];
    const still = await queue!.add('echo', 'later', { delay: 60_000 });
    const moving = await queue!.add('steps', 8, { delay: 300 });
    root.render(h(QueueUser, { options: o, seen }, h(Row, { label: 'moving', job: moving }), h(Row, { label: 'still', job: still })));
    await expect.poll(() => el.querySelector('#still')?.textContent).toBe('delayed - -');
    await expect.poll(() => el.querySelector('#moving')?.textContent).toBe('delayed - -');
    const stillBefore = renders.still;
    const movingBefore = renders.moving;
    await moving.result;
    await expect.poll(() => el.querySelector('#moving')?.textContent).toBe('completed 1 8');
    // active, 8 progress reports (some may be coalesced), completed: several renders of its own row...
    expect(renders.moving - movingBefore).toBeGreaterThanOrEqual(3);
    // ... and none of the other's.
    expect(renders.still).toBe(stillBefore);
    expect(el.querySelector('#still')?.textContent).toBe('delayed - -');
  });

  it('useJob by id, with its cancel; useCounts and useJobs follow the queue; the hooks without a queue say so', async () => {
    const { options: o } = options();
    const seen = new Set<Queue<Tasks>>();
    let cancel: (() => Promise<boolean>) | undefined;
    function Job({ id }: { id: string }) {
      const job = useJob(id);
      useEffect(() => void (cancel = job.cancel));
      return h('p', { id: 'job' }, `${job.state ?? '…'} ${job.error?.name ?? '-'}`);
    }
    function Counts() {
      const counts = useCounts();
      const failed = useJobs<Tasks>({ state: 'completed', name: 'add' });
      return h('p', { id: 'counts' }, counts ? `${counts.waiting} waiting, ${counts.completed} completed; adds: ${failed?.map((j) => j.result).join(',')}` : '…');
    }
    const { root, el } = mount(h(QueueUser, { options: o, seen }, h(Counts)));
    await expect.poll(() => el.querySelector('#counts')?.textContent).toBe('0 waiting, 0 completed; adds: ');
    const [queue] = [...seen];
    await queue!.run('add', { a: 1, b: 2 });
    await queue!.run('echo', 'x');
    await queue!.run('add', { a: 2, b: 2 });
    await expect.poll(() => el.querySelector('#counts')?.textContent).toBe('0 waiting, 3 completed; adds: 4,3');

    const sleeper = await queue!.add('abortable', null);
    root.render(h(QueueUser, { options: o, seen }, h(Counts), h(Job, { id: sleeper.id })));
    await expect.poll(() => el.querySelector('#job')?.textContent).toBe('active -');
    expect(await cancel!()).toBe(true);
    await expect.poll(() => el.querySelector('#job')?.textContent).toBe('cancelled JobCancelledError');

    const errors: unknown[] = [];
    const orphan = document.createElement('div');
    const orphanRoot = createRoot(orphan, { onUncaughtError: (error) => errors.push(error) });
    orphanRoot.render(h(Job, { id: 'x' }));
    await expect.poll(() => errors.length).toBe(1);
    expect((errors[0] as Error).message).toBe('useJob() has no queue: give it one, or render it inside a <QueueProvider queue={queue}>');
    orphanRoot.unmount();
  });
});
