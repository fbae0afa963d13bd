import { Queue, QueueEventsProducer, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { TaskMap, TaskName } from '../task/task';
import { BridgeRefusal, checkAdd, checkId, readBody } from './add-request';
import { EventHub, type RawJobEvent } from './event-hub';
import { jobStream, parseCursor } from './job-stream';
import { CANCEL_EVENT, CANCEL_FIELD, MAX_EVENTS, type ServerJobView } from './protocol';
import { readServerJob } from './server-job';

/** What a request is about, as `authorize` sees it. */
export interface BridgeJob<Name extends string = string> {
  /** `add` a job; `read` its state; `follow` its events; `cancel` it. */
  action: 'add' | 'read' | 'follow' | 'cancel';
  id: string;
  name: Name;
  /** The job's data: the body's for `add`, the stored job's otherwise. */
  data: unknown;
}

/** `authorize`'s answer: `true` lets the request through; `false` is a 403; or a status of your choosing, with a message. */
export type Authorization = boolean | { status: 401 | 403; message?: string };

/** Options of {@link createBridge}. */
export interface BridgeOptions<Tasks extends TaskMap = TaskMap> {
  /** BullMQ's connection: ioredis options (`{ host, port }`) or an ioredis instance. */
  connection: ConnectionOptions;
  /** The BullMQ queue's name: the same as `serveBullmq`'s. */
  queue: string;
  /** The tasks module: when given, an add of an unknown task is refused, and the tasks' defaults apply. */
  tasks?: Tasks;
  /**
   * Decides each request (tokens are the app's business): called once the request is understood and before
   * anything is stored or told. For an unknown job id the answer is a 404 and it is not called.
   */
  authorize: (request: Request, job: BridgeJob<TaskName<Tasks>>) => Authorization | Promise<Authorization>;
  /**
   * The largest body an add may have, in bytes.
   * @default 1_048_576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Where the routes are: `POST <basePath>`, `GET <basePath>/<id>`, `GET <basePath>/<id>/events`,
   * `POST <basePath>/<id>/cancel`.
   * @default '/jobs'
   */
  basePath?: string;
  /** BullMQ's key prefix, as the workers have it. @default 'bull' */
  prefix?: string;
  /**
   * How long BullMQ keeps ended jobs, so that a page that comes back still reads the result.
   * @default { removeOnComplete: { age: 86_400 }, removeOnFail: { age: 604_800 } } (a day; a week)
   */
  retention?: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail' | 'keepLogs'>;
  /**
   * Milliseconds between the comments that keep a quiet event stream open through proxies.
   * @default 15_000
   */
  heartbeatMs?: number;
}

/** A fetch-style handler (`(request) => Promise<Response>`), and `close()` for its Redis connections. */
export interface Bridge {
  (request: Request): Promise<Response>;
  /** Closes the bridge's Redis connections; open event streams end. */
  close(): Promise<void>;
}

const DEFAULT_RETENTION = { removeOnComplete: { age: 86_400 }, removeOnFail: { age: 604_800 } };

/**
 * The HTTP side of the server queue: add a job (its id is BullMQ's `jobId`, so a resend adds nothing),
 * read it, follow its events (Server-Sent Events from BullMQ's `QueueEvents`), cancel it. A fetch-style
 * handler, for Node's `http` (through {@link toNodeHandler}), Hono, Next route handlers or anything that
 * speaks `Request` and `Response`.
 * @example
 * const bridge = createBridge({
 *   connection: { host: 'localhost', port: 6379 },
 *   queue: 'media',
 *   tasks,
 *   authorize: (request) => request.headers.get('authorization') === `Bearer ${token}`,
 * });
 * http.createServer(toNodeHandler(bridge)).listen(8080);
 */
export function createBridge<Tasks extends TaskMap = TaskMap>(options: BridgeOptions<Tasks>): Bridge {
  if (typeof options?.authorize !== 'function') throw new TypeError(`Expected \`authorize\` to be a function (request, job) => boolean, got ${typeof options?.authorize}`);
  if (typeof options.queue !== 'string' || options.queue === '') throw new TypeError(`Expected \`queue\` to be a queue name, got ${typeof options.queue}`);
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError(`Expected \`maxBodyBytes\` to be an integer from 1 and up, got ${String(maxBodyBytes)}`);
  const basePath = (options.basePath ?? '/jobs').replace(/\/+$/, '');
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  const base = { connection: options.connection, ...(options.prefix !== undefined && { prefix: options.prefix }) };
  const queue = new Queue(options.queue, base);
  const producer = new QueueEventsProducer(options.queue, base);
  const hub = new EventHub(queue, options.connection);
  const tasks = options.tasks;

  async function authorize(request: Request, job: BridgeJob): Promise<void> {
    const answer = await options.authorize(request, job as BridgeJob<TaskName<Tasks>>);
    if (answer === true) return;
    if (answer === false) throw new BridgeRefusal(403, `Not allowed to ${job.action} job ${job.id}`);
    if (typeof answer === 'object' && answer !== null && (answer.status === 401 || answer.status === 403)) {
      throw new BridgeRefusal(answer.status, answer.message ?? (answer.status === 401 ? 'Not signed in' : `Not allowed to ${job.action} job ${job.id}`));
    }
    throw new TypeError(`authorize() must answer true, false or { status: 401 | 403 }, got ${JSON.stringify(answer)}`);
  }

  /** The stored job, once `authorize` let the request through; a 404 if there is none. */
  async function storedJob(request: Request, id: string, action: BridgeJob['action']): Promise<ServerJobView> {
    checkId(id);
    const job = await queue.getJob(id);
    if (!job) throw new BridgeRefusal(404, `No job ${id} on queue "${options.queue}"`);
    await authorize(request, { action, id, name: job.name, data: job.data });
    const view = await readServerJob(queue, id);
    if (!view) throw new BridgeRefusal(404, `No job ${id} on queue "${options.queue}"`);
    return view;
  }

  async function add(request: Request): Promise<Response> {
    const job = checkAdd(await readBody(request, maxBodyBytes), tasks);
    await authorize(request, { action: 'add', id: job.id, name: job.name, data: job.data });
    const existing = await readServerJob(queue, job.id);
    if (existing) return sameJob(existing, job.name);
    await queue.add(job.name, job.data, { ...retention, ...job.options });
    // Two sends at once both reach here; BullMQ kept the first, which both now read.
    const stored = await readServerJob(queue, job.id);
    if (!stored) throw new Error(`Job ${job.id} was added but cannot be read back`);
    return stored.name === job.name ? json(201, { job: stored }) : sameJob(stored, job.name);
  }

  async function follow(request: Request, id: string): Promise<Response> {
    checkId(id);
    const cursor = parseCursor(request.headers.get('last-event-id'));
    const buffered: RawJobEvent[] = [];
    let listener = (event: RawJobEvent): void => void buffered.push(event);
    // Listening starts before the job is read, so what happens to it after the read is not missed.
    const unsubscribe = await hub.subscribe(id, (event) => listener(event));
    try {
      const streamId = await hub.newestId();
      const view = await storedJob(request, id, 'follow');
      const body = jobStream({
        queue,
        hub,
        view,
        streamId,
        logsHad: cursor?.logs ?? 0,
        buffered,
        goLive: (live) => void (listener = live),
        unsubscribe,
        heartbeatMs,
      });
      request.signal?.addEventListener('abort', () => void body.cancel().catch(() => undefined), { once: true });
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
      });
    } catch (error) {
      unsubscribe();
      throw error;
    }
  }

  async function cancel(request: Request, id: string): Promise<Response> {
    const view = await storedJob(request, id, 'cancel');
    if (view.state === 'completed' || view.state === 'failed' || view.state === 'cancelled') {
      return json(409, { error: `Job ${id} has already ended (${view.state}): there is nothing to cancel`, job: view });
    }
    const reason = `Job ${id} was cancelled`;
    const client = await queue.getBackend().client;
    // Only on a job that still exists: a hash made here for a job just removed would be a job of nothing.
    await client.runCommand('eval', [MARK_IF_EXISTS, 1, queue.toKey(id), CANCEL_FIELD, reason]);
    await producer.publishEvent({ eventName: CANCEL_EVENT, jobId: id, reason }, MAX_EVENTS);
    return json(202, { job: { ...view, cancelRequested: true } });
  }

  async function route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname.replace(/\/+$/, '');
    if (path !== basePath && !path.startsWith(`${basePath}/`)) throw new BridgeRefusal(404, `No route ${request.method} ${path}`);
    const parts = path.slice(basePath.length).split('/').filter(Boolean).map(decodeURIComponent);
    const [id, action] = parts;
    const method = request.method.toUpperCase();
    if (parts.length === 0) return method === 'POST' ? add(request) : notAllowed(method, 'POST');
    if (parts.length === 1) return method === 'GET' ? json(200, { job: await storedJob(request, id!, 'read') }) : notAllowed(method, 'GET');
    if (parts.length === 2 && action === 'events') return method === 'GET' ? follow(request, id!) : notAllowed(method, 'GET');
    if (parts.length === 2 && action === 'cancel') return method === 'POST' ? cancel(request, id!) : notAllowed(method, 'POST');
    throw new BridgeRefusal(404, `No route ${method} ${path}`);
  }

  const bridge = async (request: Request): Promise<Response> => {
    try {
      return await route(request);
    } catch (error) {
      if (error instanceof BridgeRefusal) return json(error.status, { error: error.message });
      return json(500, { error: `The bridge failed: ${(error as Error)?.message ?? String(error)}` });
    }
  };
  return Object.assign(bridge, {
    async close() {
      await Promise.all([hub.close(), producer.close(), queue.close()]);
    },
  });
}

const MARK_IF_EXISTS = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return -1`;

/** The answer to an add whose id is taken: the job as stored, or a 409 if it is another task's. */
function sameJob(stored: ServerJobView, name: string): Response {
  if (stored.name !== name) return json(409, { error: `Job ${stored.id} exists already, of task "${stored.name}", not "${name}"`, job: stored });
  return json(200, { job: stored });
}

function notAllowed(method: string, allowed: string): Response {
  return json(405, { error: `${method} is not allowed here; use ${allowed}` }, { allow: allowed });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}
