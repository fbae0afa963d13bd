/** Where data cannot be sent to a worker or stored, and why. */
export interface CloneProblem {
  /** As `data.items[3].callback`. */
  path: string;
  /** As `is a function`. */
  reason: string;
  /** What reading that place threw (a getter, a Proxy's trap), or what cloning it threw. */
  cause?: unknown;
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
 * as a plain object without its prototype); also a property whose getter (or Proxy trap) throws. Returns
 * `undefined` when all of it clones faithfully.
 *
 * A Proxy looks like what it wraps to any code that reads it, and only the clone itself refuses it: with
 * `clone: true`, once the walk finds nothing, `value` is cloned once (`structuredClone`), and if that throws,
 * the place that threw is found by cloning its parts. Costs a copy of `value`: give it where the value would be
 * copied anyway (it is stored, or sent), and not for a value whose buffers are to be transferred.
 */
export function findUncloneable(
  value: unknown,
  path = 'data',
  options: { allowClassInstances?: boolean; clone?: boolean } = {},
): CloneProblem | undefined {
  // Primitives, the common payload of tiny jobs, are cloneable: no walk, no allocation.
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return undefined;
  leaves ??= constructorsNamed(CLONEABLE_LEAVES);
  refused ??= constructorsNamed(NOT_CLONEABLE);
  const classes = options.allowClassInstances ?? false;
  const problem = visit(value, path, new WeakSet(), classes);
  if (problem || !options.clone || typeof structuredClone !== 'function') return problem;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return locateCloneFailure(value, path, error, new WeakSet(), classes);
  }
}

/** {@link walk}, with what reading `value` throws (a Proxy's trap, a getter) as the problem at `path`. */
function visit(value: unknown, path: string, seen: WeakSet<object>, classes: boolean): CloneProblem | undefined {
  try {
    return walk(value, path, seen, classes);
  } catch (error) {
    return { path, reason: `could not be read (${errorText(error)})`, cause: error };
  }
}

/** `value` did not clone (it threw `error`): the deepest place under it that does not clone alone, or `value` itself. */
function locateCloneFailure(value: unknown, path: string, error: unknown, seen: WeakSet<object>, classes: boolean): CloneProblem {
  if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const [childPath, child] of childrenOf(value, path, classes)) {
      if (typeof child !== 'object' || child === null) continue;
      try {
        structuredClone(child);
      } catch (childError) {
        return locateCloneFailure(child, childPath, childError, seen, classes);
      }
    }
  }
  const isCloneError = error instanceof DOMException && error.name === 'DataCloneError';
  const reason = isCloneError
    ? `cannot be cloned: it is a Proxy, or an object the structured clone algorithm refuses (${errorText(error)})`
    : `could not be cloned (${errorText(error)})`;
  return { path, reason, cause: error };
}

/** The parts of `value` a clone copies, with their paths; none if they cannot be read. */
function childrenOf(value: object, path: string, classes: boolean): Array<[string, unknown]> {
  try {
    if (Array.isArray(value)) return value.map((child, i) => [`${path}[${i}]`, child]);
    if (value instanceof Map) return [...value].map(([k, v]) => [`${path}.get(${keyLabel(k)})`, v] as [string, unknown]);
    if (value instanceof Set) return [...value].map((v, i) => [`${path}.values()[${i}]`, v] as [string, unknown]);
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype || proto === null || classes) {
      return Object.keys(value).map((key) => [pathOf(path, key), (value as Record<string, unknown>)[key]]);
    }
  } catch {
    // Unreadable: the fault is `value` itself.
  }
  return [];
}

function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'an error that could not be read';
  }
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
      const problem = visit(value[i], `${path}[${i}]`, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(value)) {
      const problem = property(value, key, path, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(value) || leaves!.some((c) => value instanceof c)) return undefined;
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const problem = visit(k, `${path}.keys()[${i}]`, seen, classes) ?? visit(v, `${path}.get(${keyLabel(k)})`, seen, classes);
      if (problem) return problem;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const problem = visit(v, `${path}.values()[${i++}]`, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof Node === 'function' && value instanceof Node) return { path, reason: 'is a DOM node' };
  const className = (proto as { constructor?: { name?: string } }).constructor?.name || 'anonymous';
  if (refused!.some((c) => value instanceof c)) return { path, reason: `is a ${className}, which cannot be cloned` };
  if (classes) {
    for (const key of Object.keys(value)) {
      const problem = property(value, key, path, seen, classes);
      if (problem) return problem;
    }
    return undefined;
  }
  return {
    path,
    reason: `is an instance of class ${className}; it would arrive as a plain object without its prototype and methods (send plain data)`,
  };
}

/** Walks the property `key` of `value`; a getter that throws is the problem at its path, its error the cause. */
function property(value: object, key: string, path: string, seen: WeakSet<object>, classes: boolean): CloneProblem | undefined {
  const at = pathOf(path, key);
  let child: unknown;
  try {
    child = (value as Record<string, unknown>)[key];
  } catch (error) {
    return { path: at, reason: `could not be read: its getter threw ${errorText(error)}`, cause: error };
  }
  return visit(child, at, seen, classes);
}

function pathOf(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function keyLabel(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' ? '…' : String(key);
}
