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

describe('serializeError: hostile things thrown never throw, and come out readable and cloneable', () => {
  const plain = (thrown: unknown) => {
    const data = serializeError(thrown);
    // What comes out crosses postMessage and IndexedDB: it must survive cloning as it is.
    expect(structuredClone(data)).toEqual(data);
    return data;
  };

  it('an object whose getters throw is shown as what it is', () => {
    const thrown = {
      get message(): string {
        throw new Error('no message for you');
      },
      get name(): string {
        throw new Error('no name either');
      },
    };
    expect(plain(thrown)).toEqual({ name: 'Error', message: 'Non-error value thrown: [object Object]' });
  });

  it('an Error whose message getter throws keeps its name and says its message could not be read', () => {
    const error = new RangeError('hidden');
    Object.defineProperty(error, 'message', {
      get() {
        throw new TypeError('getter refused');
      },
    });
    const data = plain(error);
    expect(data.name).toBe('RangeError');
    expect(data.message).toBe('(its message could not be read: TypeError: getter refused)');
    expect(roundTrip(error)).toBeInstanceOf(Error);
  });

  it('an Error whose stack getter throws keeps its name and message, without a stack', () => {
    const error = new Error('stackless');
    Object.defineProperty(error, 'stack', {
      get() {
        throw new Error('no stack');
      },
    });
    expect(plain(error)).toEqual({ name: 'Error', message: 'stackless' });
  });

  it('a Proxy whose every trap throws', () => {
    const trap = () => {
      throw new Error('trapped');
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap });
    const data = plain(proxy);
    expect(data.name).toBe('Error');
    expect(data.message).toBe('Non-error value thrown: a value that could not be read (a Proxy, or an object whose conversion to text throws)');
  });

  it('a harmless Proxy of an error-shaped object is read through', () => {
    const data = plain(new Proxy({ name: 'QuotaError', message: 'full', extra: () => 1 }, {}));
    expect(data).toEqual({ name: 'QuotaError', message: 'full' });
  });

  it('an error-shaped object keeps only the fields of a serialized error (a function beside them would not clone)', () => {
    expect(plain({ name: 'E', message: 'm', code: 'E_X', retry: () => 1, status: 503 })).toEqual({ name: 'E', message: 'm', code: 'E_X', status: 503 });
  });

  it('a name or message that is not a string is made one', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'name', { value: Symbol('odd') });
    (error as { message: unknown }).message = { why: 'object message' };
    expect(plain(error)).toMatchObject({ name: 'Error', message: '{"why":"object message"}' });
  });

  it('a cyclic cause chain through errors is cut where it loops', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const data = plain(a);
    expect(data.message).toBe('a');
    expect(data.cause?.message).toBe('b');
    expect(data.cause?.cause).toBeUndefined();
  });

  it('a very deep cause chain is cut at 16 causes', () => {
    let error = new Error('0');
    for (let i = 1; i <= 1_000; i++) error = new Error(String(i), { cause: error });
    let depth = 0;
    for (let data: SerializedError | undefined = plain(error).cause; data; data = data.cause) depth++;
    expect(depth).toBe(16);
  });

  it('a thrown value whose text is huge is cut short', () => {
    expect(plain('x'.repeat(10)).message).toBe('xxxxxxxxxx');
    expect(plain({ big: 'y'.repeat(50_000) }).message.length).toBeLessThan(2_100);
  });
});
