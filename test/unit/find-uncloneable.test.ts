import { describe, expect, it } from 'vitest';
import { findUncloneable } from '../../src/job/find-uncloneable';

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}

class Holder {
  callback = () => 1;
}

const classReason = (name: string) =>
  `is an instance of class ${name}; it would arrive as a plain object without its prototype and methods (send plain data)`;

describe('findUncloneable: what clones faithfully', () => {
  it.each([
    ['a number', 42],
    ['a string', 'hello'],
    ['a boolean', false],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 10n],
    ['a plain object', { a: 1, nested: { b: [1, 2, { c: 'x' }] } }],
    ['an array', [1, 'two', null, [3]]],
    ['a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['an object with no prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a Date', new Date(0)],
    ['a RegExp', /ab+c/gi],
    ['an ArrayBuffer', new ArrayBuffer(8)],
    ['a Uint8Array', new Uint8Array([1, 2, 3])],
    ['a Float64Array', new Float64Array(4)],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['a Blob', new Blob(['x'])],
    ['an Error', new RangeError('out of range')],
    ['boxed primitives', [new String('s'), new Number(1), new Boolean(true)]],
    ['a Map of plain data', new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]])],
    ['a Set of plain data', new Set([1, 'two', { three: 3 }])],
    ['symbol-keyed properties (the clone drops them)', { [Symbol('meta')]: () => 1, ok: true }],
    ['all of it nested', { when: new Date(), bytes: new Uint8Array(2), tags: new Set(['a']), index: new Map([['k', [1]]]) }],
  ])('%s', (_, value) => {
    expect(findUncloneable(value)).toBeUndefined();
  });
});

describe('findUncloneable: functions and symbols', () => {
  it('a function at the top', () => {
    expect(findUncloneable(() => 1)).toEqual({ path: 'data', reason: 'is a function' });
  });

  it('a symbol', () => {
    expect(findUncloneable({ kind: Symbol('k') })).toEqual({ path: 'data.kind', reason: 'is a symbol' });
  });

  it('names the nested path of the first problem', () => {
    const data = { items: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3, callback: () => 3 }], later: () => 4 };
    expect(findUncloneable(data)).toEqual({ path: 'data.items[3].callback', reason: 'is a function' });
  });

  it('quotes keys that are not identifiers', () => {
    expect(findUncloneable({ 'on-done': () => 1 })).toEqual({ path: 'data["on-done"]', reason: 'is a function' });
    expect(findUncloneable({ 0: { fn: () => 1 } })).toEqual({ path: 'data["0"].fn', reason: 'is a function' });
  });

  it('starts the path where it is told', () => {
    expect(findUncloneable({ fn: () => 1 }, 'progress')).toEqual({ path: 'progress.fn', reason: 'is a function' });
    expect(findUncloneable([Symbol('s')], 'result')).toEqual({ path: 'result[0]', reason: 'is a symbol' });
  });
});

describe('findUncloneable: Map and Set paths', () => {
  it('a Map value, by its key', () => {
    expect(findUncloneable(new Map([['save', () => 1]]))).toEqual({ path: 'data.get("save")', reason: 'is a function' });
    expect(findUncloneable(new Map([[7, { fn: () => 1 }]]))).toEqual({ path: 'data.get(7).fn', reason: 'is a function' });
    expect(findUncloneable(new Map([[{ id: 1 }, Symbol('v')]]))).toEqual({ path: 'data.get(…)', reason: 'is a symbol' });
  });

  it('a Map key, by its position', () => {
    expect(findUncloneable(new Map<unknown, number>([['a', 1], [() => 1, 2]]))).toEqual({ path: 'data.keys()[1]', reason: 'is a function' });
  });

  it('a Set value, by its position', () => {
    expect(findUncloneable(new Set<unknown>([1, 2, () => 3]))).toEqual({ path: 'data.values()[2]', reason: 'is a function' });
  });

  it('nested in objects and arrays', () => {
    const data = { groups: [new Map([['k', new Set<unknown>(['ok', { cb: () => 1 }])]])] };
    expect(findUncloneable(data)).toEqual({ path: 'data.groups[0].get("k").values()[1].cb', reason: 'is a function' });
  });
});

describe('findUncloneable: class instances', () => {
  it('are flagged by default, naming the class', () => {
    expect(findUncloneable({ at: new Point(1, 2) })).toEqual({ path: 'data.at', reason: classReason('Point') });
  });

  it('an anonymous class is named so', () => {
    expect(findUncloneable(new (class {})())).toEqual({ path: 'data', reason: classReason('anonymous') });
  });

  it('pass with allowClassInstances, their fields still checked', () => {
    expect(findUncloneable({ at: new Point(1, 2) }, 'result', { allowClassInstances: true })).toBeUndefined();
    expect(findUncloneable({ holder: new Holder() }, 'result', { allowClassInstances: true })).toEqual({
      path: 'result.holder.callback',
      reason: 'is a function',
    });
  });

  it.each([
    ['Promise', Promise.resolve(1)],
    ['WeakMap', new WeakMap()],
    ['WeakSet', new WeakSet()],
    ['Headers', new Headers()],
  ])('a %s is refused, even with allowClassInstances', (name, value) => {
    const problem = { path: 'data.value', reason: `is a ${name}, which cannot be cloned` };
    expect(findUncloneable({ value })).toEqual(problem);
    expect(findUncloneable({ value }, 'data', { allowClassInstances: true })).toEqual(problem);
  });
});

describe('findUncloneable: cycles', () => {
  it('a cycle of plain data is fine, and does not loop', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    node.children = [{ parent: node }];
    expect(findUncloneable(node)).toBeUndefined();
  });

  it('a cycle through a Map and a Set', () => {
    const map = new Map<string, unknown>();
    const set = new Set<unknown>([map]);
    map.set('set', set);
    expect(findUncloneable({ map })).toBeUndefined();
  });

  it('a problem behind a cycle is still found', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = { back: a, fn: () => 1 };
    a.next = b;
    expect(findUncloneable(a)).toEqual({ path: 'data.next.fn', reason: 'is a function' });
  });
});

describe('findUncloneable: getters that throw, and Proxies', () => {
  it('a getter that throws is the problem at its path, with its error as the cause', () => {
    const failure = new RangeError('no age yet');
    const data = {
      profile: {
        name: 'Ada',
        get age(): number {
          throw failure;
        },
      },
    };
    const problem = findUncloneable(data);
    expect(problem).toEqual({ path: 'data.profile.age', reason: 'could not be read: its getter threw RangeError: no age yet', cause: failure });
  });

  it('a Proxy whose traps throw is the problem at its path', () => {
    const trap = () => {
      throw new Error('trapped');
    };
    const problem = findUncloneable({ list: [1, new Proxy({}, { getPrototypeOf: trap, ownKeys: trap })] });
    expect(problem?.path).toBe('data.list[1]');
    expect(problem?.reason).toBe('could not be read (Error: trapped)');
  });

  it('a harmless Proxy reads as what it wraps: only the clone finds it, and names its path', () => {
    const data = { a: 1, deep: { items: [{ ok: true }, new Proxy({ x: 1 }, {})] } };
    expect(findUncloneable(data)).toBeUndefined();
    const problem = findUncloneable(data, 'data', { clone: true });
    expect(problem?.path).toBe('data.deep.items[1]');
    expect(problem?.reason).toMatch(/^cannot be cloned \(a Proxy\?\): DataCloneError: /);
    expect(problem?.cause).toBeInstanceOf(DOMException);
  });

  it('a Proxy at the top, in a Map and in a Set', () => {
    expect(findUncloneable(new Proxy([1, 2], {}), 'data', { clone: true })?.path).toBe('data');
    expect(findUncloneable(new Map([['k', new Proxy({}, {})]]), 'data', { clone: true })?.path).toBe('data.get("k")');
    expect(findUncloneable(new Set([1, new Proxy({}, {})]), 'result', { clone: true })?.path).toBe('result.values()[1]');
  });

  it('with clone: true, data that clones is still fine', () => {
    expect(findUncloneable({ a: [1, { b: new Date(0) }], m: new Map([[1, 'x']]) }, 'data', { clone: true })).toBeUndefined();
  });
});
