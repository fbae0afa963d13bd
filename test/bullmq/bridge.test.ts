// The bridge and serveBullmq in this process, against the suite's real Redis, over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { serveBullmq, type BullmqServer } from '../../src/bullmq';
import { seen, serverTasks } from './fixtures/server-tasks';
import { connection, queueName, readEvents, serveBridge, waitFor, type SseEvent } from './support/harness';

const allow = () => true;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(options: { authorize?: Parameters<typeof serveBridge>[0]['authorize']; maxBodyBytes?: number; serve?: boolean } = {}) {
  const queue = queueName('bridge');
  const http = await serveBridge({ queue, tasks: serverTasks, authorize: options.authorize ?? allow, ...(options.maxBodyBytes && { maxBodyBytes: options.maxBodyBytes }) });
  cleanups.push(() => http.close());
  let server: BullmqServer | undefined;
  const serve = async () => {
    server = serveBullmq(serverTasks, { connection: connection(), queue, concurrency: 2 });
    cleanups.push(() => server!.close());
    await server.ready();
    return server;
  };
  if (options.serve !== false) await serve();
  return { ...http, name: queue, serve, events: (id: string) => `${http.url}/${id}/events` };
}

const types = (events: SseEvent[]) => events.map((event) => event.type);

describe('adding a job', () => {
  it('adds once for a resent id: 201, then 200 with the same job, and the handler runs once', async () => {
    const bridge = await setup();
    const body = { id: 'resent-1', name: 'steps', data: { n: 1, ms: 10 } };
    const first = await bridge.add(body);
    expect(first.status).toBe(201);
    const again = await Promise.all([bridge.add(body), bridge.add(body), bridge.add(body)]);
    expect(again.map((response) => response.status)).toEqual([200, 200, 200]);
    const job = ((await again[0]!.json()) as { job: { id: string; name: string } }).job;
    expect(job).toMatchObject({ id: 'resent-1', name: 'steps' });
    const final = await readEvents(bridge.events('resent-1'));
    expect(final.at(-1)).toMatchObject({ type: 'completed', data: { result: { steps: 1, attempt: 1 } } });
    const counts = await bridge.queue.getJobCounts();
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(seen.ran.filter((id) => id === 'resent-1')).toHaveLength(1);
  });

  it('makes one job of sends that race, all answered with it', async () => {
    const bridge = await setup({ serve: false });
    const body = { id: 'raced-1', name: 'echo', data: { text: 'hi' } };
    const responses = await Promise.all(Array.from({ length: 6 }, () => bridge.add(body)));
    expect(responses.every((response) => response.status === 200 || response.status === 201)).toBe(true);
    expect(await bridge.queue.getJobCounts('wait')).toEqual({ wait: 1 });
  });

  it('refuses an id taken by another task with a 409, and changes nothing', async () => {
    const bridge = await setup({ serve: false });
    expect((await bridge.add({ id: 'taken-1', name: 'echo', data: { text: 'a' } })).status).toBe(201);
    const other = await bridge.add({ id: 'taken-1', name: 'steps', data: { n: 1, ms: 1 } });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: string }).error).toBe('Job taken-1 exists already, of task "echo", not "steps"');
    expect((await bridge.queue.getJob('taken-1'))?.data).toEqual({ text: 'a' });
  });
});

describe('bad requests get a 4xx with a message, and nothing is added', () => {
  const cases: [string, string | object, number, string][] = [
    ['bad JSON', '{"id": "x1", "name": ', 400, 'The body is not JSON: '],
    ['a body that is not an object', '[1, 2]', 400, 'Expected the body to be { id, name, data, options? }, got an array'],
    ['an unknown task', { id: 'x2', name: 'nope', data: null }, 400, 'Unknown task "nope": this server serves echo, steps, untilAborted, refuse, flaky'],
    ['no id', { name: 'echo', data: null }, 400, 'Expected `id` to be a string of 1 to 256 characters, got `undefined` (undefined)'],
    ['an integer id', { id: '42', name: 'echo', data: null }, 400, 'Expected `id` not to be an integer (BullMQ refuses it), got "42"'],
    ['an id with a colon', { id: 'a:b', name: 'echo', data: null }, 400, 'Expected `id` without ":" (BullMQ refuses it), got "a:b"'],
    ['an unknown field', { id: 'x3', name: 'echo', data: null, priority: 3 }, 400, 'Unknown field `priority` in the body; expected id, name, data, options'],
    ['an unknown option', { id: 'x4', name: 'echo', data: null, options: { timeout: 5 } }, 400, 'Unknown option `timeout`; a server job takes attempts, backoff, delay'],
    ['bad attempts', { id: 'x5', name: 'echo', data: null, options: { attempts: 0 } }, 400, 'Expected `attempts` to be an integer from 1 and up, got `0` (number)'],
    ['an oversized body', { id: 'x6', name: 'echo', data: { text: 'x'.repeat(2_000) } }, 413, 'this server takes at most 1000 (maxBodyBytes)'],
  ];
  for (const [what, body, status, message] of cases) {
    it(what, async () => {
      const bridge = await setup({ serve: false, maxBodyBytes: 1000 });
      const response = await bridge.add(body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toContain(message);
      const counts = await bridge.queue.getJobCounts();
      expect(Object.values(counts).every((count) => count === 0)).toBe(true);
    });
  }

  it('an oversized body sent in chunks with no length is cut off at the limit', async () => {
    const bridge = await setup({ serve: false, maxBodyBytes: 1000 });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(500)));
        controller.close();
      },
    });
    const response = await fetch(bridge.url, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('The body is 1500 bytes or more; this server takes at most 1000 (maxBodyBytes)');
  });

  it('an unknown route is a 404, a wrong method a 405, an unknown job a 404', async () => {
    const bridge = await setup({ serve: false });
    expect((await fetch(`${bridge.url}/a/b/c`)).status).toBe(404);
    const wrong = await fetch(bridge.url);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const missing = await fetch(`${bridge.url}/no-such-job`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe(`No job no-such-job on queue "${bridge.name}"`);
  });
});

describe('authorize', () => {
  it('refusing gives 401 or 403 with its message, and stores nothing', async () => {
    const asked: string[] = [];
    const bridge = await setup({
      serve: false,
      authorize: (request, job) => {
        asked.push(`${job.action} ${job.id} ${job.name}`);
        const token = request.headers.get('authorization');
        if (!token) return { status: 401, message: 'Sign in first' };
        return token === 'Bearer good';
      },
    });
    const anonymous = await bridge.add({ id: 'auth-1', name: 'echo', data: { text: 'a' } });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'Sign in first' });
    const wrong = await bridge.add({ id: 'auth-1', name: 'echo', data: { text: 'a' } }, { authorization: 'Bearer bad' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'Not allowed to add job auth-1' });
    expect(await bridge.queue.getJob('auth-1')).toBeUndefined();

    expect((await bridge.add({ id: 'auth-1', name: 'echo', data: { text: 'a' } }, { authorization: 'Bearer good' })).status).toBe(201);
    expect((await fetch(`${bridge.url}/auth-1`)).status).toBe(401);
    expect((await fetch(`${bridge.url}/auth-1/events`)).status).toBe(401);
    const cancel = await fetch(`${bridge.url}/auth-1/cancel`, { method: 'POST', headers: { authorization: 'Bearer bad' } });
    expect(cancel.status).toBe(403);
    expect((await bridge.queue.getJob('auth-1'))?.data).toEqual({ text: 'a' });
    expect(await bridge.queue.getJobState('auth-1')).toBe('waiting');
    expect(asked).toEqual(['add auth-1 echo', 'add auth-1 echo', 'add auth-1 echo', 'read auth-1 echo', 'follow auth-1 echo', 'cancel auth-1 echo']);
  });
});

describe('following a job', () => {
  it('streams progress, logs and the result, then ends', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'follow-1', name: 'steps', data: { n: 3, ms: 150 } });
    const all = await readEvents(bridge.events('follow-1'));
    expect(all[0]).toMatchObject({ type: 'state', data: { job: { id: 'follow-1', name: 'steps' } } });
    const after = all.slice(1);
    expect(after.filter((event) => event.type === 'log').map((event) => event.data)).toEqual([
      { index: 0, line: 'step 1 of 3' },
      { index: 1, line: 'step 2 of 3' },
      { index: 2, line: 'step 3 of 3' },
    ]);
    const progress = all.filter((event) => event.type === 'progress').map((event) => event.data.progress);
    expect(progress.at(-1)).toBe(1);
    expect(all.at(-1)).toMatchObject({ type: 'completed', data: { result: { steps: 3, attempt: 1, pid: process.pid } } });
    expect(types(all).filter((type) => type === 'completed')).toHaveLength(1);
    const read = (await (await fetch(`${bridge.url}/follow-1`)).json()) as { job: Record<string, unknown> };
    expect(read.job).toMatchObject({ state: 'completed', attempt: 1, attempts: 1, progress: 1, result: { steps: 3 }, logCount: 3, cancelRequested: false });
  });

  it('a stream opened after the job ended gets its final state at once', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'late-1', name: 'steps', data: { n: 2, ms: 5 } });
    await waitFor('late-1 to complete', async () => (await bridge.queue.getJobState('late-1')) === 'completed');
    const all = await readEvents(bridge.events('late-1'));
    expect(types(all)).toEqual(['state', 'log', 'log', 'completed']);
    expect(all[0]!.data.job).toMatchObject({ state: 'completed', progress: 1, result: { steps: 2 } });
    expect(all[3]!.data).toEqual({ result: { steps: 2, attempt: 1, pid: process.pid } });

    await bridge.add({ id: 'late-2', name: 'refuse', data: null });
    await waitFor('late-2 to fail', async () => (await bridge.queue.getJobState('late-2')) === 'failed');
    const failed = await readEvents(bridge.events('late-2'));
    expect(types(failed)).toEqual(['state', 'failed']);
    expect(failed[1]!.data.error).toMatchObject({ name: 'UnrecoverableError', message: 'nothing to retry here', code: 'ERR_UNRECOVERABLE' });
  });

  it('resumes with Last-Event-ID: the state again, and only the log lines the client lacks', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'resume-1', name: 'steps', data: { n: 4, ms: 150 } });
    const first = await readEvents(bridge.events('resume-1'), { stopAfter: (event) => event.type === 'log' && event.data.index === 1 });
    const last = first.at(-1)!;
    expect(last.id).toMatch(/^\d+-\d+\.2$/);
    const rest = await readEvents(bridge.events('resume-1'), { lastEventId: last.id! });
    expect(rest[0]!.type).toBe('state');
    const lines = rest.filter((event) => event.type === 'log').map((event) => event.data.index);
    expect(lines).toEqual([2, 3]);
    expect(rest.at(-1)).toMatchObject({ type: 'completed', data: { result: { steps: 4 } } });
  });

  it('a failed run retried shows the retry, then the result of the next attempt', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'flaky-1', name: 'flaky', data: null });
    const all = await readEvents(bridge.events('flaky-1'));
    expect(types(all)).not.toContain('failed');
    expect(all.at(-1)).toMatchObject({ type: 'completed', data: { result: { attempt: 2 } } });
  });

  it('an UnrecoverableError ends the job at once, whatever attempts are left', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'refuse-1', name: 'refuse', data: null });
    const all = await readEvents(bridge.events('refuse-1'));
    expect(all.at(-1)).toMatchObject({ type: 'failed', data: { error: { name: 'UnrecoverableError', message: 'nothing to retry here' } } });
    const job = await bridge.queue.getJob('refuse-1');
    expect([job?.attemptsMade, job?.opts.attempts]).toEqual([1, 3]);
  });
});

describe('cancel', () => {
  it('reaches a running handler through ctx.signal, and the job ends cancelled', async () => {
    const bridge = await setup();
    await bridge.add({ id: 'cancel-1', name: 'untilAborted', data: null });
    const events = readEvents(bridge.events('cancel-1'));
    await waitFor('cancel-1 to run', () => seen.ran.includes('cancel-1'));
    const response = await fetch(`${bridge.url}/cancel-1/cancel`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { job: { cancelRequested: boolean } }).job.cancelRequested).toBe(true);
    const all = await events;
    expect(all.at(-1)).toMatchObject({ type: 'cancelled', data: { error: { name: 'JobCancelledError', message: 'Job cancel-1 was cancelled' } } });
    expect(seen.aborted).toContainEqual({ jobId: 'cancel-1', reason: 'JobCancelledError' });
    const read = (await (await fetch(`${bridge.url}/cancel-1`)).json()) as { job: { state: string } };
    expect(read.job.state).toBe('cancelled');
    const again = await fetch(`${bridge.url}/cancel-1/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('a job cancelled while it waits ends cancelled when a worker takes it, without running', async () => {
    const bridge = await setup({ serve: false });
    await bridge.add({ id: 'cancel-2', name: 'steps', data: { n: 1, ms: 1 } });
    expect((await fetch(`${bridge.url}/cancel-2/cancel`, { method: 'POST' })).status).toBe(202);
    await bridge.serve();
    const all = await readEvents(bridge.events('cancel-2'));
    expect(all.at(-1)).toMatchObject({ type: 'cancelled', data: { error: { name: 'JobCancelledError' } } });
    expect(seen.ran).not.toContain('cancel-2');
  });
});

describe('serveBullmq', () => {
  it('closing aborts running handlers and puts their jobs back to wait, unspent', async () => {
    const bridge = await setup({ serve: false });
    const server = await bridge.serve();
    await bridge.add({ id: 'shutdown-1', name: 'untilAborted', data: null });
    await waitFor('shutdown-1 to run', () => seen.ran.includes('shutdown-1'));
    await server.close();
    expect(seen.aborted).toContainEqual({ jobId: 'shutdown-1', reason: 'ShutdownSignal' });
    expect(await bridge.queue.getJobState('shutdown-1')).toBe('waiting');
    expect((await bridge.queue.getJob('shutdown-1'))?.attemptsMade).toBe(0);
  });

  it('refuses bad arguments with a TypeError that says what came', () => {
    expect(() => serveBullmq(null as never, { connection: connection(), queue: 'q' })).toThrow('Expected serveBullmq() to be given the tasks of defineTasks(), got null');
    expect(() => serveBullmq(serverTasks, { connection: connection(), queue: 'q', concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got 0');
  });
});
