/** Where data cannot be sent to a worker or stored, and why. */
export interface CloneProblem {
  /** As `data.items[3].callback`. */
  path: string;
  /** As `is a function`. */
  reason: string;
}

/** Built-in objects the structured clone algorithm copies whole, keeping their type. */
const CLONEABLE_LEAVES: string[] = [
  'Date', 'RegExp', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Blob', 'File', 'FileList', 'ImageData',
  'ImageBitmap', 'CryptoKey', 'DOMMatrix', 'DOMMatrixReadOnly', 'DOMPoint', 'DOMPointReadOnly', 'DOMRect',
  'DOMRectReadOnly', 'DOMQuad', 'Boolean', 'Number', 'String', 'BigInt', 'Error', 'OffscreenCanvas',
  'ReadableStream', 'WritableStream', 'TransformStream', 'MessagePort', 'VideoFrame', 'AudioData', 'RTCCertificate',
];
const NOT_CLONEABLE: string[] = ['Promise', 'WeakMap', 'WeakSet', 'WeakRef', 'Request', 'Response', 'Headers', 'Worker', 'Window'];

function constructorsNamed(names: string[]): Function[] {
  const scope = globalThis as unknown as Record<string, unknown>;
  return names.map((name) => scope[name]).filter((c): c is Function => typeof c === 'function');
}

let leaves: Function[] | undefined;
let refused: Function[] | undefined;

/**
 * Finds the first place in `value` that the structured clone algorithm would refuse, or would copy into
 * something else: a function, a symbol, a DOM node, a Promise, or an instance of a class (which arrives
 * as a plain object without its prototype). Returns `undefined` when all of it clones faithfully.
 */
export function findUncloneable(
  value: unknown,
  path = 'data',
  options: { allowClassInstances?: boolean } = {},
): CloneProblem | undefined {
  // Primitives, the common payload of tiny jobs, are cloneable: no walk, no allocation.
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return undefined;
  leaves ??= constructorsNamed(CLONEABLE_LEAVES);
  refused ??= constructorsNamed(NOT_CLONEABLE);
  return walk(value, path, new WeakSet(), options.allowClassInstances ?? false);
}

function walk(value: unknown, path: string, seen: WeakSet<object>, classes: boolean): CloneProblem | undefined {
  switch (typeof value) {
    case 'function':
      return { path, reason: 'is a function' };
    case 'symbol':
      return { path, reason: 'is a symbol' };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || seen.has(value)) return undefined;
  seen.add(value);

  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], `${path}[${i}]`, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(value)) {
      const problem = walk((value as Record<string, unknown>)[key], pathOf(path, key), seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(value) || leaves!.some((c) => value instanceof c)) return undefined;
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const problem = walk(k, `${path}.keys()[${i}]`, seen, classes) ?? walk(v, `${path}.get(${keyLabel(k)})`, seen, classes);
      if (problem) return problem;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const problem = walk(v, `${path}.values()[${i++}]`, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof Node === 'function' && value instanceof Node) return { path, reason: 'is a DOM node' };
  const className = (proto as { constructor?: { name?: string } }).constructor?.name || 'anonymous';
  if (refused!.some((c) => value instanceof c)) return { path, reason: `is a ${className}, which cannot be cloned` };
  if (classes) {
    for (const key of Object.keys(value)) {
      const problem = walk((value as Record<string, unknown>)[key], pathOf(path, key), seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  return {
    path,
    reason: `is an instance of class ${className}; it would arrive as a plain object without its prototype and methods (send plain data)`,
  };
}

function pathOf(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function keyLabel(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' ? '…' : String(key);
}
