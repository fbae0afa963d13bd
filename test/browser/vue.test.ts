// offthread/vue in real Chromium, with the real queue (IndexedDB, Web Locks, module workers).
import { createApp, defineComponent, effectScope, h, nextTick, ref } from 'vue';
import { describe, expect, it } from 'vitest';
import { QueueClosedError, type Queue, type QueueOptions } from '../../src/index';
import { provideQueue, useCounts, useJob, useJobs, useQueue } from '../../src/vue';
import type { Tasks } from '../fixtures/tasks';
import { failureOf } from '../support/failure-of';
import { fixtureWorker } from './support/test-queues';

function options(): QueueOptions {
  return { name: `vue-${crypto.randomUUID()}`, worker: fixtureWorker, concurrency: 2 };
}

async function runnerLocks(name: string): Promise<number> {
  const { held = [], pending = [] } = await navigator.locks.query();
  return [...held, ...pending].filter((lock) => lock.name === `offthread:${name}:runner`).length;
}

describe('offthread/vue', () => {
  it('useQueue: one queue per name for every scope; disposing the last scope closes it', async () => {
    const o = options();
    const first = effectScope();
    const second = effectScope();
    const a = first.run(() => useQueue<Tasks>(o))!;
    const b = second.run(() => useQueue<Tasks>({ ...o }))!;
    expect(b).toBe(a);
    expect(await a.run('add', { a: 1, b: 2 })).toBe(3);
    await expect.poll(() => runnerLocks(o.name)).toBe(1);
    first.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await a.run('echo', 'still open')).toBe('still open');
    second.stop();
    await expect.poll(async () => (await failureOf(a.add('echo', 'closed'))) instanceof QueueClosedError).toBe(true);
    await expect.poll(() => runnerLocks(o.name)).toBe(0);
    expect(() => useQueue(o)).toThrow("useQueue() must be called in a component's setup() or inside an effectScope()");
  });

  it('useJob, useCounts and useJobs give refs that follow the queue, and stop with their scope', async () => {
    const queueScope = effectScope();
    const queue = queueScope.run(() => useQueue<Tasks>(options()))!;
    const scope = effectScope();
    const job = await queue.add('steps', 4);
    const { state, progress, result, error } = scope.run(() => useJob(job, queue))!;
    const counts = scope.run(() => useCounts(queue))!;
    const steps = scope.run(() => useJobs({ name: 'steps' }, queue))!;
    await expect.poll(() => state.value).toBe('completed');
    expect(result.value).toBe(4);
    expect(progress.value).toBe(1);
    expect(error.value).toBeUndefined();
    await expect.poll(() => counts.value?.completed).toBe(1);
    await expect.poll(() => steps.value?.map((j) => [j.id, j.state])).toEqual([[job.id, 'completed']]);
    scope.stop();
    await nextTick();
    // Stopped: a later job changes nothing in these refs (the queue, held by its own scope, goes on).
    const second = await queue.add('steps', 2);
    expect(await second.result).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(counts.value?.completed).toBe(1);
    expect(steps.value).toHaveLength(1);
    queueScope.stop();
  });

  it('in components: provideQueue gives the queue to a child, whose useJob follows a ref of an id; unmounting closes', async () => {
    const o = options();
    const jobId = ref<string | undefined>();
    let seen: Queue<Tasks> | undefined;
    const Child = defineComponent(() => {
      const { state, result, error } = useJob(jobId);
      return () => h('p', `${state.value ?? '…'} ${String(result.value ?? error.value?.name ?? '-')}`);
    });
    const Root = defineComponent(() => {
      const queue = useQueue<Tasks>(o);
      seen = queue;
      provideQueue(queue);
      return () => h(Child);
    });
    const el = document.createElement('div');
    document.body.append(el);
    const app = createApp(Root);
    app.mount(el);
    expect(el.textContent).toBe('… -');
    const job = await seen!.add('add', { a: 20, b: 22 });
    jobId.value = job.id;
    await expect.poll(() => el.textContent).toBe('completed 42');
    const failing = await seen!.add('fail', 'boom');
    jobId.value = failing.id;
    await expect.poll(() => el.textContent).toBe('failed JobFailedError');
    app.unmount();
    el.remove();
    await expect.poll(async () => (await failureOf(seen!.add('echo', 'closed'))) instanceof QueueClosedError).toBe(true);
  });
});
