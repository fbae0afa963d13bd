import type { JobsOptions } from 'bullmq';
import { describe, resolveBackoff, checkDuration, checkInteger } from '../job/job-options';
import { splitDefinition, type TaskMap } from '../task/task';
import type { AddJobBody } from './protocol';

/** A request the bridge refuses: its HTTP status and what was wrong, said to the client. */
export class BridgeRefusal extends Error {
  override name = 'BridgeRefusal' as const;
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const BODY_KEYS = new Set(['id', 'name', 'data', 'options']);
const OPTION_KEYS = new Set(['attempts', 'backoff', 'delay']);
/** The longest job id taken (BullMQ's key names hold it). */
const MAX_ID_LENGTH = 256;

/** A checked add: the job, and the options BullMQ adds it with. */
export interface CheckedAdd {
  id: string;
  name: string;
  data: unknown;
  options: JobsOptions;
}

/** Reads a request's body as text, refusing one over `maxBytes` before it is all read. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(size, maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(concat(chunks, size));
}

/**
 * Checks an add's body: the shape, the id BullMQ will take, a task this server knows (when `tasks` is given),
 * options it can honour. The task's defaults fill what the body leaves out.
 */
export function checkAdd(text: string, tasks: TaskMap | undefined): CheckedAdd {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BridgeRefusal(400, `The body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BridgeRefusal(400, `Expected the body to be { id, name, data, options? }, got ${describe(body)}`);
  }
  const unknownKey = Object.keys(body).find((key) => !BODY_KEYS.has(key));
  if (unknownKey !== undefined) throw new BridgeRefusal(400, `Unknown field \`${unknownKey}\` in the body; expected ${[...BODY_KEYS].join(', ')}`);
  const { id, name, data, options = {} } = body as AddJobBody;
  checkId(id);
  if (typeof name !== 'string' || name === '') throw new BridgeRefusal(400, `Expected \`name\` to be a task's name, got ${describe(name)}`);
  if (tasks && !Object.hasOwn(tasks, name)) {
    throw new BridgeRefusal(400, `Unknown task "${name}": this server serves ${Object.keys(tasks).join(', ') || 'no tasks'}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new BridgeRefusal(400, `Expected \`options\` to be an object, got ${describe(options)}`);
  const unknownOption = Object.keys(options).find((key) => !OPTION_KEYS.has(key));
  if (unknownOption !== undefined) throw new BridgeRefusal(400, `Unknown option \`${unknownOption}\`; a server job takes ${[...OPTION_KEYS].join(', ')}`);
  const defaults = tasks ? splitDefinition(tasks[name]!).options : {};
  try {
    const attempts = options.attempts ?? defaults.attempts ?? 1;
    checkInteger('attempts', attempts, 1);
    const backoff = resolveBackoff(options.backoff ?? defaults.backoff);
    if (backoff?.maxDelay !== undefined) throw new TypeError('`backoff.maxDelay` is not honoured by BullMQ: leave it out');
    if (options.delay !== undefined) checkDuration('delay', options.delay, 0);
    const jobOptions: JobsOptions = { jobId: id, attempts };
    if (backoff) jobOptions.backoff = { type: backoff.type, delay: backoff.delay, ...(backoff.jitter !== undefined && { jitter: backoff.jitter }) };
    if (options.delay) jobOptions.delay = options.delay;
    return { id, name, data: data ?? null, options: jobOptions };
  } catch (error) {
    throw new BridgeRefusal(400, (error as Error).message);
  }
}

/** A job id BullMQ takes as a custom `jobId`: not an integer, no `:`, not too long. */
export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) {
    throw new BridgeRefusal(400, `Expected \`id\` to be a string of 1 to ${MAX_ID_LENGTH} characters, got ${describe(id)}`);
  }
  if (id.includes(':')) throw new BridgeRefusal(400, `Expected \`id\` without ":" (BullMQ refuses it), got ${JSON.stringify(id)}`);
  if (String(Number.parseInt(id, 10)) === id) throw new BridgeRefusal(400, `Expected \`id\` not to be an integer (BullMQ refuses it), got ${JSON.stringify(id)}`);
}

function tooLarge(size: number, maxBytes: number): BridgeRefusal {
  return new BridgeRefusal(413, `The body is ${size} bytes or more; this server takes at most ${maxBytes} (maxBodyBytes)`);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
