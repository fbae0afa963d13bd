// ctx.fetch against a real HTTP server on 127.0.0.1: what is worth retrying throws FetchError, what is not
// throws UnrecoverableError, and a 5xx is never taken for a success (workbox-background-sync's flaw).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, UnrecoverableError, deserializeError, serializeError } from '../../src/errors';
import { jobFetch } from '../../src/task/job-fetch';
import { failureOf } from '../support/failure-of';

let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    if (path === '/503-then-200') {
      if (hit === 1) return response.writeHead(503, { 'Retry-After': '2' }).end('busy');
      return response.writeHead(200).end('ok');
    }
    if (path === '/429') return response.writeHead(429, { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() }).end();
    if (path === '/400') return response.writeHead(400, 'Bad Request').end('no');
    if (path === '/slow') return void setTimeout(() => response.writeHead(200).end('late'), 5_000);
    response.writeHead(200).end('fine');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const signal = () => new AbortController().signal;


describe('ctx.fetch', () => {
  it('returns a 2xx response as it is', async () => {
    const response = await jobFetch(`${base}/anything`, undefined, signal());
    expect(await response.text()).toBe('fine');
  });

  it('throws a retryable FetchError on a 503, with its Retry-After, and succeeds when retried', async () => {
    const error = await failureOf(jobFetch(`${base}/503-then-200`, undefined, signal()));
    expect(error).toBeInstanceOf(FetchError);
    expect(error.message).toBe(`HTTP 503 Service Unavailable from ${base}/503-then-200`);
    expect((error as FetchError).status).toBe(503);
    expect((error as FetchError).retryAfterMs).toBe(2_000);
    expect((error as FetchError).code).toBe('ERR_FETCH');
    expect(await (await jobFetch(`${base}/503-then-200`, undefined, signal())).text()).toBe('ok');
  });

  it('reads a Retry-After given as a date on a 429', async () => {
    const error = (await failureOf(jobFetch(`${base}/429`, undefined, signal()))) as FetchError;
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBeGreaterThan(55_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('throws UnrecoverableError on any other 4xx', async () => {
    const error = await failureOf(jobFetch(`${base}/400`, undefined, signal()));
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(error.message).toBe(`HTTP 400 Bad Request from ${base}/400: a request the server refuses will not succeed by retrying`);
    expect((error.cause as FetchError).status).toBe(400);
  });

  it('throws a retryable FetchError when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(jobFetch(`http://127.0.0.1:${port}/`, undefined, signal()));
    expect(error).toBeInstanceOf(FetchError);
    expect(error.message).toBe(`Network failure: could not fetch http://127.0.0.1:${port}/`);
    expect((error as FetchError).status).toBeUndefined();
  });

  it('throws a retryable FetchError, saying so, when the server does not answer before the signal given times out', async () => {
    const error = await failureOf(jobFetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }, signal()));
    expect(error).toBeInstanceOf(FetchError);
    expect(error.message).toBe(`No answer in time: could not fetch ${base}/slow`);
    expect((error as FetchError).status).toBeUndefined();
    expect((error.cause as Error).name).toBe('TimeoutError');
    // Retryable as no answer at all: across the thread boundary it is a fetch failure without a status.
    expect(serializeError(error)).toMatchObject({ name: 'FetchError', code: 'ERR_FETCH' });
    expect(serializeError(error).status).toBeUndefined();
  });

  it('throws what the handler aborted its own request with, not a network failure', async () => {
    const own = new AbortController();
    const pending = jobFetch(`${base}/slow`, { signal: own.signal }, signal());
    own.abort(new Error('changed my mind'));
    const error = await failureOf(pending);
    expect(error).not.toBeInstanceOf(FetchError);
    expect(error.message).toBe('changed my mind');
  });

  it('is aborted with the job, and throws the abort reason', async () => {
    const controller = new AbortController();
    const pending = jobFetch(`${base}/slow`, undefined, controller.signal);
    controller.abort(new Error('job cancelled'));
    expect((await failureOf(pending)).message).toBe('job cancelled');
  });

  it('keeps Retry-After and the code across the thread boundary', () => {
    const rebuilt = deserializeError(serializeError(new FetchError('HTTP 503', { status: 503, retryAfterMs: 1_500 })));
    expect(rebuilt).toBeInstanceOf(FetchError);
    expect((rebuilt as FetchError).retryAfterMs).toBe(1_500);
    expect((rebuilt as FetchError).code).toBe('ERR_FETCH');
    expect((rebuilt as FetchError).status).toBe(503);
  });
});
