// What the service worker does with each message of the queue's channel while it drains.
import { describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/errors';
import { relay } from '../../src/sw/serve-queue';
import type { QueueMessage, SlimJob } from '../../src/tabs/queue-channel';

function runnerSpy() {
  const calls: Array<[string, ...unknown[]]> = [];
  let pauses = 0;
  const runner = {
    wake: () => void calls.push(['wake']),
    cancelled: (id: string, reason: Error) => void calls.push(['cancelled', id, reason]),
    pause: () => void calls.push(['pause']),
    resume: () => void calls.push(['resume']),
  };
  return { runner, calls, paused: () => void pauses++, pauses: () => pauses };
}

const job = { id: 'job-1', name: 'task', state: 'active' } as SlimJob;

describe('relay: the service worker hears other tabs while it drains', () => {
  it('jobs added wake the runner', () => {
    const spy = runnerSpy();
    relay({ type: 'added' }, spy.runner, spy.paused);
    expect(spy.calls).toEqual([['wake']]);
  });

  it('a stop says whether the job was removed or cancelled', () => {
    const spy = runnerSpy();
    relay({ type: 'stop', id: 'job-1', removed: true }, spy.runner, spy.paused);
    relay({ type: 'stop', id: 'job-2', removed: false }, spy.runner, spy.paused);
    const reasons = spy.calls.map(([, id, reason]) => [id, (reason as Error).constructor, (reason as Error).message]);
    expect(reasons).toEqual([
      ['job-1', JobCancelledError, 'Job job-1 was removed'],
      ['job-2', JobCancelledError, 'Job job-2 was cancelled'],
    ]);
  });

  it('a pause pauses the runner and ends the drain; a resume resumes it', () => {
    const spy = runnerSpy();
    relay({ type: 'paused', paused: true }, spy.runner, spy.paused);
    expect(spy.calls).toEqual([['pause']]);
    expect(spy.pauses()).toBe(1);
    relay({ type: 'paused', paused: false }, spy.runner, spy.paused);
    expect(spy.calls).toEqual([['pause'], ['resume']]);
    expect(spy.pauses()).toBe(1);
  });

  it('what is for pages changes nothing here', () => {
    const spy = runnerSpy();
    const forPages: QueueMessage[] = [
      { type: 'schedules' },
      { type: 'job', event: 'completed', job },
      { type: 'progress', job, progress: 0.5 },
      { type: 'corrupt', id: 'job-1', message: 'malformed' },
      { type: 'runner' },
    ];
    for (const message of forPages) relay(message, spy.runner, spy.paused);
    expect(spy.calls).toEqual([]);
    expect(spy.pauses()).toBe(0);
  });
});
