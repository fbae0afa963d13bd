// What the BullMQ tests share: the suite's Redis, a bridge served over real HTTP, and an SSE reader.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { inject } from 'vitest';
import { createBridge, toNodeHandler, type BridgeOptions } from '../../../src/bullmq';
import type { TaskMap } from '../../../src/task/task';

/** The suite's Redis, as BullMQ's connection (workers want `maxRetriesPerRequest: null`). */
export function connection() {
  const { host, port } = inject('redis');
  return { host, port, maxRetriesPerRequest: null };
}

let queues = 0;
/** A queue name no other test uses. */
export function queueName(label: string): string {
  return `${label}-${process.pid}-${++queues}-${Date.now().toString(36)}`;
}

/** A bridge on an HTTP server of its own (Node's `http`, through `toNodeHandler`), and a BullMQ `Queue` to look in. */
export async function serveBridge<Tasks extends TaskMap>(options: Omit<BridgeOptions<Tasks>, 'connection'> & Partial<Pick<BridgeOptions<Tasks>, 'connection'>>) {
  const bridge = createBridge({ connection: connection(), ...options });
  const server = createServer(toNodeHandler(bridge));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs`;
  const queue = new Queue(options.queue, { connection: connection() });
  return {
    url,
    queue,
    bridge,
    add: (body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([bridge.close(), queue.close()]);
    },
  };
}

/** One Server-Sent Event as a client reads it. */
export interface SseEvent {
  type: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Reads a job's event stream until it ends, or until `stopAfter` says so (then the connection is dropped,
 * as a client going away would), or `timeoutMs` passes (an error: the stream should have ended).
 */
export async function readEvents(url: string, options: { lastEventId?: string; stopAfter?: (event: SseEvent, all: SseEvent[]) => boolean; timeoutMs?: number; onOpen?: () => void } = {}): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`the event stream of ${url} did not end in ${options.timeoutMs ?? 20_000} ms`)), options.timeoutMs ?? 20_000);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers: options.lastEventId ? { 'last-event-id': options.lastEventId } : {}, signal: controller.signal });
    if (response.status !== 200) throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
    options.onOpen?.();
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return events;
      text += value;
      let end: number;
      while ((end = text.indexOf('\n\n')) !== -1) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = parseBlock(block);
        if (!event) continue;
        events.push(event);
        if (options.stopAfter?.(event, events)) {
          controller.abort();
          return events;
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let type = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { type, id, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
}

/** Waits until `check` holds, polling every 20 ms, or fails after `timeoutMs` saying what was awaited. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
