import { describe, expect, it } from 'vitest';
import { serializeError } from '../../src/errors';
import {
  DONE_FIELDS,
  packDone,
  packHello,
  packProgress,
  packRecall,
  packRuns,
  RUN_FIELDS,
  unpackAbort,
  unpackDone,
  unpackHello,
  unpackProgress,
  unpackRecall,
  unpackRuns,
  type RunRequest,
  type RunResult,
} from '../../src/protocol';

/** Through a structured clone, as a message goes between threads. */
const wire = <T>(message: T): unknown => structuredClone(message);

/** Shapes that are no message of the protocol, some dressed as its own. */
const GARBAGE: unknown[] = [
  null,
  undefined,
  0,
  'offthread:done',
  [],
  [1, 2, 3],
  {},
  new Uint8Array([1, 2, 3]),
  { id: 'not-a-call', type: 'GET' },
  { type: 'offthread:run' },
  { type: 'offthread:run', runs: 'nope' },
  { type: 'offthread:run', runs: [1] },
  { type: 'offthread:recall' },
  { type: 'offthread:recall', runIds: [1, null] },
  { type: 'offthread:done' },
  { type: 'offthread:done', results: 'nope' },
  { type: 'offthread:done', results: [1, 2, 3, 4, 5] },
  { type: 'offthread:done', results: [], recalled: 7 },
  { type: 'offthread:done', results: [], recalled: [1, null] },
  { type: 'offthread:progress' },
  { type: 'offthread:progress', runId: 42, progress: 1 },
];

const unpackers = { unpackRuns, unpackRecall, unpackDone, unpackProgress };

describe('protocol: each message packed, sent and unpacked comes back as it went', () => {
  it('runs, flat, in order, with a timeout only where one was given', () => {
    const requests: RunRequest[] = [
      { runId: 'r1', jobId: 'j1', name: 'add', data: { a: 1, b: 2 }, attempt: 1 },
      { runId: 'r2', jobId: 'j2', name: 'resize', data: new Uint8Array([9, 8]), attempt: 3, timeoutMs: 500 },
      { runId: 'r3', jobId: 'j3', name: 'noop', data: undefined, attempt: 1 },
    ];
    const message = packRuns(requests);
    expect(message.type).toBe('offthread:run');
    expect(message.runs).toHaveLength(3 * RUN_FIELDS);
    expect(unpackRuns(wire(message))).toEqual(requests);
    expect(Object.keys(unpackRuns(wire(message))![0]!)).not.toContain('timeoutMs');
  });

  it('a recall', () => {
    expect(unpackRecall(wire(packRecall(['r1', 'r2'])))).toEqual(['r1', 'r2']);
  });

  it('results: values, errors in plain-data form, times, and runs handed back', () => {
    const results: RunResult[] = [
      { runId: 'r1', response: { ok: true, value: 3 }, tookMs: 0.25 },
      { runId: 'r2', response: { ok: false, error: serializeError(new RangeError('too big')) }, tookMs: 12 },
      { runId: 'r3', response: { ok: true, value: undefined }, tookMs: undefined },
    ];
    const message = packDone(results, ['r4']);
    expect(message.results).toHaveLength(3 * DONE_FIELDS);
    expect(unpackDone(wire(message))).toEqual({ results, recalled: ['r4'] });
    expect(unpackDone(wire(packDone(results)))).toEqual({ results, recalled: [] });
    expect(packDone(results)).not.toHaveProperty('recalled');
  });

  it('a progress report, whatever value it carries', () => {
    expect(unpackProgress(wire(packProgress('r1', { done: 3, of: 7 })))).toEqual({ type: 'offthread:progress', runId: 'r1', progress: { done: 3, of: 7 } });
    expect(unpackProgress(wire(packProgress('r1', undefined)))).toEqual({ type: 'offthread:progress', runId: 'r1', progress: undefined });
  });

  it('a hello, with its tasks and their defaults', () => {
    const hello = packHello({ add: {}, flaky: { attempts: 3, backoff: 5 } });
    expect(unpackHello(wire(hello))).toEqual({ tasks: { add: {}, flaky: { attempts: 3, backoff: 5 } } });
  });

  it("an abort's arguments", () => {
    const reason = serializeError(new Error('cancelled'));
    expect(unpackAbort('r1', wire(reason))).toEqual({ runId: 'r1', reason });
  });
});

describe('protocol: garbage is refused, never thrown at the listener', () => {
  for (const [name, unpack] of Object.entries(unpackers)) {
    it(`${name} returns undefined for what is not its message`, () => {
      for (const shape of GARBAGE) expect(unpack(shape), `${name}(${String(JSON.stringify(shape))})`).toBeUndefined();
    });
  }

  it('another message is no message of the other kinds', () => {
    const messages = [packRuns([{ runId: 'r', jobId: 'j', name: 'n', data: 1, attempt: 1 }]), packRecall(['r']), packDone([]), packProgress('r', 1)];
    const accepted = messages.map((message) => Object.entries(unpackers).filter(([, unpack]) => unpack(wire(message)) !== undefined).map(([name]) => name));
    expect(accepted).toEqual([['unpackRuns'], ['unpackRecall'], ['unpackDone'], ['unpackProgress']]);
  });

  it('leaves out a run whose fields are wrong, and reads the others', () => {
    const good = { runId: 'r2', jobId: 'j2', name: 'add', data: 1, attempt: 1 };
    const runs = [
      ...[7, 'j1', 'add', null, 1, undefined],
      ...packRuns([good]).runs,
      ...['r3', 'j3', 'add', null, 'first', undefined],
      ...['r4', 'j4', 'add', null, 1, '100'],
    ];
    expect(unpackRuns({ type: 'offthread:run', runs })).toEqual([good]);
  });

  it('leaves out a result whose fields are wrong (no runId, a failure with no error, a time that is no number), and reads the others', () => {
    const good: RunResult = { runId: 'r2', response: { ok: true, value: 'fine' }, tookMs: 1 };
    const results = [
      ...[null, true, 1, 1],
      ...packDone([good]).results,
      ...['r3', false, 'not an error', 1],
      ...['r4', 'yes', 1, 1],
      ...['run-x', false, null, 'x'],
      ...['r5', true, 1, 'slow'],
    ];
    expect(unpackDone({ type: 'offthread:done', results })).toEqual({ results: [good], recalled: [] });
  });

  it('a hello of another shape throws a TypeError that says what came', () => {
    const expected = "Expected the worker's hello to be { tasks: { name: defaults } }, got";
    expect(() => unpackHello(undefined)).toThrow(new TypeError(`${expected} \`undefined\` (undefined)`));
    expect(() => unpackHello({ tasks: ['add'] })).toThrow(new TypeError(`${expected} an array`));
    expect(() => unpackHello({ tasks: { add: 1 } })).toThrow(new TypeError(`${expected} an object`));
    expect(() => unpackHello('hello')).toThrow(new TypeError(`${expected} \`"hello"\` (string)`));
  });

  it('an abort with no runId is refused; a reason that is no error is made one', () => {
    expect(unpackAbort(undefined, serializeError(new Error('x')))).toBeUndefined();
    const call = unpackAbort('r1', 'stop');
    expect(call?.runId).toBe('r1');
    expect(call?.reason).toMatchObject({ name: 'Error', message: 'stop' });
  });
});
