import { describe, expect, it } from 'vitest';
import {
  deserializeError,
  FetchError,
  InvalidJobError,
  JobCancelledError,
  JobTimeoutError,
  OffthreadError,
  serializeError,
  StorageError,
  UnrecoverableError,
  WorkerCrashedError,
  type SerializedError,
} from '../../src/errors';

/** Serialized, through the structured clone that IndexedDB and postMessage apply, and rebuilt. */
function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

describe('serializeError / deserializeError: the library errors', () => {
  it.each([
    ['UnrecoverableError', 'ERR_UNRECOVERABLE', new UnrecoverableError('bad input'), UnrecoverableError],
    ['JobTimeoutError', 'ERR_JOB_TIMEOUT', new JobTimeoutError('ran over 30000 ms'), JobTimeoutError],
    ['JobCancelledError', 'ERR_JOB_CANCELLED', new JobCancelledError('Job a was cancelled'), JobCancelledError],
    ['WorkerCrashedError', 'ERR_WORKER_CRASHED', new WorkerCrashedError('A worker died'), WorkerCrashedError],
    ['StorageError', 'ERR_STORAGE', new StorageError('quota exceeded'), StorageError],
    ['InvalidJobError', 'ERR_INVALID_JOB', new InvalidJobError('Unknown task "x"'), InvalidJobError],
  ] as const)('%s keeps its class, code, message and stack', (name, code, original, Class) => {
    const data = serializeError(original);
    expect(data).toEqual({ name, code, message: original.message, stack: original.stack });

    const rebuilt = roundTrip(original);
    expect(rebuilt).toBeInstanceOf(Class);
    expect(rebuilt).toBeInstanceOf(OffthreadError);
    expect(rebuilt).toBeInstanceOf(Error);
    expect(rebuilt.name).toBe(name);
    expect((rebuilt as OffthreadError).code).toBe(code);
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt.stack).toBe(original.stack);
  });

  it('FetchError keeps its class, status, Retry-After wait, and the offline code', () => {
    const http = roundTrip(new FetchError('HTTP 503 from /api', { status: 503, retryAfterMs: 2_000 }));
    expect(http).toBeInstanceOf(FetchError);
    expect(http).toMatchObject({ name: 'FetchError', code: 'ERR_FETCH', status: 503, retryAfterMs: 2_000, message: 'HTTP 503 from /api' });

    const offline = roundTrip(new FetchError('Offline: could not fetch /api', { offline: true }));
    expect(offline).toBeInstanceOf(FetchError);
    expect((offline as FetchError).code).toBe('ERR_OFFLINE');
    expect((offline as FetchError).status).toBeUndefined();
  });

  it('keeps the default message of UnrecoverableError', () => {
    expect(roundTrip(new UnrecoverableError()).message).toBe('Unrecoverable error');
  });
});

describe('serializeError / deserializeError: cause chains', () => {
  it('keeps every link, each rebuilt as its class', () => {
    const root = new RangeError('width out of range');
    const middle = new WorkerCrashedError('The worker failed', { cause: root });
    const top = new JobTimeoutError('gave up', { cause: middle });

    const rebuilt = roundTrip(top);
    expect(rebuilt).toBeInstanceOf(JobTimeoutError);
    expect(rebuilt.cause).toBeInstanceOf(WorkerCrashedError);
    expect((rebuilt.cause as Error).message).toBe('The worker failed');
    expect((rebuilt.cause as Error).stack).toBe(middle.stack);
    const inner = (rebuilt.cause as Error).cause as Error;
    expect(inner).toBeInstanceOf(Error);
    expect(inner.name).toBe('RangeError');
    expect(inner.message).toBe('width out of range');
    expect(inner.stack).toBe(root.stack);
    expect(inner.cause).toBeUndefined();
  });

  it('a cause that is not an Error becomes one', () => {
    const rebuilt = roundTrip(new Error('outer', { cause: 'disk full' }));
    expect(rebuilt.cause).toBeInstanceOf(Error);
    expect((rebuilt.cause as Error).message).toBe('disk full');
  });

  it('a library error with no cause has none after the trip', () => {
    expect(roundTrip(new JobTimeoutError('late')).cause).toBeUndefined();
    expect(serializeError(new JobTimeoutError('late'))).not.toHaveProperty('cause');
  });

  // BUG (src/errors.ts, serializeError): it recurses into `cause` with no guard, so a loop overflows the
  // stack; in a worker the run then rejects and the pool reports it as a WorkerCrashedError (a stall).
  it('a cause chain that loops does not overflow the stack', () => {
    const error = new Error('loops');
    (error as Error & { cause: unknown }).cause = error;
    expect(() => serializeError(error)).not.toThrow();
    expect(serializeError(error).message).toBe('loops');
  });
});

describe("serializeError / deserializeError: a handler's own errors", () => {
  it('a RangeError keeps its name, message and stack', () => {
    const original = new RangeError('width must be positive');
    const rebuilt = roundTrip(original);
    expect(rebuilt).toBeInstanceOf(Error);
    expect(rebuilt.name).toBe('RangeError');
    expect(rebuilt.message).toBe('width must be positive');
    expect(rebuilt.stack).toBe(original.stack);
  });

  it('a custom name and a string code are kept', () => {
    class ValidationError extends Error {
      override name = 'ValidationError';
      code = 'E_VALIDATION';
    }
    const original = new ValidationError('email is missing');
    expect(serializeError(original)).toEqual({
      name: 'ValidationError',
      code: 'E_VALIDATION',
      message: 'email is missing',
      stack: original.stack,
    });
    const rebuilt = roundTrip(original);
    expect(rebuilt.name).toBe('ValidationError');
    expect((rebuilt as Error & { code?: string }).code).toBe('E_VALIDATION');
    expect(rebuilt.message).toBe('email is missing');
    expect(rebuilt.stack).toBe(original.stack);
  });

  it('a code that is not a string is left out', () => {
    const error = Object.assign(new Error('errno'), { code: 13 });
    expect(serializeError(error)).not.toHaveProperty('code');
  });

  it("a handler's error named like a library error is rebuilt as that class", () => {
    const data: SerializedError = { name: 'UnrecoverableError', message: 'thrown by name only' };
    expect(deserializeError(data)).toBeInstanceOf(UnrecoverableError);
  });

  it('an error named like a property of every object (constructor, toString) stays an Error of that name', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const rebuilt = deserializeError({ name, message: 'odd name' });
      expect(rebuilt).toBeInstanceOf(Error);
      expect(rebuilt.name).toBe(name);
      expect(rebuilt.message).toBe('odd name');
    }
  });

  it('plain data with no stack gets one, and stays the named error', () => {
    const rebuilt = deserializeError({ name: 'TypeError', message: 'x is not a function' });
    expect(rebuilt.name).toBe('TypeError');
    expect(rebuilt.message).toBe('x is not a function');
    expect(typeof rebuilt.stack).toBe('string');
  });
});

describe('serializeError: things thrown that are not errors', () => {
  it('a string becomes the message', () => {
    expect(serializeError('disk full')).toEqual({ name: 'Error', message: 'disk full' });
    expect(roundTrip('disk full')).toBeInstanceOf(Error);
    expect(roundTrip('disk full').message).toBe('disk full');
  });

  it('an object is shown as JSON', () => {
    expect(serializeError({ status: 500, body: 'oops' })).toEqual({
      name: 'Error',
      message: 'Non-error value thrown: {"status":500,"body":"oops"}',
    });
  });

  it('a number, null and undefined are shown', () => {
    expect(serializeError(42).message).toBe('Non-error value thrown: 42');
    expect(serializeError(null).message).toBe('Non-error value thrown: null');
    expect(serializeError(undefined).message).toBe('Non-error value thrown: undefined');
  });

  it('an object JSON cannot show (a cycle, a bigint) does not throw', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(serializeError(cyclic)).toEqual({ name: 'Error', message: 'Non-error value thrown: [object Object]' });
    expect(serializeError(10n)).toEqual({ name: 'Error', message: 'Non-error value thrown: 10' });
  });

  // BUG (src/errors.ts, describeThrown): JSON.stringify returns undefined (it does not throw) for a symbol.
  it('a symbol is shown as itself, not as "undefined"', () => {
    expect(serializeError(Symbol('stop')).message).toBe('Non-error value thrown: Symbol(stop)');
  });

  it('an object shaped like a serialized error is taken as one', () => {
    const data = { name: 'QuotaError', message: 'full', code: 'E_QUOTA' };
    expect(serializeError(data)).toEqual(data);
    expect(roundTrip(data).name).toBe('QuotaError');
  });

  it('what comes out is plain data that survives structured cloning', () => {
    for (const thrown of [new JobTimeoutError('t', { cause: new Error('c') }), 'text', { a: 1 }, 7]) {
      const data = serializeError(thrown);
      expect(structuredClone(data)).toEqual(data);
    }
  });
});
