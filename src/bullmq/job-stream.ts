import type { Queue } from 'bullmq';
import { errorOf, isCancelled, readFields } from './server-job';
import { isAfter, type EventHub, type RawJobEvent } from './event-hub';
import { FINAL_EVENTS, LOG_EVENT, type BridgeEvent, type ServerJobView } from './protocol';

/** The most log lines a stream sends when it opens (the newest ones); later lines all go. */
const MAX_LOG_REPLAY = 1_000;

/** Where a stream resumes: the Redis stream position and the log lines the client has. */
export interface StreamCursor {
  streamId: string;
  logs: number;
}

/** `Last-Event-ID` as the bridge writes it, `<stream id>.<log lines sent>`; `undefined` if it is not one. */
export function parseCursor(header: string | null): StreamCursor | undefined {
  const match = header === null ? null : /^(\d+-\d+)\.(\d+)$/.exec(header);
  return match ? { streamId: match[1]!, logs: Number(match[2]) } : undefined;
}

/** What a stream needs to open: the job as read after `cursor.streamId` was the stream's newest entry. */
export interface StreamStart {
  queue: Queue;
  hub: EventHub;
  view: ServerJobView;
  /** Live events up to here are in `view` already. */
  streamId: string;
  /** Log lines the client has (from `Last-Event-ID`), 0 for a new follower. */
  logsHad: number;
  /** Events that came while the job was read. */
  buffered: RawJobEvent[];
  /** Swaps the buffer for a live listener; called once the stream's first events are out. */
  goLive(listener: (event: RawJobEvent) => void): void;
  unsubscribe(): void;
  heartbeatMs: number;
}

/**
 * The Server-Sent Events of one job: first its state (and the log lines the client lacks), then what happens
 * to it, until a final event. Each event's `id:` says where it stands, so a client that reconnects with
 * `Last-Event-ID` gets its state again and only the log lines it lacks. A job that has already ended gets its
 * final event at once.
 */
export function jobStream(start: StreamStart): ReadableStream<Uint8Array> {
  const { queue, view } = start;
  const encoder = new TextEncoder();
  let streamId = start.streamId;
  let logs = start.logsHad;
  let ended = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  // Events are turned into SSE in order, one after the other (a `failed` reads the job's error first).
  let line: Promise<void> = Promise.resolve();

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: BridgeEvent, id?: string): void => {
        if (ended) return;
        const { type, ...rest } = event;
        controller.enqueue(encoder.encode(`${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(rest)}\n\n`));
        if (FINAL_EVENTS.has(type)) finish();
      };
      const finish = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        start.unsubscribe();
        controller.close();
      };
      const at = (): string => `${streamId}.${logs}`;

      const from = Math.max(start.logsHad, view.logCount - MAX_LOG_REPLAY);
      const replay = view.logCount > from ? await queue.getJobLogs(view.id, from, view.logCount - 1) : { logs: [] };
      logs = from + replay.logs.length;
      send({ type: 'state', job: { ...view, logCount: logs } }, at());
      replay.logs.forEach((text, i) => send({ type: 'log', index: from + i, line: text }, `${streamId}.${from + i + 1}`));
      if (view.state === 'completed') send({ type: 'completed', result: view.result });
      else if (view.state === 'failed' || view.state === 'cancelled') send({ type: view.state, error: view.error! });
      if (ended) return;

      const onEvent = (raw: RawJobEvent): void => {
        if (!isAfter(raw.streamId, streamId)) return;
        line = line.then(async () => {
          const event = await toBridgeEvent(queue, raw, logs);
          if (ended) return;
          streamId = raw.streamId;
          if (event?.type === 'log') logs = event.index + 1;
          if (event) send(event, at());
        }).catch((error: unknown) => {
          if (!ended) controller.error(error);
        });
      };
      for (const raw of start.buffered) onEvent(raw);
      start.goLive(onEvent);
      // A comment now and then keeps proxies from closing a quiet stream.
      heartbeat = setInterval(() => {
        if (!ended) controller.enqueue(encoder.encode(': keep-alive\n\n'));
      }, start.heartbeatMs);
    },
    cancel() {
      ended = true;
      clearInterval(heartbeat);
      start.unsubscribe();
    },
  });
}

/** One of BullMQ's events as the bridge tells it; `undefined` for one the client has already (a log line it got). */
async function toBridgeEvent(queue: Queue, { event, args }: RawJobEvent, logsSent: number): Promise<BridgeEvent | undefined> {
  switch (event) {
    case 'active':
    case 'waiting':
    case 'removed':
      return { type: event };
    case 'delayed':
      return { type: 'delayed', delay: Number(args.delay) };
    case 'progress':
      return { type: 'progress', progress: args.data };
    case 'completed':
      return { type: 'completed', result: args.returnvalue };
    case 'failed': {
      const error = errorOf(await readFields(queue, String(args.jobId)), typeof args.failedReason === 'string' ? args.failedReason : undefined);
      return { type: isCancelled(error) ? 'cancelled' : 'failed', error };
    }
    case LOG_EVENT: {
      const index = Number(args.index);
      return index < logsSent ? undefined : { type: 'log', index, line: String(args.line) };
    }
    default:
      return undefined;
  }
}
