// The bridge's pure parts, no Redis: what an add body becomes, where a stream resumes, how stream ids order.
import { describe, expect, it } from 'vitest';
import { BridgeRefusal, checkAdd } from '../../src/bullmq/add-request';
import { isAfter } from '../../src/bullmq/event-hub';
import { parseCursor } from '../../src/bullmq/job-stream';
import { serverTasks } from './fixtures/server-tasks';

describe('checkAdd', () => {
  it("fills in the task's defaults, and the body's options win", () => {
    expect(checkAdd(JSON.stringify({ id: 'a1', name: 'flaky', data: null }), serverTasks).options).toEqual({ jobId: 'a1', attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    const given = checkAdd(JSON.stringify({ id: 'a2', name: 'flaky', options: { attempts: 5, backoff: { type: 'exponential', delay: 100, jitter: 0.5 }, delay: 1_000 } }), serverTasks);
    expect(given).toEqual({ id: 'a2', name: 'flaky', data: null, options: { jobId: 'a2', attempts: 5, backoff: { type: 'exponential', delay: 100, jitter: 0.5 }, delay: 1_000 } });
  });

  it('takes any task name when the bridge has no tasks', () => {
    expect(checkAdd(JSON.stringify({ id: 'a3', name: 'anything', data: [1] }), undefined)).toMatchObject({ name: 'anything', data: [1], options: { attempts: 1 } });
  });

  it('refuses what BullMQ would not honour, as a 400 that says so', () => {
    const refusal = (() => {
      try {
        checkAdd(JSON.stringify({ id: 'a4', name: 'echo', options: { backoff: { type: 'fixed', delay: 1, maxDelay: 5 } } }), serverTasks);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(BridgeRefusal);
    expect(refusal).toMatchObject({ status: 400, message: '`backoff.maxDelay` is not honoured by BullMQ: leave it out' });
  });
});

describe('event stream positions', () => {
  it('reads back the Last-Event-ID the bridge writes, and nothing else', () => {
    expect(parseCursor('1700000000000-3.12')).toEqual({ streamId: '1700000000000-3', logs: 12 });
    for (const header of [null, '', '12', '1-2', '1-2.x', 'abc.3']) expect(parseCursor(header)).toBeUndefined();
  });

  it('orders Redis stream ids by time, then by sequence, as numbers', () => {
    expect(isAfter('1700000000001-0', '1700000000000-9')).toBe(true);
    expect(isAfter('1700000000000-10', '1700000000000-9')).toBe(true);
    expect(isAfter('1700000000000-9', '1700000000000-9')).toBe(false);
    expect(isAfter('0-0', '1-0')).toBe(false);
  });
});
